/**
 * The cost model's arithmetic (section 15 of `npm run bench`): what DynamoDB charges the indexes for a write, how often
 * a schedule runs, what X-Ray's default rule records, and what one measured operation bills before prices.
 */
import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { accessLogLineBytes, type InfraFacts } from './cost-infra.ts';
import { emptyUsage, indexWriteUnits } from './cost-meter.ts';
import { DEFAULT_HEALTH_SETTINGS } from '../functions/services/health/poller.ts';
import { quantitiesOf, REFERENCE_ORG, runsPerMonth, sampledTraces } from './cost-model.ts';

const item = (fields: Record<string, string>): Record<string, AttributeValue> => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { S: v }]));

describe('indexWriteUnits', () => {
  it('charges each index an item enters by its size in KB, and a key change as a delete and a put', () => {
    // Prepare
    const big = 'x'.repeat(1500);
    const created = item({ PK: 'SVC#a', SK: 'META', GSI1PK: 'TEAM#t', GSI1SK: 'SVC#a', GSI2PK: 'SVCS', GSI2SK: 'a', body: big });
    const moved = { ...created, GSI1PK: { S: 'TEAM#u' } };
    const edited = { ...created, body: { S: `${big}!` } };
    const outOfIndexes = item({ PK: 'SVC#a', SK: 'META', body: big });
    // Act / Assess
    expect(indexWriteUnits(undefined, created)).toBe(4);
    expect(indexWriteUnits(created, moved)).toBe(2 + 2 + 2);
    expect(indexWriteUnits(created, edited)).toBe(4);
    expect(indexWriteUnits(created, created)).toBe(0);
    expect(indexWriteUnits(created, outOfIndexes)).toBe(4);
    expect(indexWriteUnits(outOfIndexes, undefined)).toBe(0);
  });
});

describe('runsPerMonth', () => {
  it('counts rate() and daily cron() runs in 30 days, and refuses a schedule it cannot read', () => {
    expect(runsPerMonth('rate(1 minute)')).toBe(43_200);
    expect(runsPerMonth('rate(15 minutes)')).toBe(2_880);
    expect(runsPerMonth('rate(1 hour)')).toBe(720);
    expect(runsPerMonth('cron(30 6 * * ? *)')).toBe(30);
    expect(() => runsPerMonth('cron(0 6 ? * MON *)')).toThrow(/daily cron/);
  });
});

describe('sampledTraces', () => {
  it('records nearly every request when they are rare, the first of each second and 5 % of the rest when they are not', () => {
    const month = 30 * 86_400;
    expect(sampledTraces(43_200, month) / 43_200).toBeGreaterThan(0.99);
    expect(sampledTraces(10 * month, month) / month).toBeCloseTo(1 + 0.05 * 9, 2);
    expect(sampledTraces(0, month)).toBe(0);
  });
});

describe('quantitiesOf', () => {
  it('bills an API call, a workflow step and an execution as Lambda, logs, traces and transitions', () => {
    // Prepare
    const infra = { functions: { services: { memoryMb: 512, architecture: 'arm64', tracing: true }, 'requests-fulfillment-steps': { memoryMb: 1024, architecture: 'arm64', tracing: true } } } as unknown as InfraFacts;
    const usage = emptyUsage('op');
    usage.invocations.push({ fn: 'services', kind: 'GET /api/v1/services/{id}', ms: 10.2, rru: 1, wru: 0, logBytes: 500, logLines: 1 });
    usage.invocations.push({ fn: 'requests-fulfillment-steps', kind: 'step validate', ms: 2, rru: 0, wru: 3, logBytes: 0, logLines: 0 });
    usage.executions.push({ workflow: 'fulfillment', name: 'r1', transitions: 4, byState: {}, byType: { Task: 2, Choice: 1, Succeed: 1 }, status: 'SUCCEEDED' });
    Object.assign(usage, { restCalls: 1, wsIn: 1, wsOut: 2, rru: 1, wru: 3, logBytes: 500, logLines: 1 });
    const sizes = { restAccess: 500, realtimeAccess: 400, emf: 200, stateEvent: 250 };
    // Act
    const q = quantitiesOf(usage, infra, sizes);
    // Assess
    expect(q.lambdaRequests).toBe(2);
    expect(q.lambdaGbSeconds).toBeCloseTo(0.5 * 0.011 + 1 * 0.002, 9);
    expect(q.functionLogBytes).toBe(2 * (300 + 3 * 26) + (200 + 26) + (500 + 26));
    expect(q.accessLogBytes).toBe(500 + 26);
    expect(q.traces).toBe(2);
    expect(q.transitions).toBe(4);
    expect(q.stateLogBytes).toBe((2 + 4 * 2 + 2 * 3) * (250 + 26));
    expect(q.wsMessages).toBe(3);
    expect(() => quantitiesOf({ ...usage, invocations: [{ ...usage.invocations[0]!, fn: 'nowhere' }] }, infra, sizes)).toThrow(/no function nowhere/);
  });
});

describe('accessLogLineBytes', () => {
  it('fills the template\'s format with sample values, and unknown variables with a dash', () => {
    expect(accessLogLineBytes('{"m":"$context.httpMethod","x":"$context.nothing"}')).toBe(Buffer.byteLength('{"m":"GET","x":"-"}'));
  });
});

describe('REFERENCE_ORG', () => {
  it('weighs the health poll\'s heartbeat runs by the poll\'s default heartbeat (one run a minute)', () => {
    expect(REFERENCE_ORG.heartbeatRunShare).toBe(60_000 / DEFAULT_HEALTH_SETTINGS.heartbeatMs);
  });
});
