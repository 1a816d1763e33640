/**
 * Incidents in a real browser against the local runtime (issue 17's "done when"): an operator fires the LOCAL
 * FAKE PagerDuty's demo alert from the Incidents page; the incident appears in the list live (no reload) with the
 * HighErrorRate runbook; its Metrics tab shows core-service's error spike and its Logs tab the HikariCP errors in
 * its window; its timeline has the last deploy of core-service prod (linked to the deployment) and prod is locked;
 * the operator acknowledges and resolves it (PagerDuty follows: the fake's incident is resolved) and edits the
 * postmortem draft, saved as final. A viewer reads it all but acts on nothing.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const pageStatus = (page: Page) => page.getByTestId('incident-page').getAttribute('data-status');

describe('incidents', () => {
  it('an operator triggers the demo PagerDuty alert, follows the incident live to its runbook, spike, logs and last deploy, resolves it and edits the postmortem', { timeout: 240_000 }, async () => {
    const context = await newContext(local.browser);
    const operator = await signIn(context, local.apollo.url, 'operator@apollo.local', '/incidents');
    await operator.getByTestId('incidents-page').waitFor();
    await operator.getByTestId('local-pagerduty').waitFor({ timeout: 20_000 });
    // No PagerDuty incident yet (the secret-expiry job may open incidents of its own meanwhile: the test follows
    // this alert's incident by its id, not the list's length).
    expect(await operator.locator('[data-testid="incident-row"][data-source="pagerduty"]').count()).toBe(0);

    // The fake PagerDuty's alert, fired from the page: the list grows live, no reload.
    await operator.getByTestId('local-pagerduty-trigger').click();
    await operator.getByTestId('local-pagerduty-opened').waitFor({ timeout: 30_000 });
    const opened = decodeURIComponent((await operator.getByTestId('local-pagerduty-opened').getAttribute('href'))!.replace(/^\/incidents\//, ''));
    const row = operator.locator(`[data-testid="incident-row"][data-id="${opened}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-source')).toBe('pagerduty');
    expect(await row.getAttribute('data-status')).toBe('triggered');
    expect(await operator.locator('[data-testid="incident-row"][data-source="pagerduty"]').count()).toBe(1);
    expect(await row.getAttribute('data-severity')).toBe('critical');
    expect(await row.getByTestId('incident-row-title').innerText()).toContain('HighErrorRate: core-service');
    const id = (await row.getAttribute('data-id'))!;
    await screenshot(operator, 'incidents-list');

    // The incident: PagerDuty's, prod locked, the HighErrorRate runbook.
    await operator.getByTestId('local-pagerduty-opened').click();
    await operator.getByTestId('incident-page').waitFor();
    expect(await operator.getByTestId('incident-page').getAttribute('data-id')).toBe(id);
    expect(await operator.getByTestId('incident-source').getAttribute('data-source')).toBe('pagerduty');
    expect(await operator.getByTestId('incident-lock').first().innerText()).toContain('prod of core-service locked for deploys');
    await expect.poll(() => operator.getByTestId('incident-runbook').getAttribute('data-state'), { timeout: 20_000 }).toBe('found');
    expect(await operator.getByTestId('incident-runbook').getByTestId('runbook').first().getAttribute('data-trigger')).toBe('HighErrorRate');
    expect(await operator.getByTestId('incident-runbook').getByTestId('runbook').first().innerText()).toContain('core-service');

    // The timeline: the alert, and the last deploy of core-service prod, linked to its deployment.
    await operator.getByTestId('incident-tab-timeline').click();
    const deploy = operator.locator('[data-testid="incident-timeline-entry"][data-type="deployment"]').first();
    await deploy.waitFor({ timeout: 20_000 });
    expect(await deploy.getAttribute('data-ref-kind')).toBe('deployment');
    expect(await deploy.getByTestId('incident-timeline-link').getAttribute('href')).toBe(`/deployments/${await deploy.getAttribute('data-ref-id')}`);
    expect(await operator.locator('[data-testid="incident-timeline-entry"][data-type="alert"]').count()).toBe(1);
    await screenshot(operator, 'incident-timeline');

    // Its window: the error spike on the Metrics tab, the HikariCP errors on the Logs tab.
    await operator.getByTestId('incident-tab-metrics').click();
    const errorRate = operator.locator('[data-testid="incident-metrics"] [data-testid="metrics-chart"][data-metric="errorRate"]');
    await errorRate.waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await errorRate.getByTestId('metrics-headline').innerText().catch(() => '')), { timeout: 20_000 }).toMatch(/^peak \d/);
    const peak = Number(/peak ([\d.]+)/.exec(await errorRate.getByTestId('metrics-headline').innerText())![1]);
    expect(peak).toBeGreaterThanOrEqual(2);
    await operator.getByTestId('incident-tab-logs').click();
    await operator.getByTestId('incident-logs').getByTestId('log-line').first().waitFor({ timeout: 30_000 });
    await operator.getByTestId('logs-q').fill('HikariPool');
    await operator.getByTestId('logs-q').press('Enter');
    await expect.poll(async () => (await operator.getByTestId('log-message').allInnerTexts()).some((m) => /HikariPool-1 - Connection is not available/.test(m)), { timeout: 30_000 }).toBe(true);
    await screenshot(operator, 'incident-logs');

    // Acknowledge, then resolve with a note: prod is unlocked, and PagerDuty's incident is resolved too.
    await operator.getByTestId('incident-action-acknowledge').click();
    await expect.poll(() => pageStatus(operator), { timeout: 20_000 }).toBe('acknowledged');
    await operator.getByTestId('incident-action-resolve').click();
    await operator.getByTestId('incident-note').fill('Rolled back core-service; the pool recovered.');
    await operator.getByTestId('incident-note-confirm').click();
    await expect.poll(() => pageStatus(operator), { timeout: 20_000 }).toBe('resolved');
    expect(await operator.getByTestId('incident-lock').count()).toBe(0);
    const state = await (await fetch(`${local.apollo.url}/local/pagerduty`)).json() as { url: string };
    const pd = await (await fetch(`${state.url}/_control/state`)).json() as { incidents: Array<{ title: string; status: string }> };
    expect(pd.incidents.filter((i) => i.title.startsWith('HighErrorRate: core-service')).map((i) => i.status)).toContain('resolved');

    // The postmortem: drafted from the facts, edited, saved final.
    await operator.getByTestId('incident-tab-postmortem').click();
    await operator.getByTestId('postmortem-draft').click();
    await operator.getByTestId('postmortem-editor').waitFor({ timeout: 20_000 });
    expect(await operator.getByTestId('postmortem-editor').getAttribute('data-status')).toBe('draft');
    expect(await operator.getByTestId('postmortem-root-cause').inputValue()).toMatch(/^To be confirmed\. The last change before it began: core-service prod/);
    await operator.getByTestId('postmortem-root-cause').fill('A connection leak in the report export exhausted HikariCP\'s pool of 10.');
    await operator.getByTestId('postmortem-status').selectOption('final');
    await operator.getByTestId('postmortem-save').click();
    await expect.poll(() => operator.getByTestId('postmortem-editor').getAttribute('data-version'), { timeout: 20_000 }).toBe('2');
    expect(await operator.getByTestId('postmortem-editor').getAttribute('data-status')).toBe('final');
    await screenshot(operator, 'incident-postmortem');

    // A viewer reads it and acts on nothing.
    const viewerContext = await newContext(local.browser);
    const viewer = await signIn(viewerContext, local.apollo.url, 'viewer@apollo.local', `/incidents/${id}`);
    await viewer.getByTestId('incident-page').waitFor();
    expect(await pageStatus(viewer)).toBe('resolved');
    expect(await viewer.getByTestId('incident-actions-locked').count()).toBe(1);
    expect(await viewer.getByTestId('incident-comment-form').count()).toBe(0);
    await viewerContext.close();
    await context.close();
  });
});
