/**
 * The self-service catalog in a real browser against the local runtime and its example offerings: cards by
 * category, a misspelled search with highlighted matches, the PostgreSQL database's page (SLA, owner, approval
 * in words, what it will do, quota, the request form's fields), and a viewer's "view only" mark.
 */
import { describe, expect, it } from 'vitest';
import { navLabels, newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

describe('self-service as a developer', () => {
  it('browses offerings by category, finds PostgreSQL by a misspelled search and opens it', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'dana@apollo.local', '/');
    expect(await navLabels(page)).toContain('Self-service');
    await page.locator('nav[aria-label="Areas"]').getByText('Self-service').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/self-service');

    // Browse: every example offering as a card, grouped by category.
    const cards = page.getByTestId('offering-card');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    const categories = await page.getByTestId('offering-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-category')));
    expect(categories).toContain('databases');
    expect(categories).toEqual([...categories].sort());
    const postgres = page.locator('[data-testid="offering-card"][data-id="postgresql-database"]');
    expect(await postgres.innerText()).toContain('platform');
    expect(await postgres.getByTestId('offering-sla').innerText()).toBe('2h');
    expect(await postgres.getByTestId('view-only').count()).toBe(0);
    await screenshot(page, 'self-service');

    // A filter narrows the cards and lives in the URL.
    expect(await page.locator('#ss-category option[value="developer-tools"]').textContent()).toBe('Developer tools');
    await page.locator('#ss-category').selectOption('databases');
    await expect.poll(() => new URL(page.url()).searchParams.get('category')).toBe('databases');
    await expect.poll(() => page.getByTestId('offering-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-category')))).toEqual(['databases']);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('');

    // Search as you type, typos tolerated, matches highlighted.
    await page.getByTestId('self-service-search').fill('postgesql');
    await expect.poll(() => new URL(page.url()).searchParams.get('q'), { timeout: 10_000 }).toBe('postgesql');
    const results = page.getByTestId('search-results').getByTestId('offering-card');
    await expect.poll(() => results.first().getAttribute('data-id'), { timeout: 10_000 }).toBe('postgresql-database');
    expect(await results.first().locator('mark').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('self-service-count').innerText()).toMatch(/match.*postgesql/);
    await screenshot(page, 'self-service-search');

    // Nothing matches: said plainly, with a way back.
    await page.getByTestId('self-service-search').fill('zzzqqqxx');
    await page.getByText('No offerings match').waitFor();
    expect(await page.getByTestId('self-service-count').innerText()).toBe('0 offerings match zzzqqqxx');
    await page.getByTestId('self-service-search').fill('postgesql');
    await expect.poll(() => results.first().getAttribute('data-id'), { timeout: 10_000 }).toBe('postgresql-database');

    // The offering page.
    await results.first().getByTestId('offering-name').click();
    const offering = page.locator('[data-testid="offering-page"][data-id="postgresql-database"]');
    await offering.waitFor();
    expect(new URL(page.url()).pathname).toBe('/self-service/postgresql-database');
    expect(await page.title()).toContain('postgresql-database');
    expect(await page.locator('.apollo-page-title').innerText()).toContain('PostgreSQL database');
    // Its category reads as on the self-service page, not as its slug.
    expect(await page.getByTestId('offering-category').innerText()).toBe('Databases');
    expect(await page.getByTestId('offering-sla').innerText()).toContain('2h from approval to fulfilment');
    expect(await page.getByTestId('offering-owner').innerText()).toBe('platform');
    expect(await page.getByTestId('offering-quota').innerText()).toContain('1 database');
    expect(await page.getByTestId('offering-docs').locator('a').count()).toBeGreaterThanOrEqual(1);
    const approval = await page.getByTestId('approval-rule').innerText();
    expect(approval).toContain('A request needs approval when Environment is Production.');
    expect(approval).toContain('team platform');
    expect(approval).toContain('never approves their own request');
    const steps = await page.getByTestId('fulfillment-step').evaluateAll((els) => els.map((e) => [e.getAttribute('data-id'), e.getAttribute('data-type')]));
    expect(steps).toEqual([['provision', 'terraform'], ['register', 'rest']]);
    expect(await page.getByTestId('fulfillment-step').first().innerText()).toMatch(/undone by Destroy the RDS instance/);

    // The request form, live (offerings.e2e.ts fills it): the production fields wait for environment = prod.
    const form = page.getByTestId('request-form');
    await form.getByTestId('form-field').first().waitFor();
    const fields = await form.getByTestId('form-field').evaluateAll((els) => els.map((e) => [e.getAttribute('data-id'), e.getAttribute('data-conditional')]));
    expect(fields).toEqual(expect.arrayContaining([['environment', 'false'], ['db_name', 'false']]));
    expect(fields.map(([id]) => id)).not.toContain('multi_az');
    await screenshot(page, 'offering-postgresql');

    // Back returns to the search.
    await page.goBack();
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('postgesql');
    await context.close();
  });

  it('tells a viewer which offerings they can see but not request, and explains an unknown one', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/self-service');
    const postgres = page.locator('[data-testid="offering-card"][data-id="postgresql-database"]');
    await postgres.waitFor();
    expect(await postgres.getByTestId('view-only').count()).toBe(1);

    await postgres.click();
    await page.getByTestId('offering-view-only').waitFor();
    expect(await page.getByTestId('offering-view-only').innerText()).toBe('You can see this offering but not request it. Your role (viewer) cannot create requests.');
    // What the form asks, read-only, without the note that invites filling it in.
    await page.getByTestId('request-fields').waitFor();
    expect(await page.getByTestId('request-form-note').count()).toBe(0);
    expect(await page.locator('[data-testid="request-field"][data-id="backup_retention_days"]').getByTestId('required-when').innerText()).toBe('Required when Environment is Production.');

    await page.goto(`${local.apollo.url}/self-service/no-such-offering`);
    await page.getByText('No such offering').waitFor();
    await context.close();
  });
});
