/**
 * Issue 18's "done when", part two, on a runtime whose model is the LOCAL FAKE Anthropic server
 * (APOLLO_AI_FAKE_MODEL=1): after `debug prod core-service`'s findings the analysis streams into the terminal; an
 * admin terminates the session from the active-sessions view while a question streams, and the owner's stream
 * stops and their prompt is closed.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo({ env: { APOLLO_AI_FAKE_MODEL: '1' } });

const transcript = async (page: Page) => (await page.getByTestId('ai-transcript-text').textContent()) ?? '';

describe('debug with the fake model', () => {
  it('streams the analysis after the findings, and stops when an admin terminates the session', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog/core-service?environment=prod');
    await page.getByTestId('open-ai-console').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/, { timeout: 30_000 });
    const id = page.url().split('/').pop()!;
    await page.getByTestId('ai-terminal').waitFor();
    expect(await page.getByTestId('ai-model').innerText()).not.toMatch(/no model/i);
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('debug prod core-service');
    await page.keyboard.press('Enter');
    await expect.poll(() => transcript(page), { timeout: 60_000 }).toContain('HikariPool-1 - Connection is not available');
    // The fake model's analysis, streamed after the findings, then the turn's end.
    await expect.poll(() => transcript(page), { timeout: 60_000 }).toContain('LOCAL FAKE');
    await expect.poll(() => page.getByTestId('ai-terminal').getAttribute('data-status'), { timeout: 60_000 }).toBe('active');
    const text = await transcript(page);
    expect(text.indexOf('LOCAL FAKE')).toBeGreaterThan(text.indexOf('HikariPool-1'));
    expect(text).toMatch(/end_turn/);
    await screenshot(page, 'ai-model-analysis');

    // The admin's kill switch from the active sessions view: the owner's terminal shows it and takes no more input.
    const adminContext = await newContext(local.browser);
    const admin = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', '/ai?tab=active');
    const row = admin.locator(`[data-testid="ai-active-row"][data-id="${id}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.getByTestId('ai-terminate').click();
    // The confirmation's own button (the row's Terminate stays under the dialog's backdrop).
    const confirm = admin.locator('.bp6-alert').getByRole('button', { name: 'Terminate' });
    await confirm.waitFor({ state: 'visible', timeout: 10_000 });
    await confirm.click();
    await expect.poll(() => page.getByTestId('ai-terminal').getAttribute('data-status'), { timeout: 10_000 }).toBe('terminated');
    expect(await page.getByTestId('ai-input-disabled').count()).toBe(1);
    await adminContext.close();
    await context.close();
  });
});
