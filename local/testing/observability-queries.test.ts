/**
 * Log queries over signed HTTP against the local runtime's SIMULATED logs: 202 with the query,
 * Running, then Complete with rows (secrets masked) and statistics; stopped while running; only its
 * author reads or stops it; a query outside the subset, a range too long or a log group not the
 * service's answer 400 with the field's path; every query is on the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList, LogQuery } from '#schemas/index.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, until, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => { await h.close(); });

const lastHourStart = () => Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
const at = (minute: number) => new Date(lastHourStart() + minute * 60_000).toISOString();

async function finished(role: 'viewer' | 'developer', id: string): Promise<LogQuery> {
  let query: LogQuery | undefined;
  await until(async () => {
    query = (await h.client(role).call<LogQuery>('GET', `/api/v1/logs/query/${id}`)).body;
    return !['Scheduled', 'Running'].includes(query.status);
  });
  return query!;
}

describe('log queries', () => {
  it('runs a query: 202, Running, then Complete with the incident\'s errors counted', async () => {
    const viewer = h.client('viewer');
    const body = {
      query: 'filter @message like /ERROR/ | stats count(*) as errors by @logStream | sort errors desc | limit 3',
      service: 'core-service', environment: 'prod', start: at(45), end: at(60),
    };
    const started = await viewer.call<LogQuery>('POST', '/api/v1/logs/query', { body });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'Scheduled', source: 'simulated', query: body.query,
      service: 'core-service', environment: 'prod', logGroups: ['/apollo/prod/core-service'],
      start: body.start, end: body.end, limit: 1000, createdAt: expect.any(String), createdBy: 'viewer@apollo.local',
      results: [], statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
    });
    await until(async () => (await viewer.call<LogQuery>('GET', `/api/v1/logs/query/${started.body.id}`)).body.status === 'Running');
    const done = await finished('viewer', started.body.id);
    expect(done.status).toBe('Complete');
    expect(done.results.length).toBeGreaterThan(0);
    expect(done.results[0]!.map((f) => f.field)).toEqual(['@logStream', 'errors']);
    expect(done.statistics.recordsScanned).toBe(450);
    expect(done.statistics.recordsMatched).toBeGreaterThan(20);
  });

  it('masks the leaked credentials in the rows', async () => {
    const started = (await h.client('viewer').call<LogQuery>('POST', '/api/v1/logs/query', {
      body: { query: 'fields @message | filter @message like "S3ClientFactory"', service: 'core-service', environment: 'dev', start: at(0), end: at(60) },
    })).body;
    const done = await finished('viewer', started.id);
    expect(done.results).toEqual([[{ field: '@message', value: 'WARN  [main] c.c.core.config.S3ClientFactory : no instance role; using static credentials aws_access_key_id=AKIA[masked] aws_secret_access_key=[masked]' }]]);
  });

  it('stops a running query, once; only its author reads or stops it', async () => {
    const developer = h.client('developer');
    const started = (await developer.call<LogQuery>('POST', '/api/v1/logs/query', {
      body: { query: 'sort @timestamp desc', service: 'core-service', start: new Date(Date.now() - 7 * 24 * 3_600_000 + 60_000).toISOString() },
    })).body;
    expect((await h.client('viewer').send('GET', `/api/v1/logs/query/${started.id}`)).status).toBe(404);
    expect((await h.client('admin').send('DELETE', `/api/v1/logs/query/${started.id}`)).status).toBe(404);
    const stopped = await developer.call<LogQuery>('DELETE', `/api/v1/logs/query/${started.id}`);
    expect(stopped.body).toMatchObject({ id: started.id, status: 'Cancelled', results: [] });
    expect((await developer.send('DELETE', `/api/v1/logs/query/${started.id}`)).status).toBe(409);
    expect((await developer.call<LogQuery>('GET', `/api/v1/logs/query/${started.id}`)).body.status).toBe('Cancelled');
    expect((await developer.send('GET', '/api/v1/logs/query/01JDZ6V7Q3M4X8K2N5P9R0T1AB')).status).toBe(404);
  });

  it('refuses a query it cannot run, saying which field', async () => {
    const viewer = h.client('viewer');
    const refused = async (body: Record<string, unknown>) => {
      const response = await viewer.send('POST', '/api/v1/logs/query', { body });
      expect(response.status).toBe(400);
      return (response.body as { error: { details: unknown } }).error.details;
    };
    expect(await refused({ query: 'fields @message | parse @message "*" as a', service: 'core-service' }))
      .toEqual([{ path: '/body/query', message: 'line 1, column 19: expected a command (fields, filter, stats, sort, limit), found "parse" (offset 18)' }]);
    expect(await refused({ query: 'fields @message', service: 'core-service', start: '2026-01-01T00:00:00Z', end: '2026-01-09T00:00:00Z' }))
      .toEqual([{ path: '/body/start', message: 'at most 7 days from start to end' }]);
    expect(await refused({ query: 'fields @message', service: 'core-service', environment: 'prod', logGroups: ['/aws/lambda/anything'] }))
      .toEqual([{ path: '/body/logGroups/0', message: '/aws/lambda/anything is not one of /apollo/prod/core-service' }]);
    expect(await refused({ query: 'fields @message', service: 'core-service', limit: 10_001 }))
      .toEqual([expect.objectContaining({ path: '/body/limit' })]);
    expect((await viewer.send('POST', '/api/v1/logs/query', { body: { query: 'fields @message', service: 'no-such-service' } })).status).toBe(404);
  });

  it('audits every query with who asked what', async () => {
    const { items } = (await h.client('admin').call<AuditList>('GET', '/api/v1/audit', { query: { action: 'logs.query', actor: 'viewer@apollo.local' } })).body;
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.find((i) => (i.details as { body?: { query?: string } }).body?.query?.includes('S3ClientFactory'))).toMatchObject({
      action: 'logs.query', resourceType: 'log-query', resourceId: expect.stringMatching(/^[0-9A-Z]{26}$/), outcome: 'succeeded', statusCode: 202,
    });
  });
});
