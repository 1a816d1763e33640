/**
 * Issue 18's "done when", part one, in a real browser on a runtime with no model configured: a developer opens the
 * AI console from core-service's page in prod, runs `debug prod core-service`, and reads the findings tables naming
 * the HikariCP pool exhaustion (Appendix B), computed without a model, then the notice that analysis needs one.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const transcript = async (page: Page) => (await page.getByTestId('ai-transcript-text').textContent()) ?? '';

describe('debug without a model', () => {
  it('a developer runs debug prod core-service from its page and reads the findings naming the HikariCP pool', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog/core-service?tab=metrics&environment=prod');
    await page.getByTestId('open-ai-console').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/, { timeout: 30_000 });
    await page.getByTestId('ai-terminal').waitFor();
    expect(await page.getByTestId('ai-model').innerText()).toMatch(/no model/i);
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('debug prod core-service');
    await page.keyboard.press('Enter');
    // The findings: health, the last errors grouped with counts (the pool first), deployments, the runbook.
    await expect.poll(() => transcript(page), { timeout: 60_000 }).toMatch(/analysis needs a model/i);
    const text = await transcript(page);
    expect(text).toContain('Service Health Overview');
    expect(text).toMatch(/Recent Errors/);
    expect(text).toMatch(/\d+\s*│?\s*HikariPool-1 - Connection is not available/);
    expect(text).toContain('High error rate');
    expect(await page.locator('[data-testid="ai-tool-call"][data-name="error_groups"]').count()).toBeGreaterThan(0);
    await screenshot(page, 'ai-debug-findings');
    await context.close();
  });
});
