/**
 * A service's page links its environments' secret references to the secrets themselves, against the local runtime's
 * demo secrets (local/demo-secrets.ts, judged by the expiry job at start): an operator sees core-service's prod
 * DB_PASSWORD flagged overdue (last changed 120 days ago, the database policy is 90) with the reason on hover, the
 * page's "… need attention" flag, and follows the reference to the secret's page. A developer sees their team's
 * service's secrets, and for another team's is told they can't see them (not that they are missing). A viewer, who may
 * not read secrets' metadata, sees only a short note and no flag.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const prodSecrets = (page: Page) => page.locator('[data-testid="environment"][data-env="prod"] [data-testid="environment-secrets"]');
const reference = (page: Page, name: string) => prodSecrets(page).locator(`[data-testid="secret-ref"][data-name="${name}"]`);

describe('the catalog links to secrets', () => {
  it('an operator sees core-service’s prod DB_PASSWORD overdue, the page’s flag, and opens the secret', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'operator@apollo.local', '/catalog/core-service');
    await page.locator('[data-testid="service-page"][data-id="core-service"]').waitFor();

    // The demo secrets are seeded and judged as the runtime starts: until then the list may be empty (all missing).
    await expect.poll(async () => {
      if (await reference(page, 'DB_PASSWORD').getAttribute('data-status', { timeout: 5_000 }).catch(() => null) === 'overdue') return 'overdue';
      await page.reload();
      await page.locator('[data-testid="service-page"][data-id="core-service"]').waitFor();
      return 'not yet';
    }, { timeout: 60_000, interval: 1_000 }).toBe('overdue');

    expect(await prodSecrets(page).getAttribute('data-state')).toBe('ready');
    const db = reference(page, 'DB_PASSWORD');
    const status = db.getByTestId('secret-ref-status');
    expect(await status.innerText()).toBe('overdue');
    expect(await status.evaluate((el) => el.classList.contains('bp6-intent-danger'))).toBe(true);
    expect(await db.locator('.apollo-env-secret-var').innerText()).toBe('DB_PASSWORD key password'); // the key read from its JSON value
    // Every prod reference is core-service's and exists: none is missing.
    const statuses = await prodSecrets(page).getByTestId('secret-ref').evaluateAll((els) => els.map((e) => [e.getAttribute('data-name'), e.getAttribute('data-status')]));
    expect(statuses.map(([name]) => name)).toEqual(['DB_PASSWORD', 'REDIS_AUTH']);
    expect(statuses.map(([, s]) => s)).not.toContain('missing');

    // The reason on hover.
    await status.hover();
    await expect.poll(() => page.locator('.bp6-tooltip').innerText().catch(() => ''), { timeout: 5_000 }).toMatch(/overdue by \d+ days?: last rotated 120 days ago, the policy is every 90 days/);

    // The page's flag counts it (and any other missing or overdue secret).
    const flag = page.getByTestId('secrets-attention');
    await flag.waitFor();
    expect(Number(await flag.getAttribute('data-count'))).toBeGreaterThanOrEqual(1);
    expect(await flag.innerText()).toMatch(/^\d+ secrets? needs? attention$/);
    await flag.hover();
    await expect.poll(() => page.locator('.bp6-tooltip').innerText().catch(() => ''), { timeout: 5_000 }).toContain('prod: DB_PASSWORD (apollo/prod/core-service/db-password) overdue');
    await screenshot(page, 'catalog-secrets');
    await page.mouse.move(0, 0);
    await prodSecrets(page).scrollIntoViewIfNeeded();
    await screenshot(page, 'catalog-secrets-environment');

    // The reference links to the secret's page.
    const link = db.getByTestId('secret-ref-link');
    expect(await link.innerText()).toBe('apollo/prod/core-service/db-password');
    await link.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/secrets/prod/core-service/db-password');
    await page.getByTestId('secret-page').waitFor();
    await context.close();
  });

  it('a developer sees their team’s service’s secrets, and for another team’s says they can’t see them rather than “missing”', { timeout: 90_000 }, async () => {
    const context = await newContext(local.browser);
    // developer@apollo.local is in payments: billing-service is theirs, core-service is platform's.
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog/billing-service');
    await page.locator('[data-testid="service-page"][data-id="billing-service"]').waitFor();
    await expect.poll(() => reference(page, 'DB_PASSWORD').getAttribute('data-status', { timeout: 5_000 }).catch(() => null), { timeout: 30_000 }).toBe('due-soon');
    expect(await reference(page, 'DB_PASSWORD').getByTestId('secret-ref-status').evaluate((el) => el.classList.contains('bp6-intent-warning'))).toBe(true);
    expect(await page.getByTestId('secrets-attention').count()).toBe(0);

    await page.goto(`${local.apollo.url}/catalog/core-service`);
    await page.locator('[data-testid="service-page"][data-id="core-service"]').waitFor();
    await prodSecrets(page).getByTestId('secrets-hidden').waitFor();
    expect(await prodSecrets(page).getByTestId('secret-ref').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['hidden', 'hidden']);
    expect(await page.getByTestId('secrets-attention').count()).toBe(0);
    await context.close();
  });

  it('a viewer sees a short note instead of the secrets, and no flag', { timeout: 60_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/catalog/core-service');
    await page.locator('[data-testid="service-page"][data-id="core-service"]').waitFor();
    await prodSecrets(page).getByTestId('secrets-no-access').waitFor();
    expect(await prodSecrets(page).getAttribute('data-state')).toBe('no-access');
    expect(await prodSecrets(page).getByTestId('secret-ref').count()).toBe(0);
    expect(await page.getByTestId('secrets-attention').count()).toBe(0);
    await context.close();
  });
});
