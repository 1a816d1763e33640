/**
 * A change from the AI console waits for its Approve: the operator starts in the sandbox (read-only) until an AI admin
 * lifts it on the People tab; then `scale prod core-service 4` typed in the terminal becomes a pending card and nothing
 * is deployed (typing "approve" does nothing either, nor a restart of the runtime) until the Approve button runs it once, through the scale route,
 * and the card links to the deployment it made. Rejected with a note, it never runs, and a watching AI admin sees so.
 * With the LOCAL FAKE model, a streamed "open a PR" proposal opens a pull request on the fake GitHub only once approved.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

// The LOCAL FAKE model: asked to open a PR in a session about a service, it streams one proposal.
const local = useLocalApollo({ env: { APOLLO_AI_FAKE_MODEL: '1' } });

const OPERATOR = 'operator@apollo.local';
const transcript = (page: Page) => page.getByTestId('ai-transcript-text').textContent();
const card = (page: Page) => page.locator('li[data-testid^="ai-action-"]');

/** The operator's scale deployments of core-service in prod made since `since` (the demo data has older ones). */
async function scalesSince(since: string): Promise<string[]> {
  const list = (await local.apollo.client('operator').request('GET /api/v1/deployments/history', {
    query: { service: 'core-service', environment: 'prod', operation: 'scale', limit: 100 },
  })).body;
  return list.items.filter((d) => d.createdAt >= since).map((d) => d.id);
}

async function type(page: Page, text: string): Promise<void> {
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

describe('approving what the AI console proposes', () => {
  it('lifts the sandbox, proposes a scale, runs nothing until Approve, then links to the deployment', async () => {
    const since = new Date().toISOString();
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, OPERATOR, '/ai');
    await page.getByTestId('ai-sandbox-banner').waitFor();
    expect(await page.getByTestId('ai-sandbox-banner').innerText()).toContain('Read-only (sandbox)');
    // Only an AI admin is told where to lift it.
    expect(await page.getByTestId('ai-sandbox-people').count()).toBe(0);
    await page.getByTestId('ai-today-usage').waitFor();

    // In the sandbox the console refuses the change outright: no card, nothing to approve.
    await page.goto(`${local.apollo.url}/catalog/core-service?tab=logs&environment=prod`);
    await page.locator('[data-testid="open-ai-console"][data-environment="prod"]').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/);
    await page.getByTestId('ai-sandbox-banner').waitFor();
    await type(page, 'scale prod core-service 4');
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toMatch(/refused.*sandbox/i);
    await expect.poll(async () => (await transcript(page))?.split('apollo> scale prod core-service 4')[1], { timeout: 30_000 }).toMatch(/— \w+/);
    expect(await card(page).count()).toBe(0);

    // An AI admin lifts it on the People tab, with a reason.
    const adminContext = await newContext(local.browser);
    const admin = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', '/ai?tab=people');
    await admin.getByTestId('ai-people').waitFor();
    // The admin is new to the console too: their own banner says they may lift it, and where.
    expect(await admin.getByTestId('ai-sandbox-banner').innerText()).toContain('You are one: lift it on the People tab');
    await admin.getByTestId('ai-person-lookup').fill(OPERATOR);
    await admin.getByTestId('ai-person-lookup-submit').click();
    const found = admin.locator(`[data-testid="ai-person-found"] [data-testid="ai-person-row"][data-principal="${OPERATOR}"]`);
    await found.waitFor();
    expect(await found.getAttribute('data-sandbox')).toBe('true');
    await found.getByTestId('ai-sandbox-toggle').click();
    await admin.getByTestId('ai-sandbox-reason').fill('On call for core-service this week');
    await admin.getByTestId('ai-sandbox-save').click();
    await expect.poll(() => found.getAttribute('data-sandbox'), { timeout: 15_000 }).toBe('false');
    await screenshot(admin, 'ai-people');
    expect((await local.apollo.client('admin').request('GET /api/v1/ai/users/{principal}', { params: { principal: OPERATOR } })).body.sandbox)
      .toMatchObject({ enabled: false, changedBy: 'admin@apollo.local', reason: 'On call for core-service this week' });

    // The operator, out of the sandbox, asks again in the same session.
    await page.reload();
    await page.getByTestId('ai-today-usage').waitFor();
    await page.getByTestId('ai-terminal').waitFor();
    expect(await page.getByTestId('ai-sandbox-banner').count()).toBe(0);
    await type(page, 'scale prod core-service 4');

    const pending = card(page);
    await pending.waitFor({ timeout: 30_000 });
    await expect.poll(() => pending.getAttribute('data-status'), { timeout: 30_000 }).toBe('pending');
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toContain('Needs your approval');
    const text = await pending.innerText();
    expect(text).toContain('core-service');
    expect(text).toContain('POST /api/v1/services/{id}/scale');
    expect(JSON.parse(await pending.getByTestId('ai-action-arguments').innerText())).toMatchObject({ replicas: 4 });
    expect(await scalesSince(since)).toEqual([]);
    await screenshot(page, 'ai-action-pending');

    // Typing "approve" approves nothing: only the button does. (The scale's turn has ended first: one turn at a time.)
    await expect.poll(async () => (await transcript(page))?.split('apollo> scale prod core-service 4').pop(), { timeout: 30_000 }).toMatch(/— \w+/);
    await expect.poll(() => page.getByTestId('ai-terminal').getAttribute('data-status'), { timeout: 30_000 }).toBe('active');
    await type(page, 'approve');
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toContain('apollo> approve');
    await expect.poll(() => page.getByTestId('ai-terminal').getAttribute('data-status'), { timeout: 30_000 }).toBe('active');
    expect(await pending.getAttribute('data-status')).toBe('pending');
    expect(await scalesSince(since)).toEqual([]);

    // It survives a restart of the runtime (npm start stopped and started again on the same port and data): the
    // reload shows it pending again, from the session's own list, and Approve still runs it.
    await local.apollo.stop();
    await local.apollo.start();
    await page.reload();
    await expect.poll(() => card(page).getAttribute('data-status'), { timeout: 30_000 }).toBe('pending');
    expect(await scalesSince(since)).toEqual([]);

    await card(page).getByTestId('ai-action-approve').click();
    await expect.poll(() => card(page).getAttribute('data-status'), { timeout: 30_000 }).toBe('executed');
    const link = card(page).getByTestId('ai-action-result-link');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/deployments\/[0-9A-Z]{26}$/);
    const deploymentId = href!.split('/').pop()!;
    expect(await scalesSince(since)).toEqual([deploymentId]);
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toMatch(/✓ .*core-service/);
    await screenshot(page, 'ai-action-executed');

    await link.click();
    await page.waitForURL(`${local.apollo.url}/deployments/${deploymentId}`);
    await page.locator(`[data-testid="deployment-page"][data-id="${deploymentId}"]`).waitFor();
    expect(await page.getByTestId('deployment-initiated-by').innerText()).toContain(OPERATOR);
    // Production's own gate holds it for another operator: cancel it, so prod is free for the next proposal
    // (the console proposes nothing while a deployment runs there).
    await local.apollo.client('admin').request('POST /api/v1/deployments/{id}/cancel', { params: { id: deploymentId }, body: { reason: 'E2E: free prod for the next test' } });
    await adminContext.close();
    await context.close();
  });

  it('rejects with a note: nothing runs, the owner and a watching AI admin both see it rejected', async () => {
    const since = new Date().toISOString();
    // Out of the sandbox (the People tab's lift is the test above).
    await local.apollo.client('admin').request('PUT /api/v1/ai/users/{principal}/sandbox', { params: { principal: OPERATOR }, body: { enabled: false, reason: 'On call for core-service this week' } });
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, OPERATOR, '/catalog/core-service?tab=logs&environment=prod');
    await page.locator('[data-testid="open-ai-console"][data-environment="prod"]').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/);
    await page.getByTestId('ai-terminal').waitFor();
    await type(page, 'scale prod core-service 5');
    await expect.poll(() => card(page).getAttribute('data-status'), { timeout: 30_000 }).toBe('pending');

    // An AI admin watching the session may decide too.
    const adminContext = await newContext(local.browser);
    const admin = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', new URL(page.url()).pathname);
    await expect.poll(() => card(admin).getAttribute('data-status'), { timeout: 30_000 }).toBe('pending');
    expect(await card(admin).getByTestId('ai-action-approve').count()).toBe(1);

    await card(page).getByTestId('ai-action-reject').click();
    await page.getByTestId('ai-action-note').fill('Not during the traffic peak');
    await page.getByTestId('ai-action-reject-confirm').click();
    await expect.poll(() => card(page).getAttribute('data-status'), { timeout: 30_000 }).toBe('rejected');
    expect(await card(page).getByTestId('ai-action-decision').innerText()).toContain('Not during the traffic peak');
    expect(await card(page).getByTestId('ai-action-approve').count()).toBe(0);
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toContain(`rejected by ${OPERATOR} (Not during the traffic peak); it did not run`);
    // The admin's page hears it on the session's topic: the buttons go.
    await expect.poll(() => card(admin).getAttribute('data-status'), { timeout: 30_000 }).toBe('rejected');
    expect(await card(admin).getByTestId('ai-action-approve').count()).toBe(0);
    expect(await scalesSince(since)).toEqual([]);
    await screenshot(page, 'ai-action-rejected');
    await adminContext.close();
    await context.close();
  });

  it('opens the fake model\'s streamed pull request on the fake GitHub only after Approve', async () => {
    await local.apollo.client('admin').request('PUT /api/v1/ai/users/{principal}/sandbox', { params: { principal: OPERATOR }, body: { enabled: false, reason: 'On call for core-service this week' } });
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, OPERATOR, '/catalog/core-service?tab=logs&environment=prod');
    await page.locator('[data-testid="open-ai-console"][data-environment="prod"]').click();
    await page.waitForURL(/\/ai\/[0-9A-Z]{26}$/);
    const sessionId = page.url().split('/').pop()!;
    await page.getByTestId('ai-terminal').waitFor();
    await type(page, 'open a PR that raises the HikariCP pool size');

    // The model's words stream into the terminal, then its call becomes a pending card.
    await expect.poll(() => transcript(page), { timeout: 30_000 }).toContain('This is the LOCAL FAKE model: it cannot write a real change to core-service');
    const pending = card(page);
    await expect.poll(() => pending.getAttribute('data-status'), { timeout: 30_000 }).toBe('pending');
    const text = await pending.innerText();
    expect(text).toContain('POST /api/v1/services/{id}/changes');
    expect(text).toMatch(/Asked by\s+the model/);
    expect(JSON.parse(await pending.getByTestId('ai-action-arguments').innerText())).toMatchObject({ service: 'core-service', files: [{ path: 'docs/ai-console/LOCAL-FAKE.md' }] });
    // Nothing called the changes route (it is audited before it acts): no pull request yet.
    const changes = async () => (await local.apollo.client('admin').request('GET /api/v1/audit', { query: { action: 'services.changes.create', limit: 50 } })).body.items.filter((e) => e.aiSessionId === sessionId);
    expect(await changes()).toEqual([]);
    await screenshot(page, 'ai-pull-request-pending');

    await pending.getByTestId('ai-action-approve').click();
    await expect.poll(() => card(page).getAttribute('data-status'), { timeout: 30_000 }).toBe('executed');
    const href = await card(page).getByTestId('ai-action-result-link').getAttribute('href');
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apollo-demo\/core-service\/pull\/\d+$/);
    expect(await changes()).toMatchObject([{ actorType: 'ai', outcome: 'succeeded' }]);
    // The fake GitHub holds it: the pull request's page, and the repository's one pull request.
    expect(await (await fetch(href!)).text()).toContain('docs: a note from the AI console (LOCAL FAKE model)');
    const repoPage = await (await fetch(href!.replace(/\/pull\/\d+$/, ''))).text();
    expect(repoPage.match(/data-pull="/g)).toHaveLength(1);
    await screenshot(page, 'ai-pull-request-executed');

    // The operator says the session resolved it; the AI console's Resolution tab (stats:read) counts it.
    await page.getByTestId('ai-outcome-resolved').click();
    await page.getByTestId('ai-outcome-save').click();
    await expect.poll(() => page.getByTestId('ai-outcome').getAttribute('data-outcome'), { timeout: 20_000 }).toBe('resolved');
    await page.goto(`${local.apollo.url}/ai?tab=resolution`);
    await page.getByTestId('ai-resolution').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('ai-resolution-overall').innerText()).toMatch(/of the sessions their owners said how they ended were resolved \(1 of 1;.*The target is more than 60 %/);
    expect(await page.locator('[data-testid="ai-resolution-commands"] [data-key="question"]').innerText()).toContain('100 %');
    expect(await page.locator('[data-testid="ai-resolution-teams"] [data-key="payments"]').count() + await page.locator('[data-testid="ai-resolution-teams"] [data-key="platform"]').count()).toBe(1);
    await screenshot(page, 'ai-resolution');
    await context.close();
  });
});
