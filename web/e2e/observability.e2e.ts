/**
 * The Observability hub in a real browser against the local runtime (issue 16's "done when"): a viewer opens
 * core-service's Logs tab in prod, finds the HikariCP pool exhaustion in the SIMULATED demo logs with the text and
 * level filters (in the URL, kept on reload), then its Metrics tab: the error-rate series with the last deploy marked
 * (its tooltip and link), opens a trace from a log line as a waterfall, and follows a deep link whose href carries
 * the range.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

const messages = (page: Page) => page.getByTestId('log-message').allInnerTexts();

describe('the observability hub', () => {
  it('a viewer finds core-service\'s HikariCP errors in prod on its Logs tab', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const viewer = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/catalog/core-service');
    await viewer.getByTestId('service-tab-logs').click();
    await expect.poll(() => new URL(viewer.url()).search).toBe('?tab=logs');
    await viewer.getByTestId('service-logs').waitFor();
    expect(await viewer.getByTestId('obs-environment').inputValue()).toBe('prod');
    await viewer.getByTestId('log-line').first().waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('obs-simulated').first().innerText()).toBe('SIMULATED');

    // The text filter and the level go into the URL; only the pool's errors remain.
    await viewer.getByTestId('logs-q').fill('HikariPool');
    await viewer.getByTestId('logs-q').press('Enter');
    await viewer.getByTestId('logs-level').selectOption('ERROR');
    await expect.poll(() => new URL(viewer.url()).search).toBe('?tab=logs&level=ERROR&q=HikariPool');
    await expect.poll(async () => (await messages(viewer)).length, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await messages(viewer)).every((m) => /HikariPool/.test(m))).toBe(true);
    expect((await messages(viewer)).some((m) => /Connection is not available/.test(m))).toBe(true);
    expect(await viewer.getByTestId('log-line').evaluateAll((rows) => rows.every((r) => r.getAttribute('data-level') === 'ERROR'))).toBe(true);
    await screenshot(viewer, 'observability-logs');

    // The Logs Insights box: the query starts (202), is read again until Complete, with its statistics and rows.
    await viewer.getByTestId('insights-toggle').click();
    await viewer.getByTestId('insights-query').fill('fields @timestamp, @message | filter @message like /HikariPool/ | sort @timestamp desc | limit 5');
    await viewer.getByTestId('insights-run').click();
    await expect.poll(() => viewer.getByTestId('insights-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('Complete');
    expect(await viewer.getByTestId('insights-row').count()).toBe(5);
    expect(await viewer.getByTestId('insights-results').innerText()).toContain('Connection is not available');
    expect(await viewer.getByTestId('insights-statistics').innerText()).toMatch(/\d+ matched/);
    await screenshot(viewer, 'observability-insights');
    // A query the API refuses shows its problem.
    await viewer.getByTestId('insights-query').fill('stats nonsense((');
    await viewer.getByTestId('insights-run').click();
    await viewer.getByTestId('logs-insights').getByTestId('obs-error').waitFor({ timeout: 20_000 });

    // A reload keeps the filters; nothing matching shows the empty state.
    await viewer.reload();
    await viewer.getByTestId('log-line').first().waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('logs-q').inputValue()).toBe('HikariPool');
    await viewer.getByTestId('logs-q').fill('no-such-words-anywhere');
    await viewer.getByTestId('logs-q').press('Enter');
    await viewer.getByTestId('logs-empty').waitFor({ timeout: 20_000 });

    // A filter the API refuses (quotes are not allowed in it) shows the problem with its field path.
    await viewer.getByTestId('logs-q').fill('say "hi"');
    await viewer.getByTestId('logs-q').press('Enter');
    const problem = viewer.getByTestId('logs-search').getByTestId('obs-error');
    await problem.waitFor({ timeout: 20_000 });
    expect(await problem.innerText()).toMatch(/400[\s\S]*\/query\/q/);
    await viewer.getByTestId('logs-q').fill('no-such-words-anywhere');
    await viewer.getByTestId('logs-q').press('Enter');
    await viewer.getByTestId('logs-empty').waitFor({ timeout: 20_000 });

    // A deep link carries the environment's log group, the range and the filters in view; a console Apollo is not
    // configured for (locally: Grafana, Jaeger, Axiom) is a disabled button with the API's reason.
    const cloudwatch = viewer.locator('[data-testid="deep-link"][data-target="cloudwatch"]');
    await expect.poll(() => cloudwatch.getAttribute('href'), { timeout: 20_000 }).toMatch(/^https:\/\/.*console\.aws\.amazon\.com\/cloudwatch\//);
    const href = decodeURIComponent((await cloudwatch.getAttribute('href'))!.replace(/\*/g, '%').replace(/\$/g, '%')).replace(/%/g, '');
    expect(href).toContain('apollo/prod/core-service');
    expect(href).toMatch(/start.*\d{4}-\d{2}-\d{2}T/);
    expect(href).toContain('no-such-words-anywhere');
    const grafana = viewer.locator('[data-testid="deep-link"][data-target="grafana"]');
    await expect.poll(() => grafana.getAttribute('data-reason'), { timeout: 20_000 }).toMatch(/not configured/);
    await grafana.focus();
    await viewer.locator('.bp6-tooltip').filter({ hasText: 'not configured' }).waitFor();
    await context.close();
  });

  it('a viewer sees the error rate on core-service\'s Metrics tab in prod with the last deploy marked', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const viewer = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/catalog/core-service?tab=metrics&range=7d');
    await viewer.getByTestId('metrics-dashboard').waitFor({ timeout: 30_000 });
    const errorRate = viewer.locator('[data-testid="metrics-chart"][data-metric="errorRate"]');
    expect(Number(await errorRate.getAttribute('data-points'))).toBeGreaterThan(10);
    await errorRate.locator('.recharts-line-curve').first().waitFor();
    const markers = errorRate.getByTestId('metrics-marker');
    expect(await markers.count()).toBeGreaterThan(0);
    const latest = errorRate.locator('[data-testid="metrics-marker"][data-latest="true"]');
    expect(await latest.count()).toBe(1);
    await latest.focus();
    await viewer.getByTestId('metrics-marker-tip').waitFor();
    expect(await viewer.getByTestId('metrics-marker-tip').innerText()).toMatch(/\S/);
    await screenshot(viewer, 'observability-metrics');
    const id = await latest.getAttribute('data-id');
    await latest.press('Enter');
    await expect.poll(() => new URL(viewer.url()).pathname).toBe(`/deployments/${id}`);
    await context.close();
  });

  it('a viewer picks core-service on the Observability page, live-tails its logs and opens a recent slow trace as a waterfall', { timeout: 180_000 }, async () => {
    const context = await newContext(local.browser);
    const viewer = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/');
    await viewer.locator('nav[aria-label="Areas"]').getByText('Observability').click();
    await viewer.getByTestId('obs-pick-service').waitFor();
    await expect.poll(() => viewer.getByTestId('obs-service').locator('option').count(), { timeout: 20_000 }).toBeGreaterThan(5);
    await viewer.getByTestId('obs-service').selectOption('core-service');
    await expect.poll(() => new URL(viewer.url()).search).toBe('?service=core-service');
    expect(await viewer.getByTestId('obs-environment').inputValue()).toBe('prod');
    await viewer.getByTestId('log-line').first().waitFor({ timeout: 30_000 });

    // Live tail appends the lines written after the search, every few seconds (the demo writes one every 2 s).
    const before = await viewer.getByTestId('log-line').count();
    const tail = viewer.getByRole('checkbox', { name: 'Live tail' });
    await tail.focus();
    await viewer.keyboard.press('Space');
    expect(await tail.isChecked()).toBe(true);
    await expect.poll(() => viewer.getByTestId('log-line').count(), { timeout: 20_000, interval: 1_000 }).toBeGreaterThan(before);
    // The hour has more lines than the first page: the tailed ones follow a note that the rest is not loaded yet.
    expect(await viewer.getByTestId('logs-more').count()).toBe(1);
    expect(await viewer.getByTestId('logs-gap').count()).toBe(1);
    await viewer.keyboard.press('Space');
    expect(await tail.isChecked()).toBe(false);

    // The Traces view lists the service's recent slow traces; the newest opens as a waterfall (core-service waiting on its pool).
    await viewer.getByTestId('obs-tab-traces').click();
    await viewer.getByTestId('trace-none').waitFor();
    await viewer.getByTestId('trace-row').first().waitFor({ timeout: 20_000 });
    const traceId = await viewer.getByTestId('trace-row-link').first().innerText();
    await viewer.getByTestId('trace-row-link').first().click();
    await expect.poll(() => new URL(viewer.url()).searchParams.get('trace')).toBe(traceId);
    await viewer.getByTestId('trace-waterfall').waitFor({ timeout: 20_000 });
    expect(Number(await viewer.getByTestId('trace-waterfall').getAttribute('data-spans'))).toBeGreaterThan(2);
    expect(await viewer.getByTestId('trace-waterfall').innerText()).toContain('HikariPool-1.getConnection');
    expect(await viewer.getByTestId('trace-span').evaluateAll((rows) => rows.filter((r) => r.getAttribute('data-depth') !== '0').length)).toBeGreaterThan(0);
    // X-Ray's deep link opens this trace (Jaeger is not configured locally).
    await expect.poll(() => viewer.locator('[data-testid="deep-link"][data-target="xray"]').getAttribute('href'), { timeout: 20_000 }).toContain(traceId);
    await screenshot(viewer, 'observability-trace');
    await context.close();
  });
});
