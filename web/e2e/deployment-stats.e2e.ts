/**
 * Deployment statistics in a real browser against the local runtime (issue 15's "the stats page shows the DORA
 * numbers"): on a fresh `npm start` the demo history is there, so a viewer goes from the Deploy Center to the stats
 * page and sees the four DORA tiles with numbers and bands, the failed-deployment rate against its 5 % target, the
 * trends and a row per service; filtering to prod and a team and grouping per environment goes into the URL and
 * survives a reload; a range with nothing in it says so.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const tile = (page: Page, key: string) => page.locator(`[data-testid="dora-tile"][data-key="${key}"]`);
const tileValue = (page: Page, key: string) => tile(page, key).getByTestId('dora-value').innerText();

describe('deployment statistics', () => {
  it('a viewer opens the stats page from the Deploy Center and reads the DORA numbers of the demo history, filtered in the URL', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const viewer = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/deployments');
    await viewer.getByTestId('deploy-center-stats').click();
    await expect.poll(() => new URL(viewer.url()).pathname, { timeout: 10_000 }).toBe('/deployments/stats');
    await viewer.getByTestId('dora-tiles').waitFor({ timeout: 30_000 });

    // The four keys, each with a number and its DORA band; the failed-deployment rate against its target.
    for (const key of ['deploymentFrequency', 'leadTime', 'changeFailureRate', 'timeToRestore']) {
      expect(await tileValue(viewer, key), key).toMatch(/\d/);
      expect(await tile(viewer, key).getAttribute('data-band'), key).toMatch(/^(elite|high|medium|low)$/);
    }
    expect(await tileValue(viewer, 'deploymentFrequency')).toMatch(/a (day|week)$/);
    expect(await tileValue(viewer, 'changeFailureRate')).toMatch(/^\d+(\.\d)? %$/);
    expect(await tileValue(viewer, 'failedDeploymentRate')).toMatch(/^\d+(\.\d)? %$/);
    expect(await tile(viewer, 'failedDeploymentRate').innerText()).toContain('target < 5 %');
    expect(await tile(viewer, 'failedDeploymentRate').getAttribute('data-meets-target')).toMatch(/^(true|false)$/);
    // The trend over the last 30 days' buckets, and a row per demo service.
    expect(Number(await viewer.getByTestId('trend-deployments').getAttribute('data-buckets'))).toBeGreaterThanOrEqual(30);
    expect(await viewer.getByTestId('stats-row').count()).toBeGreaterThan(5);
    expect(await viewer.locator('[data-testid="stats-row"][data-key="core-service"]').count()).toBe(1);
    await screenshot(viewer, 'deployment-stats');

    // Filters go into the URL: prod, the platform team, a table per environment; a reload keeps them.
    await viewer.getByTestId('stats-environment').selectOption('prod');
    await viewer.getByTestId('stats-team').selectOption('platform');
    await viewer.getByTestId('stats-group-by').selectOption('environment');
    await expect.poll(() => new URL(viewer.url()).search).toBe('?team=platform&environment=prod&groupBy=environment');
    await expect.poll(() => viewer.getByTestId('stats-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))), { timeout: 20_000 }).toEqual(['prod']);
    await viewer.reload();
    await viewer.getByTestId('dora-tiles').waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('stats-environment').inputValue()).toBe('prod');
    expect(await tileValue(viewer, 'leadTime')).toMatch(/\d/);

    // A service with no deployments in the range (nothing deployed to a made-up one): the empty state.
    await viewer.goto(`${local.apollo.url}/deployments/stats?service=no-such-service&range=7d`);
    await viewer.getByTestId('stats-empty').waitFor({ timeout: 20_000 });
    expect(await viewer.getByTestId('dora-tiles').count()).toBe(0);
    await context.close();
  });
});
