/** Traces: X-Ray BatchGetTraces (every page, W3C ids converted) into a span tree; the SIMULATED demo traces. */
import { BatchGetTracesCommand, GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '#shared/errors';
import { DemoTraces, demoTraceId, demoTraceIds } from './adapters/demo-traces.ts';
import { traceFilter, XRayTraces } from './adapters/xray-traces.ts';
import { getTrace, recentTracesQuery, type SegmentDocument } from './traces.ts';

const xray = mockClient(XRayClient);
beforeEach(() => xray.reset());

const ID = '1-5759e988-bd862e3fe1be46a994272793';
const gateway: SegmentDocument = {
  id: 'a1', name: 'api-gateway', trace_id: ID, start_time: 1_478_293_361.271, end_time: 1_478_293_361.449,
  http: { request: { method: 'GET', url: 'https://api.example.com/orders/7' }, response: { status: 500 } }, fault: true,
  subsegments: [{ id: 'a2', name: 'core-service', namespace: 'remote', start_time: 1_478_293_361.272, end_time: 1_478_293_361.448, fault: true }],
};
const core: SegmentDocument = {
  id: 'b1', name: 'core-service', trace_id: ID, parent_id: 'a2', start_time: 1_478_293_361.273, end_time: 1_478_293_361.447, fault: true,
  cause: { exceptions: [{ message: 'HikariPool-1 - Connection is not available, request timed out after 30000ms.' }] },
  subsegments: [
    { id: 'b3', name: 'postgres', namespace: 'remote', start_time: 1_478_293_361.300, end_time: 1_478_293_361.310, sql: { sanitized_query: 'SELECT 1' } },
    { id: 'b2', name: 'HikariPool-1.getConnection', start_time: 1_478_293_361.274, end_time: 1_478_293_361.299 },
  ],
};

describe('X-Ray traces', () => {
  it('reads every page of BatchGetTraces and builds the tree across services', async () => {
    // Prepare: the segments come over two pages, the downstream one first
    xray.on(BatchGetTracesCommand, { TraceIds: [ID] }).resolves({ Traces: [{ Id: ID, Segments: [{ Id: 'b1', Document: JSON.stringify(core) }] }], NextToken: 'p2' });
    xray.on(BatchGetTracesCommand, { TraceIds: [ID], NextToken: 'p2' }).resolves({ Traces: [{ Id: ID, Segments: [{ Id: 'a1', Document: JSON.stringify(gateway) }] }] });
    // Act: asked with the W3C form of the id
    const trace = await getTrace(new XRayTraces({ client: new XRayClient({ region: 'eu-west-1' }) }), '5759e988bd862e3fe1be46a994272793');
    // Assess
    expect(xray.commandCalls(BatchGetTracesCommand).map((c) => c.args[0].input)).toEqual([{ TraceIds: [ID] }, { TraceIds: [ID], NextToken: 'p2' }]);
    expect(trace).toMatchObject({ traceId: ID, source: 'AWS X-Ray', simulated: false, startedAt: '2016-11-04T21:02:41.271Z', durationMs: 178, services: ['api-gateway', 'core-service'] });
    expect(trace.spans).toHaveLength(1);
    const [root] = trace.spans;
    expect(root).toMatchObject({ id: 'a1', service: 'api-gateway', kind: 'segment', startMs: 0, durationMs: 178, fault: true, error: false, http: { method: 'GET', url: 'https://api.example.com/orders/7', status: 500 } });
    const call = root!.children[0]!;
    expect(call).toMatchObject({ id: 'a2', kind: 'subsegment', namespace: 'remote' });
    expect(call.children.map((c) => c.id)).toEqual(['b1']);
    const service = call.children[0]!;
    expect(service).toMatchObject({ service: 'core-service', cause: 'HikariPool-1 - Connection is not available, request timed out after 30000ms.', startMs: 2 });
    // Children in order of start, durations in ms.
    expect(service.children.map((c) => [c.name, c.durationMs, c.sql ?? null])).toEqual([['HikariPool-1.getConnection', 25, null], ['postgres', 10, 'SELECT 1']]);
  });

  it('answers 404 for a trace X-Ray does not have', async () => {
    xray.on(BatchGetTracesCommand).resolves({ Traces: [], UnprocessedTraceIds: [ID] });
    await expect(getTrace(new XRayTraces({ client: new XRayClient({ region: 'eu-west-1' }) }), ID)).rejects.toThrow(NotFoundError);
  });
});

describe('the SIMULATED demo traces', () => {
  const incident = Date.parse('2026-11-02T09:47:00Z');
  const calm = Date.parse('2026-11-02T09:20:00Z');

  it('makes the same trace from its id: core-service in prod waits 30 s on HikariCP during the incident and fails', async () => {
    const id = demoTraceId('core-service', 'prod', incident, 'slow')!;
    const trace = await getTrace(new DemoTraces(), id);
    expect(await getTrace(new DemoTraces(), id)).toEqual(trace);
    expect(trace).toMatchObject({ traceId: id, simulated: true, services: ['api-gateway', 'core-service'] });
    const app = trace.spans[0]!.children[0]!.children[0]!;
    expect(app).toMatchObject({ service: 'core-service', fault: true, http: { status: 500 } });
    expect(app.children.map((c) => c.name)).toEqual(['HikariPool-1.getConnection']);
    expect(app.children[0]!.durationMs).toBeCloseTo(30_000, 0);
  });

  it('outside the incident the slow one waits on the pool and reaches postgres; the fast one is fast', async () => {
    const slow = await getTrace(new DemoTraces(), demoTraceId('core-service', 'prod', calm, 'slow')!);
    const fast = await getTrace(new DemoTraces(), demoTraceId('core-service', 'prod', calm, 'fast')!);
    const app = (t: typeof slow) => t.spans[0]!.children[0]!.children[0]!;
    expect(app(slow).children.map((c) => c.name)).toEqual(['HikariPool-1.getConnection', 'postgres']);
    expect(slow.durationMs).toBeGreaterThan(1_000);
    expect(fast.durationMs).toBeLessThan(60);
    expect(app(fast).fault).toBe(false);
  });

  it('lists a service\'s slow traces of a range, newest first, and knows no other id', async () => {
    const ids = demoTraceIds('core-service', 'prod', calm - 10 * 60_000, calm, 'slow', 5);
    expect(ids).toHaveLength(5);
    // The trace of 09:20 starts after 09:20:00: the newest is 09:19's.
    expect(ids[0]).toBe(demoTraceId('core-service', 'prod', calm - 60_000, 'slow'));
    expect(await new DemoTraces().getTrace(ID)).toBeUndefined();
    expect(await new DemoTraces().getTrace(ids[0]!.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBeUndefined();
  });
});

describe('recent traces', () => {
  const query = recentTracesQuery('core-service', { environment: 'prod', from: '2026-11-02T09:00:00Z', to: '2026-11-02T10:00:00Z', limit: 2 });

  it('reads X-Ray trace summaries with the service, environment and duration filter, page by page up to the limit', async () => {
    // Prepare
    const input = { StartTime: new Date(query.start), EndTime: new Date(query.end), TimeRangeType: 'Event' as const, Sampling: false, FilterExpression: 'service("core-service") AND annotation.environment = "prod" AND duration >= 1' };
    xray.on(GetTraceSummariesCommand, input).resolves({ TraceSummaries: [{ Id: '1-5759e988-bd862e3fe1be46a994272793', StartTime: new Date('2026-11-02T09:10:00Z'), Duration: 1.25, HasFault: true, Http: { HttpMethod: 'GET', HttpURL: 'https://x/a', HttpStatus: 500 } }], NextToken: 'n' });
    xray.on(GetTraceSummariesCommand, { ...input, NextToken: 'n' }).resolves({ TraceSummaries: [{ Id: '1-5759e990-bd862e3fe1be46a994272794', StartTime: new Date('2026-11-02T09:30:00Z'), Duration: 2 }], NextToken: 'm' });
    // Act
    const items = await new XRayTraces({ client: new XRayClient({ region: 'eu-west-1' }) }).recent(query);
    // Assess: two pages fill the limit (the third is not read), newest first
    expect(xray.commandCalls(GetTraceSummariesCommand)).toHaveLength(2);
    expect(items).toEqual([
      { traceId: '1-5759e990-bd862e3fe1be46a994272794', startedAt: '2026-11-02T09:30:00.000Z', durationMs: 2000, error: false, fault: false },
      { traceId: '1-5759e988-bd862e3fe1be46a994272793', startedAt: '2026-11-02T09:10:00.000Z', durationMs: 1250, error: false, fault: true, http: { method: 'GET', url: 'https://x/a', status: 500 } },
    ]);
    expect(traceFilter({ service: 'a"b', environment: 'prod', minDurationMs: 0 })).toBe('service("a\\"b") AND annotation.environment = "prod"');
  });

  it('lists the demo\'s slow traces (the fast ones are under the bound), each one openable', async () => {
    const items = await new DemoTraces().recent({ ...query, limit: 5 });
    expect(items).toHaveLength(5);
    expect(items.every((i) => i.durationMs >= 1000)).toBe(true);
    expect(items.map((i) => i.startedAt)).toEqual([...items.map((i) => i.startedAt)].sort().reverse());
    expect(items.filter((i) => i.fault).length).toBeGreaterThan(0);
    expect((await getTrace(new DemoTraces(), items[0]!.traceId)).durationMs).toBe(items[0]!.durationMs);
  });

  it('refuses a range of more than 6 hours on /query/from', () => {
    expect(() => recentTracesQuery('a', { environment: 'prod', from: '2026-11-02T00:00:00Z', to: '2026-11-02T10:00:00Z' })).toThrow('more than 6 hours');
  });
});

describe('the SIMULATED demo logs name their slow trace', () => {
  it('a HikariCP error line of core-service prod carries a trace id that opens a trace waiting on the pool', async () => {
    const { demoRecords, DEMO_INCIDENT_MINUTES } = await import('./adapters/demo-logs.ts');
    // Some hour's incident minutes (45–59): lines every 2 s.
    const hour = Date.parse('2026-12-05T09:00:00Z');
    const start = hour + DEMO_INCIDENT_MINUTES.from * 60_000;
    const lines = [...demoRecords(['/apollo/prod/core-service'], start, start + 5 * 60_000)].map((r) => r['@message']);
    const hikari = lines.find((l) => l.includes('Connection is not available'));
    expect(hikari).toMatch(/ traceId=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const id = /traceId=(\S+)/.exec(hikari!)![1]!;
    const trace = await getTrace(new DemoTraces(), id);
    expect(JSON.stringify(trace.spans)).toContain('HikariPool');
  });
});
