/**
 * Team and platform analytics in a real browser against the local runtime and its twelve weeks of demo request
 * history: dana (growth's lead) opens growth's page and sees its KPIs, the weekly charts drawn with data, each offering
 * against its SLA, usage, and its request history (filtered to the failed, one opened), then the window of 30 days;
 * a developer outside growth reads why its history is not theirs. An operator opens Analytics from the navigation:
 * adoption against the 80 % target, weekly active engineers, popular offerings, teams (one opened), performance per
 * offering with its bottleneck, and platform's page with the adoption of the offerings it owns; a developer, without
 * stats:read, reads what the page needs. An admin filters the request audit to their quota change and exports it as
 * CSV and JSON.
 * The figures on screen are checked against the API's answers for the same window.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { navLabels, newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

/** The demo history is written as the runtime starts: wait until the API counts it. */
async function seededHistory(): Promise<void> {
  const admin = local.apollo.client('admin');
  await expect.poll(async () => (await admin.request('GET /api/v1/teams/{id}/analytics', { params: { id: 'growth' }, query: { days: 90 } })).body.kpis.submitted, { timeout: 60_000, interval: 1_000 })
    .toBeGreaterThan(0);
}

const bars = (page: Page, chart: string) => page.locator(`[data-testid="${chart}"] .recharts-bar-rectangle`).count();
const lines = (page: Page, chart: string) => page.locator(`[data-testid="${chart}"] .recharts-line-curve`).count();
/** Tables cut at a card's edge: wider than an ancestor that hides what overflows, with no scrolling box between. */
const clippedTables = (page: Page) => page.evaluate(() => [...document.querySelectorAll('main table')].flatMap((table) => {
  for (let el = table.parentElement; el && el.tagName !== 'MAIN'; el = el.parentElement) {
    const overflow = getComputedStyle(el).overflowX;
    if (overflow === 'auto' || overflow === 'scroll') return [];
    if (overflow === 'hidden' && el.scrollWidth > el.clientWidth + 1) return [`${table.getAttribute('data-testid') ?? table.querySelector('th')?.textContent}: ${el.scrollWidth} px in ${el.clientWidth} px`];
  }
  return [];
}));

describe('team analytics', () => {
  it('a growth member sees the team’s charts with data, its offerings against their SLAs and its history; a non-member is told why not', { timeout: 180_000 }, async () => {
    await seededHistory();
    const api = local.apollo.client('admin');
    const analytics = (await api.request('GET /api/v1/teams/{id}/analytics', { params: { id: 'growth' }, query: { days: 90 } })).body;
    const history = (await api.request('GET /api/v1/teams/{id}/requests', { params: { id: 'growth' }, query: { days: 90, limit: 25 } })).body;
    const usage = (await api.request('GET /api/v1/teams/{id}/usage', { params: { id: 'growth' }, query: { days: 90 } })).body;

    const context = await newContext(local.browser);
    const dana = await signIn(context, local.apollo.url, 'dana@apollo.local', '/teams/growth');
    const section = dana.getByTestId('team-analytics');
    await expect.poll(() => section.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');
    expect(await section.getAttribute('data-days')).toBe('90');

    // The KPIs say the API's figures.
    expect(await dana.getByTestId('team-kpi-requests').getAttribute('data-value')).toBe(String(analytics.kpis.submitted));
    expect(await dana.getByTestId('team-kpi-requests').innerText()).toContain(`${analytics.kpis.completed} completed · ${analytics.kpis.failed} failed · ${analytics.kpis.cancelled} cancelled`);
    const success = await dana.getByTestId('team-kpi-success').getAttribute('data-value');
    expect(success).toMatch(/^\d+(\.\d)? %$/);
    expect(Number(success!.replace(' %', ''))).toBeCloseTo(analytics.kpis.successRate! * 100, 1);
    expect(await dana.getByTestId('team-kpi-median').getAttribute('data-value')).toMatch(/^≈ \d+(\.\d)? (s|min|h|d)$/);
    for (const id of ['team-kpi-sla', 'team-kpi-approval', 'team-kpi-change']) expect(await dana.getByTestId(id).innerText()).not.toContain('NaN');

    // The charts are drawn with data: a bar per week that ended something, the submitted and time-to-fulfil lines.
    const requestsChart = dana.getByTestId('team-requests-chart');
    expect(await requestsChart.getAttribute('data-points')).toBe(String(analytics.weeks.length));
    expect(await requestsChart.getAttribute('data-submitted')).toBe(String(analytics.weeks.reduce((n, w) => n + w.submitted, 0)));
    await expect.poll(() => bars(dana, 'team-requests-chart'), { timeout: 10_000 }).toBeGreaterThanOrEqual(analytics.weeks.filter((w) => w.completed > 0).length);
    expect(await lines(dana, 'team-requests-chart')).toBe(1);
    expect(await lines(dana, 'team-fulfil-chart')).toBe(2);
    expect(Number(await dana.getByTestId('team-fulfil-chart').getAttribute('data-points'))).toBe(analytics.weeks.filter((w) => w.medianFulfilMs !== null).length);

    // Each offering against its SLA, and why requests failed.
    expect(await dana.getByTestId('team-offering-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-offering'))))
      .toEqual(analytics.byOffering.map((o) => o.offering.id));
    expect(await dana.getByTestId('team-failure-reason').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-reason'), Number(r.getAttribute('data-count'))])))
      .toEqual(analytics.topFailureReasons.map((r) => [r.reason, r.count]));

    // Usage: what is in place by kind, and the weeks drawn.
    expect(await dana.getByTestId('team-active-kind').evaluateAll((rows) => rows.reduce((n, r) => n + Number(r.getAttribute('data-active')), 0)))
      .toBe(usage.active.reduce((n, a) => n + a.active, 0));
    expect(await dana.getByTestId('team-usage-chart').getAttribute('data-points')).toBe(String(usage.weeks.length));
    expect(await bars(dana, 'team-usage-chart')).toBeGreaterThan(0);
    // growth owns no offering: no adoption table.
    expect(await dana.getByTestId('team-catalog-section').count()).toBe(0);
    await screenshot(dana, 'team-analytics-1440');
    await dana.setViewportSize({ width: 1280, height: 800 });
    await screenshot(dana, 'team-analytics-1280');
    await dana.setViewportSize({ width: 1440, height: 900 });

    // The history: the summary and its first page, newest first.
    const historySection = dana.getByTestId('team-history');
    await expect.poll(() => historySection.getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
    expect(await dana.getByTestId('team-history-summary').getAttribute('data-submitted')).toBe(String(history.summary.submitted));
    expect(await dana.getByTestId('team-history-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-request'))))
      .toEqual(history.items.map((r) => r.id));
    expect(await dana.getByTestId('team-failure-pattern').count()).toBe(history.failurePatterns.length);
    await historySection.scrollIntoViewIfNeeded();
    await screenshot(dana, 'team-analytics-history');

    // Only the failed ones, in the URL; one opens its request.
    await dana.getByTestId('team-history-status').selectOption('failed');
    await expect.poll(() => new URL(dana.url()).searchParams.get('status')).toBe('failed');
    await expect.poll(async () => [...new Set(await dana.getByTestId('team-history-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status'))))], { timeout: 15_000 })
      .toEqual(['failed']);
    // At 1280 px the failed ones' errors make the table wider than its card: it scrolls there, never cut at the edge.
    await dana.setViewportSize({ width: 1280, height: 800 });
    expect(await clippedTables(dana)).toEqual([]);
    await dana.setViewportSize({ width: 1440, height: 900 });
    const failed = await dana.getByTestId('team-history-row').first().getAttribute('data-request');
    await dana.getByTestId('team-history-row').first().getByRole('link').click();
    await expect.poll(() => new URL(dana.url()).pathname).toBe(`/requests/${failed}`);
    await dana.getByTestId('request-page').waitFor({ timeout: 15_000 });
    expect(await dana.getByTestId('request-page').getAttribute('data-status')).toBe('failed');

    // The last 30 days: the window moves into the URL and the figures follow.
    const recent = (await api.request('GET /api/v1/teams/{id}/analytics', { params: { id: 'growth' }, query: { days: 30 } })).body;
    await dana.goto(`${local.apollo.url}/teams/growth`);
    await expect.poll(() => section.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');
    await dana.getByTestId('analytics-window').getByRole('radio', { name: '30 days' }).click();
    await expect.poll(() => new URL(dana.url()).searchParams.get('days')).toBe('30');
    await expect.poll(() => section.getAttribute('data-days')).toBe('30');
    await expect.poll(() => dana.getByTestId('team-kpi-requests').getAttribute('data-value'), { timeout: 15_000 }).toBe(String(recent.kpis.submitted));
    await expect.poll(() => dana.getByTestId('team-requests-chart').getAttribute('data-points')).toBe(String(recent.weeks.length));
    await context.close();

    // A developer of payments sees growth's analytics, but not its members' requests, and reads why.
    const otherContext = await newContext(local.browser);
    const developer = await signIn(otherContext, local.apollo.url, 'developer@apollo.local', '/teams/growth');
    const refused = developer.getByTestId('team-history');
    await expect.poll(() => refused.getAttribute('data-state'), { timeout: 20_000 }).toBe('forbidden');
    expect(await refused.innerText()).toContain('the requests of growth are for its members and operators: you are not in growth');
    await expect.poll(() => developer.getByTestId('team-analytics').getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');
    await refused.scrollIntoViewIfNeeded();
    await screenshot(developer, 'team-analytics-history-forbidden');
    await otherContext.close();
  });

  it('an operator opens platform analytics: adoption against its target, popular offerings, teams and performance per offering', { timeout: 120_000 }, async () => {
    await seededHistory();
    const api = local.apollo.client('operator');
    const usage = (await api.request('GET /api/v1/stats/usage', { query: { days: 90 } })).body;
    const performance = (await api.request('GET /api/v1/stats/performance', { query: { days: 90 } })).body;

    const context = await newContext(local.browser);
    const operator = await signIn(context, local.apollo.url, 'operator@apollo.local', '/');
    expect(await navLabels(operator)).toContain('Analytics');
    await operator.locator('nav[aria-label="Areas"] a', { hasText: 'Analytics' }).click();
    const overview = operator.getByTestId('analytics-overview');
    await expect.poll(() => overview.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');
    expect(await operator.title()).toBe('Platform analytics · Apollo');

    // Adoption: the active engineers of the directory, against the 80 % target.
    const adoption = operator.getByTestId('analytics-adoption');
    expect(await adoption.getAttribute('data-active')).toBe(String(usage.adoption.activeEngineers));
    expect(await operator.getByTestId('analytics-adoption-share').getAttribute('data-value')).toBe(`${usage.adoption.activeEngineers} of ${usage.adoption.directoryUsers}`);
    // The count is the last full week's (Monday to Sunday), and says which: not "the last 7 days".
    expect(await operator.getByTestId('analytics-adoption-share').innerText()).toContain(`Active engineers, week of ${Number(usage.adoption.week.slice(8, 10))}`);
    expect(await operator.getByTestId('analytics-adoption-target').innerText()).toMatch(/80 % target/);
    expect(await operator.getByTestId('analytics-weekly-active-chart').getAttribute('data-points')).toBe(String(usage.weeklyActive.length));
    await expect.poll(() => bars(operator, 'analytics-weekly-active-chart')).toBeGreaterThanOrEqual(usage.weeklyActive.filter((w) => w.engineers > 0).length);

    // Popular offerings and teams, as the API ranks them; performance per offering with its bottleneck.
    expect(await operator.getByTestId('analytics-popular-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-offering'))))
      .toEqual(usage.popularOfferings.map((o) => o.offering.id));
    expect(await operator.getByTestId('analytics-team-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-team'))))
      .toEqual(usage.adoptionByTeam.map((t) => t.team));
    expect(await operator.getByTestId('analytics-performance-row').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-offering'), r.getAttribute('data-bottleneck')])))
      .toEqual(performance.items.map((i) => [i.offering.id, i.bottleneck?.phase ?? '']));
    const withBottleneck = performance.items.find((i) => i.bottleneck !== null)!;
    expect(await operator.locator(`[data-testid="analytics-performance-row"][data-offering="${withBottleneck.offering.id}"] [data-testid="analytics-bottleneck"]`).innerText())
      .toMatch(new RegExp(`^(${withBottleneck.bottleneck!.phase}|action \\S+), \\d+(\\.\\d)? %$`));
    expect(await operator.getByTestId('analytics-performance-section').innerText()).not.toContain('NaN');
    // The legend reads as words, its swatches between them ("approval,the queue andactions" before).
    expect(await operator.getByTestId('analytics-performance-section').innerText()).toContain('the average time in approval, the queue and actions;');
    // No audit tab: that needs audit:read.
    expect(await operator.getByTestId('analytics-tab-audit').count()).toBe(0);
    await screenshot(operator, 'platform-analytics-1440');
    await operator.setViewportSize({ width: 1280, height: 800 });
    await operator.getByTestId('analytics-performance-section').scrollIntoViewIfNeeded();
    await screenshot(operator, 'platform-analytics-performance-1280');
    expect(await clippedTables(operator)).toEqual([]);

    // A team opens its page with the same window.
    await operator.locator('[data-testid="analytics-team-row"][data-team="growth"] [data-testid="analytics-team-link"]').click();
    await expect.poll(() => new URL(operator.url()).pathname).toBe('/teams/growth');
    await expect.poll(() => operator.getByTestId('team-analytics').getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');

    // platform owns the demo offerings: its page shows their adoption across teams.
    const catalog = (await api.request('GET /api/v1/teams/{id}/catalog', { params: { id: 'platform' }, query: { days: 90 } })).body;
    expect(catalog.items.length).toBeGreaterThan(0);
    await operator.goto(`${local.apollo.url}/teams/platform`);
    await operator.getByTestId('team-catalog-section').waitFor({ timeout: 20_000 });
    expect(await operator.getByTestId('team-catalog-row').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-offering'), Number(r.getAttribute('data-requests'))])))
      .toEqual(catalog.items.map((i) => [i.offering.id, i.requests]));
    await operator.getByTestId('team-catalog-section').scrollIntoViewIfNeeded();
    await screenshot(operator, 'team-analytics-catalog-1280');
    // Its last column (the requesters' rating) is reached by scrolling the card at 1280 px, not cut at its edge.
    expect(await clippedTables(operator)).toEqual([]);
    await context.close();

    // A developer has no Analytics entry; opened directly, the page says what it needs.
    const developerContext = await newContext(local.browser);
    const developer = await signIn(developerContext, local.apollo.url, 'developer@apollo.local', '/analytics');
    expect(await navLabels(developer)).not.toContain('Analytics');
    const forbidden = developer.getByTestId('analytics-forbidden');
    await forbidden.waitFor({ timeout: 15_000 });
    expect(await forbidden.innerText()).toContain('stats:read');
    await developerContext.close();
  });

  it('an admin filters the request audit to their quota change and exports it as CSV and JSON', { timeout: 120_000 }, async () => {
    // An audited change to find: a quota limit for growth.
    const admin = local.apollo.client('admin');
    await admin.request('POST /api/v1/quota/limits/{id}', { params: { id: 'growth' }, body: { limits: [{ resource: 's3-buckets', environment: null, limit: 25 }], reason: 'Analytics export check' } });

    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/analytics');
    await page.getByTestId('analytics-tab-audit').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe('audit');
    const audit = page.getByTestId('request-audit');
    await expect.poll(() => audit.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');

    // Only quota changes by the admin.
    await page.locator('#ra-actor').fill('admin@apollo.local');
    await page.locator('#ra-action').fill('quotas.');
    await page.getByTestId('request-audit-apply').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('quotas.');
    await expect.poll(async () => [...new Set(await page.getByTestId('request-audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))))], { timeout: 15_000 })
      .toEqual(['quotas.limits.set']);
    const row = page.getByTestId('request-audit-row').first();
    expect(await row.innerText()).toContain('reason: Analytics export check');
    await screenshot(page, 'request-audit');

    // Export CSV: a file named by the API, its header and the entry.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('request-audit-export-csv').click()]);
    expect(csv.suggestedFilename()).toMatch(/^apollo-request-audit-[\d-]+\.csv$/);
    const text = await readFile((await csv.path())!, 'utf8');
    // RFC 4180: lines end in CRLF.
    const [header, ...entries] = text.trim().split('\r\n');
    expect(header).toBe('at,id,actor,actorType,actorRole,action,resourceType,resourceId,outcome,statusCode,errorCode,aiSessionId,requestId,details');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((l) => l.includes(',admin@apollo.local,') && l.includes(',quotas.limits.set,'))).toBe(true);
    expect(text).toContain('Analytics export check');

    // Export JSON: the same entries.
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('request-audit-export-json').click()]);
    expect(json.suggestedFilename()).toMatch(/^apollo-request-audit-[\d-]+\.json$/);
    const file = JSON.parse(await readFile((await json.path())!, 'utf8')) as { items: Array<{ action: string; actor: string }>; truncated: boolean };
    expect(file.items.length).toBe(entries.length);
    expect(file.items.every((e) => e.action === 'quotas.limits.set' && e.actor === 'admin@apollo.local')).toBe(true);
    await screenshot(page, 'request-audit-exported');

    // The entry opens in the audit drawer.
    await row.click();
    await page.getByTestId('audit-drawer').waitFor();
    expect(await page.getByTestId('audit-drawer').innerText()).toContain('quotas.limits.set');
    await context.close();
  });
});
