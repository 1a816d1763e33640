/**
 * Defects a black-box probe found, each reproduced from outside through the local gateway as it was
 * found, and answered as it must be now (issue 11 §1).
 */
import { request as httpRequest } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { presignConnectUrl } from '#shared/realtime-client';
import { signBody } from '../../functions/webhooks/github-signature.ts';
import { fetchChecked, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.client('admin').request('POST /api/v1/teams', { body: { id: 'probe', name: 'Probe' } });
});
afterAll(async () => { await h.close(); });

interface Raw { method: string; path: string; headers: Record<string, string>; body?: string | Buffer }

/** Sends exactly these bytes: fetch would normalise the path. */
function sendRaw(raw: Raw): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(h.runtime.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: raw.method, path: raw.path, headers: raw.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (raw.body) req.write(raw.body);
    req.end();
  });
}

function signer(role: 'admin' | 'viewer' = 'admin'): SignatureV4 {
  return new SignatureV4({ service: 'execute-api', region: h.runtime.region, sha256: Sha256, credentials: h.runtime.credentials.roles[role] });
}

async function signed(method: string, path: string, body?: string): Promise<Raw> {
  const url = new URL(h.runtime.url);
  const headers: Record<string, string> = { host: url.host, ...(body ? { 'content-type': 'application/json' } : {}) };
  const request = await signer().sign(new HttpRequest({ method, hostname: url.hostname, port: Number(url.port), path, headers, body }));
  return { method, path, headers: request.headers, body };
}

describe('the path signed is the path routed', () => {
  it('refuses a signed PUT /teams/x replayed to /teams/x/members/.. (400), creating nothing', async () => {
    const original = await signed('PUT', '/api/v1/teams/probe', '{}');
    for (const path of ['/api/v1/teams/probe/members/..', '/api/v1/teams/probe/members/%2e%2e', '/api/v1/teams/probe/./members/x', '/api/v1/teams//probe']) {
      const res = await sendRaw({ ...original, path });
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body), path).toEqual({ message: 'Invalid request path: an empty, "." or ".." segment is not allowed' });
    }
    const members = await h.client('admin').request('GET /api/v1/teams/{id}/members', { params: { id: 'probe' } });
    expect(members.body.items).toEqual([]);
  });

  it('refuses a principal that is only dots, however it is sent', async () => {
    const res = await h.client('admin').send('PUT', '/api/v1/teams/probe/members/...', { body: {} });
    expect(res.status).toBe(400);
  });
});

describe('bodies the parser must not choke on', () => {
  it('answers a template nested 5,000 deep with 400, not a stack overflow', async () => {
    const deep = `${'['.repeat(5000)}"x"${']'.repeat(5000)}`;
    const raw = await signed('POST', '/api/v1/test/variables', `{"templates":${deep}}`);
    const nested = await sendRaw(raw);
    expect(nested.status).toBe(400);
    expect(JSON.parse(nested.body).error).toMatchObject({ code: 'ValidationError', message: 'request body is nested deeper than 64 levels', details: [{ path: '/body', message: expect.stringMatching(/^nested deeper than 64 levels at character \d+$/) }] });
  });
});

describe('GitHub deliveries, signed', () => {
  const deliver = (body: string | Buffer) => fetchChecked(`${h.runtime.url}/api/v1/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': signBody(h.runtime.github!.webhookSecret, body) },
    body,
  });

  it('audits a body with a "constructor" key (any JSON holds in the audit details)', async () => {
    const res = await deliver(JSON.stringify({ zen: 'hi', hook_id: 7, constructor: { prototype: 1 }, hook: { config: { secret: 'not-in-the-audit' } } }));
    expect(res.status).toBe(200);
    const audit = await h.client('admin').request('GET /api/v1/audit', { query: { action: 'webhooks.github' } });
    const entry = audit.body.items.find((e) => (e.details as { body?: { hook_id?: number } })?.body?.hook_id === 7);
    expect(entry?.details).toMatchObject({ body: { zen: 'hi', constructor: { prototype: 1 }, hook: { config: { secret: '[redacted]' } } } });
    expect(entry?.outcome).toBe('succeeded');
  });

  it('answers a body nested 10,000 deep with 400 (GitHub does not redeliver a 4xx), not 503', async () => {
    const res = await deliver(`{"zen":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    expect(res.status).toBe(400);
  });

  it('checks the signature over the bytes sent, even when they are not UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('{"zen":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","hook_id":8}')]);
    const res = await deliver(body);
    expect(res.status).toBe(200);
  });
});

it('answers a presigned REST URL (query-string SigV4) as the signed call it is', async () => {
  const url = new URL(h.runtime.url);
  const request = await signer('viewer').presign(new HttpRequest({ method: 'GET', hostname: url.hostname, port: Number(url.port), path: '/api/v1/me', headers: { host: url.host } }), { expiresIn: 60 });
  const qs = Object.entries(request.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  const res = await fetchChecked(`${h.runtime.url}/api/v1/me?${qs}`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ principal: 'viewer@apollo.local' });
});

it('closes a WebSocket that sends a frame over 32 KB (1009), as API Gateway refuses one', async () => {
  const ws = new WebSocket(await presignConnectUrl(h.runtime.realtimeUrl, h.runtime.region, h.runtime.credentials.roles.viewer));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(JSON.stringify({ action: 'subscribe', topic: 'audit', pad: 'x'.repeat(33 * 1024) }));
  expect(await closed).toBe(1009);
});

describe('names without control or bidirectional-override characters', () => {
  it('refuses a team name with U+202E, and a member id with one in the path', async () => {
    const res = await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'bidi', name: 'Pay\u202Ements' } });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: unknown } }).error.details).toEqual([{ path: '/body/name', message: 'must not contain control or bidirectional-override characters' }]);
    expect((await h.client('admin').send('PUT', '/api/v1/teams/probe/members/a%E2%80%AEb', { body: {} })).status).toBe(400);
    expect((await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'ctl', name: 'Line\nbreak' } })).status).toBe(400);
  });
});

it('answers a duplicate Idempotency-Key while the first request still runs with 409 and Retry-After', async () => {
  // A route of the test's own whose first call waits until released, through the real middleware and table.
  const { createRoutesHandler } = await import('#lib/http');
  const { idempotency } = await import('#lib/idempotency');
  const fixture = (await import('../../functions/lib/fixtures/assumed-role-event.json', { with: { type: 'json' } })).default;
  const route = { method: 'POST', path: '/slow', context: 'identity', auth: 'iam', permission: 'system:read', summary: 'slow', audit: { action: 'slow.start', resourceType: 'slow' }, idempotent: true } as const;
  let release!: () => void;
  let entered!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  const running = new Promise<void>((resolve) => { entered = resolve; });
  const handler = createRoutesHandler([route], { 'POST /slow': async () => { entered(); await released; return { status: 202 }; } }, { idempotency }) as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; headers: Record<string, string> }>;
  const call = () => {
    const event = structuredClone(fixture) as unknown as { httpMethod: string; resource: string; path: string; body: string | null; headers: Record<string, string>; pathParameters: null; requestContext: { requestId: string } };
    Object.assign(event, { httpMethod: 'POST', resource: '/slow', path: '/slow', body: null, pathParameters: null, headers: { ...event.headers, 'Idempotency-Key': 'slow-key-0001' } });
    event.requestContext.requestId = crypto.randomUUID();
    return handler(event, { awsRequestId: 'x', functionName: 'apollo-test', getRemainingTimeInMillis: () => 10_000 });
  };
  const first = call();
  await running; // the first holds its in-progress record now
  const second = await call();
  expect(second.statusCode).toBe(409);
  expect(second.headers['retry-after']).toBe('2');
  release();
  expect((await first).statusCode).toBe(202);
});

it('answers an id holding an encoded slash with 400 on the field, not "no route" echoing the decoded path', async () => {
  const res = await h.client('admin').send('GET', '/api/v1/teams/qa%2Fteam');
  expect(res.status).toBe(400);
  expect((res.body as { error: { details: unknown } }).error.details).toEqual([{ path: '/path/id', message: expect.stringMatching(/^must be the resource's id/) }]);
});
