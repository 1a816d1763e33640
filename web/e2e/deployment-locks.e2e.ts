/**
 * Environment locks in real browsers against the local runtime (issue 15: "a browser test locking staging and seeing
 * Deploy refused with the reason"). An operator locks core-service staging from its service page with a reason; a
 * developer opens the Deploy Center for core-service staging and, before pressing anything, sees the lock block the
 * deploy with that reason and the Deploy button disabled (the Locks panel lists it; Unlock is not theirs). The
 * operator unlocks it; the developer's form, without a reload, passes again and Deploy is enabled.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const REASON = 'Database migration on the staging ledger';
const TAG = 'v9.2.0';

const check = (form: Locator, safeguard: string) => form.locator(`[data-testid="preflight-check"][data-safeguard="${safeguard}"]`);
const outcome = (form: Locator, safeguard: string) => check(form, safeguard).getAttribute('data-outcome', { timeout: 20_000 });
const stagingCard = (page: Page) => page.locator('[data-testid="environment"][data-env="staging"]');

describe('deployment locks', () => {
  it('an operator locks staging; a developer sees Deploy refused with the reason before pressing it; unlocked, it passes again', { timeout: 180_000 }, async () => {
    // The operator locks core-service staging from its service page, with a reason.
    const operatorContext = await newContext(local.browser);
    const operator = await signIn(operatorContext, local.apollo.url, 'operator@apollo.local', '/catalog/core-service');
    const staging = stagingCard(operator);
    await staging.getByTestId('env-lock').waitFor({ timeout: 20_000 });
    expect(await staging.getAttribute('data-locked')).toBe('false');
    expect(await staging.getByTestId('env-lock').getAttribute('data-allowed')).toBe('true');
    await staging.getByTestId('env-lock').click();
    const lockForm = operator.getByTestId('lock-form');
    await lockForm.waitFor();
    // A lock needs a reason: the dialog says so before sending.
    await lockForm.getByTestId('lock-confirm').click();
    await lockForm.locator('.bp6-form-helper-text', { hasText: 'at least 3 characters' }).waitFor();
    await lockForm.getByTestId('lock-reason').fill(REASON);
    await lockForm.getByTestId('lock-confirm').click();
    await lockForm.waitFor({ state: 'detached', timeout: 15_000 });
    await staging.getByTestId('environment-lock').waitFor({ timeout: 15_000 });
    expect(await staging.getAttribute('data-locked')).toBe('true');
    expect(await staging.getByTestId('environment-lock-reason').innerText()).toBe(REASON);
    expect(await staging.getByTestId('environment-lock-by').innerText()).toContain('operator@apollo.local');
    expect(await staging.getByTestId('environment-lock-by').innerText()).toContain('until someone unlocks it');
    expect(await staging.getByTestId('env-unlock').getAttribute('data-allowed')).toBe('true');
    // Only staging is locked.
    expect(await operator.locator('[data-testid="environment"][data-env="prod"]').getAttribute('data-locked')).toBe('false');
    await screenshot(operator, 'service-environment-locked');

    // A developer opens the Deploy Center for core-service staging: the lock blocks it, with the reason, before Deploy.
    const developerContext = await newContext(local.browser);
    const developer = await signIn(developerContext, local.apollo.url, 'developer@apollo.local', '/deployments?deploy=core-service&env=staging');
    const form = developer.getByTestId('deploy-form');
    await form.waitFor();
    await form.getByTestId('deploy-tag').waitFor({ timeout: 20_000 });
    await form.getByTestId('deploy-tag').fill(TAG);
    await expect.poll(() => outcome(form, 'lock'), { timeout: 20_000 }).toBe('block');
    expect(await check(form, 'lock').getByTestId('preflight-reason').innerText()).toContain(REASON);
    expect(await outcome(form, 'permission')).toBe('pass');
    expect(await form.getByTestId('deploy-preflight').getAttribute('data-allowed')).toBe('false');
    expect(await form.getByTestId('deploy-blocked').innerText()).toContain(REASON);
    expect(await form.getByTestId('deploy-blocked').getAttribute('data-safeguard')).toBe('lock');
    expect(await form.getByTestId('deploy-submit').isDisabled()).toBe(true);
    expect(await form.getByTestId('deploy-submit').innerText()).toBe(`Deploy ${TAG} to staging`);

    // The Locks panel lists it; unlocking is not a developer's (deployments:policy), and the button says so.
    const lockRow = developer.locator('[data-testid="lock-row"][data-service="core-service"][data-environment="staging"]');
    await lockRow.waitFor({ timeout: 15_000 });
    expect(await lockRow.getByTestId('lock-reason-cell').innerText()).toBe(REASON);
    expect(await lockRow.getByTestId('lock-unlock').getAttribute('data-allowed')).toBe('false');
    expect(await lockRow.getByTestId('lock-unlock').isDisabled()).toBe(true);
    await form.getByTestId('deploy-submit').scrollIntoViewIfNeeded();
    await screenshot(developer, 'deploy-center-locked');

    // Rollback still runs while locked: its lock check passes.
    await form.getByRole('tab', { name: 'Roll back' }).click();
    await expect.poll(() => outcome(form, 'lock'), { timeout: 20_000 }).toBe('pass');
    await form.getByRole('tab', { name: 'Deploy' }).click();
    await form.getByTestId('deploy-tag').fill(TAG);
    await expect.poll(() => outcome(form, 'lock'), { timeout: 20_000 }).toBe('block');

    // The developer's page follows the topic live; the operator unlocks staging.
    await expect.poll(() => developer.getByTestId('locks-panel').getByTestId('live-badge').getAttribute('data-live'), { timeout: 20_000 }).toBe('true');
    await staging.getByTestId('env-unlock').click();
    await staging.getByTestId('env-lock').waitFor({ timeout: 15_000 });
    expect(await staging.getByTestId('environment-lock').count()).toBe(0);
    expect(await staging.getAttribute('data-locked')).toBe('false');

    // The developer's form, without a reload, passes again: Deploy is enabled, the panel says nothing is locked.
    await expect.poll(() => outcome(form, 'lock'), { timeout: 20_000 }).toBe('pass');
    await expect.poll(() => form.getByTestId('deploy-preflight').getAttribute('data-allowed'), { timeout: 10_000 }).toBe('true');
    expect(await form.getByTestId('deploy-blocked').count()).toBe(0);
    expect(await form.getByTestId('deploy-submit').isDisabled()).toBe(false);
    await developer.getByTestId('locks-empty').waitFor({ timeout: 15_000 });
    await screenshot(developer, 'deploy-center-unlocked');

    await developerContext.close();
    await operatorContext.close();
  });
});
