/**
 * Issue 18's "done when", part one, in a real browser on a runtime with no model configured: a developer opens the
 * AI console from core-service's page in prod, runs `debug prod core-service`, and reads the findings tables naming
 * the HikariCP pool exhaustion (Appendix B), computed without a model, then the notice that analysis needs one;
 * the session's replay lists each tool call with its result, and the owner marks it resolved.
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

    // The replay lists what was asked and each tool call with its result; the owner says how it ended.
    await page.getByTestId('ai-replay').click();
    await page.getByTestId('ai-replay-drawer').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('[data-testid="ai-replay-item"][data-kind="tool_call"]').count(), { timeout: 20_000 }).toBeGreaterThan(3);
    expect(await page.locator('[data-testid="ai-replay-item"]').first().getAttribute('data-kind')).toBe('message');
    expect(await page.locator('[data-testid="ai-replay-item"][data-kind="tool_result"]').count()).toBe(await page.locator('[data-testid="ai-replay-item"][data-kind="tool_call"]').count());
    await page.keyboard.press('Escape');
    await page.getByTestId('ai-outcome-resolved').click();
    await page.getByTestId('ai-outcome-note').fill('The HikariCP pool, as the findings said.');
    await page.getByTestId('ai-outcome-save').click();
    await expect.poll(() => page.getByTestId('ai-outcome').getAttribute('data-outcome'), { timeout: 20_000 }).toBe('resolved');
    await context.close();
  });
});
