import { describe, expect, it } from 'vitest';
import { OwnLogStore } from './own-logs.ts';
import { LocalLogsAdapter } from './local-logs.ts';

const PREFIX = '/aws/lambda/apollo-local-';
const T = Date.UTC(2026, 11, 5, 8, 0, 0);
const line = (service: string, t: number, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level: 'INFO', message: 'request handled', timestamp: new Date(t).toISOString(), service, ...extra })}\n`;

describe('OwnLogStore', () => {
  it('keeps handler lines in their function\'s group (a workflow step\'s in its context\'s), and nothing else', () => {
    // Prepare
    const store = new OwnLogStore({ prefix: PREFIX, functions: ['requests', 'deployments', 'jobs'] });
    // Act
    const kept = [
      store.capture(line('apollo-requests', T, { route: 'GET /api/v1/requests', statusCode: 200 })),
      store.capture(line('apollo-requests-fulfillment-steps', T + 1)),
      store.capture(line('apollo-deployments', T + 2)),
      store.capture('[runtime] listening on http://127.0.0.1:3000\n'),
      store.capture(line('core-service', T + 3)),
      store.capture('{"service":"apollo-requests", broken'),
    ];
    // Assess
    expect(kept).toEqual([true, true, true, false, false, false]);
    const records = [...store.records([`${PREFIX}requests`], T - 1, T + 10)];
    expect(records.map((r) => r['@log'])).toEqual([`${PREFIX}requests`, `${PREFIX}requests`]);
    expect(records[0]).toMatchObject({ '@timestamp': '2026-12-05 08:00:00.000', route: 'GET /api/v1/requests', statusCode: '200', level: 'INFO' });
    expect(JSON.parse(records[0]!['@message'])).toMatchObject({ service: 'apollo-requests', statusCode: 200 });
  });

  it('forgets the oldest lines once full, and reads the rest oldest first', () => {
    const store = new OwnLogStore({ prefix: PREFIX, functions: ['jobs'], capacity: 3 });
    for (let i = 0; i < 5; i++) store.capture(line('apollo-jobs', T + i * 1000, { n: i }));
    expect(store.size).toBe(3);
    expect([...store.records([`${PREFIX}jobs`], T, T + 10_000)].map((r) => r.n)).toEqual(['2', '3', '4']);
  });

  it('is what the local logs adapter reads for Apollo\'s groups, merged in time with the simulated ones, and says so', async () => {
    const store = new OwnLogStore({ prefix: PREFIX, functions: ['jobs'] });
    store.capture(line('apollo-jobs', T + 1_000, { route: 'cost ingest' }));
    const adapter = new LocalLogsAdapter({ ownLogs: store });
    expect(adapter.sourceOf([`${PREFIX}jobs`])).toBe('local');
    expect(adapter.sourceOf(['/apollo/prod/core-service', `${PREFIX}jobs`])).toBe('simulated');
    const own = await adapter.filterEvents({ logGroups: [`${PREFIX}jobs`], start: T, end: T + 60_000, terms: [], limit: 10 });
    expect(own.events).toEqual([{ timestamp: T + 1_000, message: line('apollo-jobs', T + 1_000, { route: 'cost ingest' }).trim(), logGroup: `${PREFIX}jobs`, logStream: 'local', eventId: `${T + 1_000}-0` }]);
    const both = await adapter.filterEvents({ logGroups: ['/apollo/prod/core-service', `${PREFIX}jobs`], start: T, end: T + 4_000, terms: [], limit: 10 });
    expect(both.events.map((e) => [e.timestamp, e.logGroup])).toEqual([[T, '/apollo/prod/core-service'], [T + 1_000, `${PREFIX}jobs`], [T + 2_000, '/apollo/prod/core-service']]);
  });
});
