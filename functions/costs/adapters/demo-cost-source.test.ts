/**
 * The local runtime's demo Cost Explorer: a generated history that answers as Cost Explorer does (no
 * future, recent days estimated then revised, billed requests) and shows the demo deploy's anomaly.
 */
import { describe, expect, it } from 'vitest';
import type { CostLine } from '../ports.ts';
import { AWS, DemoCostSource, demoDailyCost, type DemoCostAnomaly, type DemoCostService } from './demo-cost-source.ts';

const ALL = ['prod', 'staging', 'dev'] as const;
/** The catalog local/demo-services.ts passes. */
const SERVICES: readonly DemoCostService[] = [
  { service: 'core-service', team: 'platform', environments: ALL, kind: 'app', size: 'large' },
  { service: 'notification-service', team: 'growth', environments: ALL, kind: 'app' },
  { service: 'violations-service', team: 'payments', environments: ALL, kind: 'app' },
  { service: 'frontend', team: 'growth', environments: ALL, kind: 'app' },
  { service: 'api-gateway', team: 'platform', environments: ALL, kind: 'app', size: 'medium' },
  { service: 'auth-service', team: 'platform', environments: ALL, kind: 'app' },
  { service: 'billing-service', team: 'payments', environments: ALL, kind: 'app', size: 'medium' },
  { service: 'search-service', team: 'data', environments: ALL, kind: 'app' },
  { service: 'reporting-worker', team: 'data', environments: ALL, kind: 'app' },
  { service: 'recommendations', team: 'growth', environments: ['staging', 'dev'], kind: 'app' },
  { service: 'postgres', team: 'platform', environments: ALL, kind: 'rds', size: 'large' },
  { service: 'redis', team: 'platform', environments: ALL, kind: 'elasticache' },
  { service: 'kafka', team: 'platform', environments: ['prod', 'staging'], kind: 'msk', size: 'medium' },
];
/** Saturday 5 December 2026, mid-morning: the 3rd and 4th are still estimated. */
const NOW = Date.parse('2026-12-05T10:00:00Z');
const DEPLOY: DemoCostAnomaly = { service: 'core-service', environment: 'prod', from: '2026-11-20', factor: 2 };

const source = (options: { now?: number; anomaly?: DemoCostAnomaly | null } = {}) =>
  new DemoCostSource({ services: SERVICES, now: () => options.now ?? NOW, anomaly: async () => options.anomaly ?? null });
const sum = (lines: readonly CostLine[]): number => lines.reduce((total, line) => total + line.cost, 0);
const key = (line: CostLine): string => `${line.date}#${line.environment}#${line.service}#${line.awsService}`;
const days = (start: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));

describe('the demo Cost Explorer', () => {
  it('says it is the local demo, not AWS', () => {
    // Prepare
    const demo = source();
    // Assess
    expect(demo.simulated).toBe(true);
    expect(demo.label).toBe('LOCAL demo Cost Explorer (generated spend for the demo services, not AWS)');
  });

  it('gives 90 days of lines for every day, environment and service that runs there, plus the untagged', async () => {
    // Act
    const lines = await source().costs({ start: '2026-09-04', end: '2026-12-03' }, ALL);
    // Assess
    const expectedDays = days('2026-09-04', 90);
    expect([...new Set(lines.map((l) => l.date))]).toEqual(expectedDays);
    for (const date of expectedDays) {
      const ofDay = lines.filter((l) => l.date === date);
      expect(new Set(ofDay.map((l) => l.environment))).toEqual(new Set(['prod', 'staging', 'dev', null]));
      for (const env of ALL) {
        const running = SERVICES.filter((s) => s.environments.includes(env)).map((s) => s.service);
        expect(new Set(ofDay.filter((l) => l.environment === env && l.service !== null).map((l) => l.service))).toEqual(new Set(running));
        expect(ofDay.find((l) => l.environment === env && l.awsService === AWS.eks)).toMatchObject({ service: null, cost: 2.4, usageQuantity: 24, usageUnit: 'Hrs' });
      }
      expect(ofDay.filter((l) => l.environment === null).map((l) => l.awsService).sort()).toEqual([AWS.dataTransfer, AWS.ec2Other, AWS.s3].sort());
    }
    expect(lines.filter((l) => l.service === 'core-service' && l.date === '2026-10-01').map((l) => l.awsService)).toEqual([
      AWS.compute, AWS.ec2Other, AWS.elb, AWS.compute, AWS.ec2Other, AWS.elb, AWS.compute, AWS.ec2Other, AWS.elb,
    ]);
    expect(lines.find((l) => l.service === 'postgres')?.awsService).toBe(AWS.rds);
    expect(lines.every((l) => l.cost > 0 && l.cost === Math.round(l.cost * 1e4) / 1e4)).toBe(true);
  });

  it('gives the same figures on every call and every machine', async () => {
    // Act
    const first = await source().costs({ start: '2026-10-01', end: '2026-11-01' }, ALL);
    const second = await source({ now: NOW + 3 * 86_400_000 }).costs({ start: '2026-10-01', end: '2026-11-01' }, ALL);
    // Assess
    expect(second).toEqual(first);
    expect(new Set(first.map((l) => l.cost)).size).toBeGreaterThan(first.length / 2);
  });

  it('costs less in dev at weekends, when the dev cluster scales down', async () => {
    // Act
    const lines = await source().costs({ start: '2026-10-05', end: '2026-11-02' }, ['dev']);
    // Assess
    const dev = lines.filter((l) => l.environment === 'dev');
    const weekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
    const perDay = (pick: (date: string) => boolean) => {
      const chosen = dev.filter((l) => pick(l.date));
      return sum(chosen) / new Set(chosen.map((l) => l.date)).size;
    };
    expect(perDay(weekend)).toBeLessThan(perDay((d) => !weekend(d)) * 0.9);
  });

  it('grows: a month costs more than the month before it', async () => {
    // Act
    const october = sum(await source().costs({ start: '2026-10-01', end: '2026-10-29' }, ALL));
    const november = sum(await source().costs({ start: '2026-11-01', end: '2026-11-29' }, ALL));
    // Assess
    expect(november / october).toBeGreaterThan(1.03);
    expect(november / october).toBeLessThan(1.09);
  });

  it('prices prod as the allocation tree does, with the untagged a few percent of the total', async () => {
    // Act
    const lines = await source({ anomaly: DEPLOY }).costs({ start: '2026-10-20', end: '2026-11-19' }, ALL);
    // Assess
    const prod = (service: string) => sum(lines.filter((l) => l.environment === 'prod' && l.service === service));
    expect(prod('core-service')).toBeGreaterThan(120);
    expect(prod('core-service')).toBeLessThan(180);
    expect(prod('notification-service')).toBeGreaterThan(64);
    expect(prod('notification-service')).toBeLessThan(96);
    expect(prod('postgres')).toBeGreaterThan(160);
    expect(prod('postgres')).toBeLessThan(240);
    const staging = sum(lines.filter((l) => l.environment === 'staging' && l.service === 'core-service'));
    expect(staging / prod('core-service')).toBeCloseTo(0.4, 1);
    const untagged = sum(lines.filter((l) => l.environment === null)) / sum(lines);
    expect(untagged).toBeGreaterThan(0.05);
    expect(untagged).toBeLessThan(0.1);
  });

  it('raises the deployed service\'s compute and EBS by the factor from the anomaly\'s first day, and nothing else', async () => {
    // Act
    const range = { start: '2026-11-13', end: '2026-11-27' };
    const raised = await source({ anomaly: DEPLOY }).costs(range, ALL);
    const usual = await source().costs(range, ALL);
    // Assess
    const coreProd = (awsService: string, from: string, to: string) =>
      sum(raised.filter((l) => l.environment === 'prod' && l.service === 'core-service' && l.awsService === awsService && l.date >= from && l.date < to));
    for (const awsService of [AWS.compute, AWS.ec2Other]) {
      const ratio = coreProd(awsService, '2026-11-20', '2026-11-27') / coreProd(awsService, '2026-11-13', '2026-11-20');
      expect(ratio).toBeGreaterThan(1.85);
      expect(ratio).toBeLessThan(2.2);
    }
    const changed = raised.filter((line, i) => line.cost !== usual[i]!.cost).map((l) => `${l.date} ${l.awsService}`);
    const affected = days('2026-11-20', 7).flatMap((d) => [`${d} ${AWS.compute}`, `${d} ${AWS.ec2Other}`]);
    expect(raised.map(key)).toEqual(usual.map(key));
    expect(changed).toEqual(affected);
    expect(raised.filter((line, i) => line.cost !== usual[i]!.cost).every((l) => l.service === 'core-service' && l.environment === 'prod')).toBe(true);
    expect(demoDailyCost({ services: SERVICES }, '2026-11-21', 'prod', 'core-service', DEPLOY)).toBeCloseTo(sum(raised.filter((l) => l.date === '2026-11-21' && l.environment === 'prod' && l.service === 'core-service')), 3);
  });

  it('reports the anomaly as Cost Anomaly Detection does, only when it starts in the range', async () => {
    // Prepare
    const demo = source({ anomaly: DEPLOY });
    const raised = await demo.costs({ start: '2026-11-20', end: '2026-12-05' }, ['prod']);
    const usual = await source().costs({ start: '2026-11-20', end: '2026-12-05' }, ['prod']);
    const extra = raised.map((line, i) => line.cost - usual[i]!.cost);
    // Act
    const inRange = await demo.anomalies({ start: '2026-11-15', end: '2026-11-25' });
    const before = await demo.anomalies({ start: '2026-11-01', end: '2026-11-20' });
    const after = await demo.anomalies({ start: '2026-11-21', end: '2026-12-05' });
    const again = await demo.anomalies({ start: '2026-11-20', end: '2026-11-21' });
    // Assess
    expect(before).toEqual([]);
    expect(after).toEqual([]);
    expect(inRange).toEqual([{
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/),
      startDate: '2026-11-20',
      endDate: null,
      dimensionValue: AWS.compute,
      rootCauses: [{ service: AWS.compute, region: 'us-east-1', usageType: 'BoxUsage:m6i.xlarge', linkedAccount: '000000000000' }],
      totalImpact: expect.closeTo(extra.reduce((a, b) => a + b, 0), 1),
      maxImpact: expect.closeTo(Math.max(...days('2026-11-20', 15).map((d) => extra.filter((_, i) => raised[i]!.date === d).reduce((a, b) => a + b, 0))), 1),
      totalActual: expect.any(Number),
      totalExpected: expect.any(Number),
      score: 80,
      feedback: null,
    }]);
    expect(inRange[0]!.totalActual! - inRange[0]!.totalExpected!).toBeCloseTo(inRange[0]!.totalImpact, 1);
    expect(again[0]!.id).toBe(inRange[0]!.id);
    expect(await source().anomalies({ start: '2026-11-15', end: '2026-11-25' })).toEqual([]);
  });

  it('marks the last 2 complete days estimated, and revises them up once they are final', async () => {
    // Prepare
    const range = { start: '2026-12-01', end: '2026-12-05' };
    // Act
    const today = await source().costs(range, ALL);
    const later = await source({ now: NOW + 3 * 86_400_000 }).costs(range, ALL);
    // Assess
    const estimatedDays = [...new Set(today.filter((l) => l.estimated).map((l) => l.date))];
    expect(estimatedDays).toEqual(['2026-12-03', '2026-12-04']);
    expect(today.filter((l) => l.date < '2026-12-03').every((l) => !l.estimated)).toBe(true);
    expect(later.every((l) => !l.estimated)).toBe(true);
    expect(later.map(key)).toEqual(today.map(key));
    for (const [i, line] of today.entries()) {
      if (line.estimated) expect(line.cost).toBeCloseTo(later[i]!.cost * 0.97, 3);
      else expect(line.cost).toBe(later[i]!.cost);
    }
  });

  it('has no line for today or any day after it', async () => {
    // Act
    const lines = await source().costs({ start: '2026-12-01', end: '2027-01-01' }, ALL);
    const future = await source().costs({ start: '2026-12-05', end: '2026-12-20' }, ALL);
    // Assess
    expect([...new Set(lines.map((l) => l.date))]).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    expect(future).toEqual([]);
  });

  it('counts the requests Cost Explorer would bill', async () => {
    // Prepare
    const demo = source({ anomaly: DEPLOY });
    const range = { start: '2026-11-01', end: '2026-12-01' };
    // Act
    await demo.costs(range, ALL);
    const afterCosts = demo.requests;
    await demo.costs(range, ['prod']);
    const afterOneEnvironment = demo.requests;
    await demo.anomalies(range);
    await demo.forecast({ start: '2026-12-05', end: '2027-01-01' });
    const beforeCoverage = demo.requests;
    await demo.coverage(range);
    const afterCoverage = demo.requests;
    await demo.recommendations();
    // Assess
    expect([afterCosts, afterOneEnvironment, beforeCoverage, afterCoverage, demo.requests]).toEqual([4, 6, 8, 12, 13]);
  });

  it('forecasts the rest of the month around the model\'s expectation', async () => {
    // Act
    const forecast = await source().forecast({ start: '2026-12-05', end: '2027-01-05' });
    const november = sum(await source().costs({ start: '2026-11-01', end: '2026-12-01' }, ALL));
    // Assess
    expect(forecast).toMatchObject({ start: '2026-12-05', end: '2027-01-05' });
    expect(forecast!.lower).toBeCloseTo(forecast!.mean * 0.92, 1);
    expect(forecast!.upper).toBeCloseTo(forecast!.mean * 1.08, 1);
    expect(forecast!.mean / november).toBeGreaterThan(1.03);
    expect(forecast!.mean / november).toBeLessThan(1.15);
  });

  it('answers coverage with the uncovered EC2 compute as on-demand cost', async () => {
    // Prepare
    const range = { start: '2026-11-01', end: '2026-12-01' };
    const compute = sum((await source().costs(range, ALL)).filter((l) => l.awsService === AWS.compute));
    // Act
    const coverage = await source().coverage(range);
    // Assess
    expect(coverage.map((c) => c.kind)).toEqual(['reserved-instances', 'savings-plans']);
    const [ri, sp] = coverage;
    expect(ri!.coveragePercent).toBeGreaterThan(59);
    expect(ri!.coveragePercent).toBeLessThan(63);
    expect(ri!.utilizationPercent).toBeGreaterThan(93);
    expect(ri!.utilizationPercent).toBeLessThan(95);
    expect(sp!.coveragePercent).toBeGreaterThan(45);
    expect(sp!.coveragePercent).toBeLessThan(49);
    expect(sp!.utilizationPercent).toBeGreaterThan(98);
    expect(sp!.utilizationPercent).toBeLessThanOrEqual(100);
    for (const c of coverage) expect(c.onDemandCost).toBeCloseTo(compute * (1 - c.coveragePercent! / 100), 1);
  });

  it('recommends a Savings Plan and two rightsizings with believable savings', async () => {
    // Act
    const recommendations = await source().recommendations();
    // Assess
    expect(recommendations.map((r) => [r.kind, r.resourceId])).toEqual([
      ['savings-plans', null], ['rightsizing', 'i-0a1b2c3d4e5f60001'], ['rightsizing', 'i-0a1b2c3d4e5f60002'],
    ]);
    expect(recommendations[0]!.action).toMatch(/^Buy a 1-year Compute Savings Plan of \$0\.\d\d\/hour$/);
    expect(recommendations[1]!.action).toBe('Modify i-0a1b2c3d4e5f60001 (core-service, prod) from m6i.2xlarge to m6i.xlarge');
    expect(recommendations[2]!.action).toMatch(/Terminate i-0a1b2c3d4e5f60002.*idle t3\.large in dev/);
    for (const r of recommendations) {
      expect(r.monthlySaving).toBeGreaterThan(20);
      expect(r.monthlySaving).toBeLessThan(150);
    }
  });
});
