/**
 * The realtime channel end to end, with real WebSocket clients against the local runtime: presigned
 * `$connect` for every role and 403 on the upgrade for anything else, topic authorization, live audit
 * entries, chunked frames, gone connections, and `@connections` through the real AWS SDK client.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AuditEntry, RealtimeFrame } from '#schemas/index.ts';
import type { Credentials } from '#shared/api-client';
import { ApiClient } from '#shared/api-client';
import { ROLES, type Role } from '#shared/permissions';
import { presignConnectUrl, RealtimeClient, type EventFrame, type SocketLike } from '#shared/realtime-client';
import { fetchChecked, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const Socket = WebSocket as unknown as new (url: string) => SocketLike;

/** A raw client: every frame it receives, as text, in order. */
interface Raw {
  readonly ws: WebSocket;
  readonly texts: string[];
  frames(): RealtimeFrame[];
  send(message: unknown): void;
  /** Waits until a received frame satisfies `match`. */
  next(match: (frame: RealtimeFrame) => boolean, timeoutMs?: number): Promise<RealtimeFrame>;
}

async function openRaw(credentials: Credentials): Promise<Raw> {
  const ws = new WebSocket(await presignConnectUrl(h.runtime.realtimeUrl, h.runtime.region, credentials));
  const texts: string[] = [];
  ws.on('message', (data) => texts.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const frames = () => texts.map((t) => JSON.parse(t) as RealtimeFrame);
  return {
    ws,
    texts,
    frames,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: async (match, timeoutMs = 3_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = frames().find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching frame; received ${JSON.stringify(texts).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** What the server answers to an upgrade at `url`: the status and body of a refusal, or 101. */
function upgradeStatus(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => { ws.close(); resolve({ status: 101, body: '' }); });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (error) => { if (!String(error).includes('Unexpected server response')) reject(error); });
  });
}

async function presign(credentials: Credentials, options: { signingDate?: Date; expiresIn?: number; service?: string } = {}): Promise<string> {
  const target = new URL(h.runtime.realtimeUrl);
  const signer = new SignatureV4({ service: options.service ?? 'execute-api', region: h.runtime.region, sha256: Sha256, credentials });
  const signed = await signer.presign(
    new HttpRequest({ method: 'GET', protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: target.pathname, query: {}, headers: { host: target.host } }),
    { expiresIn: options.expiresIn ?? 60, signingDate: options.signingDate },
  );
  return `${target.origin.replace('http', 'ws')}${target.pathname}?${Object.entries(signed.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
}

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const client = (credentials: Credentials, options: Partial<ConstructorParameters<typeof RealtimeClient>[0]> = {}) =>
  new RealtimeClient({ url: h.runtime.realtimeUrl, region: h.runtime.region, credentials, WebSocket: Socket, minDelayMs: 20, maxDelayMs: 100, ...options });

const roleCredentials = (role: Role): Credentials => h.runtime.credentials.roles[role];

describe('$connect', () => {
  it.each(ROLES)('opens for %s with a presigned URL, and answers a ping', async (role) => {
    const raw = await openRaw(roleCredentials(role));
    raw.send({ action: 'ping' });
    expect(await raw.next((f) => f.type === 'pong')).toEqual({ type: 'pong' });
    raw.ws.close();
  });

  it('opens with short-lived session credentials (the web app), token in the presigned URL', async () => {
    const s = h.runtime.credentials.issueSession('developer', 'dev@apollo.local');
    const raw = await openRaw({ accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken });
    raw.send({ action: 'ping' });
    await raw.next((f) => f.type === 'pong');
    raw.ws.close();
  });

  it('refuses with 403 before any socket exists: unsigned, bad signature, unknown key, expired, wrong service, header-signed', async () => {
    const before = h.runtime.realtime.connectionIds();
    const admin = roleCredentials('admin');
    const good = await presign(admin);
    const badSignature = good.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);

    const unsigned = await upgradeStatus(h.runtime.realtimeUrl);
    const bad = await upgradeStatus(badSignature);
    const unknown = await upgradeStatus(await presign({ accessKeyId: 'AKIANOTAKEY000000000', secretAccessKey: 'x' }));
    const expired = await upgradeStatus(await presign(admin, { signingDate: new Date(Date.now() - 120_000), expiresIn: 60 }));
    const service = await upgradeStatus(await presign(admin, { service: 's3' }));
    const withoutExpires = await upgradeStatus(good.replace(/&?X-Amz-Expires=\d+/, ''));

    expect(unsigned).toEqual({ status: 403, body: JSON.stringify({ message: 'Missing Authentication Token' }) });
    expect(bad.status).toBe(403);
    expect(JSON.parse(bad.body).message).toMatch(/^The request signature we calculated does not match/);
    expect(unknown).toEqual({ status: 403, body: JSON.stringify({ message: 'The security token included in the request is invalid.' }) });
    expect(expired.status).toBe(403);
    expect(JSON.parse(expired.body).message).toMatch(/^Signature expired/);
    expect(service.status).toBe(403);
    expect(withoutExpires.status).toBe(403);
    expect(h.runtime.realtime.connectionIds().filter((id) => !before.includes(id))).toEqual([]);
    // The same URL, untouched, opens.
    expect((await upgradeStatus(good)).status).toBe(101);
  });
});

describe('$default', () => {
  it('answers a viewer subscribing to audit with an error frame naming audit:read, and keeps the connection', async () => {
    const raw = await openRaw(roleCredentials('viewer'));
    raw.send({ action: 'subscribe', topic: 'audit' });
    expect(await raw.next((f) => f.type === 'error')).toEqual({
      type: 'error',
      code: 'Forbidden',
      message: 'viewer@apollo.local (role viewer) lacks the permission audit:read needed to subscribe to audit',
      topic: 'audit',
    });
    raw.send({ action: 'ping' });
    await raw.next((f) => f.type === 'pong');
    raw.ws.close();
  });

  it('shows the refusal through RealtimeClient.onError too', async () => {
    const rc = client(roleCredentials('developer'));
    const errors: Array<{ code: string; message: string; topic?: string }> = [];
    rc.onError((e) => errors.push(e));
    rc.subscribe('audit', () => undefined);
    rc.connect();
    await until(() => errors.length > 0);
    expect(errors).toEqual([{ type: 'error', code: 'Forbidden', message: expect.stringContaining('audit:read'), topic: 'audit' }]);
    rc.close();
  });

  it('answers invalid messages and unknown topics with error frames, never a crash', async () => {
    const raw = await openRaw(roleCredentials('admin'));
    raw.send('not json');
    raw.send({ action: 'shout' });
    raw.send({ action: 'subscribe' });
    raw.send({ action: 'subscribe', topic: 'no-such-topic:01ABC' });
    raw.send({ action: 'ping' });
    await raw.next((f) => f.type === 'pong');
    expect(raw.frames()).toEqual([
      { type: 'error', code: 'ValidationError', message: 'a message is JSON, e.g. {"action":"subscribe","topic":"audit"}' },
      { type: 'error', code: 'ValidationError', message: 'invalid message: /action must be one of: subscribe, unsubscribe, ping' },
      { type: 'error', code: 'ValidationError', message: 'invalid message: /topic is required' },
      { type: 'error', code: 'UnknownTopic', message: 'there is no topic no-such-topic:01ABC', topic: 'no-such-topic:01ABC' },
      { type: 'pong' },
    ]);
    raw.ws.close();
  });

  it('subscribes and unsubscribes; an unsubscribed connection hears nothing more', async () => {
    const { publish } = await import('#lib/realtime');
    const raw = await openRaw(roleCredentials('admin'));
    raw.send({ action: 'subscribe', topic: 'audit' });
    expect(await raw.next((f) => f.type === 'subscribed')).toEqual({ type: 'subscribed', topic: 'audit' });
    await publish('audit', 'test.one', { n: 1 });
    await raw.next((f) => f.type === 'event');
    raw.send({ action: 'unsubscribe', topic: 'audit' });
    expect(await raw.next((f) => f.type === 'unsubscribed')).toEqual({ type: 'unsubscribed', topic: 'audit' });
    await publish('audit', 'test.two', { n: 2 });
    raw.send({ action: 'ping' });
    await raw.next((f) => f.type === 'pong');
    expect(raw.frames().filter((f) => f.type === 'event').map((f) => (f as EventFrame).event)).toEqual(['test.one']);
    raw.ws.close();
  });
});

describe('live audit', () => {
  it('an admin subscribed to audit hears a team created by another admin: pending, then succeeded, as the audit API shows it', async () => {
    // Prepare: the listener, and another admin (a web session) who creates the team.
    const s = h.runtime.credentials.issueSession('admin', 'other-admin@apollo.local');
    const other = new ApiClient({ baseUrl: h.runtime.url, region: h.runtime.region, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken }, fetch: fetchChecked });
    const rc = client(roleCredentials('admin'));
    const heard: EventFrame[] = [];
    rc.subscribe('audit', (frame) => heard.push(frame));
    rc.connect();
    const raw = await openRaw(roleCredentials('admin'));
    raw.send({ action: 'subscribe', topic: 'audit' });
    await raw.next((f) => f.type === 'subscribed');
    await until(async () => {
      // RealtimeClient sends its subscribe on open; wait until it is in place.
      return rc.connectionState === 'open' && (await subscriberCount()) >= 2;
    });

    // Act
    const created = await other.send('POST', '/api/v1/teams', { body: { id: 'live-audit', name: 'Live' } });

    // Assess
    expect(created.status).toBe(201);
    await until(() => heard.filter((f) => f.data.action === 'teams.create').length === 2);
    const mine = heard.filter((f) => f.data.action === 'teams.create');
    const entry = mine[1]!.data as unknown as AuditEntry;
    const fromApi = (await h.client('admin').call<AuditEntry>('GET', `/api/v1/audit/${entry.id}`)).body;
    expect(mine.map((f) => [f.type, f.topic, f.event, (f.data as { outcome?: string }).outcome])).toEqual([
      ['event', 'audit', 'audit.entry', 'pending'],
      ['event', 'audit', 'audit.entry', 'succeeded'],
    ]);
    expect(entry).toEqual(fromApi);
    expect(fromApi).toMatchObject({ actor: 'other-admin@apollo.local', resourceId: 'live-audit', outcome: 'succeeded', statusCode: 201 });
    // The intent: the same entry before the outcome (a create names its resource from the body's id).
    const { outcome: _o, statusCode: _s, completedAt: _c, ...intent } = fromApi;
    expect(mine[0]!.data).toEqual({ ...intent, outcome: 'pending' });
    expect(Date.parse(mine[0]!.at)).not.toBeNaN();
    rc.close();
    raw.ws.close();
  });
});

describe('publishing never fails a mutation', () => {
  it('with the @connections endpoint unreachable, an audited POST still succeeds and its outcome is recorded', async () => {
    const { REALTIME_ENDPOINT_ENV } = await import('#shared/topics');
    const raw = await openRaw(roleCredentials('admin'));
    raw.send({ action: 'subscribe', topic: 'audit' });
    await raw.next((f) => f.type === 'subscribed');
    const endpoint = process.env[REALTIME_ENDPOINT_ENV];
    process.env[REALTIME_ENDPOINT_ENV] = 'http://127.0.0.1:9/realtime'; // nothing listens there
    let created;
    try {
      created = await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'unheard', name: 'Unheard' } });
    } finally {
      process.env[REALTIME_ENDPOINT_ENV] = endpoint;
    }
    expect(created.status).toBe(201);
    const { items } = (await h.client('admin').call<{ items: AuditEntry[] }>('GET', '/api/v1/audit', { query: { resourceType: 'team', resourceId: 'unheard' } })).body;
    expect(items).toEqual([expect.objectContaining({ action: 'teams.create', outcome: 'succeeded', statusCode: 201 })]);
    // With the endpoint back, a team created next is heard: its entry, pending then succeeded, is all the
    // listener heard, and anything the first creation had sent would have arrived before it.
    expect((await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'heard', name: 'Heard' } })).status).toBe(201);
    await raw.next((f) => f.type === 'event' && (f.data as { resourceId?: string }).resourceId === 'heard');
    expect(raw.frames().filter((f) => f.type === 'event').map((f) => (f.data as { outcome?: string }).outcome)).toEqual(['pending', 'succeeded']);
    raw.ws.close();
  });
});

async function subscriberCount(topic = 'audit'): Promise<number> {
  const { subscribersOf } = await import('#lib/realtime');
  return (await subscribersOf(topic)).length;
}

describe('chunks', () => {
  it('a frame over 32 KB arrives in chunks of at most 32 KB and RealtimeClient puts it back together', async () => {
    const { publish } = await import('#lib/realtime');
    const rc = client(roleCredentials('admin'));
    const heard: EventFrame[] = [];
    rc.subscribe('audit', (frame) => heard.push(frame));
    rc.connect();
    const raw = await openRaw(roleCredentials('admin'));
    raw.send({ action: 'subscribe', topic: 'audit' });
    await raw.next((f) => f.type === 'subscribed');
    await until(async () => rc.connectionState === 'open' && (await subscriberCount()) >= 2);
    // Multi-byte text, quotes, backslashes, newlines and astral characters: sizes that differ once escaped.
    const data = { text: 'é"\\\n🚀 '.repeat(12_000), list: Array.from({ length: 500 }, (_, i) => ({ i, name: `item-${i}` })) };

    await publish('audit', 'test.big', data);

    await until(() => heard.some((f) => f.event === 'test.big'));
    expect(heard.find((f) => f.event === 'test.big')!.data).toEqual(data);
    const chunks = raw.frames().filter((f) => f.type === 'chunk');
    expect(chunks.length).toBeGreaterThan(2);
    for (const text of raw.texts.filter((t) => t.startsWith('{"type":"chunk"'))) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(32 * 1024);
    rc.close();
    raw.ws.close();
  });
});

describe('@connections', () => {
  const management = () => new ApiGatewayManagementApiClient({ endpoint: h.runtime.realtimeUrl.replace('ws:', 'http:'), region: h.runtime.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  it('a subscriber that vanished without $disconnect is deleted on the next publish (410 GoneException)', async () => {
    const { publish } = await import('#lib/realtime');
    const { putItem, queryAll } = await import('#lib/table');
    // Prepare: a subscription left behind by a connection that no longer exists, and a live subscriber.
    const ghost = 'GhostConn0123A=';
    await putItem({ PK: `CONN#${ghost}`, SK: 'META', entity: 'ws-connection', connectionId: ghost, principal: 'admin@apollo.local', role: 'admin', expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    await putItem({ PK: `CONN#${ghost}`, SK: 'TOPIC#audit', GSI1PK: 'TOPIC#audit', GSI1SK: `CONN#${ghost}`, entity: 'ws-subscription', topic: 'audit', expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    const raw = await openRaw(roleCredentials('admin'));
    raw.send({ action: 'subscribe', topic: 'audit' });
    await raw.next((f) => f.type === 'subscribed');
    await expect(management().send(new PostToConnectionCommand({ ConnectionId: ghost, Data: '{}' }))).rejects.toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });

    // Act
    await publish('audit', 'test.gone', { ok: true });

    // Assess: the live one heard it, the ghost is gone from the table.
    await raw.next((f) => f.type === 'event' && f.event === 'test.gone');
    expect(await queryAll({ partition: `CONN#${ghost}` })).toEqual([]);
    expect(await subscriberCount()).toBeGreaterThanOrEqual(1);
    expect((await import('#lib/realtime').then((m) => m.subscribersOf('audit')))).not.toContain(ghost);
    raw.ws.close();
  });

  it('POST sends a text frame, GET describes the connection, DELETE closes it; more than 32 KB is 413', async () => {
    const raw = await openRaw(roleCredentials('operator'));
    const { subscribersOf } = await import('#lib/realtime');
    const { queryAll } = await import('#lib/table');
    raw.send({ action: 'subscribe', topic: 'audit' });
    await raw.next((f) => f.type === 'error');
    const id = h.runtime.realtime.connectionIds().at(-1)!;
    expect(await subscribersOf('audit')).not.toContain(id);

    await management().send(new PostToConnectionCommand({ ConnectionId: id, Data: 'hello' }));
    await until(() => raw.texts.includes('hello'));
    const info = await management().send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: '' });
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt!.getTime());
    await expect(management().send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(32 * 1024 + 1) }))).rejects.toMatchObject({ name: 'PayloadTooLargeException' });

    const closed = new Promise<number>((resolve) => raw.ws.once('close', (code) => resolve(code)));
    await management().send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect(await closed).toBe(1000);
    await until(async () => (await queryAll({ partition: `CONN#${id}` })).length === 0);
    await expect(management().send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toMatchObject({ name: 'GoneException' });
  });

  it('accepts only the handlers’ own credentials: unsigned and role-signed calls are 403', async () => {
    const url = `${h.runtime.url}/realtime/@connections/abc%3D`;
    expect((await fetch(url, { method: 'POST', body: 'x' })).status).toBe(403);
    const asAdmin = new ApiGatewayManagementApiClient({ endpoint: h.runtime.realtimeUrl.replace('ws:', 'http:'), region: h.runtime.region, credentials: roleCredentials('admin') });
    await expect(asAdmin.send(new PostToConnectionCommand({ ConnectionId: 'abc=', Data: 'x' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});
