import { describe, expect, it } from 'vitest';
import type { CostAnomaly, CostBudget, CostSummary } from '../../../../schemas/types.gen.ts';
import {
  anomalyMark, budgetCreateBody, budgetFieldOf, budgetStateText, budgetUpdateBody, budgetValues, burnDownRows, causeHref, costsSearchOf, costsStateFromSearch,
  coverageLines, DEFAULT_ALERTS, environmentSeries, formatChange, formatPercent, formatShare, formatUsd, formatUsdShort, monthRows, serviceCostsHref, sortEnvironmentKeys, validateBudget,
} from './cost-format.ts';

const anomaly = (date: string, service = 'core-service'): CostAnomaly => ({
  id: `a-${date}`, source: 'apollo', date, endDate: null, service, environment: 'prod', awsService: null, actual: 9.8, expected: 5.1, impactPerDay: 4.7, score: 4.2,
  summary: 'core-service in prod rose', causes: [{ kind: 'deployment', id: 'dep-1', at: `${date}T00:00:00Z`, environment: 'prod', summary: 'deploy 1.8.0', by: 'dana', link: '/deployments/dep-1' }], rootCauses: [],
});

const budget = (over: Partial<CostBudget> = {}): CostBudget => ({
  id: 'service.core-service', scope: { type: 'service', id: 'core-service' }, monthlyAmount: 300, alerts: [{ percent: 80, basis: 'actual' }], owners: ['platform'],
  month: '2026-11', monthToDate: 100, forecast: 330, percentUsed: 33.3, forecastPercent: 110, state: 'at-risk', breachedBy: 'forecast',
  burnDown: [
    { date: '2026-11-01', spent: 10, remaining: 290, ideal: 290 },
    { date: '2026-11-02', spent: 20, remaining: 280, ideal: 280 },
  ],
  alertsSent: [], createdAt: '2026-11-02T00:00:00Z', createdBy: 'operator', updatedAt: '2026-11-02T00:00:00Z', version: 1, ...over,
});

describe('money and change', () => {
  it('says cents below $1,000 and whole dollars above', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(9.8)).toBe('$9.80');
    expect(formatUsd(999.994)).toBe('$999.99');
    expect(formatUsd(12_345.6)).toBe('$12,346');
    expect(formatUsd(1240)).toBe('$1,240');
    expect(formatUsd(1_234_567.8)).toBe('$1,234,568');
    expect(formatUsd(-0.001)).toBe('$0.00');
    expect(formatUsd(-42.5)).toBe('-$42.50');
    expect(formatUsdShort(950)).toBe('$950');
    expect(formatUsdShort(1234)).toBe('$1.2K');
  });

  it('signs a change and says "—" when there is nothing to compare with', () => {
    expect(formatChange(12.345)).toBe('+12.3\u00a0%');
    expect(formatChange(-4)).toBe('\u22124.0\u00a0%');
    expect(formatChange(0.01)).toBe('0.0\u00a0%');
    expect(formatChange(null)).toBe('—');
    expect(formatPercent(87.4)).toBe('87\u00a0%');
    expect(formatPercent(null)).toBe('—');
    expect(formatShare(61.84)).toBe('61.8\u00a0%');
    expect(formatShare(null)).toBe('—');
  });
});

describe('commitments', () => {
  it('says each kind on its own line, RIs first, with the on-demand spend it leaves, and "—" for a missing percent', () => {
    // Prepare
    const coverage: CostSummary['coverage'] = [
      { kind: 'savings-plans', start: '2026-11-05', end: '2026-12-05', coveragePercent: 47.25, utilizationPercent: null, onDemandCost: 812.4 },
      { kind: 'reserved-instances', start: '2026-11-05', end: '2026-12-05', coveragePercent: 61.8, utilizationPercent: 92.8, onDemandCost: 1240 },
    ];
    // Act
    const lines = coverageLines(coverage);
    // Assess
    expect(lines).toEqual([
      { kind: 'reserved-instances', start: '2026-11-05', end: '2026-12-05', text: 'Reserved Instances cover 61.8\u00a0% of eligible hours, 92.8\u00a0% of the commitment used', onDemand: '$1,240 on demand not covered' },
      { kind: 'savings-plans', start: '2026-11-05', end: '2026-12-05', text: 'Savings Plans cover 47.3\u00a0% of eligible spend, — of the commitment used', onDemand: '$812.40 on demand not covered' },
    ]);
    expect(coverageLines([])).toEqual([]);
  });
});

describe('the anomaly mark', () => {
  it('says each detector on its own and marks the largest, not the sum', () => {
    // Prepare: the same spike, seen by Apollo and by Cost Anomaly Detection.
    const apollo = { ...anomaly('2026-11-02'), impactPerDay: 3.17 };
    const explorer: CostAnomaly = { ...anomaly('2026-11-02'), id: 'ce-1', source: 'cost-explorer', service: null, environment: null, awsService: 'EC2 compute', impactPerDay: 3.69, summary: 'Cost Anomaly Detection flagged EC2 compute', causes: [] };
    // Act
    const mark = anomalyMark([apollo, explorer]);
    // Assess
    expect(mark).toEqual({
      label: '▲ +$3.69/day',
      lines: [
        { id: 'ce-1', text: 'Cost Anomaly Detection: EC2 compute +$3.69/day', summary: 'Cost Anomaly Detection flagged EC2 compute' },
        { id: apollo.id, text: 'Apollo: core-service in prod +$3.17/day', summary: 'core-service in prod rose' },
      ],
    });
    expect(anomalyMark([{ ...explorer, awsService: null, rootCauses: [{ service: 'Amazon Elastic Compute Cloud - Compute', region: 'eu-west-1' }] }])?.lines[0]?.text)
      .toBe('Cost Anomaly Detection: Amazon Elastic Compute Cloud - Compute +$3.69/day');
    expect(anomalyMark([])).toBeNull();
  });
});

describe('the daily chart', () => {
  it('stacks every environment any day has (prod first, untagged last), fills gaps with 0, puts anomalies on their day', () => {
    // Prepare
    const daily: CostSummary['daily'] = [
      { date: '2026-11-02', total: 7, estimated: true, byEnvironment: { dev: 1, prod: 5, untagged: 1 } },
      { date: '2026-11-01', total: 6, estimated: false, byEnvironment: { prod: 4, staging: 2 } },
    ];
    // Act
    const { keys, rows } = environmentSeries({ daily }, [anomaly('2026-11-02'), anomaly('2026-10-01')]);
    // Assess
    expect(keys).toEqual(['prod', 'staging', 'dev', 'untagged']);
    expect(rows.map((r) => [r.date, r.prod, r.staging, r.dev, r.untagged, r.total, r.anomalies.length])).toEqual([
      ['2026-11-01', 4, 2, 0, 0, 6, 0],
      ['2026-11-02', 5, 0, 1, 1, 7, 1],
    ]);
    expect(sortEnvironmentKeys(['untagged', 'qa', 'prod', 'alpha'])).toEqual(['prod', 'alpha', 'qa', 'untagged']);
  });

  it('draws the month to date, then the forecast and its band from the last day with data to month end', () => {
    const daily = [{ date: '2026-10-31', total: 99 }, { date: '2026-11-01', total: 10 }, { date: '2026-11-02', total: 20 }];
    const rows = monthRows(daily, '2026-11', { monthEnd: 30 + 28 * 10, lower: 30 + 28 * 5, upper: 30 + 28 * 20 });
    expect(rows).toHaveLength(30);
    expect(rows[0]).toMatchObject({ date: '2026-11-01', actual: 10, forecast: null, band: null });
    expect(rows[1]).toMatchObject({ actual: 30, forecast: 30, band: [30, 30] });
    expect(rows[2]).toMatchObject({ actual: null, forecast: 40, band: [35, 50] });
    expect(rows[29]).toMatchObject({ date: '2026-11-30', actual: null, forecast: 310, band: [170, 590] });
    expect(monthRows(daily, '2026-11', null).filter((r) => r.forecast !== null)).toEqual([]);
  });
});

describe('budgets', () => {
  it('burns down: the days so far, then the ideal to zero and the forecast to amount − forecast at month end', () => {
    const rows = burnDownRows(budget());
    expect(rows).toHaveLength(30);
    expect(rows[1]).toEqual({ date: '2026-11-02', label: '2', remaining: 280, ideal: 280, projected: 280 });
    expect(rows[29]).toEqual({ date: '2026-11-30', label: '30', remaining: null, ideal: 0, projected: -30 });
  });

  it('names the state as the tag says it', () => {
    expect(budgetStateText(budget()).label).toBe('at risk: breached by forecast');
    expect(budgetStateText(budget({ state: 'breached', breachedBy: 'actual' })).intent).toBe('danger');
    expect(budgetStateText(budget({ state: 'ok', breachedBy: null })).label).toBe('ok');
  });

  it('checks the form, sends what it says, and only what changed on edit', () => {
    const fresh = budgetValues(null, { type: 'service', id: 'core-service' });
    expect(fresh.alerts).toEqual(DEFAULT_ALERTS);
    expect(validateBudget(fresh, true)).toEqual({ monthlyAmount: 'A monthly amount in USD, above 0.' });
    expect(validateBudget({ ...fresh, scopeId: 'Core', monthlyAmount: '120', alerts: [{ percent: '80', basis: 'actual' }, { percent: '80', basis: 'actual' }] }, true))
      .toEqual({ scopeId: 'Choose the service: lowercase letters, digits and dashes.', alerts: 'Each alert once.' });
    expect(budgetCreateBody({ ...fresh, monthlyAmount: '120.5' })).toEqual({
      scope: { type: 'service', id: 'core-service' }, monthlyAmount: 120.5,
      alerts: [{ percent: 80, basis: 'actual' }, { percent: 100, basis: 'actual' }, { percent: 100, basis: 'forecast' }],
    });
    const b = budget();
    expect(budgetUpdateBody(b, budgetValues(b))).toEqual({});
    expect(budgetUpdateBody(b, { ...budgetValues(b), monthlyAmount: '350' })).toEqual({ monthlyAmount: 350 });
  });

  it("maps the API's field paths onto the form's fields", () => {
    expect(budgetFieldOf('/body/scope/id')).toBe('scopeId');
    expect(budgetFieldOf('/body/scope/type')).toBe('scopeType');
    expect(budgetFieldOf('/body/alerts/1/percent')).toBe('alerts');
    expect(budgetFieldOf('/body/monthlyAmount')).toBe('monthlyAmount');
    expect(budgetFieldOf('/body/extra')).toBeUndefined();
  });
});

describe('links and the URL', () => {
  it('opens a cause and a service’s Costs tab', () => {
    const cause = anomaly('2026-11-02').causes[0]!;
    expect(causeHref(cause)).toBe('/deployments/dep-1');
    expect(causeHref({ ...cause, kind: 'request', id: 'r 1', link: '' })).toBe('/requests/r%201');
    expect(serviceCostsHref('core-service', 'prod')).toBe('/catalog/core-service?tab=costs&environment=prod');
  });

  it('reads and writes the tab and environment', () => {
    expect(costsStateFromSearch('')).toEqual({ tab: 'overview' });
    expect(costsStateFromSearch('?tab=environments&environment=prod')).toEqual({ tab: 'environments', environment: 'prod' });
    expect(costsStateFromSearch('?tab=nope&environment=Bad!')).toEqual({ tab: 'overview' });
    expect(costsSearchOf({ tab: 'environments', environment: 'prod' })).toBe('?tab=environments&environment=prod');
    expect(costsSearchOf({ tab: 'budgets', environment: 'prod' })).toBe('?tab=budgets');
    expect(costsStateFromSearch('?tab=recommendations&kind=storage')).toEqual({ tab: 'recommendations' });
  });
});

describe('recentMonths', () => {
  it('is this month and the three before it, across a year', async () => {
    const { recentMonths } = await import('./cost-format.ts');
    expect(recentMonths(new Date('2027-02-01T06:00:00Z'))).toEqual(['2027-02', '2027-01', '2026-12', '2026-11']);
  });
});
