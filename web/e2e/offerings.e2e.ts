/**
 * The request form and the offering studio in a real browser against the local runtime: the PostgreSQL
 * database's form shows its production fields only once environment is prod, a field says what is wrong with it
 * as it is filled, "Check request" asks the API; a dependent data source (an environment of the chosen service)
 * fills when the service is chosen; the studio checks a YAML edit and its live form follows.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const shownFields = (page: Page) => page.getByTestId('offering-form').getByTestId('form-field').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
const fieldError = (page: Page, id: string) => page.locator(`[data-testid="form-field"][data-id="${id}"] [data-testid="field-error"]`);

describe('the request form', () => {
  it('shows production fields when environment becomes prod, and checks values as they are typed', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'dana@apollo.local', '/self-service/postgresql-database');
    const form = page.getByTestId('offering-form');
    await form.waitFor({ timeout: 15_000 });
    await expect.poll(() => shownFields(page)).toEqual(['service', 'db_name', 'environment', 'instance_class', 'storage_gb', 'engine_version']);
    expect(await form.getByTestId('form-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(['basics', 'sizing']);

    // The service list holds the services of dana's team (growth), not everyone's.
    const services = await page.locator('#root_service option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).textContent));
    expect(services).toEqual(expect.arrayContaining(['Notification Service', 'Frontend']));
    expect(services).not.toContain('Billing Service');
    await page.locator('#root_service').selectOption({ label: 'Frontend' });

    // An invalid name is said in the offering's words once the field is left.
    await page.locator('#root_db_name').fill('Orders!');
    await page.locator('#root_db_name').blur();
    await expect.poll(() => fieldError(page, 'db_name').innerText()).toBe('must be 3 to 31 lowercase letters, digits or underscores, starting with a letter');
    await page.locator('#root_db_name').fill('orders');
    await expect.poll(() => fieldError(page, 'db_name').count()).toBe(0);

    // Production: its step and fields appear; back to dev, they go again.
    await page.locator('#root_environment').selectOption({ label: 'Production' });
    await expect.poll(() => shownFields(page)).toEqual(expect.arrayContaining(['multi_az', 'backup_retention_days', 'maintenance_window', 'admin_password']));
    expect(await page.locator('[data-testid="form-field"][data-id="multi_az"]').getAttribute('data-conditional')).toBe('true');
    expect(await page.locator('#root_admin_password').getAttribute('type')).toBe('password');
    await page.locator('#root_backup_retention_days').fill('90');
    await page.locator('#root_backup_retention_days').blur();
    await expect.poll(() => fieldError(page, 'backup_retention_days').innerText()).toBe('must be at most 35');
    await screenshot(page, 'offering-form-prod');
    await page.locator('#root_environment').selectOption({ label: 'Development' });
    await expect.poll(() => shownFields(page)).not.toContain('multi_az');

    // Check request: the API agrees the request is complete (and nothing is sent).
    await page.getByRole('button', { name: 'Check request' }).click();
    await expect.poll(() => page.getByTestId('form-check-ok').innerText(), { timeout: 10_000 }).toContain('nothing was sent');

    // A required field left empty: after "Check request" every field's problem shows.
    await page.locator('#root_db_name').fill('');
    await page.getByRole('button', { name: 'Check request' }).click();
    await expect.poll(() => fieldError(page, 'db_name').innerText()).toBe('is required');
    await context.close();
  });

  it("fills a service's environments once the service is chosen", { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'dana@apollo.local', '/self-service/feature-environment');
    await page.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    // Nothing to choose from until a service is chosen, and it says so.
    const environments = page.locator('#root_base_environment');
    expect(await environments.isDisabled()).toBe(true);
    expect(await environments.getAttribute('placeholder')).toBe('Choose Service first');
    await page.locator('#root_service').selectOption({ label: 'Core Service' });
    const choices = page.locator('select#root_base_environment option');
    await expect.poll(() => choices.count(), { timeout: 10_000 }).toBeGreaterThan(1);
    const names = (await choices.allInnerTexts()).filter((n) => n !== 'Choose…');
    expect(names).toContain('prod');
    await page.locator('select#root_base_environment').selectOption({ label: 'staging' });
    // seed_data shows unless the copy is of prod.
    await expect.poll(() => shownFields(page)).toContain('seed_data');
    await page.locator('select#root_base_environment').selectOption({ label: 'prod' });
    await expect.poll(() => shownFields(page)).not.toContain('seed_data');
    await screenshot(page, 'offering-form-environments');
    await context.close();
  });
});

describe('the offering studio', () => {
  it('checks an edit as it is typed, jumps to the line, and its form and variables follow', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'dana@apollo.local', '/self-service/postgresql-database');
    await page.getByTestId('open-in-studio').click();
    await expect.poll(() => new URL(page.url()).search).toBe('?item=postgresql-database');
    await page.getByTestId('studio-valid').waitFor({ timeout: 15_000 });
    // The file as written in the catalog repository, its comments included.
    expect(await page.locator('.cm-line').first().innerText()).toBe('# A PostgreSQL database on Amazon RDS, provisioned by Terraform.');
    await expect.poll(() => page.getByTestId('studio-form').getByTestId('form-field').count()).toBeGreaterThan(3);

    // A reserved category: the error names the path and its line; the line button selects it in the editor.
    const line = page.locator('.cm-line', { hasText: 'category: databases' });
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('category: search');
    const issue = page.locator('[data-testid="studio-issue"][data-code="reserved-category"]');
    await issue.waitFor({ timeout: 10_000 });
    expect(await issue.innerText()).toContain('/metadata/category');
    expect(await issue.getAttribute('data-severity')).toBe('error');
    const lineNumber = Number(await issue.getAttribute('data-line'));
    expect(lineNumber).toBeGreaterThan(1);
    // The form of the last valid version stays, said as such.
    await page.getByTestId('studio-form-stale').waitFor();
    await issue.getByRole('button', { name: `line ${lineNumber}` }).click();
    expect(await page.evaluate(() => window.getSelection()?.toString())).toContain('category: search');
    await screenshot(page, 'studio-error');

    // Fixed, and a label changed: the form follows.
    await page.keyboard.type('  category: databases');
    await page.getByTestId('studio-valid').waitFor({ timeout: 10_000 });
    // (Lines far down are not in the DOM: find it with the editor's search, which selects the match.)
    await page.locator('.cm-content').focus();
    await page.keyboard.press('Control+f');
    await page.keyboard.type('label: Database name');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await page.keyboard.type('label: Schema name');
    await expect.poll(() => page.locator('label[for="root_db_name"]').innerText(), { timeout: 10_000 }).toContain('Schema name');

    // Variables: the form's values flow into the rendered templates, and each says where it came from.
    await page.locator('#root_db_name').fill('orders');
    await page.getByTestId('studio-tab-variables').click();
    await expect.poll(() => page.getByTestId('studio-rendered').innerText(), { timeout: 10_000 }).toContain('database_name: orders');
    expect(await page.getByTestId('studio-uses').innerText()).toContain("form field 'db_name'");
    // What exists only when a request runs reads as a marker; a secret is never shown.
    const rendered = await page.getByTestId('studio-rendered').innerText();
    expect(rendered).toContain('‹provision.endpoint›:‹provision.port›');
    expect(rendered).not.toMatch(/token: (?!['"]?‹)/);
    await screenshot(page, 'studio-variables');

    // The compiled form as the API serves it: the production fields under an if/then.
    await page.getByTestId('studio-tab-schema').click();
    const compiled = JSON.parse(await page.getByTestId('studio-schema').innerText()) as { schema: { allOf: Array<{ then: { properties?: Record<string, unknown> } }> } };
    expect(compiled.schema.allOf.some((rule) => rule.then.properties && 'multi_az' in rule.then.properties)).toBe(true);
    await context.close();
  });
});
