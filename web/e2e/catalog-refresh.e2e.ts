/**
 * The catalog refresh in a real browser against the real local runtime: an admin refreshes the
 * self-service catalog from its (fake, and labelled so) Git repository and follows the run live to
 * its outcome; a developer is not offered it.
 */
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

describe('the catalog refresh', () => {
  it('an admin refreshes from the fake catalog repository and follows the run live to its outcome', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/self-service');
    await page.getByTestId('open-refresh').click();
    await page.getByTestId('refresh-local').waitFor();
    // npm start refreshed once at start (the seeded examples now come from the repository).
    const first = page.getByTestId('refresh-job').first();
    await expect.poll(() => first.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    expect(await first.textContent()).toMatch(/scheduled run/);
    await page.getByTestId('refresh-now').click();
    const job = page.locator('[data-testid="refresh-job"]', { hasText: 'by admin@apollo.local' }).first();
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    expect(await job.textContent()).toMatch(/6 of 6 files · 0 created · 0 updated · 6 unchanged/);
    await screenshot(page, 'catalog-refresh');
    await context.close();
  });

  it('is not offered to a developer', { timeout: 60_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/self-service');
    await page.getByTestId('self-service-page').waitFor();
    await page.getByTestId('self-service-count').waitFor();
    expect(await page.getByTestId('open-refresh').count()).toBe(0);
    await context.close();
  });
});
