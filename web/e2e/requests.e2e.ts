/**
 * A self-service request end to end in two real browsers against the local runtime: dana asks for a production DNS
 * record (the form says before sending that production needs an operator or team platform), her request's page
 * waits for approval; an operator sees it counted in the navigation, approves it in the Approvals inbox, and dana's
 * page follows live, without a reload, to completed with the record's outputs from the local fake DNS API. Her bell
 * says so, and the Requests list shows it. A request whose webhook fails (the local fake told to answer 400 once) is
 * retried from its page: the plan shows first (the failed action runs again, the done one is kept), then it completes
 * live; deprovisioned with a reason, it reads deprovisioned. One waiting for approval is cancelled by an operator with a
 * reason, and can be retried.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { navLabels, newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const requestStatus = (page: Page) => page.getByTestId('request-page').getAttribute('data-status');

describe('a request that needs approval', () => {
  it('is submitted by dana, approved by an operator in the inbox, and completes live on her page', { timeout: 240_000 }, async () => {
    // Dana fills the DNS record form for production.
    const danaContext = await newContext(local.browser);
    const dana = await signIn(danaContext, local.apollo.url, 'dana@apollo.local', '/self-service/dns-record');
    expect(await navLabels(dana)).toEqual(['Home', 'Catalog', 'Deploy Center', 'Self-service', 'Requests', 'Approvals', 'Incidents', 'Secrets', 'Costs', 'AI console', 'Observability']);
    await dana.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    await dana.locator('#root_name').waitFor();
    // Development needs nobody; production names its approvers before anything is sent.
    await expect.poll(() => dana.getByTestId('approval-preview').getAttribute('data-needed')).toBe('false');
    await dana.locator('#root_environment').selectOption({ label: 'Production' });
    await expect.poll(() => dana.getByTestId('approval-preview').innerText()).toBe('Production needs approval by an operator or team platform.');
    await dana.locator('#root_name').fill('checkout');
    await dana.locator('#root_value').fill('checkout.lb.example.com');
    await dana.getByTestId('request-priority').selectOption('high');
    await dana.getByTestId('request-note').fill('For the checkout launch on Monday');
    expect(await dana.getByTestId('request-team').inputValue()).toBe('growth');
    await screenshot(dana, 'request-submit');
    await dana.getByTestId('submit-request').click();

    // Her request's page: waiting for an approval she may not give.
    await expect.poll(() => new URL(dana.url()).pathname, { timeout: 15_000 }).toMatch(/^\/requests\/[0-9A-Z]{26}$/);
    const id = new URL(dana.url()).pathname.split('/').pop()!;
    await dana.getByTestId('request-page').waitFor();
    await expect.poll(() => requestStatus(dana), { timeout: 20_000 }).toBe('awaiting_approval');
    const approvalBox = dana.getByTestId('request-approval');
    await approvalBox.waitFor();
    expect(await approvalBox.getByTestId('approval-rule-text').innerText()).toContain('an operator or team platform');
    expect(await approvalBox.getByTestId('approval-why').getAttribute('data-can-decide')).toBe('false');
    expect(await approvalBox.getByTestId('approve').count()).toBe(0);
    expect(await dana.getByTestId('request-priority').innerText()).toBe('high');
    expect(await dana.locator('[data-testid="request-field"][data-id="environment"] dd').innerText()).toBe('prod');
    expect(await dana.getByTestId('request-note').innerText()).toBe('For the checkout launch on Monday');
    // The timeline's events and the status badge arrive on separate reads: the entry may land a moment later.
    await expect.poll(() => dana.getByTestId('timeline-entry').filter({ hasText: 'awaiting approval' }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => dana.getByTestId('live-badge').getAttribute('data-live'), { timeout: 20_000 }).toBe('true');
    await screenshot(dana, 'request-awaiting-approval');
    // Anything that changes from here arrives as frames: the page must not be reloaded.
    let reloads = 0;
    dana.on('framenavigated', (frame) => { if (frame === dana.mainFrame()) reloads += 1; });

    // An operator sees it counted in the navigation and opens the inbox.
    const operatorContext = await newContext(local.browser);
    const operator = await signIn(operatorContext, local.apollo.url, 'operator@apollo.local', '/');
    await expect.poll(() => operator.getByTestId('approvals-badge').getAttribute('data-count'), { timeout: 20_000 }).toBe('1');
    await operator.locator('nav[aria-label="Areas"]').getByText('Approvals').click();
    const card = operator.locator(`[data-testid="approval-card"][data-request="${id}"]`);
    await card.waitFor({ timeout: 15_000 });
    expect(await card.getAttribute('data-can-decide')).toBe('true');
    expect(await card.getByTestId('approval-requester').innerText()).toBe('dana@apollo.local');
    expect(await card.getByTestId('approval-note').innerText()).toBe('For the checkout launch on Monday');
    expect(await card.getByTestId('approval-fields').innerText()).toContain('checkout.lb.example.com');
    expect(await card.getByTestId('approval-why').innerText()).not.toBe('');
    await screenshot(operator, 'approvals-inbox');
    await card.getByTestId('approve').click();
    await operator.getByTestId('decision-text').fill('Checked with the DNS owners');
    await operator.getByTestId('decision-confirm').click();
    // Decided: it leaves the inbox and the badge.
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    await operator.getByText('Nothing waits for you').waitFor({ timeout: 15_000 });
    await expect.poll(() => operator.getByTestId('approvals-badge').count(), { timeout: 15_000 }).toBe(0);

    // Dana's page follows live to completed, with the record the local fake DNS API made.
    await expect.poll(() => requestStatus(dana), { timeout: 60_000 }).toBe('completed');
    const recordId = dana.locator('[data-testid="output"][data-action="create_record"][data-name="record_id"] [data-testid="output-value"]');
    await expect.poll(() => recordId.count(), { timeout: 15_000 }).toBe(1);
    expect(await recordId.innerText()).toMatch(/^rec_/);
    expect(await dana.locator('[data-testid="output"][data-action="create_record"][data-name="fqdn"] [data-testid="output-value"]').innerText()).toContain('checkout');
    expect(await dana.getByTestId('request-progress').getAttribute('data-progress')).toBe('100');
    expect(await approvalBox.getAttribute('data-status')).toBe('approved');
    expect(await approvalBox.getByTestId('approval-decision').innerText()).toContain('operator@apollo.local');
    const create = dana.locator('[data-testid="request-action"][data-id="create_record"]');
    expect(await create.getAttribute('data-status')).toBe('succeeded');
    // The DNS API it called is the runtime's own fake, and says so.
    expect(await create.getByTestId('local-fake').count()).toBe(1);
    await create.getByTestId('action-toggle').click();
    await create.getByTestId('attempt-http').waitFor();
    expect(await create.getByTestId('attempt-http').innerText()).toBe('HTTP 201');
    expect(await create.getByTestId('attempt-input').innerText()).toContain('"Authorization": "••••"');
    expect(await dana.getByTestId('timeline-entry').filter({ hasText: 'approved by operator@apollo.local' }).count()).toBe(1);
    expect(await dana.locator('[data-testid="timeline-entry"][data-status="completed"]').count()).toBeGreaterThan(0);
    expect(reloads).toBe(0);
    await screenshot(dana, 'request-completed');

    // Her bell says it is done; opening it marks it read.
    await expect.poll(() => dana.getByTestId('notifications-bell').getAttribute('data-unread'), { timeout: 15_000 }).not.toBe('0');
    await dana.getByTestId('notifications-bell').click();
    const done = dana.locator('[data-testid="notification"][data-kind="request.completed"]');
    await done.waitFor();
    expect(await done.innerText()).toContain('DNS record');
    await screenshot(dana, 'notifications');
    await done.click();
    await expect.poll(() => dana.getByTestId('notifications-bell').getAttribute('data-unread'), { timeout: 10_000 }).toBe('0');

    // The Requests list shows it completed.
    await dana.locator('nav[aria-label="Areas"]').getByText('Requests').click();
    const row = dana.locator(`[data-testid="request-row"][data-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-status')).toBe('completed');
    await screenshot(dana, 'requests');
    await operatorContext.close();
    await danaContext.close();
  });

  it('is rejected with a reason from the inbox (a reason is required), and an unknown request says so', { timeout: 120_000 }, async () => {
    // Someone else's production record, submitted through the API.
    const created = await local.apollo.client('developer').request('POST /api/v1/requests', {
      body: { offeringId: 'dns-record', fields: { environment: 'prod', name: 'payments', type: 'CNAME', value: 'payments.lb.example.com', ttl: 300 } },
    });
    const id = created.body.id;

    const operatorContext = await newContext(local.browser);
    const operator = await signIn(operatorContext, local.apollo.url, 'operator@apollo.local', '/approvals');
    const card = operator.locator(`[data-testid="approval-card"][data-request="${id}"]`);
    await card.waitFor({ timeout: 20_000 });
    // Selected, then rejected from the toolbar: without a reason the dialog says one is needed.
    // (The checkbox's input sits under Blueprint's indicator: click its label, as a person does.)
    await card.locator('label.bp6-checkbox').click();
    expect(await card.getByTestId('approval-select').isChecked()).toBe(true);
    await operator.getByTestId('reject-selected').click();
    await operator.getByTestId('decision-confirm').click();
    await operator.getByText('Say why: the requester reads it').waitFor();
    await operator.getByTestId('decision-text').fill('Use the shared payments record instead');
    await operator.getByTestId('decision-confirm').click();
    await card.waitFor({ state: 'detached', timeout: 15_000 });

    // The request failed with the reason, as its page says.
    await operator.goto(`${local.apollo.url}/requests/${id}`);
    await expect.poll(() => requestStatus(operator), { timeout: 30_000 }).toBe('failed');
    expect(await operator.getByTestId('request-approval').getAttribute('data-status')).toBe('rejected');
    expect(await operator.getByTestId('request-approval').getByTestId('approval-decision').innerText()).toContain('Use the shared payments record instead');

    await operator.goto(`${local.apollo.url}/requests/01ZZZZZZZZZZZZZZZZZZZZZZZZ`);
    await operator.getByText('No such request').waitFor({ timeout: 15_000 });
    await operatorContext.close();
  });
});

/** Tells the runtime's LOCAL FAKE integrations to answer `status` to the next `times` calls of `path`. */
async function failNext(baseUrl: string, path: string, times: number, status: number): Promise<void> {
  const res = await fetch(`${baseUrl}/fakes/integrations/_fail`, { method: 'POST', body: JSON.stringify({ path, times, status }) });
  expect(res.status).toBe(200);
}

describe('a request that fails', () => {
  it('is retried from its page: the plan shows first, then it completes live; then it is deprovisioned with a reason', { timeout: 240_000 }, async () => {
    await failNext(local.apollo.url, '/hooks/dns-changes', 1, 400);
    const context = await newContext(local.browser);
    const dana = await signIn(context, local.apollo.url, 'dana@apollo.local', '/self-service/dns-record');
    await dana.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    await dana.locator('#root_name').fill('retry-me');
    await dana.locator('#root_value').fill('retry-me.lb.example.com');
    await dana.getByTestId('submit-request').click();
    await expect.poll(() => new URL(dana.url()).pathname, { timeout: 15_000 }).toMatch(/^\/requests\/[0-9A-Z]{26}$/);
    await dana.getByTestId('request-page').waitFor();

    // The record is made; its announcement is refused (400, not retried), so the request fails and says so.
    await expect.poll(() => requestStatus(dana), { timeout: 60_000 }).toBe('failed');
    const announce = dana.locator('[data-testid="request-action"][data-id="announce"]');
    const create = dana.locator('[data-testid="request-action"][data-id="create_record"]');
    await expect.poll(() => announce.getAttribute('data-status'), { timeout: 15_000 }).toBe('failed');
    expect(await announce.getByTestId('attempt-http').innerText()).toBe('HTTP 400');
    // The made record is undone by the offering's rollback (delete_record) when the demo offering has one: struck
    // through as rolled back, with what undid it under it. Without one it stays made.
    const id = new URL(dana.url()).pathname.split('/').pop()!;
    const failed = await local.apollo.client('operator').request('GET /api/v1/requests/{id}', { params: { id } });
    const rolledBack = failed.body.actions.find((a) => a.id === 'create_record')?.status === 'rolled_back';
    if (rolledBack) {
      await expect.poll(() => create.getAttribute('data-status'), { timeout: 15_000 }).toBe('rolled_back');
      expect(await create.getByTestId('action-status').innerText()).toBe('rolled back');
      expect(await create.locator('.apollo-action-name').evaluate((e) => getComputedStyle(e).textDecorationLine)).toBe('line-through');
      await create.getByTestId('action-toggle').click();
      const rollback = create.getByTestId('action-rollback');
      await rollback.waitFor();
      expect(await rollback.getAttribute('data-status')).toBe('succeeded');
      expect(await rollback.innerText()).toContain('Undone by Delete the record');
      expect(await rollback.getByTestId('attempt-http').innerText()).toBe('HTTP 204');
      await expect.poll(() => dana.locator('[data-testid="timeline-entry"][data-status="rolling_back"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
      await screenshot(dana, 'request-rolled-back');
    } else {
      await expect.poll(() => create.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded');
    }
    expect(await dana.getByTestId('request-failure').innerText()).toContain('announce');
    expect(await dana.getByTestId('request-retries').getAttribute('data-count')).toBe('0');
    expect(await dana.getByTestId('request-cancel').count()).toBe(0);
    expect(await dana.getByTestId('request-deprovision').count()).toBe(0);
    let reloads = 0;
    dana.on('framenavigated', (frame) => { if (frame === dana.mainFrame()) reloads += 1; });

    // Retry: the plan first. The failed action runs again (and the rolled-back record is made again), a record
    // still made is kept; no approval for dev.
    await dana.getByTestId('request-retry').click();
    const plan = dana.getByTestId('retry-plan');
    await plan.waitFor({ timeout: 15_000 });
    const ids = (items: Element[]) => items.map((i) => `${i.getAttribute('data-id')} (${(i.querySelector('[data-testid="retry-why"]')?.textContent ?? '').replace(/^:\s*/, '')})`);
    expect(await plan.getByTestId('retry-rerun').evaluateAll(ids)).toEqual(rolledBack ? ['create_record (it was rolled back)', 'announce (it failed)'] : ['announce (it failed)']);
    expect(await plan.getByTestId('retry-keep').evaluateAll((items) => items.map((i) => i.getAttribute('data-id')))).toEqual(rolledBack ? [] : ['create_record']);
    expect(await plan.getAttribute('data-approval')).toBe('false');
    expect(await plan.getByTestId('retry-approval').innerText()).toBe('No approval is asked again.');
    expect(await plan.getByTestId('retry-count').innerText()).toBe('This is retry 1; 2 more retries are left after it.');
    // Nothing ran yet: the plan is only a plan.
    expect(await requestStatus(dana)).toBe('failed');
    await screenshot(dana, 'request-retry-plan');

    // A changed field the offering's form refuses is shown on that field, and the plan is read again before retrying.
    await dana.getByTestId('retry-edit-toggle').click();
    const fields = dana.getByTestId('retry-fields');
    const edited = JSON.parse(await fields.inputValue()) as Record<string, unknown>;
    expect(edited).toMatchObject({ environment: 'dev', name: 'retry-me' });
    await fields.fill(JSON.stringify({ ...edited, ttl: 5 }, null, 2));
    expect(await dana.getByTestId('retry-confirm').innerText()).toBe('Check the changes first');
    await dana.getByTestId('retry-check').click();
    const fieldErrors = dana.getByTestId('retry-field-errors');
    await fieldErrors.waitFor({ timeout: 15_000 });
    expect(await fieldErrors.locator('li[data-id="ttl"]').innerText()).toMatch(/^TTL \(seconds\) /);
    await screenshot(dana, 'request-retry-field-error');
    // Back to the fields as they were: the plan is the first one again.
    await fields.fill(JSON.stringify(edited, null, 2));
    await dana.getByTestId('retry-check').click();
    await plan.waitFor({ timeout: 15_000 });
    expect(await dana.getByTestId('retry-confirm').innerText()).toBe('Retry');

    // Confirmed: the page follows the request live to completed.
    await dana.getByTestId('retry-confirm').click();
    await dana.getByTestId('retry-form').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => requestStatus(dana), { timeout: 60_000 }).toBe('completed');
    await expect.poll(() => announce.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded');
    expect(await create.getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => dana.getByTestId('request-retries').getAttribute('data-count'), { timeout: 15_000 }).toBe('1');
    expect(await dana.getByTestId('request-generation').innerText()).toBe('1');
    expect(await dana.getByTestId('timeline-entry').filter({ hasText: 'retry 1 by dana@apollo.local' }).count()).toBe(1);
    // Outputs are recorded a step after the action's attempt: the page may show them a moment later.
    await expect.poll(() => dana.locator('[data-testid="output"][data-action="announce"][data-name="delivery"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await dana.getByTestId('request-retry').count()).toBe(0);
    expect(reloads).toBe(0);
    await screenshot(dana, 'request-retried');

    // Deprovision: a reason is required; then its rollbacks run and it reads deprovisioned.
    await dana.getByTestId('request-deprovision').click();
    expect(await dana.getByTestId('reason-explain').innerText()).toContain('approval rule applies');
    await dana.getByTestId('reason-confirm').click();
    await dana.getByText('Say why: it is kept in the request\u2019s log.').waitFor();
    await dana.getByTestId('reason-text').fill('The launch moved to another name');
    await dana.getByTestId('reason-confirm').click();
    await dana.getByTestId('deprovision-form').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => requestStatus(dana), { timeout: 60_000 }).toBe('deprovisioned');
    await expect.poll(() => dana.getByTestId('timeline-entry').filter({ hasText: 'The launch moved to another name' }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await dana.getByTestId('request-deprovision').count()).toBe(0);
    expect(await dana.getByTestId('request-retry').count()).toBe(0);
    expect(await dana.getByTestId('request-summary').innerText()).toContain('Deprovisioned');
    expect(reloads).toBe(0);
    await screenshot(dana, 'request-deprovisioned');
    await context.close();
  });

  it('is cancelled by an operator with a reason while it waits for approval, and may be retried', { timeout: 120_000 }, async () => {
    const created = await local.apollo.client('developer').request('POST /api/v1/requests', {
      body: { offeringId: 'dns-record', fields: { environment: 'prod', name: 'cancel-me', type: 'CNAME', value: 'cancel-me.lb.example.com', ttl: 300 } },
    });
    const id = created.body.id;
    const context = await newContext(local.browser);
    const operator = await signIn(context, local.apollo.url, 'operator@apollo.local', `/requests/${id}`);
    await expect.poll(() => requestStatus(operator), { timeout: 20_000 }).toBe('awaiting_approval');
    expect(await operator.getByTestId('request-retry').count()).toBe(0);
    await operator.getByTestId('request-cancel').click();
    expect(await operator.getByTestId('reason-explain').innerText()).toContain('It stops before its work begins');
    await operator.getByTestId('reason-text').fill('ok');
    await operator.getByTestId('reason-confirm').click();
    await operator.getByText('At least 3 characters.').waitFor();
    await operator.getByTestId('reason-text').fill('Asked twice by mistake');
    await screenshot(operator, 'request-cancel');
    await operator.getByTestId('reason-confirm').click();
    await operator.getByTestId('cancel-form').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => requestStatus(operator), { timeout: 30_000 }).toBe('cancelled');
    const note = operator.getByTestId('request-cancel-note');
    await note.waitFor({ timeout: 15_000 });
    await expect.poll(() => note.innerText(), { timeout: 15_000 }).toContain('Cancelled by operator@apollo.local');
    expect(await note.getByTestId('request-cancel-reason').innerText()).toBe('Asked twice by mistake');
    expect(await operator.getByTestId('request-status').first().innerText()).toBe('cancelled');
    expect(await operator.getByTestId('request-cancel').count()).toBe(0);
    await operator.getByTestId('request-retry').waitFor();
    await screenshot(operator, 'request-cancelled');
    await context.close();
  });
});
