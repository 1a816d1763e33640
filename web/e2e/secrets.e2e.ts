/**
 * Secrets in a real browser against the local runtime (its encrypted file store, said as "Local store"): an admin sees
 * the demo secrets by environment, finds an overdue one on the expiring dashboard, rotates auth-service's internal
 * jwt-signing-key in prod after confirming (a new version, current), rolls it back to the previous one from its history
 * and reveals its last 4 characters; no answer the pages received carries a value (no field named `value`, a masked
 * form shows at most 4 characters). A developer sees no value and no change buttons.
 */
import type { Page, Response } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const SECRET = '/secrets/prod/auth-service/jwt-signing-key';

/** Every JSON body the page receives from the API, with where it came from. */
function recordApiBodies(page: Page): { bodies: Array<{ url: string; body: unknown }>; settled(): Promise<unknown> } {
  const bodies: Array<{ url: string; body: unknown }> = [];
  const pending: Array<Promise<void>> = [];
  page.on('response', (response: Response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/')) return;
    if (!(response.headers()['content-type'] ?? '').includes('json')) return;
    pending.push(response.json().then((body: unknown) => { bodies.push({ url: response.url(), body }); }, () => undefined));
  });
  return { bodies, settled: () => Promise.all(pending) };
}

/** Each field named `name` anywhere in a JSON value, with its path. */
function fieldsNamed(value: unknown, name: string, path = '$'): Array<{ path: string; value: unknown }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => fieldsNamed(v, name, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [...(k === name ? [{ path: `${path}.${k}`, value: v }] : []), ...fieldsNamed(v, name, `${path}.${k}`)]);
}

const visible = (masked: string): number => [...masked.replace(/[•*]/g, '')].length;
const version = (page: Page) => page.getByTestId('secret-page').getAttribute('data-version');

describe('secrets', () => {
  it('an admin finds an overdue secret, rotates jwt-signing-key in prod, rolls it back, and no answer carries a value', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const admin = await signIn(context, local.apollo.url, 'admin@apollo.local', '/secrets');
    const { bodies, settled } = recordApiBodies(admin);

    // The demo secrets, by environment: production first, kept by the local store.
    await admin.getByTestId('secrets-page').waitFor();
    await admin.getByTestId('secret-row').first().waitFor({ timeout: 30_000 });
    const environments = await admin.getByTestId('secret-environment').evaluateAll((els) => els.map((e) => e.getAttribute('data-environment')));
    expect(environments[0]).toBe('prod');
    expect(environments.length).toBeGreaterThanOrEqual(2);
    expect(await admin.getByTestId('secret-local-store').count()).toBeGreaterThan(0);
    const jwt = admin.locator('[data-testid="secret-row"][data-environment="prod"][data-service="auth-service"][data-name="jwt-signing-key"]');
    expect(await jwt.getAttribute('data-category')).toBe('internal');
    await screenshot(admin, 'secrets-list');

    // The expiring dashboard: at least one overdue secret, linked to its page; compliance as a number and a chart.
    await admin.getByTestId('secrets-tab-expiring').click();
    await admin.getByTestId('secrets-compliance-percent').waitFor({ timeout: 30_000 });
    expect(await admin.getByTestId('secrets-compliance-percent').innerText()).toMatch(/^(\d+(\.\d)? %|—)$/);
    await admin.getByTestId('secrets-compliance-chart').waitFor();
    const overdue = admin.getByTestId('secret-overdue-row').first();
    await overdue.waitFor({ timeout: 20_000 });
    expect(await overdue.getByTestId('secret-status').getAttribute('data-status')).toBe('overdue');
    await screenshot(admin, 'secrets-expiring');
    await overdue.getByTestId('secret-due-link').click();
    await admin.getByTestId('secret-page').waitFor();
    expect(await admin.getByTestId('secret-page').getAttribute('data-status')).toBe('overdue');

    // jwt-signing-key in prod: production says MFA; rotate it after confirming, a new version is current.
    await admin.goto(local.apollo.url + SECRET);
    await admin.getByTestId('secret-page').waitFor({ timeout: 20_000 });
    expect(await admin.getByTestId('secret-production-callout').innerText()).toContain('Production secrets need MFA: the admin role requires it');
    const before = await version(admin);
    expect(before).toBeTruthy();
    await admin.getByTestId('secret-rotate').click();
    await admin.getByTestId('secret-rotate-form').waitFor();
    await admin.getByTestId('secret-rotate-reason').fill('E2E: scheduled rotation');
    await admin.getByTestId('secret-rotate-confirm').click();
    await expect.poll(() => version(admin), { timeout: 20_000 }).not.toBe(before);
    const rotated = await version(admin);

    // Its history: the new version current, the old one previous; roll back to it after confirming.
    await admin.getByTestId('secret-tab-history').click();
    const current = admin.locator('[data-testid="secret-version"][data-current="true"]');
    await expect.poll(() => current.getAttribute('data-version-id'), { timeout: 20_000 }).toBe(rotated);
    const previous = admin.locator(`[data-testid="secret-version"][data-version-id="${before}"]`);
    await expect.poll(() => previous.getAttribute('data-stages'), { timeout: 20_000 }).toContain('AWSPREVIOUS');
    await screenshot(admin, 'secret-history');
    await previous.getByTestId('secret-version-rollback').click();
    await admin.locator('.bp6-alert').getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => version(admin), { timeout: 20_000 }).toBe(before);
    await expect.poll(() => current.getAttribute('data-version-id'), { timeout: 20_000 }).toBe(before);
    await expect.poll(() => admin.locator(`[data-testid="secret-version"][data-version-id="${rotated}"]`).getAttribute('data-stages'), { timeout: 20_000 }).toContain('AWSPREVIOUS');

    // The masked value, on request only: the last 4 characters.
    await admin.getByTestId('secret-tab-overview').click();
    expect(await admin.getByTestId('secret-masked').innerText()).toBe('••••');
    await admin.getByTestId('secret-reveal').click();
    await expect.poll(() => admin.getByTestId('secret-masked').getAttribute('data-revealed'), { timeout: 20_000 }).toBe('true');
    const masked = await admin.getByTestId('secret-masked').innerText();
    expect(masked.startsWith('••••')).toBe(true);
    expect(visible(masked)).toBeGreaterThan(0);
    expect(visible(masked)).toBeLessThanOrEqual(4);
    await screenshot(admin, 'secret-page');

    // Nothing the pages received carries a value.
    await settled();
    const secretsBodies = bodies.filter((b) => new URL(b.url).pathname.startsWith('/api/v1/secrets'));
    expect(secretsBodies.length).toBeGreaterThan(5);
    expect(secretsBodies.flatMap((b) => fieldsNamed(b.body, 'value').map((f) => `${b.url} ${f.path}`))).toEqual([]);
    const maskedFields = bodies.flatMap((b) => fieldsNamed(b.body, 'masked'));
    expect(maskedFields.length).toBeGreaterThan(0);
    for (const f of maskedFields) {
      expect(typeof f.value).toBe('string');
      expect(visible(f.value as string)).toBeLessThanOrEqual(4);
    }
    await context.close();
  });

  it('a developer reads metadata only: no value, no changes', { timeout: 90_000 }, async () => {
    const context = await newContext(local.browser);
    const developer = await signIn(context, local.apollo.url, 'dana@apollo.local', '/secrets');
    await developer.getByTestId('secrets-page').waitFor();
    await developer.getByTestId('secret-scope-note').waitFor();
    expect(await developer.getByTestId('secret-create').count()).toBe(0);
    await developer.getByTestId('secret-create-locked').waitFor();
    const first = developer.getByTestId('secret-row').first();
    if (await first.waitFor({ timeout: 20_000 }).then(() => true, () => false)) {
      await first.getByTestId('secret-row-name').click();
      await developer.getByTestId('secret-page').waitFor();
      expect(await developer.getByTestId('secret-masked').innerText()).toBe('••••');
      expect(await developer.getByTestId('secret-reveal').count()).toBe(0);
      expect(await developer.getByTestId('secret-masked-note').innerText()).toContain('Only admins (secrets:read)');
      expect(await developer.getByTestId('secret-actions-locked').count()).toBe(1);
    } else {
      // None of dana's teams' services has a secret: the empty state says so.
      await developer.getByTestId('secrets-empty').waitFor();
    }
    await context.close();
  });
});
