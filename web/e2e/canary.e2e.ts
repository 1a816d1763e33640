/**
 * Canary analysis end to end in real browsers against the local runtime (canary checks every second, 3 of them, 2
 * failed roll back: local-runtime.ts), the Done-when in spirit. An operator deploys a new core-service tag to
 * staging from its service page; while it rolls out, someone pushes staging's demo error rate to 15 % from the
 * service page's "Local demo only" panel. The deployment page charts the checks against the baseline and the limit,
 * ends rolled back with the numbers, and links to the automatic rollback, which succeeds (fast: no analysis of its
 * own), and a Fast rollback from there skips analysis too; the service page's health strip marks them. Then the same through production, as a human does it: the
 * operator asks, an admin approves, the error rate goes up, the canary rolls prod back. Last, with core-service set to
 * pause failed canaries (its settings card), the operator decides one by hand: "Roll back", with a reason.
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../schemas/types.gen.ts';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

// The runtime's deployment checks and the simulated pods move quickly here (the defaults are for people).
process.env.APOLLO_DEPLOY_POLL_SECONDS ??= '1';
process.env.APOLLO_ARGOCD_SIM_POD_MS ??= '200';

const local = useLocalApollo();

const deploymentStatus = (page: Page) => page.getByTestId('deployment-page').getAttribute('data-status');
const deploymentId = (page: Page) => new URL(page.url()).pathname.split('/').pop()!;
const stepStates = (page: Page) => page.getByTestId('deployment-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-stage')}:${e.getAttribute('data-state')}`));
const panelRow = (page: Page, environment: string) => page.locator(`[data-testid="local-metrics-env"][data-environment="${environment}"]`);

/** Waits for a deployment's page to reach a status; if it does not, the error says where it stopped (stage and timeline). */
async function waitForStatus(page: Page, status: string | RegExp, timeout: number): Promise<void> {
  try {
    await expect.poll(() => deploymentStatus(page), { timeout }).toMatch(status);
  } catch (error) {
    const root = page.getByTestId('deployment-page');
    const lines = await page.getByTestId('timeline-entry').allInnerTexts().catch(() => []);
    await screenshot(page, `canary-stuck-${String(status).replace(/\W+/g, '-')}`);
    throw new Error(`deployment ${deploymentId(page)} is ${await root.getAttribute('data-status')} at ${await root.getAttribute('data-stage')}, not ${status}; its timeline:\n${lines.join('\n')}`, { cause: error });
  }
}

async function waitForDeploymentPage(page: Page): Promise<string> {
  await expect.poll(() => new URL(page.url()).pathname, { timeout: 20_000 }).toMatch(/^\/deployments\/[0-9A-Z]{26}$/);
  await page.getByTestId('deployment-page').waitFor();
  return deploymentId(page);
}

/** The demo metrics control, as the panel calls it (the tests put every environment back to normal after them). */
async function backToNormal(environment: string): Promise<void> {
  const response = await fetch(`${local.apollo.url}/local/demo-metrics/control`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'core-service', environment, normal: true }),
  });
  expect(response.ok).toBe(true);
}

/** Pushes an environment's error rate from the service page's panel, once the deployment is under way (rolling out or analysed). */
async function pushWhenUnderWay(deploymentPage: Page, panel: Page, environment: string): Promise<void> {
  await waitForStatus(deploymentPage, /^(in_progress|analyzing)$/, 60_000);
  await panelRow(panel, environment).getByTestId('local-metrics-push').click();
  await expect.poll(() => panelRow(panel, environment).getByTestId('local-metrics-error-rate').innerText(), { timeout: 15_000 }).toContain('pushed 15.0 %');
}

/** What the record says, read as the operator. */
async function record(id: string): Promise<Deployment> {
  return (await local.apollo.client('operator').request('GET /api/v1/deployments/{id}', { params: { id } })).body;
}

/** The rolled-back deployment's page: the chart, the numbers, the decision, the link to the rollback. */
async function expectRolledBack(page: Page, id: string): Promise<string> {
  await waitForStatus(page, 'rolled_back', 120_000);
  const section = page.getByTestId('canary-analysis');
  await expect.poll(() => section.getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
  // The stepper: the analysis failed, then the rollback (done once its deployment was asked for).
  await expect.poll(() => stepStates(page), { timeout: 20_000 }).toEqual(expect.arrayContaining(['rollout:done', 'analysis:failed', 'rollback:done']));
  // Two charts (error rate and p99), each with the limit and a marker per check: at least the two failed ones.
  expect(await section.getByTestId('canary-chart').count()).toBe(2);
  const errorChart = section.locator('[data-testid="canary-chart"][data-metric="errorRate"]');
  expect(Number(await errorChart.getAttribute('data-limit'))).toBeCloseTo(0.01, 6);
  expect(await errorChart.getByTestId('canary-limit-line').count()).toBe(1);
  expect(await errorChart.locator('[data-testid="canary-check-marker"][data-passed="false"]').count()).toBeGreaterThanOrEqual(2);
  const progress = section.getByTestId('canary-progress');
  expect(await progress.getAttribute('data-failed')).toBe('2');
  expect(await progress.getAttribute('data-threshold')).toBe('2');
  expect(await section.getByTestId('canary-progress-failed').innerText()).toBe('failed 2 of 2');
  expect(await section.getByTestId('canary-limit-error-rate').innerText()).toContain('1.00 %');
  expect(await section.getByTestId('canary-metrics').innerText()).toContain('LOCAL DEMO METRICS');
  // The decision with its numbers: the error rate over the limit.
  const decision = section.getByTestId('canary-decision');
  expect(await decision.getAttribute('data-outcome')).toBe('rolled_back');
  expect(await decision.getByTestId('canary-decision-reason-text').innerText()).toMatch(/error rate up to \d+(\.\d+)? % \(limit 1\.00 %/);
  expect(await page.getByTestId('deployment-failure').innerText()).toMatch(/canary failed: .*error rate up to/);
  const failedRows = section.locator('[data-testid="canary-check"][data-passed="false"]');
  expect(await failedRows.first().innerText()).toMatch(/error rate \d+(\.\d+)? % > 1\.00 %/);
  // The record agrees: every failed check's error rate is over the limit.
  const r = await record(id);
  expect(r.status).toBe('rolled_back');
  expect(r.canary!.failedChecks).toBe(2);
  expect(r.canary!.checks.filter((c) => !c.passed).every((c) => (c.errorRate ?? 0) > 0.01)).toBe(true);
  // The automatic rollback, linked.
  const link = decision.getByTestId('canary-rollback-link');
  await link.waitFor({ timeout: 20_000 });
  expect(r.canary!.rollbackDeploymentId ?? (await record(id)).canary!.rollbackDeploymentId).toBeTruthy();
  await section.scrollIntoViewIfNeeded();
  return (await record(id)).canary!.rollbackDeploymentId!;
}

/** The automatic rollback's page: a fast rollback of the failed deployment, which succeeds without analysis. */
async function expectRollbackSucceeds(page: Page, failedId: string, rollbackId: string, backTo: string): Promise<void> {
  await page.getByTestId('canary-rollback-link').click();
  await expect.poll(() => deploymentId(page), { timeout: 20_000 }).toBe(rollbackId);
  await page.getByTestId('deployment-page').waitFor();
  expect(await page.getByTestId('deployment-operation').first().getAttribute('data-operation')).toBe('rollback');
  await waitForStatus(page, 'succeeded', 120_000);
  expect(await page.getByTestId('deployment-summary').innerText()).toContain(failedId.slice(-8));
  await expect.poll(() => page.getByTestId('canary-analysis').getAttribute('data-status'), { timeout: 20_000 }).toBe('skipped');
  expect(await page.getByTestId('canary-skipped').innerText()).toContain('fast rollback');
  expect(await page.getByTestId('deployment-change').first().innerText()).toContain(`→ ${backTo}`);
}

describe('canary analysis', () => {
  afterEach(async () => {
    await backToNormal('staging');
    await backToNormal('prod');
  });

  it('rolls a staging deploy back when its error rate goes up, with the numbers, and the automatic rollback succeeds', { timeout: 300_000 }, async () => {
    const operatorContext = await newContext(local.browser);
    const page = await signIn(operatorContext, local.apollo.url, 'operator@apollo.local', '/catalog/core-service');
    // The panel, in a second window (its own sign-in: credentials live in a tab).
    const panelContext = await newContext(local.browser);
    const panel = await signIn(panelContext, local.apollo.url, 'operator@apollo.local', '/catalog/core-service');
    await panel.getByTestId('local-metrics-control').waitFor({ timeout: 20_000 });
    const stagingBefore = (await panelRow(panel, 'staging').locator('td').nth(1).innerText()).trim();

    // The service page's canary card says what applies (the runtime's 3 checks a second apart, 2 failed roll back).
    const card = page.getByTestId('canary-settings');
    await card.waitFor({ timeout: 20_000 });
    await expect.poll(() => card.getByTestId('canary-setting-checks').innerText(), { timeout: 10_000 }).toContain('8 every 1 s');
    expect(await card.getByTestId('canary-setting-on-failure').innerText()).toContain('2 failed roll it back');
    expect(await card.getByTestId('canary-setting-error-rate').innerText()).toContain('1.00 %');

    // Deploy a new tag to staging from its card.
    const staging = page.locator('[data-testid="environment"][data-env="staging"]');
    await staging.getByTestId('env-deploy').click();
    const form = page.getByTestId('deploy-form');
    await form.waitFor();
    await form.getByTestId('deploy-tag').fill('v9.7.0');
    await form.getByTestId('deploy-reason').fill('Ship the retry change');
    await expect.poll(() => form.getByTestId('deploy-submit').isEnabled(), { timeout: 20_000 }).toBe(true);
    await form.getByTestId('deploy-submit').click();
    const id = await waitForDeploymentPage(page);

    // As soon as it is under way, staging's error rate goes up (the service page's "Local demo only" panel).
    await pushWhenUnderWay(page, panel, 'staging');
    // The analysis runs on the page: the chart fills in, check by check.
    const section = page.getByTestId('canary-analysis');
    await section.waitFor({ timeout: 60_000 });
    await expect.poll(() => section.locator('[data-testid="canary-chart"][data-metric="errorRate"]').getAttribute('data-checks'), { timeout: 30_000 }).not.toBe('0');
    await screenshot(page, 'canary-running');

    const rollbackId = await expectRolledBack(page, id);
    await screenshot(page, 'canary-rolled-back');
    await expectRollbackSucceeds(page, id, rollbackId, stagingBefore);
    await screenshot(page, 'canary-automatic-rollback');
    const envs = (await local.apollo.client('operator').request('GET /api/v1/services/{id}/environments', { params: { id: 'core-service' } })).body.items;
    expect(envs.find((e) => e.name === 'staging')!.deployment.imageTag).toBe(stagingBefore);
    await expect.poll(() => page.getByTestId('rollback').count(), { timeout: 20_000 }).toBe(1);

    // An incident's way out: Roll back, Fast (skip canary analysis), is done once it rolled out.
    await page.getByTestId('rollback').click();
    await page.locator('.bp6-alert label.bp6-checkbox').filter({ hasText: 'Fast (skip canary analysis)' }).click();
    expect(await page.getByTestId('rollback-fast').isChecked()).toBe(true);
    await page.locator('.bp6-alert').getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => deploymentId(page), { timeout: 20_000 }).not.toBe(rollbackId);
    const fastId = await waitForDeploymentPage(page);
    await waitForStatus(page, 'succeeded', 120_000);
    expect((await record(fastId)).fast).toBe(true);
    await expect.poll(() => page.getByTestId('canary-analysis').getAttribute('data-status'), { timeout: 20_000 }).toBe('skipped');
    expect(await stepStates(page)).not.toContain('analysis:done');

    // Back to normal from the panel; the service page's health strip marks the rolled-back deploy and its rollback.
    await panelRow(panel, 'staging').getByTestId('local-metrics-normal').click();
    await expect.poll(() => panelRow(panel, 'staging').getByTestId('local-metrics-error-rate').innerText(), { timeout: 15_000 }).not.toContain('pushed');
    await panel.reload();
    const strip = panel.locator('[data-testid="health-env"][data-env="staging"]');
    await expect.poll(() => strip.locator('[data-testid="sparkline-marker"][data-kind="rolled_back"]').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    // The deploy and its rollback, seconds apart on a 24 h strip, share one stem: red, its tooltip naming both.
    await strip.locator('[data-testid="sparkline-marker"][data-kind="rolled_back"] a').last().hover();
    const tip = panel.getByTestId('sparkline-marker-tip').first();
    await expect.poll(() => tip.innerText(), { timeout: 10_000 }).toContain('Deploy v9.7.0 by operator@apollo.local: rolled back by its canary');
    expect(await tip.innerText()).toContain(`Rollback ${stagingBefore} by`);
    expect(await tip.innerText()).toMatch(/Rollback \S+ by operator@apollo\.local: succeeded/);
    await panel.getByTestId('service-health').scrollIntoViewIfNeeded();
    await screenshot(panel, 'canary-health-markers');

    await panelContext.close();
    await operatorContext.close();
  });

  it('rolls a production deploy back: an operator asks, an admin approves, the error rate goes up', { timeout: 300_000 }, async () => {
    const operatorContext = await newContext(local.browser);
    const panelContext = await newContext(local.browser);
    const panel = await signIn(panelContext, local.apollo.url, 'developer@apollo.local', '/catalog/core-service');
    await panel.getByTestId('local-metrics-control').waitFor({ timeout: 20_000 });
    const prodBefore = (await panelRow(panel, 'prod').locator('td').nth(1).innerText()).trim();

    // The operator asks for v9.8.0 in prod (as the CLI or the Deploy Center would); it waits for an approval.
    const operator = local.apollo.client('operator');
    const started = (await operator.request('POST /api/v1/deployments', {
      body: { service: 'core-service', environment: 'prod', imageTag: 'v9.8.0', reason: 'Release the retry change', initiatedVia: 'api', acknowledge: ['dependencies'] },
    })).body;
    const page = await signIn(operatorContext, local.apollo.url, 'operator@apollo.local', `/deployments/${started.id}`);
    await waitForStatus(page, 'awaiting_approval', 60_000);
    const approvalId = (await record(started.id)).approval!.id!;
    await local.apollo.client('admin').request('POST /api/v1/approvals/{id}/approve', { params: { id: approvalId }, body: { comment: 'Go' } });

    await pushWhenUnderWay(page, panel, 'prod');
    const rollbackId = await expectRolledBack(page, started.id);
    await screenshot(page, 'canary-prod-rolled-back');
    await expectRollbackSucceeds(page, started.id, rollbackId, prodBefore);
    const envs = (await operator.request('GET /api/v1/services/{id}/environments', { params: { id: 'core-service' } })).body.items;
    expect(envs.find((e) => e.name === 'prod')!.deployment.imageTag).toBe(prodBefore);

    await panelContext.close();
    await operatorContext.close();
  });

  it('pauses a failed canary for a human when the service asks, and the operator rolls it back with a reason', { timeout: 300_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'operator@apollo.local', '/catalog/core-service');
    const panelContext = await newContext(local.browser);
    const panel = await signIn(panelContext, local.apollo.url, 'operator@apollo.local', '/catalog/core-service');
    await panel.getByTestId('local-metrics-control').waitFor({ timeout: 20_000 });

    // core-service pauses failed canaries for a human (its settings card, operators may change it).
    const card = page.getByTestId('canary-settings');
    await card.getByTestId('canary-settings-edit').click();
    const settings = page.getByTestId('canary-settings-form');
    await settings.getByTestId('canary-field-onFailure').selectOption('pause');
    await settings.getByTestId('canary-settings-save').click();
    await settings.waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => card.getByTestId('canary-setting-on-failure').innerText(), { timeout: 10_000 }).toContain('pause it for a human');
    expect(await card.getByTestId('canary-setting-on-failure').getAttribute('data-override')).toBe('true');
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'canary-settings-card');

    const started = (await local.apollo.client('operator').request('POST /api/v1/deployments', {
      body: { service: 'core-service', environment: 'staging', imageTag: 'v9.9.0', reason: 'Try the cache', initiatedVia: 'api' },
    })).body;
    await page.goto(`${local.apollo.url}/deployments/${started.id}`);
    await page.getByTestId('deployment-page').waitFor();
    await pushWhenUnderWay(page, panel, 'staging');
    await waitForStatus(page, 'paused', 120_000);
    const section = page.getByTestId('canary-analysis');
    await expect.poll(() => section.getAttribute('data-status'), { timeout: 20_000 }).toBe('paused');
    expect(await stepStates(page)).toContain('analysis:waiting');
    expect(await section.getByTestId('canary-decision').getAttribute('data-outcome')).toBe('paused');
    expect(await section.getByTestId('canary-promote').isEnabled()).toBe(true);
    await screenshot(page, 'canary-paused');

    // Roll back asks for a reason first.
    await section.getByTestId('canary-rollback').click();
    const dialog = page.getByTestId('canary-decision-form');
    await dialog.getByTestId('canary-decision-confirm').click();
    expect(await dialog.innerText()).toContain('at least 3 characters');
    await dialog.getByTestId('canary-decision-reason').fill('The error rate is real, not noise');
    await dialog.getByTestId('canary-decision-confirm').click();
    await dialog.waitFor({ state: 'detached', timeout: 15_000 });
    await waitForStatus(page, 'rolled_back', 120_000);
    await expect.poll(() => section.getByTestId('canary-decision').innerText(), { timeout: 20_000 }).toContain('by operator@apollo.local');
    await section.getByTestId('canary-rollback-link').waitFor({ timeout: 20_000 });
    expect((await record(started.id)).canary!.decision).toMatchObject({ outcome: 'rolled_back', by: 'operator@apollo.local' });

    // Reset to the defaults from the card.
    await page.goto(`${local.apollo.url}/catalog/core-service`);
    await page.getByTestId('canary-settings-reset').click();
    await expect.poll(() => page.getByTestId('canary-setting-on-failure').getAttribute('data-override'), { timeout: 10_000 }).toBe('false');
    expect(await page.getByTestId('canary-settings-reset').count()).toBe(0);

    await panelContext.close();
    await context.close();
  });
});
