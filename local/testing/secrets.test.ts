/**
 * Secrets over signed HTTP through the local runtime and its LOCAL encrypted store: a full create → read → update →
 * rotate → rollback → delete → restore cycle as an admin, with every response body and every log line captured and
 * scanned for the value (none may hold it); RBAC per role and team (metadata for a developer's team only, the
 * masked value for admins only and only when revealed, writes for admins only); retries with an Idempotency-Key;
 * the expiry job's judgement, dashboard, compliance and once-a-day notices; the audit trail of reads and changes
 * without values.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeSecretCommand, GetSecretValueCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList, Secret, SecretExpiring, SecretHistory, SecretList } from '#schemas/index.ts';
import { configureSecrets, secretsDeps } from '#functions/secrets/deps';
import { runSecretExpiry } from '#functions/secrets/expiry';
import { SecretsManagerStore } from '#functions/secrets/adapters/secrets-manager-store';
import type { SecretStore } from '#functions/secrets/ports';
import { changesOf } from '#functions/secrets/records';
import { logger } from '#lib/observability';
import { queryAll } from '#lib/table';
import { seedDemoData } from '../seed.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
const captured: string[] = [];
const written: string[] = [];
/** Secrets whose value was read (lastFour: GetSecretValue in AWS, which Secrets Manager counts as an access). */
const reads: string[] = [];
/** The next such call is done by the store, then its answer is lost (a timeout after Secrets Manager acted). */
let loseAnswerOf: 'create' | 'putValue' | undefined;
const answered = <T>(call: 'create' | 'putValue', out: T): T => {
  if (loseAnswerOf !== call) return out;
  loseAnswerOf = undefined;
  throw new Error(`the answer of ${call} was lost (test)`);
};

// A Slack incoming webhook on loopback: the expiry job posts its summary there (read once, at the config's first use).
const slackPosts: string[] = [];
/** The next post is answered 500 and not kept. */
let slackFailsOnce = false;
const slack = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8'))).on('end', () => {
    if (slackFailsOnce) {
      slackFailsOnce = false;
      res.statusCode = 500;
      res.end('internal_error');
      return;
    }
    slackPosts.push(body);
    res.end('ok');
  });
});
await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
process.env.APOLLO_SECRETS_SLACK_WEBHOOK_URL = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/services/T000/B000/qa`;

let original: { out: typeof process.stdout.write; err: typeof process.stderr.write };
beforeAll(async () => {
  // Every line, DEBUG too: a value must reach none.
  logger.setLogLevel('DEBUG');
  h = await startHarness();
  // Every value that crosses the store's port (typed, and generated: a create, an update, a rotation), to scan for.
  const { storeFor } = await secretsDeps();
  configureSecrets({
    storeFor: async (environment, caller) => {
      const store = await storeFor(environment, caller);
      const recorded: Partial<SecretStore> = {
        create: async (input) => (written.push(input.value), answered('create', await store.create(input))),
        putValue: async (name, value, options) => (written.push(value), answered('putValue', await store.putValue(name, value, options))),
        lastFour: (name, versionId, key) => (reads.push(name), store.lastFour(name, versionId, key)),
      };
      return new Proxy(store, {
        get: (target, key) => (key in recorded ? recorded[key as keyof SecretStore] : typeof target[key as keyof SecretStore] === 'function' ? (target[key as keyof SecretStore] as (...args: unknown[]) => unknown).bind(target) : target[key as keyof SecretStore]),
      });
    },
  });
  await seedDemoData({ baseUrl: h.runtime.url });
  // Every line the handlers log (over the runtime's own-log tee, which keeps quiet what is below the terminal's level).
  original = { out: process.stdout.write, err: process.stderr.write };
  const capture = (stream: NodeJS.WriteStream, write: typeof process.stdout.write) => function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
  } as typeof process.stdout.write;
  process.stdout.write = capture(process.stdout, original.out);
  process.stderr.write = capture(process.stderr, original.err);
  // The developer is in payments; core-service is platform's.
  expect([200, 201]).toContain((await h.client('admin').send('PUT', '/api/v1/teams/platform/members/operator@apollo.local', { body: {} })).status);
});
afterAll(async () => {
  await h.close();
  slack.close();
  delete process.env.APOLLO_SECRETS_SLACK_WEBHOOK_URL;
  process.stdout.write = original.out;
  process.stderr.write = original.err;
  logger.setLogLevel((process.env.LOG_LEVEL as 'WARN' | undefined) ?? 'WARN');
});

const VALUE = 'pg-Pa55word-7f9c2a1b-e3d4-Q9xZ';
const NEXT = 'pg-N3xtValue-0b8e11aa-77c2-Rt4K';
const PATH = '/api/v1/secrets/staging/core-service/test-db-password';
const bodies: string[] = [];
const errorOf = (body: unknown) => (body as { error: { code: string; message: string; details?: unknown[] } }).error;
const today = () => `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`;

async function call<T>(role: 'viewer' | 'developer' | 'operator' | 'admin', method: string, path: string, options: { body?: unknown; query?: Record<string, string>; idempotencyKey?: string } = {}): Promise<{ status: number; body: T }> {
  const res = await h.client(role).send(method as never, path, { ...(method === 'POST' && /rotate|rollback/.test(path) ? { idempotencyKey: `k-${Date.now()}-${Math.random().toString(36).slice(2)}` } : {}), ...options } as never);
  bodies.push(JSON.stringify(res.body));
  return res as { status: number; body: T };
}

/** GET …/{secret}?reveal=true: the masked value (an admin's audited read of the value). */
const reveal = (path: string, role: 'operator' | 'admin' = 'admin') => call<Secret>(role, 'GET', path, { query: { reveal: 'true' } });

describe('a secret\'s whole life, as an admin, never showing its value', () => {
  let created: Secret;
  let firstVersion: string;

  it('creates it with its category and tags, answering metadata only', async () => {
    const res = await call<Secret>('admin', 'POST', PATH, { body: { category: 'database', value: VALUE, description: 'core-service Postgres', owner: 'platform' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    created = res.body;
    expect(created).toMatchObject({
      environment: 'staging', service: 'core-service', name: 'test-db-password', secretName: 'apollo/staging/core-service/test-db-password', category: 'database',
      owner: 'platform', rotationDays: 90, rotationPolicy: 'every 90 days (database)', status: 'ok', production: false, simulated: true, deletionDate: null,
    });
    expect(created.masked).toBeUndefined();
    firstVersion = created.currentVersionId!;
    const again = await call('admin', 'POST', PATH, { body: { category: 'database', value: VALUE } });
    expect(again.status).toBe(409);
  });

  it('reads no value for its metadata, an admin\'s neither: the last 4 characters only when an admin reveals them', async () => {
    // Act: an admin opens it (its page, `apollo secrets get`)
    const opened = await call<Secret>('admin', 'GET', PATH);
    // Assess: metadata only, the value untouched (no access recorded, as Secrets Manager would for GetSecretValue)
    expect(opened.status).toBe(200);
    expect(opened.body.masked).toBeUndefined();
    expect(opened.body.lastAccessedAt).toBeNull();
    expect(reads.filter((n) => n === created.secretName)).toEqual([]);

    // Act: the admin asks for the last 4
    const revealed = await reveal(PATH);
    // Assess: read once, recorded as an access to the day, audited as a masked read
    expect(revealed.body).toMatchObject({ masked: '••••Q9xZ', lastAccessedAt: today() });
    expect(reads.filter((n) => n === created.secretName)).toEqual([created.secretName]);
    const audit = (await call<AuditList>('admin', 'GET', '/api/v1/secrets/audit', { query: { environment: 'staging', service: 'core-service', name: 'test-db-password' } })).body;
    expect(audit.items.filter((e) => e.action.startsWith('secrets.read.')).slice(0, 2).map((e) => [e.action, e.actor])).toEqual([
      ['secrets.read.masked', 'admin@apollo.local'], ['secrets.read.metadata', 'admin@apollo.local'],
    ]);
  });

  it('shows operators metadata (reveal: 403); a developer outside the team nothing', async () => {
    const operator = await call<Secret>('operator', 'GET', PATH);
    expect(operator.status).toBe(200);
    expect(operator.body.masked).toBeUndefined();
    expect((await reveal(PATH, 'operator')).status).toBe(403);
    expect((await call('developer', 'GET', PATH)).status).toBe(404);
    expect((await call('viewer', 'GET', PATH)).status).toBe(403);
    const developerList = (await call<SecretList>('developer', 'GET', '/api/v1/secrets', { query: { service: 'core-service' } })).body;
    expect(developerList.items).toEqual([]);
    expect((await call('operator', 'PUT', PATH, { body: { value: NEXT } })).status).toBe(403);
  });

  it('updates it to a new version, rotates (refused for a database secret without a rotation Lambda), and rolls back', async () => {
    const updated = await call<Secret>('admin', 'PUT', PATH, { body: { value: NEXT, rotationDays: 60 } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({ rotationDays: 60, rotationPolicy: expect.stringContaining('every 60 days') });
    expect(updated.body.currentVersionId).not.toBe(firstVersion);
    expect((await reveal(PATH)).body.masked).toBe('••••Rt4K');

    const rotate = await call('admin', 'POST', `${PATH}/rotate`, { body: {} });
    expect(rotate.status).toBe(409);
    expect(errorOf(rotate.body).message).toContain('its new value comes from its provider');

    const history = (await call<SecretHistory>('admin', 'GET', `${PATH}/history`)).body;
    expect(history.versions.map((v) => v.stages)).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
    expect(history.versions[1]).toMatchObject({ versionId: firstVersion, createdBy: 'admin@apollo.local' });

    const back = await call<Secret>('admin', 'POST', `${PATH}/rollback`, { body: { versionId: firstVersion } });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.currentVersionId).toBe(firstVersion);
    expect((await reveal(PATH)).body.masked).toBe('••••Q9xZ');
    expect((await call('admin', 'POST', `${PATH}/rollback`, { body: { versionId: firstVersion } })).status).toBe(409);
  });

  it('rotates an internal secret by itself: a generated value staged, then current', async () => {
    const path = '/api/v1/secrets/staging/core-service/test-jwt-key';
    const made = (await call<Secret>('admin', 'POST', path, { body: { category: 'internal', generate: true } })).body;
    const rotated = await call<Secret>('admin', 'POST', `${path}/rotate`, { body: { reason: 'test' } });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.currentVersionId).not.toBe(made.currentVersionId);
    expect(rotated.body.lastRotatedAt).not.toBeNull();
    const history = (await call<SecretHistory>('admin', 'GET', `${path}/history`)).body;
    expect(history.versions[0]!.stages).toEqual(['AWSCURRENT']);
    expect(history.versions[1]!.stages).toEqual(['AWSPREVIOUS']);
    // Back to the value it was made with: the rotated one becomes AWSPREVIOUS.
    const back = await call<Secret>('admin', 'POST', `${path}/rollback`, { body: { versionId: made.currentVersionId } });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect((await call<SecretHistory>('admin', 'GET', `${path}/history`)).body.versions.map((v) => [v.versionId, v.stages])).toEqual([
      [rotated.body.currentVersionId, ['AWSPREVIOUS']], [made.currentVersionId, ['AWSCURRENT']],
    ]);
    expect((await reveal(path)).body.masked).toMatch(/^••••[A-Za-z0-9]{4}$/);
  });

  it('deletes it with a recovery window and restores it', async () => {
    const deleted = await call<Secret>('admin', 'DELETE', PATH, { query: { recoveryDays: '7' } });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toMatchObject({ status: 'scheduled-deletion', deletionDate: expect.any(String) });
    const scheduled = await call<SecretList>('admin', 'GET', '/api/v1/secrets', { query: { environment: 'staging', due: 'scheduled-deletion' } });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    expect(scheduled.body.items.map((s) => [s.secretName, s.status])).toEqual([[created.secretName, 'scheduled-deletion']]);
    expect((await call('admin', 'PUT', PATH, { body: { value: NEXT } })).status).toBe(409);
    const restored = await call<Secret>('admin', 'POST', `${PATH}/restore`, { body: {} });
    expect(restored.body).toMatchObject({ deletionDate: null });
  });

  it('audits every read and change, naming the secret, never the value', async () => {
    const audit = (await call<AuditList>('admin', 'GET', '/api/v1/secrets/audit', { query: { environment: 'staging', service: 'core-service', name: 'test-db-password', limit: '100' } })).body;
    const actions = audit.items.map((e) => e.action);
    for (const action of ['secrets.create', 'secrets.read.masked', 'secrets.read.metadata', 'secrets.update', 'secrets.rollback', 'secrets.delete', 'secrets.restore']) expect(actions).toContain(action);
    const update = audit.items.find((e) => e.action === 'secrets.update')!;
    expect(JSON.stringify(update.details)).toContain('[omitted]');
    expect((await call('operator', 'GET', '/api/v1/secrets/audit')).status).toBe(403);
  });

  it('names the secret in its log lines (the logger redacts a key named secret)', () => {
    const lines = captured.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.message === 'secret created' && l.secretName === created.secretName)).toMatchObject({ versionId: firstVersion });
    expect(lines.find((l) => l.message === 'secret value changed' && l.secretName === created.secretName)).toMatchObject({ kind: 'update' });
  });

  it('never had the value in any response body or log line', () => {
    const everything = [...bodies, ...captured, ...slackPosts].join('\n');
    // The typed ones, and every one the store was given: the generated values of a create and of a rotation too.
    expect(written).toEqual(expect.arrayContaining([VALUE, NEXT]));
    expect(written.length).toBeGreaterThanOrEqual(4);
    for (const value of new Set([VALUE, NEXT, ...written])) {
      expect(everything.includes(value), `a value of ${value.length} characters`).toBe(false);
      // Nor its first half: the mask shows 4 characters, nothing more.
      expect(everything.includes(value.slice(0, Math.max(8, value.length / 2))), `half a value of ${value.length} characters`).toBe(false);
    }
    expect(captured.length).toBeGreaterThan(0);
  });
});

describe('a JSON value the catalog reads by key', () => {
  it('keeps the fields its readers read: no generated value, no value without them', async () => {
    const path = '/api/v1/secrets/staging/core-service/db-password';
    const generate = await call('admin', 'PUT', path, { body: { generate: true } });
    expect(generate.status).toBe(400);
    expect(errorOf(generate.body).message).toMatch(/core-service \(staging, as DB_PASSWORD\) reads the field password/);
    const plain = await call('admin', 'PUT', path, { body: { value: 'plain-Passw0rd-not-json' } });
    expect(plain.status).toBe(400);
    expect(JSON.stringify(plain.body)).not.toContain('plain-Passw0rd-not-json');
    const json = await call<Secret>('admin', 'PUT', path, { body: { value: JSON.stringify({ username: 'core', password: 'Js0n-Passw0rd-7c1e' }) } });
    expect(json.status, JSON.stringify(json.body)).toBe(200);
    expect((await reveal(path)).body.masked).toBe('••••7c1e');
  });
});

describe('a value Secrets Manager would refuse', () => {
  it('is a 400 naming /body/value when it is under 65,536 characters but over 65,536 bytes', async () => {
    const value = 'é'.repeat(40_000);
    for (const [method, path, body] of [['PUT', PATH, { value }], ['POST', '/api/v1/secrets/staging/core-service/test-wide', { category: 'internal', value }]] as const) {
      const res = await call('admin', method, path, { body });
      expect(res.status, method).toBe(400);
      expect(errorOf(res.body).details, method).toEqual([{ path: '/body/value', message: 'more than 65536 bytes' }]);
    }
  });
});

describe('an unused secret', () => {
  it('stays unused when an admin opens it (its metadata is no read of its value)', async () => {
    const path = '/api/v1/secrets/prod/billing-service/paypal-api-key';
    const opened = await call<Secret>('admin', 'GET', path);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ status: 'unused' });
    expect(opened.body.masked).toBeUndefined();
    const unused = (await call<SecretList>('admin', 'GET', '/api/v1/secrets', { query: { due: 'unused' } })).body.items;
    expect(unused.map((s) => s.secretName)).toContain('apollo/prod/billing-service/paypal-api-key');
  });
});

describe('a retried create or new value (Idempotency-Key)', () => {
  const path = '/api/v1/secrets/staging/core-service/test-retried-key';
  const name = 'apollo/staging/core-service/test-retried-key';
  const FIRST = 'sk_live_Retried-First-4c2d9e-Wq3P';
  const SECOND = 'sk_live_Retried-Second-8a1f7b-Zm6T';
  const key = (what: string) => `${what}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const historyOf = async (p: string) => (await call<SecretHistory>('admin', 'GET', `${p}/history`)).body.versions.map((v) => [v.versionId, v.stages]);

  it('creates once for one key: the same 201 again; another key is 409, another value with the key 422', async () => {
    // Arrange
    const once = key('create');
    // Act
    const first = await call<Secret>('admin', 'POST', path, { body: { category: 'api-key', value: FIRST }, idempotencyKey: once });
    const again = await call<Secret>('admin', 'POST', path, { body: { category: 'api-key', value: FIRST }, idempotencyKey: once });
    // Assess
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect([again.status, again.body]).toEqual([201, first.body]);
    expect(await historyOf(path)).toEqual([[first.body.currentVersionId, ['AWSCURRENT']]]);
    expect((await call('admin', 'POST', path, { body: { category: 'api-key', value: FIRST }, idempotencyKey: key('create') })).status).toBe(409);
    expect((await call('admin', 'POST', path, { body: { category: 'api-key', value: SECOND }, idempotencyKey: once })).status).toBe(422);
  });

  it('creates once when the first try\'s answer was lost after Secrets Manager made it', async () => {
    // Arrange
    const lost = '/api/v1/secrets/staging/core-service/test-lost-create';
    const once = key('create');
    loseAnswerOf = 'create';
    // Act
    const first = await call('admin', 'POST', lost, { body: { category: 'internal', value: FIRST }, idempotencyKey: once });
    const retry = await call<Secret>('admin', 'POST', lost, { body: { category: 'internal', value: FIRST }, idempotencyKey: once });
    // Assess
    expect(first.status).toBe(500);
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(await historyOf(lost)).toEqual([[retry.body.currentVersionId, ['AWSCURRENT']]]);
  });

  it('makes one version for a new value sent twice with one key (its previous stays AWSPREVIOUS); another key makes another', async () => {
    // Arrange
    const [[v1]] = await historyOf(path) as [[string]];
    const once = key('update');
    // Act
    const first = await call<Secret>('admin', 'PUT', path, { body: { value: SECOND }, idempotencyKey: once });
    const again = await call<Secret>('admin', 'PUT', path, { body: { value: SECOND }, idempotencyKey: once });
    // Assess
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect([again.status, again.body]).toEqual([200, first.body]);
    const v2 = first.body.currentVersionId;
    expect(await historyOf(path)).toEqual([[v2, ['AWSCURRENT']], [v1, ['AWSPREVIOUS']]]);
    expect((await call('admin', 'PUT', path, { body: { value: FIRST }, idempotencyKey: once })).status).toBe(422);

    // Act: the same value under another key is another request
    const other = await call<Secret>('admin', 'PUT', path, { body: { value: SECOND }, idempotencyKey: key('update') });
    // Assess
    expect(await historyOf(path)).toEqual([[other.body.currentVersionId, ['AWSCURRENT']], [v2, ['AWSPREVIOUS']], [v1, []]]);
  });

  it('makes one version and tells the change once when the first try\'s answer was lost after the put', async () => {
    // Arrange
    const since = new Date().toISOString();
    const before = await historyOf(path);
    const once = key('update');
    loseAnswerOf = 'putValue';
    // Act
    const first = await call('admin', 'PUT', path, { body: { value: FIRST }, idempotencyKey: once });
    const retry = await call<Secret>('admin', 'PUT', path, { body: { value: FIRST }, idempotencyKey: once });
    // Assess
    expect(first.status).toBe(500);
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    const after = await historyOf(path);
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toEqual([retry.body.currentVersionId, ['AWSCURRENT']]);
    expect((await changesOf('core-service', since, '9999')).filter((c) => c.secretName === name).map((c) => [c.kind, c.versionId])).toEqual([['update', retry.body.currentVersionId]]);
  });

  it('rotates once when the first try stopped after its new version was staged: the retry finishes that rotation', async () => {
    // Arrange
    const internal = '/api/v1/secrets/staging/core-service/test-retried-rotation';
    const made = (await call<Secret>('admin', 'POST', internal, { body: { category: 'internal', generate: true } })).body;
    const once = key('rotate');
    loseAnswerOf = 'putValue';
    // Act
    const first = await call('admin', 'POST', `${internal}/rotate`, { body: {}, idempotencyKey: once });
    const staged = await historyOf(internal);
    const retry = await call<Secret>('admin', 'POST', `${internal}/rotate`, { body: {}, idempotencyKey: once });
    // Assess
    expect(first.status).toBe(500);
    expect(staged).toHaveLength(2);
    expect(staged.find(([, stages]) => (stages as string[]).includes('AWSPENDING'))).toBeDefined();
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(await historyOf(internal)).toEqual([[retry.body.currentVersionId, ['AWSCURRENT']], [made.currentVersionId, ['AWSPREVIOUS']]]);
    expect(staged.map(([v]) => v)).toContain(retry.body.currentVersionId);
  });

  it('keeps no hash of a value for the replay: its Idempotency-Key keys it', async () => {
    const items = JSON.stringify(await queryAll({ partition: 'IDEMPOTENCY' }));
    expect(items).toContain('test-retried-key');
    for (const value of [FIRST, SECOND]) {
      expect(items).not.toContain(value);
      expect(items).not.toContain(createHash('md5').update(JSON.stringify({ value })).digest('base64'));
    }
  });

  it('refuses to rotate it, saying it is an API key secret', async () => {
    const rotate = await call('admin', 'POST', `${path}/rotate`, { body: {} });
    expect(rotate.status).toBe(409);
    expect(errorOf(rotate.body).message).toContain(`${name} is an API key secret without a rotation Lambda`);
  });
});

describe('links', () => {
  it('puts a rotation in the timeline of an incident on a service that uses the secret', async () => {
    const incident = (await call<{ id: string }>('operator', 'POST', '/api/v1/incidents', { body: { title: 'core-service staging 500s', severity: 'medium', affectedServices: ['core-service'], affectedEnvironments: ['staging'] } })).body;
    const rotated = await call<Secret>('admin', 'POST', '/api/v1/secrets/staging/core-service/test-jwt-key/rotate', { body: {} });
    expect(rotated.status).toBe(200);
    const timeline = (await call<{ items: Array<{ type: string; content: string; ref: { kind: string; href?: string } }> }>('operator', 'GET', `/api/v1/incidents/${incident.id}/timeline`)).body;
    const rotations = timeline.items.filter((e) => e.type === 'secret_rotation');
    expect(rotations.map((e) => e.content)).toEqual(expect.arrayContaining(['secret apollo/staging/core-service/test-jwt-key rotated', 'secret apollo/staging/core-service/test-db-password given a new value']));
    expect(rotations.find((e) => e.content.endsWith('test-jwt-key rotated'))!.ref).toEqual({ kind: 'secret', id: 'apollo/staging/core-service/test-jwt-key', href: '/api/v1/secrets/staging/core-service/test-jwt-key' });
  });
});

describe('a rotation of a secret services read', () => {
  it('offers the services that read it a restart: their team hears of it', async () => {
    await runSecretExpiry();
    const path = '/api/v1/secrets/prod/auth-service/jwt-signing-key';
    const before = (await call<Secret>('operator', 'GET', path)).body;
    expect(before.referencedBy.length).toBeGreaterThan(0);
    expect(before.status).toBe('overdue');
    const rotated = await call<Secret>('admin', 'POST', `${path}/rotate`, { body: { reason: 'overdue' } });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.status).toBe('ok');
    // The operator is in platform, auth-service's team.
    const inbox = (await call<{ items: Array<{ kind: string; title: string; link?: string }> }>('operator', 'GET', '/api/v1/me/notifications')).body;
    expect(inbox.items.find((n) => n.kind === 'secret.rotated')).toMatchObject({ title: expect.stringMatching(/^apollo\/prod\/auth-service\/jwt-signing-key was rotated by admin@apollo.local: restart auth-service in prod/), link: '/secrets/prod/auth-service/jwt-signing-key' });
  });
});

describe('the expiry job and dashboard', () => {
  it('judges secrets by the policy table, keeps the day\'s compliance, and lists overdue ones first', async () => {
    const result = await runSecretExpiry();
    expect(result.secrets).toBeGreaterThanOrEqual(2);
    expect(result.failures).toEqual([]);
    const dashboard = (await call<SecretExpiring>('operator', 'GET', '/api/v1/secrets/expiring')).body;
    expect(dashboard.compliance).toMatchObject({ total: expect.any(Number), history: expect.arrayContaining([expect.objectContaining({ date: new Date().toISOString().slice(0, 10) })]) });
    for (const s of dashboard.overdue) expect(s.status).toBe('overdue');
    // The demo's: prod core-service's database password changed 120 days ago (policy 90), a certificate expiring, an unused key.
    expect(dashboard.overdue.map((s) => s.secretName)).toEqual(expect.arrayContaining(['apollo/prod/core-service/db-password', 'apollo/prod/api-gateway/tls-cert']));
    expect(dashboard.overdue.find((s) => s.secretName === 'apollo/prod/core-service/db-password')!.statusReason).toMatch(/^overdue by 30 days/);
    expect(dashboard.unused.map((s) => s.secretName)).toContain('apollo/prod/billing-service/paypal-api-key');
    expect(dashboard.compliance.percent).toBeLessThan(100);
    // The owners of an unused secret are asked whether it is still needed: in-app (once a day, however often the job
    // runs: it ran earlier today already), and in the Slack summary.
    expect(result.notified).toBe(0);
    const inbox = (await call<{ items: Array<{ kind: string; title: string; body?: string }> }>('developer', 'GET', '/api/v1/me/notifications')).body;
    const told = inbox.items.filter((n) => n.kind === 'secret.due' && n.title.endsWith('for team payments'));
    expect(told).toEqual([expect.objectContaining({
      title: expect.stringMatching(/^\d+ secrets?: .*1 unused for team payments$/), body: expect.stringContaining('apollo/prod/billing-service/paypal-api-key: not read for'),
    })]);
    expect(JSON.parse(slackPosts.at(-1)!)).toEqual({ text: expect.stringMatching(/^Apollo secrets: \d+ overdue, \d+ due soon, 1 unused; [\d.]+ % rotated on schedule\.\n/) });
    expect(JSON.parse(slackPosts.at(-1)!).text).toContain('• apollo/prod/billing-service/paypal-api-key: not read for');
    // An overdue secret of a critical production service opens an incident, once; Slack hears once a day too.
    const posts = slackPosts.length;
    expect(await runSecretExpiry()).toMatchObject({ incidents: [], notified: 0 });
    expect(slackPosts.length).toBe(posts);
    const incidents = (await call<{ items: Array<{ title: string; source: { alertName?: string } }> }>('operator', 'GET', '/api/v1/incidents', { query: { service: 'core-service', status: 'open' } })).body;
    expect(incidents.items.filter((i) => i.title === 'Secret apollo/prod/core-service/db-password is overdue for rotation').map((i) => i.source.alertName)).toEqual(['SecretOverdue']);
    const list = (await call<SecretList>('operator', 'GET', '/api/v1/secrets', { query: { environment: 'staging', limit: '1' } })).body;
    expect(list.items.length).toBe(1);
    expect(list.nextCursor).not.toBeNull();
    const next = (await call<SecretList>('operator', 'GET', '/api/v1/secrets', { query: { environment: 'staging', limit: '1', cursor: list.nextCursor! } })).body;
    expect(next.items[0]!.secretName > list.items[0]!.secretName).toBe(true);
  });

  it('posts the Slack summary once a day, and again on the day\'s next run when Slack failed', async () => {
    // Arrange: a day no run has posted for yet
    const day = new Date(Date.now() - 2 * 86_400_000);
    const posts = slackPosts.length;
    slackFailsOnce = true;
    // Act
    await runSecretExpiry(day);
    const afterFailure = slackPosts.length;
    await runSecretExpiry(day);
    await runSecretExpiry(day);
    // Assess
    expect(afterFailure).toBe(posts);
    expect(slackPosts.length).toBe(posts + 1);
  });
});

describe('a secret made outside Apollo, without a category tag', () => {
  it('is not rotated with a generated value (it may be a password its provider issued): 409 saying why', async () => {
    const store = await (await secretsDeps()).storeFor('staging', { principal: 'someone@corp' });
    await store.create({ name: 'apollo/staging/core-service/hand-made', value: 'Hand-Made-Value-1c9e-Kx7Q', description: '', tags: { 'apollo:service': 'core-service' }, clientRequestToken: 'a1b2c3d4-0000-4000-8000-0000000000aa' });
    const before = (await call<Secret>('admin', 'GET', '/api/v1/secrets/staging/core-service/hand-made')).body;
    const rotate = await call('admin', 'POST', '/api/v1/secrets/staging/core-service/hand-made/rotate', { body: {} });
    expect(rotate.status).toBe(409);
    expect(errorOf(rotate.body).message).toContain('has no apollo:category tag and no rotation Lambda');
    expect((await reveal('/api/v1/secrets/staging/core-service/hand-made')).body).toMatchObject({ currentVersionId: before.currentVersionId, masked: '••••Kx7Q' });
  });
});

describe('where a secret may be made', () => {
  it('refuses an environment the catalog does not have (the expiry job would never judge it), naming the path', async () => {
    const res = await call('admin', 'POST', '/api/v1/secrets/moon/core-service/qa-token', { body: { category: 'internal', generate: true } });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/path/env', message: expect.stringMatching(/^not one of .*prod/) }]);
    expect((await call('admin', 'GET', '/api/v1/secrets/moon/core-service/qa-token')).status).toBe(404);
  });
});

describe('a secret another service reads', () => {
  it('puts its rotation in the timeline of an incident on that service too, once when the incident is on both', async () => {
    // billing-service's staging environment reads core-service's shared token.
    const path = '/api/v1/secrets/staging/core-service/shared-token';
    expect((await call('admin', 'POST', path, { body: { category: 'internal', generate: true } })).status).toBe(201);
    const environments = (await call<{ items: Array<Record<string, unknown> & { name: string; version: number; secrets: unknown[] }> }>('admin', 'GET', '/api/v1/services/billing-service/environments')).body.items;
    const staging = environments.find((e) => e.name === 'staging')!;
    const { cluster, namespace, deployment, endpoints, resources, secrets } = staging;
    const put = await h.client('admin').send('PUT', '/api/v1/services/billing-service/environments/staging', {
      body: { cluster, namespace, deployment, endpoints, resources, secrets: [...(secrets as unknown[]), { name: 'SHARED_TOKEN', secretId: 'apollo/staging/core-service/shared-token' }] }, ifMatch: staging.version,
    } as never);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await runSecretExpiry();
    expect((await call<Secret>('operator', 'GET', path)).body.referencedBy).toEqual([{ serviceId: 'billing-service', environment: 'staging', name: 'SHARED_TOKEN' }]);

    const onReader = (await call<{ id: string }>('operator', 'POST', '/api/v1/incidents', { body: { title: 'billing-service staging 401s', severity: 'low', affectedServices: ['billing-service'], affectedEnvironments: ['staging'] } })).body;
    const onBoth = (await call<{ id: string }>('operator', 'POST', '/api/v1/incidents', { body: { title: 'staging auth errors', severity: 'low', affectedServices: ['core-service', 'billing-service'], affectedEnvironments: ['staging'] } })).body;
    const onProd = (await call<{ id: string }>('operator', 'POST', '/api/v1/incidents', { body: { title: 'billing-service prod 401s', severity: 'low', affectedServices: ['billing-service'], affectedEnvironments: ['prod'] } })).body;
    expect((await call('admin', 'POST', `${path}/rotate`, { body: {} })).status).toBe(200);

    const rotationsOf = async (id: string) => (await call<{ items: Array<{ type: string; content: string }> }>('operator', 'GET', `/api/v1/incidents/${id}/timeline`)).body.items
      .filter((e) => e.type === 'secret_rotation' && e.content.includes('shared-token')).map((e) => e.content);
    expect(await rotationsOf(onReader.id)).toEqual(['secret apollo/staging/core-service/shared-token rotated']);
    expect(await rotationsOf(onBoth.id)).toEqual(['secret apollo/staging/core-service/shared-token rotated']);
    // billing-service reads it in staging only.
    expect(await rotationsOf(onProd.id)).toEqual([]);
  });
});

describe('compliance over time, as each caller sees it', () => {
  it('gives a developer and an environment filter their own share of a past day, not the whole\'s', async () => {
    const past = new Date(Date.now() - 2 * 86_400_000);
    const date = past.toISOString().slice(0, 10);
    await runSecretExpiry(past);
    const dayOf = async (role: 'developer' | 'admin', query: Record<string, string> = {}) => (await call<SecretExpiring>(role, 'GET', '/api/v1/secrets/expiring', { query })).body.compliance.history.find((d) => d.date === date)!;
    const whole = await dayOf('admin');
    const developer = await dayOf('developer');
    const dev = await dayOf('admin', { environment: 'dev' });
    const prod = await dayOf('admin', { environment: 'prod' });
    expect(whole.percent).toBeLessThan(100);
    // The developer is in payments (billing-service, violations-service): none of theirs was overdue that day.
    expect(developer).toMatchObject({ date, percent: 100 });
    expect(developer.total).toBeGreaterThan(0);
    expect(developer.total).toBeLessThan(whole.total);
    // The demo's overdue secrets are all in prod.
    expect(dev.percent).toBe(100);
    expect(prod.percent).toBeLessThan(100);
    expect([dev.total + prod.total <= whole.total, prod.total - prod.onSchedule]).toEqual([true, whole.total - whole.onSchedule]);
  });

  it('has a month of history on a fresh start, from the demo secrets\' version dates: overdue ones piling up', async () => {
    const dayAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    const history = (await call<SecretExpiring>('admin', 'GET', '/api/v1/secrets/expiring', { query: { days: '30' } })).body.compliance.history;
    expect(history.map((d) => d.date)).toEqual([...Array.from({ length: 30 }, (_, i) => dayAgo(30 - i)), dayAgo(0)]);
    const overdueOn = (n: number) => { const d = history.find((x) => x.date === dayAgo(n))!; return d.total - d.onSchedule; };
    // 20 days ago prod core-service's database password was overdue already; auth-service's JWT key (30-day policy,
    // 45 days old) went overdue 15 days ago and api-gateway's certificate (expiring in 8 days) 6 days ago.
    expect(overdueOn(20)).toBeGreaterThan(0);
    expect(overdueOn(1)).toBeGreaterThanOrEqual(overdueOn(20) + 2);
    for (const d of history) expect(d.percent).toBe(Math.round((d.onSchedule / d.total) * 1000) / 10);
  });

  it('audits the dashboard as a metadata read', async () => {
    const audit = (await call<AuditList>('admin', 'GET', '/api/v1/secrets/audit', { query: { limit: '200' } })).body;
    expect(audit.items.find((e) => e.action === 'secrets.expiring' && e.actor === 'developer@apollo.local')).toMatchObject({ resourceType: 'secret', details: { count: expect.any(Number) } });
  });
});

describe('in AWS, an admin opening a secret', () => {
  it('sends no GetSecretValue (Secrets Manager would count it as an access): the unused secret stays unused; a reveal sends one', async () => {
    // Arrange: staging's store is Secrets Manager (mocked) for this test
    const name = 'apollo/staging/core-service/aws-held';
    const version = 'a1b2c3d4-0000-4000-8000-0000000000bb';
    const longAgo = new Date(Date.now() - 200 * 86_400_000);
    const sm = mockClient(SecretsManagerClient);
    sm.on(DescribeSecretCommand).resolves({
      Name: name, ARN: `arn:aws:secretsmanager:eu-west-1:210987654321:secret:${name}-AbCdEf`, CreatedDate: longAgo, LastChangedDate: longAgo, LastAccessedDate: longAgo,
      Tags: [{ Key: 'apollo:category', Value: 'oauth' }, { Key: 'apollo:service', Value: 'core-service' }], VersionIdsToStages: { [version]: ['AWSCURRENT'] },
    });
    sm.on(ListSecretVersionIdsCommand).resolves({ Versions: [{ VersionId: version, CreatedDate: longAgo }] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'oauth-client-secret-from-aws-Lm2N' });
    const { storeFor } = await secretsDeps();
    configureSecrets({ storeFor: async () => new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }), { environment: 'staging' }) });
    try {
      // Act
      const opened = await call<Secret>('admin', 'GET', '/api/v1/secrets/staging/core-service/aws-held');
      // Assess
      expect(opened.status, JSON.stringify(opened.body)).toBe(200);
      expect(opened.body).toMatchObject({ status: 'unused', lastAccessedAt: longAgo.toISOString() });
      expect(opened.body.masked).toBeUndefined();
      expect(sm.commandCalls(GetSecretValueCommand)).toEqual([]);

      // Act
      const revealed = await reveal('/api/v1/secrets/staging/core-service/aws-held');
      // Assess
      expect(revealed.body.masked).toBe('••••Lm2N');
      expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: name, VersionStage: 'AWSCURRENT' }]);
    } finally {
      configureSecrets({ storeFor });
      sm.restore();
    }
  });
});
