/**
 * The AI console in a real browser against the local runtime: a developer opens a session, types a built-in command
 * into the terminal and reads its streamed answer; the transcript survives a reload; an admin sees the session among
 * the active ones and terminates it, and the owner's terminal shows the banner and stops taking input.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const transcript = (page: Page) => page.getByTestId('ai-transcript-text').textContent();
const lastSeq = async (page: Page) => Number(await page.getByTestId('ai-terminal').getAttribute('data-last-seq'));

describe('the AI console', () => {
  it('opens a session, streams a command into the terminal, keeps it across a reload, and an admin terminates it', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/ai');
    await page.getByTestId('ai-page').waitFor();
    await screenshot(page, 'ai-empty');
    await page.getByTestId('ai-new-session').click();
    await page.getByTestId('ai-new-submit').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/);
    const id = page.url().split('/').pop()!;
    await page.getByTestId('ai-terminal').waitFor();
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('help');
    await page.keyboard.press('Enter');
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toContain('apollo> help');
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toMatch(/— \w+/);
    const seq = await lastSeq(page);
    expect(seq).toBeGreaterThan(0);
    const before = await transcript(page);
    await screenshot(page, 'ai-terminal');

    await page.reload();
    await expect.poll(() => lastSeq(page), { timeout: 30_000 }).toBe(seq);
    expect(await transcript(page)).toBe(before);

    const admin = await signIn(await newContext(local.browser), local.apollo.url, 'admin@apollo.local', '/ai?tab=active');
    await admin.locator(`[data-testid="ai-active-row"][data-id="${id}"]`).waitFor();
    await screenshot(admin, 'ai-active');
    await admin.locator(`[data-testid="ai-active-row"][data-id="${id}"] [data-testid="ai-terminate"]`).click();
    // The confirmation's own button (the row's Terminate stays under the dialog's backdrop).
    const confirm = admin.locator('.bp6-alert').getByRole('button', { name: 'Terminate' });
    await confirm.waitFor({ state: 'visible', timeout: 10_000 });
    await confirm.click();
    await admin.locator(`[data-testid="ai-active-row"][data-id="${id}"]`).waitFor({ state: 'detached', timeout: 15_000 });

    await expect.poll(() => page.getByTestId('ai-terminal').getAttribute('data-status'), { timeout: 15_000 }).toBe('terminated');
    await page.getByTestId('ai-input-disabled').waitFor();
    await expect.poll(() => transcript(page)).toContain('Session terminated by');
    await screenshot(page, 'ai-terminated');
    await context.close();
  });

  it('opens a session about a service from its page and about an incident from its page', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog/core-service');
    await page.getByTestId('open-ai-console').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/);
    await expect.poll(() => page.getByTestId('ai-session-page').innerText()).toContain('About core-service');
    await page.getByTestId('ai-terminal').waitFor();
    // From the Logs tab showing staging: the session is about core-service in staging.
    await page.goto(`${local.apollo.url}/catalog/core-service?tab=logs&environment=staging`);
    await page.locator('[data-testid="open-ai-console"][data-environment="staging"]').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/);
    await expect.poll(() => page.getByTestId('ai-session-page').innerText()).toContain('About core-service · staging');

    const incident = (await local.apollo.client('operator').request('POST /api/v1/incidents', {
      body: { title: 'core-service errors', severity: 'high', affectedServices: ['core-service'], affectedEnvironments: ['prod'] },
    })).body;
    await page.goto(`${local.apollo.url}/incidents/${incident.id}`);
    await page.getByTestId('incident-open-ai').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/);
    await expect.poll(() => page.getByTestId('ai-session-page').innerText()).toContain(`About incident ${incident.id.slice(-8)}`);
    await screenshot(page, 'ai-incident-session');
    await context.close();
  });
});
