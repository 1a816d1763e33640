/**
 * Logs over signed HTTP against the local runtime's SIMULATED demo logs: a viewer reads
 * core-service's prod lines by level and text, page by page, with the leaked AWS credentials masked;
 * unknown services and environments, empty and too-long ranges are refused with the field's path;
 * the per-caller rate limit answers 429; the service apollo's lines are the runtime's own.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServiceLogs } from '#schemas/index.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, type Harness } from './harness.ts';

// As `npm start` runs the handlers (local/local-env.ts): INFO lines are written, kept as the service apollo's.
vi.hoisted(() => { process.env.LOG_LEVEL = 'INFO'; });

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => { await h.close(); });

/**
 * 05:45-06:00 today: core-service prod's simulated incident (minutes 45-59 of every hour), whole: about one line in
 * ten is a HikariCP error, so a quarter of an hour holds well over the page of 10 this reads (five minutes did not,
 * in some hours).
 */
const incident = (): { from: string; to: string } => {
  const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
  return { from: new Date(hour.getTime() + 45 * 60_000).toISOString(), to: new Date(hour.getTime() + 60 * 60_000).toISOString() };
};

describe('GET /api/v1/logs/services/{id}', () => {
  it('answers the HikariCP errors of the incident, page by page, marked simulated', async () => {
    const viewer = h.client('viewer');
    const query = { ...incident(), environment: 'prod', level: 'ERROR', q: 'HikariPool-1', limit: 10 };
    const first = (await viewer.call<ServiceLogs>('GET', '/api/v1/logs/services/core-service', { query })).body;
    expect(first).toMatchObject({ service: 'core-service', environment: 'prod', logGroups: ['/apollo/prod/core-service'], source: 'simulated', from: query.from, to: query.to });
    expect(first.items).toHaveLength(10);
    for (const item of first.items) {
      expect(item).toMatchObject({ level: 'ERROR', logGroup: '/apollo/prod/core-service', message: expect.stringContaining('HikariPool-1 - Connection is not available, request timed out after 30000ms') });
    }
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await viewer.call<ServiceLogs>('GET', '/api/v1/logs/services/core-service', { query: { ...query, cursor: first.nextCursor! } })).body;
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items[0]!.timestamp >= first.items[9]!.timestamp).toBe(true);
    expect(second.items.map((i) => i.eventId)).not.toContain(first.items[9]!.eventId);
  });

  it('masks the AWS credentials core-service logs at minute 7', async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const query = { from: new Date(hour + 7 * 60_000).toISOString(), to: new Date(hour + 7 * 60_000 + 1_000).toISOString(), environment: 'staging' };
    const { items } = (await h.client('viewer').call<ServiceLogs>('GET', '/api/v1/logs/services/core-service', { query })).body;
    expect(items).toEqual([{
      timestamp: new Date(hour + 7 * 60_000).toISOString(),
      message: 'WARN  [main] c.c.core.config.S3ClientFactory : no instance role; using static credentials aws_access_key_id=AKIA[masked] aws_secret_access_key=[masked]',
      level: 'WARN',
      logGroup: '/apollo/staging/core-service',
      logStream: expect.any(String),
      eventId: expect.any(String),
    }]);
  });

  it('reads Apollo\'s own handlers\' lines as the service apollo: what this runtime really did, one line per request', async () => {
    // A request to read back: a teams list, by an operator.
    expect((await h.client('operator').send('GET', '/api/v1/teams', { query: { limit: 2 } })).status).toBe(200);
    const read = async () => (await h.client('viewer').call<ServiceLogs>('GET', '/api/v1/logs/services/apollo', { query: { q: 'request handled', from: new Date(Date.now() - 600_000).toISOString(), limit: 1000 } })).body;
    const { items, logGroups, environment, source } = await read();
    expect({ environment, source }).toEqual({ environment: 'local', source: 'local' });
    expect(logGroups).toContain('/aws/lambda/apollo-local-observability');
    expect(logGroups).toContain('/aws/lambda/apollo-local-identity');
    const teams = items.map((i) => ({ ...i, line: JSON.parse(i.message) as Record<string, unknown> })).find((i) => i.line.route === 'GET /api/v1/teams');
    expect(teams).toMatchObject({ level: 'INFO', logGroup: expect.stringMatching(/^\/aws\/lambda\/apollo-local-/) });
    expect(teams!.line).toMatchObject({ level: 'INFO', message: 'request handled', statusCode: 200, durationMs: expect.any(Number), service: expect.stringMatching(/^apollo-/), correlation_id: expect.any(String) });
    expect((await h.client('viewer').send('GET', '/api/v1/logs/services/apollo', { query: { environment: 'prod' } })).status).toBe(404);
  });

  it('refuses what it cannot read, saying which field', async () => {
    const viewer = h.client('viewer');
    const unknown = await viewer.send('GET', '/api/v1/logs/services/no-such-service');
    expect(unknown.status).toBe(404);
    const env = await viewer.send('GET', '/api/v1/logs/services/core-service', { query: { environment: 'qa' } });
    expect(env.status).toBe(404);
    expect((env.body as { error: { message: string } }).error.message).toBe('service core-service has no environment qa (it has prod, staging, dev)');
    const long = await viewer.send('GET', '/api/v1/logs/services/core-service', { query: { from: '2026-01-01T00:00:00Z', to: '2026-01-09T00:00:00Z' } });
    expect(long.status).toBe(400);
    expect((long.body as { error: { details: unknown } }).error.details).toEqual([{ path: '/query/from', message: 'at most 7 days from start to end' }]);
    const empty = await viewer.send('GET', '/api/v1/logs/services/core-service', { query: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } });
    expect(empty.status).toBe(400);
    const level = await viewer.send('GET', '/api/v1/logs/services/core-service', { query: { level: 'LOUD' } });
    expect(level.status).toBe(400);
    const cursor = await viewer.send('GET', '/api/v1/logs/services/core-service', { query: { cursor: 'bm90IG91cnM' } });
    expect(cursor.status).toBe(400);
  });

  it('limits each caller to 30 reads a minute (429 with Retry-After), others unaffected', { timeout: 30_000 }, async () => {
    const developer = h.client('developer');
    // The window is the clock's minute: start early in one.
    if (Date.now() % 60_000 > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 100));
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await developer.send('GET', '/api/v1/logs/services/redis', { query: { limit: 1 } })).status);
    const refused = statuses.indexOf(429);
    expect(refused).toBeGreaterThan(0);
    const last = await developer.send('GET', '/api/v1/logs/services/redis', { query: { limit: 1 } });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await h.client('operator').send('GET', '/api/v1/logs/services/redis', { query: { limit: 1 } })).status).toBe(200);
  });
});
