/**
 * Deployments end to end in real browsers against the local runtime (its GitOps repository on the LOCAL FAKE GitHub,
 * its rollout on the SIMULATED Argo CD), the Done-when: sam, a new developer (an admin just gave him the role),
 * deploys a new version of core-service to staging from its service page and watches it succeed live; production is
 * out of his reach and says why. An operator promotes staging → prod from the Deploy Center; it waits for approval on a
 * pull request. An admin approves it in the Approvals inbox (the card shows the change, the diff and the pull request).
 * The operator's page follows live to succeeded with the pull request merged, the catalog's service page shows the new
 * tag in prod, and one click (confirmed) rolls it back to the tag prod ran before.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

// The runtime's deployment checks and the simulated pods move quickly here (the defaults are for people).
process.env.APOLLO_DEPLOY_POLL_SECONDS ??= '1';
process.env.APOLLO_ARGOCD_SIM_POD_MS ??= '200';

const local = useLocalApollo();

const NEW_TAG = 'v9.1.0';
const deploymentStatus = (page: Page) => page.getByTestId('deployment-page').getAttribute('data-status');
const deploymentId = (page: Page) => new URL(page.url()).pathname.split('/').pop()!;
const stepStates = (page: Page) => page.getByTestId('deployment-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-stage')}:${e.getAttribute('data-state')}`));
const prodTag = async (page: Page) => (await page.locator('[data-testid="environment"][data-env="prod"] dd').first().innerText()).trim();

/** Waits for a deployment's page to reach a status; if it does not, the error says where it stopped (stage and timeline). */
async function waitForStatus(page: Page, status: string, timeout: number): Promise<void> {
  try {
    await expect.poll(() => deploymentStatus(page), { timeout }).toBe(status);
  } catch (error) {
    const root = page.getByTestId('deployment-page');
    const lines = await page.getByTestId('timeline-entry').allInnerTexts().catch(() => []);
    await screenshot(page, `deployment-stuck-${status}`);
    throw new Error(`deployment ${deploymentId(page)} is ${await root.getAttribute('data-status')} at ${await root.getAttribute('data-stage')}, not ${status}; its timeline:\n${lines.join('\n')}`, { cause: error });
  }
}

async function waitForDeploymentPage(page: Page): Promise<string> {
  await expect.poll(() => new URL(page.url()).pathname, { timeout: 20_000 }).toMatch(/^\/deployments\/[0-9A-Z]{26}$/);
  await page.getByTestId('deployment-page').waitFor();
  return deploymentId(page);
}

describe('deployments', () => {
  it('a developer deploys to staging, an operator promotes to prod, an admin approves, the catalog shows it, one click rolls it back', { timeout: 300_000 }, async () => {
    const admin = local.apollo.client('admin');
    await admin.request('PUT /api/v1/users/{user}/role', { params: { user: 'sam@apollo.local' }, body: { role: 'developer' } });
    const before = (await admin.request('GET /api/v1/services/{id}/environments', { params: { id: 'core-service' } })).body.items;
    const prodBefore = before.find((e) => e.name === 'prod')!.deployment.imageTag!;

    // Sam, a developer now, opens core-service: each environment has its deploy buttons; production is not his to change.
    const samContext = await newContext(local.browser);
    const sam = await signIn(samContext, local.apollo.url, 'sam@apollo.local', '/catalog/core-service');
    const staging = sam.locator('[data-testid="environment"][data-env="staging"]');
    await staging.getByTestId('env-deploy').waitFor({ timeout: 20_000 });
    expect(await sam.locator('[data-testid="environment"][data-env="prod"] [data-testid="env-deploy"]').getAttribute('data-allowed')).toBe('false');
    expect(await sam.locator('[data-testid="environment"][data-env="prod"] [data-testid="env-deploy"]').isDisabled()).toBe(true);
    expect(await staging.getByTestId('env-promote').getAttribute('data-allowed')).toBe('false');
    expect(await staging.getByTestId('env-promote').innerText()).toBe('Promote to prod');

    // Deploy opens the form for staging: the versions come from the GitOps history and the other environments.
    await staging.getByTestId('env-deploy').click();
    const form = sam.getByTestId('deploy-form');
    await form.waitFor();
    expect(await form.locator('#deploy-service').inputValue()).toBe('core-service');
    expect(await form.locator('#deploy-environment').inputValue()).toBe('staging');
    await form.getByTestId('version').first().waitFor({ timeout: 20_000 });
    const sources = await form.getByTestId('version').evaluateAll((els) => els.map((e) => e.getAttribute('data-source')));
    expect(sources).toContain('environment');
    expect(await form.getByTestId('versions-gitops-kind').getAttribute('data-fake')).toBe('local fake');
    await form.getByTestId('deploy-tag').fill(NEW_TAG);
    await form.getByTestId('deploy-reason').fill('Ship the ledger fix');
    expect(await form.getByTestId('deploy-what-happens').innerText()).toContain('committed');
    expect(await form.getByTestId('deploy-submit').innerText()).toBe(`Deploy ${NEW_TAG} to staging`);
    await screenshot(sam, 'deploy-form');
    await form.getByTestId('deploy-submit').click();

    // Its page follows it live, without a reload, to succeeded: every step done, the replicas rolled, the Git commit shown.
    const stagingId = await waitForDeploymentPage(sam);
    let reloads = 0;
    sam.on('framenavigated', (frame) => { if (frame === sam.mainFrame()) reloads += 1; });
    await expect.poll(() => sam.getByTestId('live-badge').getAttribute('data-live'), { timeout: 20_000 }).toBe('true');
    await waitForStatus(sam, 'succeeded', 120_000);
    // The safeguards are checked again inside the workflow; after the rollout the canary analysis passed.
    expect(await stepStates(sam)).toEqual(['validate:done', 'safeguards:done', 'commit:done', 'sync:done', 'rollout:done', 'analysis:done', 'catalog:done']);
    const replicas = sam.getByTestId('rollout-replicas');
    expect(await replicas.getAttribute('data-ready')).toBe(await replicas.getAttribute('data-desired'));
    expect(await sam.getByTestId('rollout-kind').getAttribute('data-fake')).toBe('simulated');
    expect(await sam.getByTestId('gitops-kind').getAttribute('data-fake')).toBe('local fake');
    // The Git change is the detail's, read again once the frames said it changed.
    await expect.poll(() => sam.getByTestId('gitops-commit').count(), { timeout: 10_000 }).toBe(1);
    expect(await sam.getByTestId('gitops-diff').innerText()).toContain(NEW_TAG);
    expect(await sam.getByTestId('deployment-change').first().innerText()).toContain(`→ ${NEW_TAG}`);
    expect(await sam.getByTestId('timeline-entry').count()).toBeGreaterThan(3);
    expect(reloads).toBe(0);
    await screenshot(sam, 'deployment-succeeded');

    // An operator promotes staging → prod from the Deploy Center; it waits for an approval on a pull request.
    const operatorContext = await newContext(local.browser);
    const operator = await signIn(operatorContext, local.apollo.url, 'operator@apollo.local', '/deployments');
    const stagingRow = operator.locator(`[data-testid="deployment-row"][data-id="${stagingId}"]`);
    await stagingRow.waitFor({ timeout: 20_000 });
    expect(await stagingRow.getAttribute('data-status')).toBe('succeeded');
    const promote = operator.getByTestId('deploy-form');
    await promote.getByRole('tab', { name: 'Promote' }).click();
    await promote.locator('#deploy-service').selectOption('core-service');
    await promote.locator('#deploy-environment').selectOption('prod');
    await expect.poll(() => promote.locator('#deploy-from').inputValue()).toBe('staging');
    await expect.poll(() => promote.getByTestId('deploy-promote-change').innerText()).toContain(NEW_TAG);
    expect(await promote.getByTestId('deploy-submit').innerText()).toBe(`Promote ${NEW_TAG} to prod`);
    await promote.getByTestId('deploy-reason').fill('Release the ledger fix');
    // Prod runs older dependencies than staging verified v9.x with: the dependency check blocks until acknowledged.
    await expect.poll(() => promote.locator('[data-testid="preflight-check"][data-safeguard="dependencies"]').getAttribute('data-outcome'), { timeout: 20_000 }).toBe('block');
    await promote.getByTestId('acknowledge-dependencies').check({ force: true });
    await expect.poll(() => promote.locator('[data-testid="preflight-check"][data-safeguard="dependencies"]').getAttribute('data-outcome')).toBe('warn');
    await screenshot(operator, 'deploy-center-promote');
    await promote.getByTestId('deploy-submit').click();
    const promoteId = await waitForDeploymentPage(operator);
    await waitForStatus(operator, 'awaiting_approval', 60_000);
    await expect.poll(() => operator.getByTestId('gitops-pull-request-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('open');
    expect((await stepStates(operator)).slice(0, 3)).toEqual(['validate:done', 'pull_request:done', 'approval:waiting']);
    await expect.poll(() => operator.getByTestId('gitops-diff').innerText(), { timeout: 10_000 }).toContain(NEW_TAG);
    await screenshot(operator, 'deployment-awaiting-approval');

    // An admin approves it in the Approvals inbox: the card says what it changes and shows the diff and the pull request.
    const adminContext = await newContext(local.browser);
    const adminPage = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', '/approvals');
    const card = adminPage.locator(`[data-testid="approval-card"][data-deployment="${promoteId}"]`);
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getAttribute('data-kind')).toBe('deployment');
    expect(await card.getAttribute('data-can-decide')).toBe('true');
    expect(await card.getByTestId('approval-deployment-link').innerText()).toBe('Promote core-service to prod');
    expect(await card.getByTestId('approval-environment').innerText()).toBe('prod');
    expect(await card.getByTestId('approval-change').innerText()).toBe(`${prodBefore} → ${NEW_TAG} from staging`);
    expect(await card.getByTestId('approval-diff').innerText()).toContain(NEW_TAG);
    expect(await card.getByTestId('approval-pull-request').getAttribute('href')).toMatch(/^https?:\/\//);
    expect(await card.getByTestId('approval-requester').innerText()).toBe('operator@apollo.local');
    await screenshot(adminPage, 'approvals-deployment');
    await card.getByTestId('approve').click();
    await adminPage.getByTestId('decision-text').fill('Staging looks good');
    await adminPage.getByTestId('decision-confirm').click();
    await card.waitFor({ state: 'detached', timeout: 15_000 });

    // The operator's page follows live: merged, rolled out, succeeded, approved by the admin.
    await waitForStatus(operator, 'succeeded', 120_000);
    expect(await stepStates(operator)).toEqual(['validate:done', 'pull_request:done', 'approval:done', 'safeguards:done', 'merge:done', 'sync:done', 'rollout:done', 'analysis:done', 'catalog:done']);
    await expect.poll(() => operator.getByTestId('gitops-pull-request-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('merged');
    await expect.poll(() => operator.getByTestId('deployment-approval').getAttribute('data-status'), { timeout: 10_000 }).toBe('approved');
    expect(await operator.getByTestId('approval-decided-by').innerText()).toContain('admin@apollo.local');
    await screenshot(operator, 'deployment-promoted');

    // The catalog's service page shows the new tag in prod, and the promote among its recent deployments.
    await operator.getByTestId('deployment-service').click();
    await operator.getByTestId('service-page').waitFor();
    await expect.poll(() => prodTag(operator), { timeout: 20_000 }).toContain(NEW_TAG);
    await operator.locator(`[data-testid="service-deployments"] [data-testid="deployment-row"][data-id="${promoteId}"]`).waitFor({ timeout: 20_000 });
    await screenshot(operator, 'service-after-promote');

    // One click rolls it back (after a confirmation): a new deployment puts prod's earlier tag back.
    await operator.goBack();
    await operator.getByTestId('deployment-page').waitFor();
    await expect.poll(() => operator.getByTestId('rollback').count(), { timeout: 20_000 }).toBe(1);
    await operator.getByTestId('rollback').click();
    expect(await operator.getByTestId('rollback-question').innerText()).toContain(prodBefore);
    await operator.locator('.bp6-alert').getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => deploymentId(operator), { timeout: 20_000 }).not.toBe(promoteId);
    const rollbackId = await waitForDeploymentPage(operator);
    expect(await operator.getByTestId('deployment-operation').first().getAttribute('data-operation')).toBe('rollback');
    await waitForStatus(operator, 'succeeded', 120_000);
    expect(await operator.getByTestId('deployment-change').first().innerText()).toBe(`${NEW_TAG} → ${prodBefore}`);
    await screenshot(operator, 'deployment-rolled-back');
    const after = (await admin.request('GET /api/v1/services/{id}/environments', { params: { id: 'core-service' } })).body.items;
    expect(after.find((e) => e.name === 'prod')!.deployment.imageTag).toBe(prodBefore);
    expect(after.find((e) => e.name === 'staging')!.deployment.imageTag).toBe(NEW_TAG);

    // The Deploy Center's history, filtered to prod, lists the rollback and the promote, newest first.
    await operator.goto(`${local.apollo.url}/deployments?service=core-service&environment=prod`);
    const rows = operator.getByTestId('deployment-row');
    await rows.first().waitFor({ timeout: 20_000 });
    expect((await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).slice(0, 2)).toEqual([rollbackId, promoteId]);
    // Only the newest one there offers Roll back (the promote it replaced no longer runs).
    await expect.poll(() => rows.first().getByTestId('rollback').count(), { timeout: 10_000 }).toBe(1);
    expect(await operator.getByTestId('deployment-history').getByTestId('rollback').count()).toBe(1);
    expect(await rows.first().getByTestId('rollback').getAttribute('data-allowed')).toBe('true');
    await screenshot(operator, 'deploy-center-history');
    // A filter with nothing to show says so, and keeps the others in the URL.
    await operator.locator('#dh-status').selectOption('failed');
    await operator.getByTestId('history-apply').click();
    await operator.getByTestId('history-empty').waitFor({ timeout: 15_000 });
    expect(new URL(operator.url()).searchParams.toString()).toBe('service=core-service&environment=prod&status=failed');

    await adminContext.close();
    await operatorContext.close();
    await samContext.close();
  });
});
