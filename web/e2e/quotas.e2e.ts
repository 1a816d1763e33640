/**
 * Team quotas in a real browser against the local runtime: an admin opens growth's page from Admin → Teams and sets a
 * limit of one production PostgreSQL database (a row dated in the past is refused by the API on that row); dana (growth) asks for one through the self-service form (accepted, it
 * waits for the platform team's approval, holding the quota) and for a second (refused at submit, the form saying the
 * numbers); back on the team page the bar shows 1 of 1 reserved, full, held by the first request, linked. Dana sees
 * the same quotas with "Set limits" disabled and why.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const PROD_DATABASES = '[data-testid="quota"][data-resource="postgresql-databases"][data-environment="prod"]';

/** Dana's production PostgreSQL request through the self-service form, submitted. */
async function askForProductionDatabase(page: Page, name: string): Promise<void> {
  await page.goto(`${local.apollo.url}/self-service/postgresql-database`);
  await page.getByTestId('offering-form').waitFor({ timeout: 15_000 });
  await page.locator('#root_service').selectOption({ label: 'Frontend' });
  await page.locator('#root_db_name').fill(name);
  await page.locator('#root_environment').selectOption({ label: 'Production' });
  await expect.poll(() => page.getByTestId('approval-preview').getAttribute('data-needed')).toBe('true');
  await page.getByTestId('submit-request').click();
}

describe('team quotas', () => {
  it('an admin limits growth to one production database; dana’s second is refused with the numbers; the team page shows who holds it', { timeout: 240_000 }, async () => {
    // The admin finds growth in Admin → Teams and opens its page.
    const adminContext = await newContext(local.browser);
    const admin = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', '/admin/teams');
    await admin.locator('[data-testid="team-row"][data-team="growth"] [data-testid="team-link"]').click();
    await admin.getByTestId('team-page').waitFor({ timeout: 15_000 });
    expect(new URL(admin.url()).pathname).toBe('/teams/growth');
    const teamName = await admin.locator('.apollo-page-title').innerText();
    await expect.poll(() => admin.title()).toBe(`${teamName} · Teams · Apollo`);
    await expect.poll(() => admin.getByTestId('team-member').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await admin.locator('[data-testid="team-member"][data-principal="dana@apollo.local"]').count()).toBe(1);
    const quotas = admin.getByTestId('team-quotas');
    await expect.poll(async () => (await quotas.getByTestId('quota-empty').count()) + (await quotas.getByTestId('quota').count()), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await quotas.locator(PROD_DATABASES).count()).toBe(0);
    await screenshot(admin, 'quotas-team-page-before');

    // One production database for growth.
    await admin.getByTestId('quota-set-limits').click();
    const form = admin.getByTestId('quota-limits-form');
    await form.waitFor();
    const row = form.locator('[data-testid="quota-limit-row"][data-index="0"]');
    await row.getByTestId('quota-resource').fill('postgresql-databases');
    await row.getByTestId('quota-environment').fill('prod');
    await row.getByTestId('quota-limit').fill('1');
    await form.getByTestId('quota-reason').fill('One production database until the platform review');
    // A second row dated in the past: the API refuses it, and says so on that row's field.
    await form.getByTestId('quota-add-row').click();
    const past = form.locator('[data-testid="quota-limit-row"][data-index="1"]');
    await past.getByTestId('quota-resource').fill('s3-buckets');
    await past.getByTestId('quota-limit').fill('5');
    await past.getByTestId('quota-effective-from').fill('2020-01-01T00:00');
    await form.getByTestId('quota-limits-submit').click();
    const pastError = past.locator('.bp6-form-group.bp6-intent-danger .bp6-form-helper-text');
    await pastError.waitFor({ timeout: 15_000 });
    expect(await pastError.innerText()).toMatch(/now or later/);
    expect(await row.locator('.bp6-intent-danger').count()).toBe(0);
    await screenshot(admin, 'quotas-set-limits-refused-row');
    await past.getByRole('button', { name: 'Remove row 2' }).click();
    await screenshot(admin, 'quotas-set-limits');
    await form.getByTestId('quota-limits-submit').click();
    await form.waitFor({ state: 'detached', timeout: 15_000 });
    const limited = quotas.locator(PROD_DATABASES);
    await limited.waitFor({ timeout: 15_000 });
    // The unit comes from the offerings' claims: before any request has counted, the API may not know it yet.
    expect(await limited.getByTestId('quota-numbers').innerText()).toMatch(/^0 of 1 (database )?in prod: 0 in use, 0 reserved$/);
    expect(await limited.getByTestId('quota-bar').getAttribute('data-limit')).toBe('1');
    expect(await limited.getByTestId('quota-alert').count()).toBe(0);

    // Dana's first production database is accepted and waits for the platform team, holding the quota.
    const danaContext = await newContext(local.browser);
    const dana = await signIn(danaContext, local.apollo.url, 'dana@apollo.local', '/self-service');
    await askForProductionDatabase(dana, 'orders');
    await expect.poll(() => new URL(dana.url()).pathname, { timeout: 15_000 }).toMatch(/^\/requests\/[0-9A-Z]{26}$/);
    const first = new URL(dana.url()).pathname.split('/').pop()!;
    await dana.getByTestId('request-page').waitFor();
    await expect.poll(() => dana.getByTestId('request-page').getAttribute('data-status'), { timeout: 20_000 }).toBe('awaiting_approval');

    // The second is refused at submit, the form saying the numbers; dana stays on the form.
    await askForProductionDatabase(dana, 'invoices');
    const refusal = dana.getByTestId('offering-form').locator('.apollo-form-error');
    await refusal.waitFor({ timeout: 15_000 });
    const said = await refusal.innerText();
    expect(said).toContain('409');
    expect(said).toMatch(/growth's quota for postgresql-databases in prod is 1 database: 0 in use, 1 reserved; this request needs 1/);
    expect(new URL(dana.url()).pathname).toBe('/self-service/postgresql-database');
    await screenshot(dana, 'quotas-refused-at-submit');

    // Dana sees growth's quotas but cannot set them, and is told why.
    await dana.goto(`${local.apollo.url}/teams/growth`);
    await dana.locator(PROD_DATABASES).waitFor({ timeout: 15_000 });
    expect(await dana.getByTestId('quota-set-limits').isDisabled()).toBe(true);
    expect(await dana.getByTestId('team-quotas').innerText()).toContain('Setting limits needs quotas:manage; your role developer does not have it');
    expect(await dana.getByTestId('quota-change').count()).toBe(0);
    await screenshot(dana, 'quotas-team-page-developer');

    // Back on the team page: 1 of 1, reserved by the first request, full; its holder links to it.
    await admin.reload();
    await limited.waitFor({ timeout: 15_000 });
    expect(await limited.getByTestId('quota-numbers').innerText()).toBe('1 of 1 database in prod: 0 in use, 1 reserved');
    const bar = limited.getByTestId('quota-bar');
    expect([await bar.getAttribute('data-used'), await bar.getAttribute('data-reserved'), await bar.getAttribute('data-limit')]).toEqual(['0', '1', '1']);
    expect(await limited.getByTestId('quota-alert').getAttribute('data-alert')).toBe('full');
    expect(await limited.getByTestId('quota-holder').evaluateAll((els) => els.map((e) => e.getAttribute('data-request')))).toEqual([first]);
    await screenshot(admin, 'quotas-team-page-full');
    await limited.getByTestId('quota-holder').getByRole('link').click();
    await expect.poll(() => new URL(admin.url()).pathname, { timeout: 10_000 }).toBe(`/requests/${first}`);
    await admin.getByTestId('request-page').waitFor();

    // Admin → Teams' "Quotas" opens the team page at its quotas.
    await admin.goto(`${local.apollo.url}/admin/teams`);
    await admin.locator('[data-testid="team-row"][data-team="growth"] [data-testid="team-quotas-link"]').click();
    await admin.locator(PROD_DATABASES).waitFor({ timeout: 15_000 });
    expect(new URL(admin.url()).pathname + new URL(admin.url()).hash).toBe('/teams/growth#quotas');
    await expect.poll(() => admin.getByTestId('team-quotas').evaluate((el) => { const top = el.getBoundingClientRect().top; return top >= 0 && top < window.innerHeight / 2; })).toBe(true);

    await danaContext.close();
    await adminContext.close();
  });
});
