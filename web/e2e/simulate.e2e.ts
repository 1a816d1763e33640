/**
 * The studio's Simulate tab in a real browser against the local runtime (issue 22's "Done when"): dana opens the
 * PostgreSQL offering in the studio, runs it as it is (completed, the register action named as having no
 * rollback), then simulates "Terraform fails" and previews its rollback: the retry, then Destroy the RDS instance
 * highlighted as a rollback step, the input as it would be sent with the secret field masked, and the local fake
 * Terraform Cloud never called.
 */
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

describe('the studio\'s Simulate tab', () => {
  it('simulates the PostgreSQL offering with "Terraform fails" to preview its rollback', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'dana@apollo.local', '/studio?item=postgresql-database');
    await page.getByTestId('studio-valid').or(page.getByTestId('studio-issues')).first().waitFor({ timeout: 20_000 });
    await page.getByTestId('studio-tab-simulate').click();
    const tab = page.getByTestId('studio-simulate');
    await tab.waitFor({ timeout: 15_000 });
    await tab.getByTestId('simulate-empty').waitFor();

    // Sample values prefilled from the form (its defaults and placeholders); a production database with a password.
    const prefilled = JSON.parse(await tab.getByTestId('simulate-values').inputValue()) as Record<string, unknown>;
    expect(prefilled).toMatchObject({ db_name: 'orders', environment: 'dev', instance_class: 'db.t4g.medium', storage_gb: 20 });
    await tab.getByTestId('simulate-values').fill(JSON.stringify({ ...prefilled, service: 'frontend', admin_password: 'correct-horse-battery-staple' }, null, 2));
    expect(await tab.getByTestId('simulate-environment').inputValue()).toBe('dev');
    await tab.getByTestId('simulate-environment').selectOption('prod');
    // One value, shown twice: the select writes it into the values that run.
    expect(JSON.parse(await tab.getByTestId('simulate-values').inputValue())).toMatchObject({ environment: 'prod', service: 'frontend' });

    // As it is: completed, with its approval and the action that names no rollback.
    await tab.getByTestId('simulate-run').click();
    await expect.poll(() => tab.getByTestId('simulate-result').getAttribute('data-outcome'), { timeout: 20_000 }).toBe('completed');
    expect(await tab.getByTestId('simulate-approval').getAttribute('data-decision')).toBe('approved');
    expect(await tab.locator('[data-testid="simulate-problem"][data-code="no-rollback"]').getAttribute('data-action')).toBe('register');

    // Terraform fails: its retry, then the rollback.
    await tab.getByTestId('simulate-scenario').selectOption('action-fails');
    await tab.getByTestId('simulate-action').selectOption('provision');
    await tab.getByTestId('simulate-run').click();
    await expect.poll(() => tab.getByTestId('simulate-result').getAttribute('data-outcome'), { timeout: 20_000 }).toBe('failed');
    expect(await tab.getByTestId('simulate-outcome').innerText()).toContain('provision, after 2 attempts');
    expect(await tab.getByTestId('simulate-rollback').innerText()).toContain('Destroy the RDS instance (undoes provision)');
    expect(await tab.locator('[data-testid="simulate-step"][data-state="RetryWait"]').count()).toBe(1);
    const rollbackStarts = tab.locator('[data-testid="simulate-step"][data-phase="rollback"][data-state="StartAction"]');
    expect(await rollbackStarts.getAttribute('data-action')).toBe('destroy');
    expect(await rollbackStarts.evaluate((el) => getComputedStyle(el).borderLeftStyle)).toBe('solid');
    await tab.getByTestId('simulate-outcome').scrollIntoViewIfNeeded();
    await screenshot(page, 'studio-simulate-outcome');

    // The first attempt's input, as it would be sent: the secret field masked.
    const start = tab.locator('[data-testid="simulate-step"][data-state="StartAction"][data-action="provision"]').first();
    await start.getByTestId('simulate-input-toggle').click();
    const input = await start.getByTestId('simulate-input').innerText();
    expect(input).toContain('"workspace": "pg-orders-prod"');
    expect(input).toContain('‹secret field:admin_password›');
    expect(await tab.getByTestId('simulate-result').innerHTML()).not.toContain('correct-horse-battery-staple');
    await rollbackStarts.scrollIntoViewIfNeeded();
    await screenshot(page, 'studio-simulate-terraform-fails');

    // Nothing was called: the local fake Terraform Cloud the input names has no such workspace and no run of the dry run.
    const host = /"host": "(http:\/\/127\.0\.0\.1:\d+)"/.exec(input)?.[1];
    expect(host).toBeDefined();
    const state = await (await fetch(`${host}/_state`)).json() as { workspaces: Array<{ name: string }>; runs: Array<{ message?: string }> };
    expect(state.workspaces.map((w) => w.name)).not.toContain('pg-orders-prod');
    expect(state.runs.filter((r) => r.message?.includes('simulation'))).toEqual([]);
    await context.close();
  });
});
