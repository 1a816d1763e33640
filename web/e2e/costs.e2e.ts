/**
 * Costs in a real browser against the local runtime (its LOCAL demo Cost Explorer, said as such): a new user opens
 * Costs, sees the demo banner and 90 days of spend by environment, finds core-service's anomaly in prod and the deploy
 * that caused it (and opens it), drills prod → its cluster → the platform namespace → core-service, opens core-service's
 * Costs tab, and an operator sets a budget for it above its month to date but below its forecast: it shows as at risk,
 * breached by forecast. On the way it sees prod against last month, its cluster's idle cost, and core-service's own
 * recommendations. A viewer finds the recommendations (by kind, the idle volumes, what to do), and sees budgets but cannot
 * set one, and is told why.
 */
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

/** "$1,234" or "$47.81" as a number. */
const usd = (text: string): number => Number(text.replace(/[^0-9.-]/g, ''));

/** Whether the element's box lies inside the container's (to the pixel): nothing cut off. */
async function within(inner: Locator, outer: Locator): Promise<boolean> {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  return a !== null && b !== null && a.x >= b.x - 1 && a.x + a.width <= b.x + b.width + 1;
}

/** Every dollar figure on the page has its thousands separator ($1,240, never $1240). */
const MISSING_SEPARATOR = /\$\d{4,}/;

describe('costs', () => {
  it('an operator finds the anomaly and its deploy, drills into core-service, and sets a budget breached by forecast', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'operator@apollo.local', '/');

    // Costs from the navigation: the demo source says what it is, and 90 days stacked by environment.
    await page.locator('nav[aria-label="Areas"] a', { hasText: 'Costs' }).click();
    await page.getByTestId('costs-page').waitFor();
    const banner = page.getByTestId('cost-demo-banner');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.innerText()).toContain('LOCAL demo Cost Explorer: generated spend for the demo services, not AWS');
    // A fresh runtime ingests as it starts; the page looks again until it has.
    await expect.poll(() => banner.innerText(), { timeout: 60_000 }).toMatch(/data through \d+ \w+, ingested (just now|\d+ \w+ ago)/);
    const chart = page.getByTestId('cost-daily-chart');
    await chart.waitFor({ timeout: 60_000 });
    expect(await chart.getAttribute('data-points')).toBe('90');
    expect((await chart.getAttribute('data-series'))?.split(',')).toEqual(expect.arrayContaining(['prod', 'staging', 'dev', 'untagged']));
    await expect.poll(() => chart.getAttribute('data-anomalies').then(Number), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await chart.locator('.recharts-area').count()).toBeGreaterThanOrEqual(4);
    expect(await chart.locator('.apollo-cost-anomaly-dot').count()).toBeGreaterThan(0);
    expect(usd(await page.getByTestId('cost-mtd-value').innerText())).toBeGreaterThan(0);
    expect(await page.getByTestId('cost-forecast').innerText()).toMatch(/\$[\d,.]+ – \$[\d,.]+ \(80 %\)/);
    expect(await page.getByTestId('cost-visibility').innerText()).toMatch(/of \d+ catalog services have cost/);
    expect(await page.getByTestId('cost-month-chart').getAttribute('data-points')).toMatch(/^(28|29|30|31)$/);
    // Visibility names the month it describes (last month on the 1st), not "this month".
    expect(await page.getByTestId('cost-visibility').innerText()).toMatch(/^Cost visibility, [A-Z][a-z]+ \d{4}/);
    expect(await page.getByTestId('cost-untagged-month').textContent()).toMatch(/^[A-Z][a-z]+ \d{4}$/);
    // Reserved Instances and Savings Plans, each on its own line, with the on-demand spend it leaves.
    const coverage = page.getByTestId('cost-coverage-line');
    expect(await coverage.evaluateAll((l) => l.map((e) => e.getAttribute('data-kind')))).toEqual(['reserved-instances', 'savings-plans']);
    expect(await coverage.first().innerText()).toMatch(/^Reserved Instances cover (\d+\.\d\u00a0%|—) of eligible hours, (\d+\.\d\u00a0%|—) of the commitment used\n\$[\d,.]+ on demand not covered$/);
    // The environments' forecast is in view, not cut off by its card, at 1440×900 and at 1280×800.
    const byEnvironment = page.getByTestId('cost-by-environment-section');
    expect(await within(page.getByTestId('cost-by-environment-forecast'), byEnvironment)).toBe(true);
    expect(await within(page.getByTestId('cost-environment-row').first().locator('td').last(), byEnvironment)).toBe(true);
    // The marks on the chart: one per day, each with its largest anomaly; the tooltip says each detector on its own.
    const dot = chart.locator('.apollo-cost-anomaly-dot').last();
    await dot.hover();
    const tooltipLines = page.getByTestId('cost-chart-tooltip-anomaly');
    await tooltipLines.first().waitFor({ timeout: 10_000 });
    const said = (await tooltipLines.locator('strong').allInnerTexts());
    for (const line of said) expect(line).toMatch(/^(Apollo|Cost Anomaly Detection): .+ \+\$[\d,.]+\/day$/);
    const largest = Math.max(...said.map((l) => usd(l.slice(l.lastIndexOf('+$')))));
    const labels = (await chart.locator('text.recharts-label').allTextContents()).filter((l) => l.startsWith('▲'));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.map((l) => usd(l))).toContain(largest);
    expect(await page.locator('body').innerText()).not.toMatch(MISSING_SEPARATOR);
    await screenshot(page, 'costs-overview-anomaly-tooltip');
    await page.mouse.move(0, 0);
    await screenshot(page, 'costs-overview');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('cost-by-environment-section').scrollIntoViewIfNeeded();
    expect(await within(page.getByTestId('cost-by-environment-forecast'), byEnvironment)).toBe(true);
    expect(await within(page.getByTestId('cost-environment-row').first().locator('td').last(), byEnvironment)).toBe(true);
    await screenshot(page, 'costs-overview-1280');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.evaluate(() => window.scrollTo(0, 0));

    // The anomaly of core-service in prod names the deploy the day before; its link opens that deployment.
    const anomaly = page.locator('[data-testid="cost-anomaly"][data-service="core-service"][data-environment="prod"]').first();
    await anomaly.waitFor({ timeout: 20_000 });
    expect(await anomaly.innerText()).toMatch(/core-service in prod rose/);
    const cause = anomaly.locator('[data-testid="cost-anomaly-cause"][data-kind="deployment"]').first();
    const deploymentId = await cause.getAttribute('data-id');
    expect(deploymentId).toBeTruthy();
    await cause.click();
    await page.locator(`[data-testid="deployment-page"][data-id="${deploymentId}"]`).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe(`/deployments/${deploymentId}`);
    await page.goBack();

    // Drill down: prod → its cluster → the platform namespace → core-service, which opens its Costs tab.
    await page.getByTestId('costs-tab-environments').click();
    await page.getByTestId('cost-tree').waitFor({ timeout: 20_000 });
    await page.getByTestId('cost-environment-select').selectOption('prod');
    await page.locator('[data-testid="cost-tree"][data-environment="prod"]').waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).search).toBe('?tab=environments&environment=prod');
    // The environment against last month to the same day, and its cluster's capacity nobody requested (the LOCAL FAKE OpenCost).
    expect(await page.getByTestId('cost-env-total').innerText()).toMatch(/(\+|\u2212)?\d+\.\d\u00a0%|—/);
    expect(await page.getByTestId('cost-env-total').innerText()).toMatch(/against \$[\d,.]+ last month to the same day/);
    const idle = page.getByTestId('cost-tree-cluster-idle').first();
    await idle.waitFor();
    expect(await idle.innerText()).toMatch(/^idle \$[\d,.]+ \(capacity nobody requested, by OpenCost\)$/);
    expect(Number(await idle.getAttribute('data-idle'))).toBeGreaterThan(0);
    // Last month, one choice away (on the 1st this month has nothing yet), and back.
    const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1));
    const lastMonthName = lastMonth.toLocaleDateString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
    await page.getByTestId('cost-environment-month').selectOption(lastMonth.toISOString().slice(0, 7));
    await expect.poll(() => page.getByTestId('cost-env-total').innerText(), { timeout: 20_000 }).toContain(`prod, ${lastMonthName}`);
    await page.getByTestId('cost-environment-month').selectOption('');
    await expect.poll(() => page.getByTestId('cost-env-total').innerText(), { timeout: 20_000 }).not.toContain(lastMonthName);
    await page.getByTestId('cost-tree-cluster-toggle').first().click();
    await page.getByTestId('cost-tree-namespace').first().waitFor();
    // The namespace core-service runs in: open each until it shows.
    const core = page.locator('[data-testid="cost-tree-service"][data-service="core-service"]');
    for (const toggle of await page.getByTestId('cost-tree-namespace-toggle').all()) {
      if (await core.count()) break;
      await toggle.click();
    }
    await core.waitFor();
    expect(await page.getByTestId('cost-managed').innerText()).toMatch(/rds|elasticache|msk/i);
    await screenshot(page, 'costs-environment-tree');
    await core.getByTestId('cost-tree-service-link').click();

    // core-service's Costs tab: its month, 90 days by resource type, its anomaly with the deploy.
    await page.locator('[data-testid="service-page"][data-id="core-service"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="service-costs"][data-service="core-service"]').waitFor();
    expect(new URL(page.url()).search).toContain('tab=costs');
    await page.getByTestId('service-costs-environment').selectOption('');
    const serviceChart = page.getByTestId('service-costs-chart');
    await serviceChart.waitFor({ timeout: 20_000 });
    expect(await serviceChart.getAttribute('data-points')).toBe('90');
    expect(await page.getByTestId('service-costs-anomalies').locator('[data-testid="cost-anomaly-cause"][data-kind="deployment"]').count()).toBeGreaterThan(0);
    // Its recommendations, each its own, with their saving.
    const recCard = page.getByTestId('service-costs-recommendations');
    await recCard.getByTestId('cost-rec').first().waitFor({ timeout: 20_000 });
    expect(usd(await recCard.getByTestId('service-costs-recommendations-total').innerText())).toBeGreaterThan(0);
    const recIds = await recCard.getByTestId('cost-rec').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')));
    expect(new Set(recIds)).toEqual(new Set(['core-service']));
    const mtd = usd(await page.getByTestId('service-cost-mtd-value').innerText());
    const forecast = usd(await page.getByTestId('service-cost-forecast-value').innerText());
    expect(forecast).toBeGreaterThan(mtd);
    // Without a budget yet, the panel shows what a budget would cover: every environment, even with prod chosen.
    await page.getByTestId('service-costs-environment').selectOption('prod');
    await expect.poll(() => page.getByTestId('service-costs-budget-hint').innerText(), { timeout: 20_000 }).toMatch(/^All environments \(what a budget covers\)/);
    await page.locator('[data-testid="service-cost-mtd"]', { hasText: 'prod' }).waitFor({ timeout: 20_000 });
    expect(usd(await page.getByTestId('service-costs-budget-hint-mtd').innerText())).toBe(mtd);
    expect(usd(await page.getByTestId('service-costs-budget-hint-forecast').innerText())).toBe(forecast);
    expect(usd(await page.getByTestId('service-cost-mtd-value').innerText())).toBeLessThan(mtd);
    expect(await page.locator('body').innerText()).not.toMatch(MISSING_SEPARATOR);
    await page.getByTestId('service-costs-budget').scrollIntoViewIfNeeded();
    await screenshot(page, 'costs-service-no-budget-prod');
    await page.getByTestId('service-costs-environment').selectOption('');
    await page.locator('[data-testid="service-cost-mtd"]', { hasText: 'every environment' }).waitFor({ timeout: 20_000 });

    // A budget above month to date but below the forecast: at risk, breached by forecast.
    const amount = Math.round((mtd + forecast) / 2);
    await page.getByTestId('service-costs-set-budget').click();
    await page.getByTestId('cost-budget-form').waitFor();
    expect(await page.getByTestId('cost-budget-scope-id').inputValue()).toBe('core-service');
    expect(await page.getByTestId('cost-budget-alert').count()).toBe(3);
    // The API's own check shows on its field: an amount of 0 is refused before anything is sent.
    await page.getByTestId('cost-budget-amount').fill('0');
    await page.getByTestId('cost-budget-save').click();
    expect(await page.getByTestId('cost-budget-form').innerText()).toContain('A monthly amount in USD, above 0.');
    await page.getByTestId('cost-budget-amount').fill(String(amount));
    await page.getByTestId('cost-budget-save').click();
    const budget = page.getByTestId('service-costs-budget').getByTestId('cost-budget');
    await budget.waitFor({ timeout: 20_000 });
    expect(await budget.getAttribute('data-state')).toBe('at-risk');
    expect(await budget.getByTestId('cost-budget-state').innerText()).toBe('at risk: breached by forecast');
    expect(await budget.getByTestId('cost-burndown').getAttribute('data-points')).toMatch(/^(28|29|30|31)$/);
    await screenshot(page, 'costs-service-budget');

    // Setting a second one for the same scope is refused (409), said in the dialog.
    await page.goto(`${local.apollo.url}/costs?tab=budgets`);
    const listed = page.locator('[data-testid="cost-budget"][data-id="service.core-service"]');
    await listed.waitFor({ timeout: 20_000 });
    expect(await listed.getAttribute('data-state')).toBe('at-risk');
    await page.getByTestId('cost-budget-new').click();
    await page.getByTestId('cost-budget-scope-id').fill('core-service');
    await page.getByTestId('cost-budget-amount').fill('10');
    await page.getByTestId('cost-budget-save').click();
    await page.getByTestId('cost-budget-form-error').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('cost-budget-form-error').innerText()).toMatch(/409/);
    // The API's 400 details land on their field: a service the catalog does not know.
    await page.getByTestId('cost-budget-scope-id').fill('no-such-service');
    await page.getByTestId('cost-budget-save').click();
    await page.getByText('is not a catalog service').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Raising the amount above the forecast (PUT with If-Match) makes it ok.
    await listed.getByTestId('cost-budget-edit').click();
    await page.getByTestId('cost-budget-amount').fill(String(Math.ceil(forecast * 2)));
    await page.getByTestId('cost-budget-save').click();
    await expect.poll(() => listed.getAttribute('data-state'), { timeout: 20_000 }).toBe('ok');
    await screenshot(page, 'costs-budgets');
    await context.close();
  });

  it('a viewer finds ways to spend less: the saving by kind, the idle storage, and what to do', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/costs');
    await page.getByTestId('costs-tab-recommendations').click({ timeout: 30_000 });
    expect(new URL(page.url()).search).toBe('?tab=recommendations');
    const recs = page.getByTestId('cost-recommendations');
    await recs.waitFor({ timeout: 60_000 });
    expect(await recs.getByTestId('cost-demo-banner').innerText()).toContain('LOCAL demo');
    // One banner on the tab, naming what the last ingest read.
    expect(await page.getByTestId('cost-demo-banner').count()).toBe(1);
    const sources = await recs.getByTestId('cost-recs-sources').locator('li').allInnerTexts();
    expect(sources.some((t) => t.startsWith('LOCAL demo Cost Explorer'))).toBe(true);
    expect(sources.some((t) => t.startsWith('LOCAL FAKE OpenCost'))).toBe(true);
    await recs.getByTestId('cost-rec').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).not.toMatch(MISSING_SEPARATOR);
    const total = usd(await page.getByTestId('cost-recs-total-value').innerText());
    expect(total).toBeGreaterThan(0);
    const rows = recs.getByTestId('cost-rec');
    const kinds = new Set(await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-kind'))));
    expect(kinds.size).toBeGreaterThanOrEqual(4);
    expect(await page.getByTestId('cost-recs-kind').count()).toBe(kinds.size);
    // Sorted by saving, the largest first.
    const savings = (await rows.getByTestId('cost-rec-saving').allInnerTexts()).map(usd);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    expect(savings.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 0);
    await screenshot(page, 'costs-recommendations');

    // Only storage: a volume attached to nothing, and the filter is in the URL.
    const underFloor = async (): Promise<number> => {
      const notes = page.getByTestId('cost-recs-notes');
      return (await notes.count()) ? Number((await notes.innerText()).match(/(\d+) smaller recommendations?/)?.[1] ?? 0) : 0;
    };
    const underFloorEveryKind = await underFloor();
    expect(underFloorEveryKind).toBeGreaterThan(0);
    await page.getByTestId('cost-recs-filter-kind').selectOption('storage');
    await expect.poll(() => new URL(page.url()).search).toBe('?tab=recommendations&kind=storage');
    // The note counts only the storage ones under the floor.
    await expect.poll(underFloor, { timeout: 20_000 }).toBeLessThan(underFloorEveryKind);
    await expect.poll(async () => new Set(await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-kind')))), { timeout: 20_000 }).toEqual(new Set(['storage']));
    const volume = recs.locator('[data-testid="cost-rec"][data-resource^="vol-"]').first();
    await volume.waitFor();

    // Opened, it says how it was worked out and what to do.
    await volume.getByTestId('cost-rec-toggle').click();
    const id = await volume.getAttribute('data-id');
    const detail = recs.locator(`[data-testid="cost-rec-detail"][data-id="${id}"]`);
    await detail.waitFor();
    const action = await detail.getByTestId('cost-rec-action').innerText();
    expect(action).toContain(await volume.getAttribute('data-resource'));
    expect(await detail.getByTestId('cost-rec-copy').isVisible()).toBe(true);
    await screenshot(page, 'costs-recommendations-storage');

    // A saving no recommendation reaches: the empty state, and Clear brings them back.
    await page.getByTestId('cost-recs-filter-service').fill('no-such-service');
    await recs.getByTestId('cost-recs-empty').waitFor();
    await page.getByTestId('cost-recs-clear').click();
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(kinds.size);
    await context.close();
  });

  it('a viewer sees the costs and budgets but cannot set one, and is told why', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/costs?tab=budgets');
    await page.getByTestId('cost-budgets').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('cost-budget-new').isDisabled()).toBe(true);
    expect(await page.getByTestId('cost-budget-locked').innerText()).toContain('costs:manage');
    await context.close();
  });
});
