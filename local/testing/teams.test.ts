/**
 * Teams and membership over signed HTTP through the local runtime: CRUD, validation, optimistic
 * locking with two concurrent writers, Idempotency-Key with concurrent duplicates, and the audit
 * trail each mutation leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList, Me, Team, TeamList, TeamMemberList } from '#schemas/index.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const admin = () => h.client('admin');

describe('teams', () => {
  it('creates, reads, updates with If-Match and deletes a team', async () => {
    // Prepare / Act
    const created = await admin().send('POST', '/api/v1/teams', { body: { id: 'sre', name: 'SRE', description: 'Keeps the lights on', slackChannel: '#sre' } });
    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe('/api/v1/teams/sre');
    expect(created.body).toEqual({
      id: 'sre', name: 'SRE', description: 'Keeps the lights on', slackChannel: '#sre',
      createdAt: expect.any(String), createdBy: 'admin@apollo.local', updatedAt: expect.any(String), version: 1,
    });

    const read = await h.client('viewer').send('GET', '/api/v1/teams/sre');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await admin().send('PUT', '/api/v1/teams/sre', { body: { name: 'Site Reliability', slackChannel: null }, ifMatch: 1 });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(updated.body).toMatchObject({ id: 'sre', name: 'Site Reliability', version: 2 });
    expect(updated.body).not.toHaveProperty('slackChannel');

    const deleted = await admin().send('DELETE', '/api/v1/teams/sre', { ifMatch: 2 });
    expect(deleted.status).toBe(204);
    expect((await admin().send('GET', '/api/v1/teams/sre')).status).toBe(404);
  });

  it('rejects unknown fields and bad values with every error and its path', async () => {
    const res = await admin().send('POST', '/api/v1/teams', { body: { id: 'X', name: '', colour: 'red' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'ValidationError',
        message: expect.stringContaining('invalid request body'),
        details: expect.arrayContaining([
          { path: '/body/colour', message: 'unknown field' },
          { path: '/body/id', message: expect.stringContaining('pattern') },
          { path: '/body/name', message: expect.stringContaining('fewer than 1') },
        ]),
      },
      requestId: res.requestId,
    });
  });

  it('answers malformed JSON, a wrong content type and an oversized body with 4xx, never 500', async () => {
    const client = admin();
    const bad = await client.send('POST', '/api/v1/teams', { body: undefined, headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    const big = await client.send('POST', '/api/v1/teams', { body: { id: 'big-team', name: 'x'.repeat(300_000) } });
    expect(big.status).toBe(413);
    expect((big.body as { error: { code: string } }).error.code).toBe('PayloadTooLarge');
  });

  it('refuses a second create of the same id with 409', async () => {
    await admin().send('POST', '/api/v1/teams', { body: { id: 'twice', name: 'Twice' } });
    const again = await admin().send('POST', '/api/v1/teams', { body: { id: 'twice', name: 'Twice' } });
    expect(again.status).toBe(409);
    expect((again.body as { error: { message: string } }).error.message).toBe('team twice already exists');
    // Both attempts are on the team's history, the refused one too.
    const history = await admin().request('GET /api/v1/audit', { query: { resourceType: 'team', resourceId: 'twice' } });
    expect(history.body.items.filter((e) => e.action === 'teams.create').map((e) => e.outcome).sort()).toEqual(['failed', 'succeeded']);
  });

  it('requires If-Match on PUT and DELETE (428) and rejects a stale one (412)', async () => {
    await admin().send('POST', '/api/v1/teams', { body: { id: 'locked', name: 'Locked' } });
    expect((await admin().send('PUT', '/api/v1/teams/locked', { body: { name: 'No match' } })).status).toBe(428);
    expect((await admin().send('DELETE', '/api/v1/teams/locked')).status).toBe(428);
    const stale = await admin().send('PUT', '/api/v1/teams/locked', { body: { name: 'Stale' }, ifMatch: 7 });
    expect(stale.status).toBe(412);
    expect((stale.body as { error: { message: string } }).error.message).toMatch(/changed since you read it \(version 1, you sent 7\)/);
  });

  it('lets exactly one of two concurrent writers with the same If-Match win', async () => {
    await admin().send('POST', '/api/v1/teams', { body: { id: 'race', name: 'Race' } });
    const [a, b] = await Promise.all([
      admin().send('PUT', '/api/v1/teams/race', { body: { name: 'Writer A' }, ifMatch: 1 }),
      admin().send('PUT', '/api/v1/teams/race', { body: { name: 'Writer B' }, ifMatch: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const winner = (a.status === 200 ? a : b).body as Team;
    const stored = (await admin().send('GET', '/api/v1/teams/race')).body as Team;
    expect(stored).toEqual(winner);
    expect(stored.version).toBe(2);
  });

  it('paginates with an opaque cursor and rejects a forged one', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) await admin().send('POST', '/api/v1/teams', { body: { id, name: id } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await admin().send('GET', '/api/v1/teams', { query: { limit: 2, cursor } })).body as TeamList;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    const forged = await admin().send('GET', '/api/v1/teams', { query: { cursor: Buffer.from('{"PK":"AUDIT#x"}').toString('base64url') } });
    expect(forged.status).toBe(400);
    expect((await admin().send('GET', '/api/v1/teams', { query: { limit: 0 } })).status).toBe(400);
    expect((await admin().send('GET', '/api/v1/teams', { query: { colour: 'red' } })).status).toBe(400);
  });
});

describe('membership', () => {
  it('adds members idempotently, shows them in /me, and removes them', async () => {
    await admin().send('POST', '/api/v1/teams', { body: { id: 'mobile', name: 'Mobile' } });
    const added = await admin().send('PUT', '/api/v1/teams/mobile/members/Developer@Apollo.Local', { body: { role: 'lead' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ teamId: 'mobile', principal: 'developer@apollo.local', role: 'lead', addedBy: 'admin@apollo.local' });
    const again = await admin().send('PUT', '/api/v1/teams/mobile/members/developer@apollo.local', { body: { role: 'lead' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(added.body);

    const me = (await h.client('developer').send('GET', '/api/v1/me')).body as Me;
    expect(me.teams).toContainEqual({ id: 'mobile', role: 'lead' });

    const members = (await h.client('viewer').send('GET', '/api/v1/teams/mobile/members')).body as TeamMemberList;
    expect(members.items.map((m) => m.principal)).toEqual(['developer@apollo.local']);

    expect((await admin().send('DELETE', '/api/v1/teams/mobile/members/developer@apollo.local')).status).toBe(204);
    expect((await admin().send('DELETE', '/api/v1/teams/mobile/members/developer@apollo.local')).status).toBe(204);
    expect(((await h.client('developer').send('GET', '/api/v1/me')).body as Me).teams).not.toContainEqual({ id: 'mobile', role: 'lead' });
  });

  it('deleting a team removes its memberships', async () => {
    await admin().send('POST', '/api/v1/teams', { body: { id: 'short-lived', name: 'Short' } });
    await admin().send('PUT', '/api/v1/teams/short-lived/members/viewer@apollo.local', { body: {} });
    expect((await admin().send('DELETE', '/api/v1/teams/short-lived', { ifMatch: 1 })).status).toBe(204);
    const me = (await h.client('viewer').send('GET', '/api/v1/me')).body as Me;
    expect(me.teams.map((t) => t.id)).not.toContain('short-lived');
    expect((await admin().send('PUT', '/api/v1/teams/short-lived/members/viewer@apollo.local', { body: {} })).status).toBe(404);
  });

  it('rejects a principal that is not a name', async () => {
    await admin().send('POST', '/api/v1/teams', { body: { id: 'names', name: 'Names' } });
    const res = await admin().send('PUT', '/api/v1/teams/names/members/%3Cscript%3E', { body: {} });
    expect(res.status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for a repeated key and stores one team', async () => {
    const body = { id: 'idem-one', name: 'Idempotent' };
    const first = await admin().send('POST', '/api/v1/teams', { body, idempotencyKey: 'key-idem-one-0001' });
    const second = await admin().send('POST', '/api/v1/teams', { body, idempotencyKey: 'key-idem-one-0001' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const audit = (await admin().send('GET', '/api/v1/audit', { query: { resourceType: 'team', resourceId: 'idem-one' } })).body as AuditList;
    expect(audit.items.filter((e) => e.action === 'teams.create')).toHaveLength(1);
  });

  it('runs concurrent duplicates once: one creates, the rest replay or are told to retry', async () => {
    const body = { id: 'idem-many', name: 'Concurrent' };
    const results = await Promise.all(Array.from({ length: 5 }, () => admin().send('POST', '/api/v1/teams', { body, idempotencyKey: 'key-idem-many-0001' })));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((x) => x.status === 409)) {
      expect((r.body as { error: { message: string } }).error.message).toMatch(/still being processed/);
    }
    const created = results.filter((r) => r.status === 201).map((r) => r.body as Team);
    expect(new Set(created.map((t) => t.createdAt)).size).toBe(1);
    const audit = (await admin().send('GET', '/api/v1/audit', { query: { resourceType: 'team', resourceId: 'idem-many' } })).body as AuditList;
    expect(audit.items.filter((e) => e.action === 'teams.create' && e.outcome === 'succeeded')).toHaveLength(1);
  });

  it('refuses the same key with a different body (422) and a malformed key (400)', async () => {
    await admin().send('POST', '/api/v1/teams', { body: { id: 'idem-diff', name: 'A' }, idempotencyKey: 'key-idem-diff-0001' });
    const other = await admin().send('POST', '/api/v1/teams', { body: { id: 'idem-diff', name: 'B' }, idempotencyKey: 'key-idem-diff-0001' });
    expect(other.status).toBe(422);
    expect((await admin().send('POST', '/api/v1/teams', { body: { id: 'idem-bad', name: 'A' }, idempotencyKey: 'short' })).status).toBe(400);
  });

  it('scopes keys to the caller', async () => {
    await admin().send('PUT', '/api/v1/teams/platform/members/viewer@apollo.local', { body: {} });
    const mine = await admin().send('POST', '/api/v1/teams', { body: { id: 'scoped-a', name: 'A' }, idempotencyKey: 'key-shared-0001' });
    const session = await h.sessionClient('admin').send('POST', '/api/v1/teams', { body: { id: 'scoped-a', name: 'A' }, idempotencyKey: 'key-shared-0001' });
    expect(mine.status).toBe(201);
    // The same principal through session credentials is the same caller: the replay is its own.
    expect(session.status).toBe(201);
    expect(session.body).toEqual(mine.body);
  });
});
