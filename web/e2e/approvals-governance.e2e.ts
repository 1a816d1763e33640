/**
 * Approvals governance in a real browser against the local runtime: an operator approves three production DNS records
 * at once from the inbox while an admin decides one of them through the API first: two are approved, the third is
 * refused and says why, in the dialog and on the page. An admin names dana as delegate (a past end refused on its
 * field first); dana reads that she is admin's delegate, may decide a request "for admin@apollo.local", approves it,
 * and the request's page says "dana@apollo.local for admin@apollo.local"; the admin ends it. The requester of a
 * completed request rates it, then changes it; an operator reads the rating and has no form. An escalated approval
 * (escalation runs every 15 minutes after 4 hours, so its answer is shaped here) reads "Escalated ×2 · waiting 9 h" and
 * says on hover who was told.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

/** At 1280 px, the narrowest desktop the inbox is laid out for. */
const narrowContext = (browser: Browser): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-GB', timezoneId: 'UTC' });

/** A production DNS record asked by developer@apollo.local through the API: it waits for an operator or team platform. */
async function askForProductionRecord(name: string): Promise<string> {
  const created = await local.apollo.client('developer').request('POST /api/v1/requests', {
    body: { offeringId: 'dns-record', fields: { environment: 'prod', name, type: 'CNAME', value: `${name}.lb.example.com`, ttl: 300 } },
  });
  return created.body.id;
}

const card = (page: Page, requestId: string) => page.locator(`[data-testid="approval-card"][data-request="${requestId}"]`);

const statusOf = async (id: string): Promise<string> => (await local.apollo.client('developer').request('GET /api/v1/requests/{id}', { params: { id } })).body.status;

let approvedIds: string[] = [];

describe('approvals governance', () => {
  it('an operator approves several at once: two are approved, the one decided meanwhile is refused and says why', { timeout: 180_000 }, async () => {
    const ids = [await askForProductionRecord('ledger'), await askForProductionRecord('payouts'), await askForProductionRecord('refunds')];
    const context = await narrowContext(local.browser);
    const operator = await signIn(context, local.apollo.url, 'operator@apollo.local', '/approvals');
    for (const id of ids) await card(operator, id).waitFor({ timeout: 30_000 });
    await operator.getByTestId('delegation-panel').waitFor();

    // The three selected (the checkbox's input sits under Blueprint's indicator: click its label, as a person does).
    for (const id of ids) await card(operator, id).locator('label.bp6-checkbox').click();
    expect(await operator.getByTestId('approve-selected').innerText()).toBe('Approve selected (3)');
    expect(await operator.getByTestId('reject-selected').innerText()).toBe('Reject selected (3)');
    await screenshot(operator, 'approvals-governance-selected');
    await operator.getByTestId('approve-selected').click();
    const form = operator.getByTestId('decision-form');
    await form.waitFor();
    expect(await form.getByTestId('decision-result').count()).toBe(3);

    // Meanwhile an admin approves the third through the API.
    const third = await card(operator, ids[2]!).getAttribute('data-id');
    await local.apollo.client('admin').request('POST /api/v1/approvals/{id}/approve', { params: { id: third! }, body: { comment: 'Done from the CLI' } });

    await form.getByTestId('decision-text').fill('Checked against the change calendar');
    await form.getByTestId('decision-confirm').click();
    await form.getByTestId('decision-done').waitFor({ timeout: 30_000 });
    const rows = form.getByTestId('decision-result');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-ok')))).toEqual(['true', 'true', 'false']);
    expect((await rows.nth(0).getByTestId('decision-result-text').innerText()).trim()).toBe('· approved');
    expect((await rows.nth(2).getByTestId('decision-result-text').innerText()).trim()).toBe(`· Too late: approval ${third} is approved already.`);
    await screenshot(operator, 'approvals-governance-batch-results');
    await form.getByTestId('decision-done').click();

    // The list refreshed: none of the three waits; the refusal is still said on the page.
    for (const id of ids) await card(operator, id).waitFor({ state: 'detached', timeout: 15_000 });
    const last = operator.getByTestId('approvals-last-batch');
    expect(await last.getAttribute('data-refused')).toBe('1');
    expect(await last.innerText()).toContain('2 decided, 1 not');
    expect(await last.getByTestId('approvals-last-batch-item').innerText()).toBe(`DNS record for developer@apollo.local: Too late: approval ${third} is approved already.`);
    await screenshot(operator, 'approvals-governance-after-batch');

    // Each request goes on: the two the operator approved with the batch's comment.
    await expect.poll(async () => Promise.all(ids.map(statusOf)), { timeout: 60_000, interval: 1_000 }).toEqual(['completed', 'completed', 'completed']);
    const first = await local.apollo.client('developer').request('GET /api/v1/requests/{id}', { params: { id: ids[0]! } });
    expect(first.body.approval?.decisions).toEqual([expect.objectContaining({ principal: 'operator@apollo.local', decision: 'approved', comment: 'Checked against the change calendar' })]);
    approvedIds = ids;
    await context.close();
  });

  it('an admin names dana as delegate; dana decides for admin@apollo.local, and it says so; the admin ends it', { timeout: 180_000 }, async () => {
    const adminContext = await narrowContext(local.browser);
    const admin = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', '/approvals');
    const panel = admin.getByTestId('delegation-panel');
    await panel.waitFor({ timeout: 15_000 });
    expect(await panel.getByTestId('delegation-mine').getAttribute('data-set')).toBe('false');
    await panel.getByTestId('delegation-open').click();
    const form = admin.getByTestId('delegation-form');
    await form.waitFor();
    await form.getByTestId('delegation-delegate').fill('dana@apollo.local');
    // An end in the past is refused on its field.
    await form.getByTestId('delegation-until').fill('2020-01-01T10:00');
    await form.getByTestId('delegation-save').click();
    const untilError = form.locator('.bp6-form-group.bp6-intent-danger .bp6-form-helper-text');
    await untilError.waitFor();
    expect(await untilError.innerText()).toBe('After it starts, and in the future.');
    const until = new Date(Date.now() + 7 * 86_400_000);
    const untilText = `${until.toISOString().slice(0, 10)}T18:00`;
    await form.getByTestId('delegation-until').fill(untilText);
    await form.getByTestId('delegation-reason').fill('On leave for a week');
    await screenshot(admin, 'approvals-governance-delegation-form');
    await form.getByTestId('delegation-save').click();
    await form.waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => panel.getAttribute('data-delegate')).toBe('dana@apollo.local');
    expect(await panel.getByTestId('delegation-mine').innerText()).toContain('Your delegate: dana@apollo.local');
    expect(await panel.getByTestId('delegation-mine').innerText()).toContain('On leave for a week');
    await screenshot(admin, 'approvals-governance-delegation-set');

    // Dana, a developer, may not decide a production record herself; as admin's delegate she may, for admin.
    const id = await askForProductionRecord('statements');
    const danaContext = await narrowContext(local.browser);
    const dana = await signIn(danaContext, local.apollo.url, 'dana@apollo.local', '/approvals');
    const toMe = dana.getByTestId('delegation-to-me-item');
    await toMe.waitFor({ timeout: 15_000 });
    expect(await toMe.getAttribute('data-principal')).toBe('admin@apollo.local');
    expect(await toMe.innerText()).toMatch(/^You are the delegate of admin@apollo\.local until .+ — On leave for a week\. Their approvals show below; each one you decide says it was for them\.$/);
    const waiting = card(dana, id);
    await waiting.waitFor({ timeout: 30_000 });
    expect(await waiting.getAttribute('data-can-decide')).toBe('true');
    expect(await waiting.getByTestId('approval-why').innerText()).toMatch(/^You may decide it for admin@apollo\.local \(their delegate until .+\) as role:operator, team:platform\.$/);
    await screenshot(dana, 'approvals-governance-delegate-inbox');
    await waiting.getByTestId('approve').click();
    await dana.getByTestId('decision-confirm').click();
    await waiting.waitFor({ state: 'detached', timeout: 15_000 });

    // The request's page says who decided, for whom.
    await dana.goto(`${local.apollo.url}/requests/${id}`);
    const decision = dana.getByTestId('request-approval').getByTestId('approval-decision');
    await decision.waitFor({ timeout: 15_000 });
    expect(await decision.getAttribute('data-on-behalf-of')).toBe('admin@apollo.local');
    expect(await decision.getByTestId('approval-decider').innerText()).toBe('dana@apollo.local for admin@apollo.local');
    await screenshot(dana, 'approvals-governance-decided-for');

    // The admin ends it: dana is nobody's delegate any more.
    await panel.getByTestId('delegation-end').click();
    await expect.poll(() => panel.getByTestId('delegation-mine').getAttribute('data-set'), { timeout: 15_000 }).toBe('false');
    await dana.goto(`${local.apollo.url}/approvals`);
    await dana.getByTestId('delegation-panel').waitFor({ timeout: 15_000 });
    expect(await dana.getByTestId('delegation-to-me').count()).toBe(0);
    await danaContext.close();
    await adminContext.close();
  });

  it('the requester rates a completed request and changes it; an operator reads it', { timeout: 120_000 }, async () => {
    expect(approvedIds.length).toBeGreaterThan(0);
    const id = approvedIds[0]!;
    const context = await narrowContext(local.browser);
    const requester = await signIn(context, local.apollo.url, 'developer@apollo.local', `/requests/${id}`);
    const box = requester.getByTestId('request-rating');
    await box.waitFor({ timeout: 15_000 });
    expect(await box.getAttribute('data-mine')).toBe('true');
    expect(await box.locator('.bp6-section-header').innerText()).toContain('Rate this request');
    // Without a score, it says to pick one.
    await box.getByTestId('rating-save').click();
    await box.getByText('Pick a score from 1 (poor) to 5 (great).').waitFor();
    await box.locator('[data-testid="rating-score"][data-score="4"]').click();
    await box.getByTestId('rating-comment-input').fill('Record live in a minute after approval');
    await screenshot(requester, 'approvals-governance-rate');
    await box.getByTestId('rating-save').click();
    const saved = box.getByTestId('rating-saved');
    await saved.waitFor({ timeout: 15_000 });
    expect(await saved.getAttribute('data-score')).toBe('4');
    expect(await saved.getByTestId('rating-comment').innerText()).toBe('“Record live in a minute after approval”');
    expect(await saved.innerText()).toContain('You rated it');

    // Changed: the form comes back with what was given, and the new score replaces it.
    await box.getByTestId('rating-change').click();
    expect(await box.getByTestId('rating-comment-input').inputValue()).toBe('Record live in a minute after approval');
    await box.locator('[data-testid="rating-score"][data-score="5"]').click();
    await box.getByTestId('rating-save').click();
    await expect.poll(() => box.getByTestId('rating-saved').getAttribute('data-score'), { timeout: 15_000 }).toBe('5');
    await screenshot(requester, 'approvals-governance-rated');
    const stored = await local.apollo.client('developer').request('GET /api/v1/requests/{id}', { params: { id } });
    expect(stored.body.rating).toMatchObject({ score: 5, comment: 'Record live in a minute after approval', by: 'developer@apollo.local' });

    // An operator reads it, without a form.
    const operatorContext = await narrowContext(local.browser);
    const operator = await signIn(operatorContext, local.apollo.url, 'operator@apollo.local', `/requests/${id}`);
    const read = operator.getByTestId('request-rating');
    await read.waitFor({ timeout: 15_000 });
    expect(await read.getAttribute('data-mine')).toBe('false');
    expect(await read.getByTestId('rating-saved').innerText()).toContain('Rated by developer@apollo.local');
    expect(await read.getByTestId('rating-form').count()).toBe(0);
    expect(await read.getByTestId('rating-change').count()).toBe(0);
    await operatorContext.close();
    await context.close();
  });

  it('an escalated approval says how often, how long it waits and, on hover, who was told', { timeout: 120_000 }, async () => {
    const id = await askForProductionRecord('escalated');
    const context = await narrowContext(local.browser);
    const hour = 3_600_000;
    const now = Date.now();
    // The API's answer as the escalation job leaves it after two levels (the job waits 4 hours, then 4 more).
    await context.route(/\/api\/v1\/approvals\/pending/, async (route) => {
      const response = await route.fetch();
      const body = await response.json() as { items: Array<Record<string, unknown>> };
      for (const item of body.items) {
        if (item.requestId !== id) continue;
        item.createdAt = new Date(now - 9 * hour).toISOString();
        item.escalations = [
          { level: 1, at: new Date(now - 5 * hour).toISOString(), notified: ['team:platform'], to: "the rule's approvers who have not decided" },
          { level: 2, at: new Date(now - hour).toISOString(), notified: ['team:platform'], to: "platform, the offering's owner team" },
        ];
        delete item.escalatesAt;
      }
      await route.fulfill({ response, json: body });
    });
    const operator = await signIn(context, local.apollo.url, 'operator@apollo.local', '/approvals');
    const waiting = card(operator, id);
    await waiting.waitFor({ timeout: 30_000 });
    const badge = waiting.getByTestId('approval-escalation');
    expect(await badge.innerText()).toBe('Escalated ×2 · waiting 9 h');
    expect(await badge.getAttribute('data-level')).toBe('2');
    expect(await waiting.getByTestId('approval-escalates-at').count()).toBe(0);
    await badge.hover();
    const tip = operator.getByTestId('approval-escalation-tip');
    await tip.waitFor();
    expect(await tip.innerText()).toMatch(/^Level 1, .+: to the rule's approvers who have not decided; told team platform\nLevel 2, .+: to platform, the offering's owner team; told team platform$/);
    await screenshot(operator, 'approvals-governance-escalated');
    await context.close();
  });
});
