import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import { DEMO_LEAKED_CREDENTIALS_LINE, demoRecords } from './demo-logs.ts';
import { LocalLogsAdapter } from './local-logs.ts';

const HOUR = Date.UTC(2026, 11, 5, 5, 0, 0);
const CORE = '/apollo/prod/core-service';
const settled = async (adapter: LocalLogsAdapter, id: string) => {
  for (let i = 0; i < 400; i++) {
    const result = await adapter.getQueryResults(id);
    if (!['Scheduled', 'Running'].includes(result.status)) return result;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the query did not end');
};

describe('the simulated demo logs', () => {
  it('are the same lines for the same time, one per group every 2 s', () => {
    const a = [...demoRecords([CORE], HOUR, HOUR + 60_000)];
    expect(a).toHaveLength(30);
    expect([...demoRecords([CORE], HOUR, HOUR + 60_000)]).toEqual(a);
  });

  it('have core-service prod run out of connections in minutes 45-59 only, as in Appendix B', () => {
    const count = (from: number, to: number, text: string) => [...demoRecords([CORE], from, to)].filter((r) => r['@message'].includes(text)).length;
    const incident = count(HOUR + 45 * 60_000, HOUR + 60 * 60_000, 'HikariPool-1 - Connection is not available');
    expect(incident).toBeGreaterThan(20);
    expect(count(HOUR, HOUR + 45 * 60_000, 'HikariPool-1 - Connection is not available')).toBe(0);
    expect(count(HOUR + 45 * 60_000, HOUR + 60 * 60_000, 'too many connections for role "cobalt"')).toBeGreaterThan(0);
    expect(count(HOUR, HOUR + 60 * 60_000, DEMO_LEAKED_CREDENTIALS_LINE)).toBe(1);
    expect([...demoRecords(['/apollo/staging/core-service'], HOUR + 45 * 60_000, HOUR + 60 * 60_000)].some((r) => r['@message'].includes('HikariPool-1 - Connection'))).toBe(false);
  });
});

describe('LocalLogsAdapter', () => {
  it('runs a query Scheduled, then Running, then Complete with its rows and statistics', async () => {
    const adapter = new LocalLogsAdapter({ scheduledMs: 10, minRunningMs: 60 });
    const id = await adapter.startQuery({ logGroups: [CORE], query: 'filter @message like /HikariPool-1 - Connection/ | stats count(*)', start: HOUR + 45 * 60_000, end: HOUR + 60 * 60_000, limit: 100 });
    expect((await adapter.getQueryResults(id)).status).toBe('Scheduled');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await adapter.getQueryResults(id)).status).toBe('Running');
    const done = await settled(adapter, id);
    const expected = [...demoRecords([CORE], HOUR + 45 * 60_000, HOUR + 60 * 60_000)].filter((r) => /HikariPool-1 - Connection/.test(r['@message'])).length;
    expect(done).toEqual({
      status: 'Complete',
      results: [[{ field: 'count(*)', value: String(expected) }]],
      statistics: { recordsMatched: expected, recordsScanned: 450, bytesScanned: expect.any(Number) },
    });
    expect(await adapter.stopQuery(id)).toBe(false);
  });

  it('shows the rows so far while a query without sort or stats runs', async () => {
    const adapter = new LocalLogsAdapter({ scheduledMs: 0, sliceSize: 100, minRunningMs: 300 });
    const id = await adapter.startQuery({ logGroups: [CORE], query: 'filter @message like /HikariPool-1 - Connection/ | fields @message', start: HOUR + 45 * 60_000, end: HOUR + 50 * 60_000, limit: 100 });
    let running;
    for (let i = 0; i < 100 && !running; i++) {
      const now = await adapter.getQueryResults(id);
      if (now.status === 'Running' && now.results.length > 0) running = now;
      else await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(running?.results[0]).toEqual([{ field: '@message', value: expect.stringContaining('HikariPool-1 - Connection is not available') }]);
    expect((await settled(adapter, id)).status).toBe('Complete');
  });

  it('stops a running query: Cancelled, without rows', async () => {
    const adapter = new LocalLogsAdapter({ scheduledMs: 0, sliceSize: 1000, minRunningMs: 0 });
    const id = await adapter.startQuery({ logGroups: [CORE, '/apollo/prod/billing-service'], query: 'sort @timestamp desc', start: HOUR - 6 * 24 * 3_600_000, end: HOUR, limit: 10 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await adapter.stopQuery(id)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await adapter.getQueryResults(id)).toMatchObject({ status: 'Cancelled', results: [] });
  });

  it('ends a query that runs too long as Timeout', async () => {
    const adapter = new LocalLogsAdapter({ scheduledMs: 0, sliceSize: 500, timeoutMs: 1 });
    const id = await adapter.startQuery({ logGroups: [CORE], query: 'limit 5', start: HOUR - 24 * 3_600_000, end: HOUR, limit: 10 });
    expect(await settled(adapter, id)).toMatchObject({ status: 'Timeout', error: 'the query ran longer than 1 ms' });
  });

  it('refuses a query outside the subset with where, as a 400 on the query', async () => {
    const error = await new LocalLogsAdapter().startQuery({ logGroups: [CORE], query: 'fields @message | parse @message "* *" as a, b', start: 0, end: 1, limit: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ path: '/body/query', message: 'line 1, column 19: expected a command (fields, filter, stats, sort, limit), found "parse" (offset 18)' }]);
  });

  it('pages filtered events without gaps or repeats', async () => {
    const adapter = new LocalLogsAdapter();
    const groups = [CORE, '/apollo/prod/billing-service'];
    const input = { logGroups: groups, start: HOUR, end: HOUR + 10 * 60_000, terms: ['/api/v1/accounts'] };
    const all = (await adapter.filterEvents({ ...input, limit: 10_000 })).events;
    const paged = [];
    let token: string | undefined;
    do {
      const page = await adapter.filterEvents({ ...input, limit: 7, ...(token ? { nextToken: token } : {}) });
      paged.push(...page.events);
      token = page.nextToken;
    } while (token);
    expect(paged).toEqual(all);
    expect(all.length).toBeGreaterThan(40);
  });
});
