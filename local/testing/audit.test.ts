/**
 * The audit log over signed HTTP: every mutation leaves an entry (intent, then outcome), the log is
 * searchable by actor, resource, action and time, and when the intent can't be written the mutation
 * does not happen (503) and stored state is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditList, Team } from '#schemas/index.ts';
import { dynamoClient } from '#lib/table';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const admin = () => h.client('admin');
const search = async (query: Record<string, string | number | undefined>) =>
  (await admin().call<AuditList>('GET', '/api/v1/audit', { query })).body;

describe('audit trail', () => {
  it('records who did what to which resource, with the outcome', async () => {
    const created = await admin().send('POST', '/api/v1/teams', { body: { id: 'audited', name: 'Audited' }, headers: { 'user-agent': 'apollo-test/1.0' } });
    expect(created.status).toBe(201);
    const { items } = await search({ resourceType: 'team', resourceId: 'audited' });
    expect(items).toEqual([{
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      at: expect.any(String),
      actor: 'admin@apollo.local',
      actorType: 'user',
      actorRole: 'admin',
      action: 'teams.create',
      resourceType: 'team',
      resourceId: 'audited',
      details: { body: { id: 'audited', name: 'Audited', description: '' } },
      sourceIp: '127.0.0.1',
      userAgent: 'apollo-test/1.0',
      requestId: created.headers.get('x-amzn-requestid'),
      outcome: 'succeeded',
      statusCode: 201,
      completedAt: expect.any(String),
    }]);
    const one = await admin().call<AuditEntry>('GET', `/api/v1/audit/${items[0]!.id}`);
    expect(one.body).toEqual(items[0]);
  });

  it('records failed mutations as failed, with the error code', async () => {
    await admin().send('PUT', '/api/v1/teams/audited', { body: { name: 'Stale' }, ifMatch: 9 });
    const { items } = await search({ resourceType: 'team', resourceId: 'audited', action: 'teams.update' });
    expect(items[0]).toMatchObject({ action: 'teams.update', outcome: 'failed', statusCode: 412, errorCode: 'PreconditionFailed', details: { id: 'audited', ifMatch: 9 } });
  });

  it('filters by actor and action prefix, newest first, across pages', async () => {
    await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'by-admin-1', name: 'One' } });
    await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'by-admin-2', name: 'Two' } });
    const first = await search({ actor: 'admin@apollo.local', action: 'teams.', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.items[0]!.resourceId).toBe('by-admin-2');
    expect(first.items[1]!.resourceId).toBe('by-admin-1');
    expect(first.nextCursor).not.toBeNull();
    const second = await search({ actor: 'admin@apollo.local', action: 'teams.', limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((e) => e.at <= first.items[1]!.at)).not.toContain(false);
    const all = await search({});
    expect(all.items.map((e) => e.at)).toEqual([...all.items.map((e) => e.at)].sort().reverse());
    expect((await search({ actor: 'nobody@apollo.local' })).items).toEqual([]);
  });

  it('honours the time range and rejects a bad one', async () => {
    const future = await search({ from: new Date(Date.now() + 60_000).toISOString(), to: new Date(Date.now() + 120_000).toISOString() });
    expect(future.items).toEqual([]);
    const bad = await admin().send('GET', '/api/v1/audit', { query: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } });
    expect(bad.status).toBe(400);
    const tooLong = await admin().send('GET', '/api/v1/audit', { query: { from: '2020-01-01T00:00:00Z' } });
    expect(tooLong.status).toBe(400);
    const orphan = await admin().send('GET', '/api/v1/audit', { query: { resourceId: 'x' } });
    expect(orphan.status).toBe(400);
    expect((orphan.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/query/resourceType', message: 'is required with resourceId' }]);
  });

  it('pages across the days that hold entries, skipping empty days in one Query', async () => {
    // Prepare: entries on two past days with nine empty days between them, written as the log writes them.
    const { markAuditDay } = await import('#lib/audit-days');
    const { putNew } = await import('#lib/table');
    const { auditKey } = await import('#lib/audit-log');
    const { ulid } = await import('ulidx');
    const old = [Date.parse('2026-01-20T10:00:00Z'), Date.parse('2026-01-10T10:00:00Z')];
    for (const time of old) {
      const id = ulid(time);
      const key = auditKey(id);
      await markAuditDay(key.at.slice(0, 10));
      await putNew({ PK: key.PK, SK: key.SK, entity: 'audit', id, at: key.at, actor: 'past@apollo.local', actorType: 'user', actorRole: 'admin', action: 'teams.create', resourceType: 'team', resourceId: `past-${key.at.slice(0, 10)}`, details: {}, sourceIp: '127.0.0.1', userAgent: 'test', requestId: id, outcome: 'succeeded' }, 'exists');
    }
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-31T00:00:00Z' };
    // Act
    const first = await search({ ...range, limit: 1 });
    const second = await search({ ...range, limit: 1, cursor: first.nextCursor! });
    // Assess
    expect(first.items.map((e) => e.resourceId)).toEqual(['past-2026-01-20']);
    expect(second.items.map((e) => e.resourceId)).toEqual(['past-2026-01-10']);
    expect(second.nextCursor).toBeNull();
    expect((await search(range)).items).toHaveLength(2);
  });

  it('answers 404 for an unknown entry', async () => {
    expect((await admin().send('GET', '/api/v1/audit/01JZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await admin().send('GET', '/api/v1/audit/not-an-id')).status).toBe(404);
  });
});

describe('fail closed', () => {
  it('refuses the mutation with 503 and changes nothing when the audit intent cannot be written', async () => {
    // Prepare: a team, then every audit write fails as if DynamoDB throttled it.
    await admin().call('POST', '/api/v1/teams', { body: { id: 'fail-closed', name: 'Before' } });
    const failAudit = (next: (args: never) => Promise<unknown>) => async (args: { input: { Item?: { PK?: { S?: string } | string } } }) => {
      const pk = args.input.Item?.PK;
      const value = typeof pk === 'string' ? pk : pk?.S;
      if (value?.startsWith('AUDIT#')) throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
      return next(args as never);
    };
    dynamoClient.middlewareStack.add(failAudit as never, { step: 'initialize', name: 'fail-audit' });
    try {
      // Act
      const update = await admin().send('PUT', '/api/v1/teams/fail-closed', { body: { name: 'After' }, ifMatch: 1 });
      const create = await admin().send('POST', '/api/v1/teams', { body: { id: 'never-created', name: 'Never' } });
      // Assess
      expect(update.status).toBe(503);
      expect(update.body).toEqual({
        error: { code: 'ServiceUnavailable', message: 'the audit log is unavailable, so nothing was changed; retry shortly', details: [] },
        requestId: update.requestId,
      });
      expect(update.headers.get('retry-after')).toBe('5');
      expect(create.status).toBe(503);
    } finally {
      dynamoClient.middlewareStack.remove('fail-audit');
    }
    const stored = (await admin().call<Team>('GET', '/api/v1/teams/fail-closed')).body;
    expect(stored).toMatchObject({ name: 'Before', version: 1 });
    expect((await admin().send('GET', '/api/v1/teams/never-created')).status).toBe(404);
  });
});
