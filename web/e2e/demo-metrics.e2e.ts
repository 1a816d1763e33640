/**
 * The service page's "Local demo only" demo metrics panel in a real browser against `npm start`: a developer
 * sees core-service's environments with their running version and baseline error rate, pushes prod's error
 * rate to 15 % and sees it, puts it back to normal, then replays the design doc's core-service error spike
 * (Appendix B) — what canary analysis then reads through the Prometheus adapter.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const prodRow = (page: Page) => page.locator('[data-testid="local-metrics-env"][data-environment="prod"]');
const prodErrorRate = (page: Page) => prodRow(page).getByTestId('local-metrics-error-rate').innerText();

describe('local demo metrics', () => {
  it('pushes core-service prod\'s error rate up and back from its service page, and replays the Appendix B spike', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog/core-service');
    const panel = page.getByTestId('local-metrics-control');
    await panel.waitFor({ timeout: 20_000 });
    expect(await panel.innerText()).toContain('Local demo only');
    expect(Number.parseFloat(await prodErrorRate(page))).toBeLessThan(0.6);

    await prodRow(page).getByTestId('local-metrics-push').click();
    await expect.poll(() => prodErrorRate(page), { timeout: 15_000 }).toContain('pushed 15.0 %');
    await page.waitForTimeout(1_100);
    await page.reload();
    await expect.poll(async () => Number.parseFloat(await prodErrorRate(page)), { timeout: 20_000 }).toBeGreaterThan(1);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'service-demo-metrics-pushed');

    await prodRow(page).getByTestId('local-metrics-normal').click();
    await expect.poll(() => prodErrorRate(page), { timeout: 15_000 }).not.toContain('pushed');

    await panel.getByTestId('local-metrics-preset').click();
    await expect.poll(() => prodErrorRate(page), { timeout: 15_000 }).toContain('pushed 2.3 %');
    await context.close();
  });
});
