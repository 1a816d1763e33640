/**
 * Freezes and deployment windows in real browsers against the local runtime (issue 15: "a deploy during a lock or
 * outside a window is refused with its reason before and after pressing Deploy"). An admin sets a window for staging
 * that is closed now from the Deploy Center; the deploy form for core-service staging shows the window block with its
 * reason before Deploy; Deploy with "Refuse" is refused (409) with the reason in the form; with "Queue" the deployment's
 * page says it is queued until the window opens. The window removed, the admin freezes deployments org-wide; a
 * developer's deploy form shows the freeze block; asking for an exception with a reason, the deployment waits for an
 * admin's approval. The freeze is ended at the end.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

process.env.APOLLO_DEPLOY_POLL_SECONDS ??= '1';
process.env.APOLLO_ARGOCD_SIM_POD_MS ??= '200';

const local = useLocalApollo();

const QUEUED_TAG = 'v9.4.0';
const FROZEN_TAG = 'v9.5.0';
const FREEZE_REASON = 'Year-end freeze: stop the line';
const EXCEPTION_REASON = 'Hotfix for the ledger rounding bug';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const check = (form: Locator, safeguard: string) => form.locator(`[data-testid="preflight-check"][data-safeguard="${safeguard}"]`);
const outcome = (form: Locator, safeguard: string) => check(form, safeguard).getAttribute('data-outcome', { timeout: 20_000 });
const deploymentStatus = (page: Page) => page.getByTestId('deployment-page').getAttribute('data-status');
const deploymentId = (page: Page) => new URL(page.url()).pathname.split('/').pop()!;
/** `datetime-local` text for a moment, on the browser's clock (the contexts run in UTC). */
const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 16);

async function waitForDeploymentPage(page: Page): Promise<string> {
  await expect.poll(() => new URL(page.url()).pathname, { timeout: 20_000 }).toMatch(/^\/deployments\/[0-9A-Z]{26}$/);
  await page.getByTestId('deployment-page').waitFor();
  return deploymentId(page);
}

/** Cancels a deployment through the API and waits until it has ended, so staging takes the next one. */
async function cancelAndWait(id: string): Promise<void> {
  const admin = local.apollo.client('admin');
  await admin.request('POST /api/v1/deployments/{id}/cancel', { params: { id }, body: { reason: 'browser test clean-up' } });
  await expect.poll(async () => (await admin.request('GET /api/v1/deployments/{id}', { params: { id } })).body.status, { timeout: 30_000 }).toBe('cancelled');
}

describe('deployment safeguards', () => {
  it('a window closed now blocks a deploy before and after Deploy, queues it on request; a freeze needs an exception an admin approves', { timeout: 300_000 }, async () => {
    const adminContext = await newContext(local.browser);
    const admin = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', '/deployments?deploy=core-service&env=staging');

    // The admin sets staging's window to one hour two days from now (UTC, the browser's zone): closed now.
    const windows = admin.getByTestId('windows-panel');
    const stagingRow = windows.locator('[data-testid="window-row"][data-environment="staging"]');
    await stagingRow.waitFor({ timeout: 20_000 });
    expect(await stagingRow.getAttribute('data-has-window')).toBe('false');
    expect(await stagingRow.getByTestId('window-edit').getAttribute('data-allowed')).toBe('true');
    await stagingRow.getByTestId('window-edit').click();
    const windowForm = admin.getByTestId('window-form');
    await windowForm.waitFor();
    expect(await windowForm.getByTestId('window-timezone').inputValue()).toBe('UTC');
    const day = DAYS[(new Date().getUTCDay() + 2) % 7]!;
    for (const d of DAYS) {
      await windowForm.locator(`[data-testid="window-day"][data-day="${d}"]`).setChecked(d === day, { force: true });
    }
    await windowForm.getByTestId('window-start').fill('09:00');
    await windowForm.getByTestId('window-end').fill('10:00');
    await screenshot(admin, 'window-dialog');
    await windowForm.getByTestId('window-confirm').click();
    await windowForm.waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => stagingRow.getAttribute('data-has-window'), { timeout: 15_000 }).toBe('true');
    expect(await stagingRow.getAttribute('data-open')).toBe('false');
    expect(await stagingRow.getByTestId('window-summary').innerText()).toContain('09:00–10:00 UTC');
    expect(await stagingRow.getByTestId('window-now').innerText()).toMatch(/Closed now, opens 09:00 \w{3}/);
    await screenshot(admin, 'deploy-center-window-closed');

    // The deploy form for core-service staging: the window blocks it, with its reason, before pressing Deploy.
    const form = admin.getByTestId('deploy-form');
    await form.getByTestId('deploy-tag').waitFor({ timeout: 20_000 });
    await form.getByTestId('deploy-tag').fill(QUEUED_TAG);
    await expect.poll(() => outcome(form, 'window'), { timeout: 20_000 }).toBe('block');
    expect(await check(form, 'window').getByTestId('preflight-reason').innerText()).toContain('outside the deployment window');
    expect(await form.getByTestId('deploy-blocked').getAttribute('data-safeguard')).toBe('window');
    // The ways past it, inline: refuse (chosen), queue until it opens, and for an admin an override with a reason.
    const windowControl = check(form, 'window').getByTestId('safeguard-control');
    expect(await windowControl.getByTestId('window-refuse').isChecked()).toBe(true);
    expect(await windowControl.locator('label', { has: admin.getByTestId('window-queue') }).innerText()).toMatch(/^Queue until /);
    expect(await windowControl.getByTestId('window-override').count()).toBe(1);
    await screenshot(admin, 'deploy-form-window-block');

    // Deploy with "Refuse": the API refuses it (409) and the form says why.
    expect(await form.getByTestId('deploy-submit').isDisabled()).toBe(false);
    await form.getByTestId('deploy-submit').click();
    await form.getByTestId('deploy-refused').waitFor({ timeout: 15_000 });
    expect(await form.getByTestId('deploy-refused-reason').first().innerText()).toContain('outside the deployment window');
    expect(new URL(admin.url()).pathname).toBe('/deployments');

    // "Queue": the preflight, asked again, lets it through queued; the deployment's page says until when.
    await windowControl.getByTestId('window-queue').check({ force: true });
    await expect.poll(() => outcome(form, 'window'), { timeout: 20_000 }).toBe('warn');
    expect(await check(form, 'window').getByTestId('preflight-overridden').innerText()).toContain('queued until');
    expect(await form.getByTestId('deploy-refused').count()).toBe(0);
    await form.getByTestId('deploy-submit').click();
    const queuedId = await waitForDeploymentPage(admin);
    await expect.poll(() => deploymentStatus(admin), { timeout: 30_000 }).toBe('queued');
    const queued = admin.getByTestId('deployment-queued');
    await queued.waitFor({ timeout: 15_000 });
    expect(await queued.innerText()).toMatch(/Queued until 09:00 \w{3} \(UTC window\)/);
    expect(await admin.locator('[data-testid="deployment-step"][data-stage="window"]').getAttribute('data-state')).toBe('waiting');
    expect(await admin.locator('[data-testid="deployment-safeguard"][data-safeguard="window"]').getAttribute('data-outcome')).toBe('warn');
    await screenshot(admin, 'deployment-queued');
    await cancelAndWait(queuedId);

    // The admin removes the window, then freezes deployments org-wide for two hours.
    await admin.goto(`${local.apollo.url}/deployments`);
    await stagingRow.getByTestId('window-remove').click();
    await expect.poll(() => stagingRow.getAttribute('data-has-window'), { timeout: 15_000 }).toBe('false');
    const freezes = admin.getByTestId('freezes-panel');
    await freezes.getByTestId('freeze-open').click();
    const freezeForm = admin.getByTestId('freeze-form');
    await freezeForm.waitFor();
    // A freeze needs a reason and an end: the dialog says so before sending.
    await freezeForm.getByTestId('freeze-confirm').click();
    await freezeForm.locator('.bp6-form-helper-text', { hasText: 'at least 3 characters' }).waitFor();
    await freezeForm.locator('.bp6-form-helper-text', { hasText: 'When it ends.' }).waitFor();
    await freezeForm.getByTestId('freeze-reason').fill(FREEZE_REASON);
    await freezeForm.getByTestId('freeze-ends').fill(localInput(Date.now() + 2 * 3_600_000));
    await freezeForm.getByTestId('freeze-confirm').click();
    await freezeForm.waitFor({ state: 'detached', timeout: 15_000 });
    const freezeRow = freezes.locator('[data-testid="freeze-row"][data-state="active"]');
    await freezeRow.waitFor({ timeout: 15_000 });
    expect(await freezeRow.getByTestId('freeze-scope').innerText()).toBe('Org-wide, every environment');
    expect(await freezeRow.getByTestId('freeze-reason-cell').innerText()).toBe(FREEZE_REASON);
    await screenshot(admin, 'deploy-center-freeze');

    // A developer's deploy form shows the freeze block; freezing and ending are not theirs.
    const developerContext = await newContext(local.browser);
    const developer = await signIn(developerContext, local.apollo.url, 'developer@apollo.local', '/deployments?deploy=core-service&env=staging');
    const devForm = developer.getByTestId('deploy-form');
    await devForm.getByTestId('deploy-tag').waitFor({ timeout: 20_000 });
    await devForm.getByTestId('deploy-tag').fill(FROZEN_TAG);
    await expect.poll(() => outcome(devForm, 'freeze'), { timeout: 20_000 }).toBe('block');
    expect(await check(devForm, 'freeze').getByTestId('preflight-reason').innerText()).toContain(FREEZE_REASON);
    expect(await outcome(devForm, 'window')).toBe('pass');
    expect(await developer.getByTestId('freeze-open').getAttribute('data-allowed')).toBe('false');
    expect(await developer.getByTestId('freeze-end').first().isDisabled()).toBe(true);

    // Ask for an exception with a reason: it passes the preflight as an exception an admin approves.
    await check(devForm, 'freeze').getByTestId('freeze-exception').check({ force: true });
    await devForm.getByTestId('override-reason').fill(EXCEPTION_REASON);
    await expect.poll(() => outcome(devForm, 'freeze'), { timeout: 20_000 }).toBe('warn');
    expect(await check(devForm, 'freeze').getByTestId('preflight-overridden').innerText()).toContain(`exception asked: ${EXCEPTION_REASON}`);
    await screenshot(developer, 'deploy-form-freeze-exception');
    await devForm.getByTestId('deploy-submit').click();
    const frozenId = await waitForDeploymentPage(developer);
    await expect.poll(() => deploymentStatus(developer), { timeout: 30_000 }).toBe('awaiting_approval');
    expect(await developer.getByTestId('deployment-safeguard-choice').first().innerText()).toContain(EXCEPTION_REASON);
    await screenshot(developer, 'deployment-freeze-exception');

    // The admin sees it in the Approvals inbox.
    await admin.goto(`${local.apollo.url}/approvals`);
    await expect.poll(async () => (await admin.locator('body').innerText()).includes(FROZEN_TAG), { timeout: 20_000 }).toBe(true);

    // Clean up: cancel it, and end the freeze.
    await cancelAndWait(frozenId);
    await admin.goto(`${local.apollo.url}/deployments`);
    await freezeRow.getByTestId('freeze-end').click();
    await freezes.locator('[data-testid="freeze-row"][data-state="ended"]').waitFor({ timeout: 15_000 });
    expect(await freezes.locator('[data-testid="freeze-row"][data-state="active"]').count()).toBe(0);

    await developerContext.close();
    await adminContext.close();
  });
});
