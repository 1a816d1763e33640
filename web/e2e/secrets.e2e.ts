/**
 * Secrets in a real browser against the local runtime (its encrypted file store, said as "Local store"): an admin sees
 * the demo secrets by environment, finds an overdue one on the expiring dashboard, rotates auth-service's internal
 * jwt-signing-key in prod after confirming (a new version, current), rolls it back to the previous one from its history
 * and reveals its last 4 characters; a database secret's rotation says (409) to type its value in, and the value typed
 * comes back nowhere but as its last 4; no answer the pages received carries a value (no field named `value`, a masked
 * form shows at most 4 characters). A developer sees no value and no change buttons.
 */
import type { Page, Response } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const SECRET = '/secrets/prod/auth-service/jwt-signing-key';

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** Every body the page receives from the API (its text, and parsed when JSON), with where it came from. */
function recordApiBodies(page: Page): { bodies: Array<{ url: string; text: string; body: unknown }>; settled(): Promise<unknown> } {
  const bodies: Array<{ url: string; text: string; body: unknown }> = [];
  const pending: Array<Promise<void>> = [];
  page.on('response', (response: Response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/')) return;
    const json = (response.headers()['content-type'] ?? '').includes('json');
    pending.push(response.text().then((text) => {
      bodies.push({ url: response.url(), text, body: json ? parseJson(text) : null });
    }, () => undefined));
  });
  return { bodies, settled: () => Promise.all(pending) };
}

/** A value typed into the update dialog: it must come back in no answer, URL or toast (only its last 4, masked). */
const TYPED = `e2e-${Date.now().toString(36)}-Typed-Value-Wxyz`;

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
    expect(await admin.getByTestId('secrets-compliance-percent').innerText()).toMatch(/^(\d+(\.\d)?\s%|—)$/);
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
    // The services reading it are offered a restart: auth-service in prod restarts (a deployment record).
    await admin.locator('[data-testid="secret-reference"][data-service="auth-service"] [data-testid="secret-restart"]').first().click();
    // Production asks first.
    await admin.getByRole('button', { name: 'Restart auth-service in prod' }).click();
    await admin.getByText('Restarting auth-service in prod').waitFor({ timeout: 20_000 });

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

    // A database secret cannot rotate itself: the 409 says so, and its value is typed in instead.
    await admin.goto(local.apollo.url + '/secrets/prod/core-service/db-password');
    await admin.getByTestId('secret-page').waitFor({ timeout: 20_000 });
    const dbBefore = await version(admin);
    await admin.getByTestId('secret-rotate').click();
    await admin.getByTestId('secret-rotate-confirm').click();
    await admin.getByTestId('secret-rotate-conflict').waitFor({ timeout: 20_000 });
    expect(await admin.getByTestId('secret-rotate-conflict').innerText()).toMatch(/database secret without a rotation Lambda/);
    await screenshot(admin, 'secret-rotate-conflict');
    await admin.getByTestId('secret-rotate-update-instead').click();
    await admin.getByTestId('secret-update-form').waitFor();
    // Database credentials are JSON; services (and the masked value) read the password by its key.
    await admin.getByTestId('secret-update-json-hint').waitFor();
    await admin.getByTestId('secret-value').fill(JSON.stringify({ username: 'core_service_app', password: TYPED }));
    expect(await admin.getByTestId('secret-value').getAttribute('type')).toBe('password');
    await admin.getByTestId('secret-update-submit').click();
    await expect.poll(() => version(admin), { timeout: 20_000 }).not.toBe(dbBefore);
    await expect.poll(() => admin.getByTestId('secret-update-form').count()).toBe(0);
    await admin.getByTestId('secret-reveal').click();
    await expect.poll(() => admin.getByTestId('secret-masked').innerText(), { timeout: 20_000 }).toBe(`••••${TYPED.slice(-4)}`);
    expect(admin.url()).not.toContain(TYPED);
    expect(await admin.locator('body').innerText()).not.toContain(TYPED);

    // Nothing the pages received carries a value.
    await settled();
    const secretsBodies = bodies.filter((b) => new URL(b.url).pathname.startsWith('/api/v1/secrets'));
    expect(secretsBodies.length).toBeGreaterThan(5);
    expect(secretsBodies.flatMap((b) => fieldsNamed(b.body, 'value').map((f) => `${b.url} ${f.path}`))).toEqual([]);
    expect(bodies.filter((b) => b.text.includes(TYPED)).map((b) => b.url)).toEqual([]);
    const maskedFields = bodies.flatMap((b) => fieldsNamed(b.body, 'masked'));
    expect(maskedFields.length).toBeGreaterThan(0);
    // Only the Reveal button's reads (?reveal=true) carry one: opening a page reads no value.
    expect(bodies.filter((b) => fieldsNamed(b.body, 'masked').length > 0 && new URL(b.url).searchParams.get('reveal') !== 'true').map((b) => b.url)).toEqual([]);
    for (const f of maskedFields) {
      expect(typeof f.value).toBe('string');
      expect(visible(f.value as string)).toBeLessThanOrEqual(4);
    }
    await context.close();
  });

  it('an admin creates a generated secret, schedules its deletion with a 7-day window and restores it', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const admin = await signIn(context, local.apollo.url, 'admin@apollo.local', '/secrets?environment=dev&service=auth-service');
    await admin.getByTestId('secret-row').first().waitFor({ timeout: 30_000 });

    // Create: the filter's service and environment are its place; the value is generated.
    await admin.getByTestId('secret-create').click();
    await admin.getByTestId('secret-create-form').waitFor();
    expect(await admin.getByTestId('secret-create-service').inputValue()).toBe('auth-service');
    expect(await admin.getByTestId('secret-create-environment').inputValue()).toBe('dev');
    await admin.getByTestId('secret-create-name').fill('e2e-session-key');
    // A certificate is several lines (PEM): typed into a masked text area that keeps the line breaks.
    await admin.getByTestId('secret-create-category').selectOption('certificate');
    await admin.getByTestId('secret-value-mode').getByText('Type a value', { exact: true }).click();
    expect(await admin.getByTestId('secret-value').evaluate((e) => e.tagName)).toBe('TEXTAREA');
    await admin.getByTestId('secret-value').fill('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    expect(await admin.getByTestId('secret-value').inputValue()).toContain('\nMIIB\n');
    await admin.getByTestId('secret-create-category').selectOption('internal');
    await admin.getByTestId('secret-value-mode').getByText('Generate', { exact: true }).click();
    expect(await admin.getByTestId('secret-value').count()).toBe(0);
    await admin.getByTestId('secret-create-owner').fill('platform');
    await admin.getByTestId('secret-create-submit').click();
    await admin.getByTestId('secret-page').waitFor({ timeout: 20_000 });
    expect(new URL(admin.url()).pathname).toBe('/secrets/dev/auth-service/e2e-session-key');
    expect(await admin.getByTestId('secret-owner').innerText()).toBe('platform');
    expect(await admin.getByTestId('secret-production-callout').count()).toBe(0);

    // Delete with a 7-day recovery window (the name typed to confirm), then restore it.
    await admin.getByTestId('secret-delete').click();
    await admin.getByTestId('secret-delete-days').fill('7');
    expect(await admin.getByTestId('secret-delete-submit').isDisabled()).toBe(true);
    await admin.getByTestId('secret-delete-confirm-name').fill('e2e-session-key');
    await admin.getByTestId('secret-delete-submit').click();
    await expect.poll(() => admin.getByTestId('secret-page').getAttribute('data-status'), { timeout: 20_000 }).toBe('scheduled-deletion');
    expect(await admin.getByTestId('secret-deletion-callout').innerText()).toMatch(/in [67] days/);
    await screenshot(admin, 'secret-scheduled-deletion');
    await admin.getByTestId('secret-restore').click();
    await admin.locator('.bp6-alert').getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => admin.getByTestId('secret-page').getAttribute('data-status'), { timeout: 20_000 }).not.toBe('scheduled-deletion');
    expect(await admin.getByTestId('secret-deletion-callout').count()).toBe(0);
    await context.close();
  });

  it("a developer reads their team's secrets' metadata only: no value, no changes, another team's secret is not theirs to see", { timeout: 90_000 }, async () => {
    const context = await newContext(local.browser);
    // dana is in growth: notification-service's secrets are theirs, auth-service's (platform) are not.
    const developer = await signIn(context, local.apollo.url, 'dana@apollo.local', '/secrets');
    await developer.getByTestId('secrets-page').waitFor();
    await developer.getByTestId('secret-scope-note').waitFor();
    expect(await developer.getByTestId('secret-create').count()).toBe(0);
    await developer.getByTestId('secret-create-locked').waitFor();
    await developer.getByTestId('secret-row').first().waitFor({ timeout: 30_000 });
    const services = await developer.getByTestId('secret-row').evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-service')))]);
    expect(services).toEqual(['notification-service']);
    expect(await developer.getByTestId('secrets-tab-audit').count()).toBe(0);

    await developer.getByTestId('secret-row').first().getByTestId('secret-row-name').click();
    await developer.getByTestId('secret-page').waitFor();
    expect(await developer.getByTestId('secret-masked').innerText()).toBe('••••');
    expect(await developer.getByTestId('secret-reveal').count()).toBe(0);
    expect(await developer.getByTestId('secret-masked-note').innerText()).toContain('Only admins (secrets:read)');
    expect(await developer.getByTestId('secret-actions-locked').count()).toBe(1);
    await developer.getByTestId('secret-tab-history').click();
    await developer.getByTestId('secret-version').first().waitFor({ timeout: 20_000 });
    expect(await developer.getByTestId('secret-version-rollback').count()).toBe(0);

    await developer.goto(local.apollo.url + SECRET);
    await developer.getByTestId('secret-error').waitFor({ timeout: 20_000 });
    await developer.getByTestId('secret-not-yours-hint').waitFor();
    await context.close();
  });
});
