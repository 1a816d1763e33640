/**
 * `apollo costs …` against the local runtime in-process, after the cost-ingest job has read the LOCAL demo
 * source: money with its currency, the breakdowns as tables, the figures labelled simulated, the API's own
 * shapes with -o json, exit codes per error class.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostService, CostSummary } from '#schemas/index.ts';
import { runCostIngest } from '../../functions/costs/ingest.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';
import { money, percent } from './costs.ts';

let c: CliHarness;
beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
  // What `npm start` schedules: the figures the API reads.
  expect(await runCostIngest()).toMatchObject({ status: 'succeeded', source: 'local-demo' });
}, 60_000);
afterAll(() => c.close());

/** The row of a table that starts with `first` (its cells split on runs of two spaces or more). */
const rowOf = (stdout: string, first: string): string[] | undefined => stdout.split('\n').find((l) => l.startsWith(`${first} `))?.split(/\s{2,}/);

describe('apollo costs', () => {
  it('formats money with its currency and changes with their sign', () => {
    expect(money(1234.5, 'USD')).toBe('$1,234.50');
    expect(money(-3, 'USD')).toBe('-$3.00');
    expect(money(7, 'EUR')).toBe('€7.00');
    expect([percent(12.345), percent(-4), percent(0), percent(null)]).toEqual(['+12.3 %', '-4 %', '0 %', '-']);
  });

  it('summarizes the month: the figures, the forecast, by environment and top services, labelled simulated', async () => {
    const json = await c.run(['costs', 'summary', '-o', 'json'], { role: 'viewer' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const s = json.json<CostSummary>();
    expectRouteShape('GET', '/api/v1/costs/summary', s);
    expect(s).toMatchObject({ simulated: true, source: 'local-demo', currency: 'USD' });

    const table = await c.run(['costs', 'summary'], { role: 'viewer' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    expect(table.stdout).toMatch(new RegExp(`^month to date\\s+\\${money(s.monthToDate, 'USD')}$`, 'm'));
    expect(table.stdout).toMatch(/^forecast\s+\$[\d,]+\.\d\d at month end \(80 % interval \$[\d,.]+ to \$[\d,.]+; (trailing-average|cost-explorer)\)$/m);
    expect(table.stdout).toMatch(/^source\s+local-demo \(simulated: the local runtime's generated demo spend, not AWS Cost Explorer\)$/m);
    expect(table.stdout).toMatch(/^ENVIRONMENT\s+MONTH TO DATE\s+LAST MONTH TO DATE\s+CHANGE\s+FORECAST$/m);
    expect(table.stdout).toMatch(/^SERVICE\s+TEAM\s+MONTH TO DATE\s+LAST MONTH TO DATE\s+CHANGE$/m);
    const prod = s.byEnvironment.find((e) => e.environment === 'prod')!;
    expect(rowOf(table.stdout, 'prod')).toEqual(['prod', money(prod.monthToDate, 'USD'), money(prod.lastMonthToDate, 'USD'), percent(prod.changePercent), money(prod.forecast, 'USD')]);
    const top = s.topServices[0]!;
    expect(rowOf(table.stdout, top.service)?.slice(0, 3)).toEqual([top.service, top.team ?? '-', money(top.monthToDate, 'USD')]);

    const week = (await c.run(['costs', 'summary', '--days', '7', '-o', 'json'])).json<CostSummary>();
    expect(week.daily).toHaveLength(7);
  });

  it('shows one service by environment and by resource type, with its anomaly', async () => {
    const json = await c.run(['costs', 'service', 'core-service', '-o', 'json'], { role: 'viewer' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const s = json.json<CostService>();
    expectRouteShape('GET', '/api/v1/costs/services/core-service', s);
    expect(s).toMatchObject({ service: 'core-service', inCatalog: true, simulated: true, environment: null });

    const table = await c.run(['costs', 'service', 'core-service'], { role: 'viewer' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^service\s+core-service \(team platform\)$/m);
    expect(table.stdout).toMatch(new RegExp(`^month to date\\s+\\${money(s.monthToDate, 'USD')}$`, 'm'));
    expect(table.stdout).toMatch(/^anomalies\s+\d{4}-\d\d-\d\d: core-service in prod rose to \$/m);
    expect(table.stdout).toMatch(/^source\s+local-demo \(simulated/m);
    expect(table.stdout).toMatch(/^ENVIRONMENT\s+MONTH TO DATE\s+SHARE$/m);
    expect(table.stdout).toMatch(/^RESOURCE TYPE\s+MONTH TO DATE\s+SHARE$/m);
    const [type, amount] = Object.entries(s.byResourceType).sort(([, a], [, b]) => b - a)[0]!;
    expect(rowOf(table.stdout, type)?.slice(0, 2)).toEqual([type, money(amount, 'USD')]);

    const prod = (await c.run(['costs', 'service', 'core-service', '--env', 'prod', '-o', 'yaml'])).stdout;
    expect(prod).toMatch(/^environment: prod$/m);
    expect(prod).toMatch(/^simulated: true$/m);
  });

  it('refuses with the error\'s class: not found (4), bad input (2)', async () => {
    const missing = await c.run(['costs', 'service', 'no-such-service']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('no service no-such-service in the catalog');
    const env = await c.run(['costs', 'service', 'core-service', '--env', 'moon']);
    expect(env.code).toBe(EXIT.notFound);
    expect((await c.run(['costs', 'summary', '--days', '3'])).code).toBe(EXIT.usage);
    const badEnv = await c.run(['costs', 'service', 'core-service', '--env', 'Prod!']);
    expect(badEnv.code).toBe(EXIT.usage);
    expect(badEnv.stderr).toContain('/query/environment');
  });

  it('prints help with examples', async () => {
    for (const command of ['summary', 'service']) {
      const help = await c.run(['costs', command, '--help']);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain('Examples:\n  $ apollo costs');
    }
  });
});
