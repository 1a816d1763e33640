/**
 * A Terraform request in a real browser against the local runtime and its LOCAL FAKE Terraform Cloud: the fake is told
 * to fail its next run in the workspace, then dana asks for a PostgreSQL database for dev. Her request's page follows
 * live, without a reload, as the run errors and the rollback destroys what it half made; Retry shows its plan first
 * (provision and register run again, nothing is kept, no approval), and once confirmed the request completes live with
 * the Terraform outputs. The fake's own record agrees: an errored apply, one destroy, an applied apply.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { freePort, newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

// The runtime's fake Terraform Cloud listens on a port chosen here, so this test can reach its controls (POST /_fail).
const terraformPort = await freePort();
process.env.APOLLO_TERRAFORM_FAKE_PORT = String(terraformPort);
const terraform = `http://127.0.0.1:${terraformPort}`;
const local = useLocalApollo();

const WORKSPACE = 'pg-sessions-dev';
const requestStatus = (page: Page) => page.getByTestId('request-page').getAttribute('data-status');
const output = (page: Page, action: string, name: string) => page.locator(`[data-testid="output"][data-action="${action}"][data-name="${name}"] [data-testid="output-value"]`);

interface TerraformState {
  readonly workspaces: Array<{ id: string; name: string }>;
  readonly runs: Array<{ workspaceId: string; isDestroy: boolean; status: string }>;
}

/** The workspace's runs as the fake Terraform Cloud lists them, oldest first: `apply errored`, `destroy planned_and_finished`, … */
async function runsOf(workspace: string): Promise<string[]> {
  const state = (await (await fetch(`${terraform}/_state`)).json()) as TerraformState;
  const id = state.workspaces.find((w) => w.name === workspace)?.id;
  return state.runs.filter((r) => r.workspaceId === id).map((r) => `${r.isDestroy ? 'destroy' : 'apply'} ${r.status}`);
}

describe('a Terraform request that fails once', () => {
  it('is rolled back live, retried from its page, and completes live with the outputs', { timeout: 240_000 }, async () => {
    // The fake Terraform Cloud errors the next run in the workspace the request will use.
    const armed = await fetch(`${terraform}/_fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspace: WORKSPACE, times: 1 }) });
    expect([armed.status, await armed.json()]).toEqual([200, { fake: 'LOCAL FAKE Terraform Cloud', workspace: WORKSPACE, times: 1, what: 'run' }]);

    // Dana asks for a database for one of her team's services, in dev (no approval).
    const context = await newContext(local.browser);
    const dana = await signIn(context, local.apollo.url, 'dana@apollo.local', '/self-service/postgresql-database');
    await dana.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    await dana.locator('#root_service').selectOption({ label: 'Frontend' });
    await dana.locator('#root_db_name').fill('sessions');
    await expect.poll(() => dana.getByTestId('approval-preview').getAttribute('data-needed')).toBe('false');
    await dana.getByTestId('submit-request').click();
    await expect.poll(() => new URL(dana.url()).pathname, { timeout: 15_000 }).toMatch(/^\/requests\/[0-9A-Z]{26}$/);
    await dana.getByTestId('request-page').waitFor();
    await expect.poll(() => dana.getByTestId('live-badge').getAttribute('data-live'), { timeout: 20_000 }).toBe('true');
    // Everything from here arrives as frames: the page must not be reloaded.
    let reloads = 0;
    dana.on('framenavigated', (frame) => { if (frame === dana.mainFrame()) reloads += 1; });

    // The run errors: the page shows the request rolling back while the destroy runs on the fake, then failed.
    const provision = dana.locator('[data-testid="request-action"][data-id="provision"]');
    const register = dana.locator('[data-testid="request-action"][data-id="register"]');
    const rollback = provision.getByTestId('action-rollback');
    await expect.poll(() => requestStatus(dana), { timeout: 60_000 }).toBe('rolling_back');
    await expect.poll(() => provision.getAttribute('data-status'), { timeout: 15_000 }).toBe('failed');
    // A failed action whose rollback runs is open by itself.
    await rollback.waitFor({ timeout: 15_000 });
    expect(await rollback.innerText()).toContain('Undone by Destroy the RDS instance');
    await screenshot(dana, 'request-terraform-rolling-back');
    await expect.poll(() => requestStatus(dana), { timeout: 90_000 }).toBe('failed');
    await expect.poll(() => provision.getAttribute('data-status'), { timeout: 15_000 }).toBe('rolled_back');
    expect(await provision.getByTestId('action-status').innerText()).toBe('rolled back');
    // Undone, it folds away; opened, it shows the errored run and the destroy that undid it.
    // (It may fold while we look: a live frame can land between the look and the click, so open it until it stays open.)
    await expect.poll(async () => {
      if (await rollback.isVisible()) return true;
      await provision.getByTestId('action-toggle').click();
      return rollback.isVisible();
    }, { timeout: 15_000 }).toBe(true);
    expect(await rollback.getAttribute('data-status', { timeout: 5_000 })).toBe('succeeded');
    expect(await provision.getByTestId('attempt-error').first().innerText()).toContain('errored');
    // The destroy was a run on the local fake, linked as one.
    const destroyRun = rollback.getByTestId('attempt-external');
    expect(await destroyRun.getAttribute('data-system')).toBe('terraform');
    expect(await destroyRun.getByTestId('external-local-fake').count()).toBe(1);
    expect(await register.getAttribute('data-status')).toBe('pending');
    expect(await dana.getByTestId('request-failure').innerText()).toContain('provision');
    expect(await dana.locator('[data-testid="timeline-entry"][data-status="rolling_back"]').count()).toBeGreaterThan(0);
    // The errored apply left no state, so the destroy's plan has nothing to change.
    expect(await runsOf(WORKSPACE)).toEqual(['apply errored', 'destroy planned_and_finished']);
    expect(reloads).toBe(0);
    await screenshot(dana, 'request-terraform-rolled-back');

    // Retry: the plan first. Both actions run again (the run was undone, the registration never ran); no approval for dev.
    await dana.getByTestId('request-retry').click();
    const plan = dana.getByTestId('retry-plan');
    await plan.waitFor({ timeout: 15_000 });
    expect(await plan.getByTestId('retry-rerun').evaluateAll((items) => items.map((i) => i.getAttribute('data-id')))).toEqual(['provision', 'register']);
    expect(await plan.getByTestId('retry-why').allInnerTexts()).toEqual([': it was rolled back', ': it has not run']);
    expect(await plan.getByTestId('retry-keep').count()).toBe(0);
    expect(await plan.getAttribute('data-approval')).toBe('false');
    expect(await requestStatus(dana)).toBe('failed');
    await screenshot(dana, 'request-terraform-retry-plan');

    // Confirmed: it completes live, with the database's address from the Terraform outputs.
    await dana.getByTestId('retry-confirm').click();
    await dana.getByTestId('retry-form').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => requestStatus(dana), { timeout: 90_000 }).toBe('completed');
    await expect.poll(() => provision.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded');
    await expect.poll(() => register.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded');
    await expect.poll(() => output(dana, 'provision', 'endpoint').count(), { timeout: 15_000 }).toBe(1);
    expect(await output(dana, 'provision', 'endpoint').innerText()).toBe('sessions-dev.rds.local-fake.test');
    expect(await output(dana, 'provision', 'port').innerText()).toBe('5432');
    expect(await output(dana, 'provision', 'secret_arn').innerText()).toBe('••••');
    await expect.poll(() => dana.getByTestId('request-retries').getAttribute('data-count'), { timeout: 15_000 }).toBe('1');
    expect(await dana.getByTestId('request-progress').getAttribute('data-progress')).toBe('100');
    expect(await runsOf(WORKSPACE)).toEqual(['apply errored', 'destroy planned_and_finished', 'apply applied']);
    expect(reloads).toBe(0);
    await screenshot(dana, 'request-terraform-completed');
    await context.close();
  });
});
