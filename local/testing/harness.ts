/**
 * Integration-test harness: the real local runtime (in-memory dynalite, the gateway, the handlers)
 * on a free loopback port, and signing clients for each local role.
 */
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { RealtimeFrame } from '#schemas/index.ts';
import { ApiClient } from '#shared/api-client';
import type { Role } from '#shared/permissions';
import { presignConnectUrl } from '#shared/realtime-client';
import { signBody } from '../../functions/webhooks/github-signature.ts';
import { startRuntime, type Runtime } from '../runtime.ts';
import { checkingFetch } from './response-schemas.ts';

/** Every response a harness client or delivery receives is checked against its route's schemas. */
export const fetchChecked = checkingFetch();

export interface Harness {
  readonly runtime: Runtime;
  client(role: Role, options?: { now?: () => Date }): ApiClient;
  /** A client for short-lived session credentials, as the web app uses. */
  sessionClient(role: Role): ApiClient;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const runtime = await startRuntime({ port: 0 });
  return {
    runtime,
    client: (role, options = {}) => new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials: runtime.credentials.roles[role], now: options.now, fetch: fetchChecked }),
    sessionClient: (role) => {
      const s = runtime.credentials.issueSession(role);
      return new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken }, fetch: fetchChecked });
    },
    close: () => runtime.close(),
  };
}

/** Sets these variables for a test file (before its runtime starts); answers what puts back what was there. */
export function setEnv(vars: Readonly<Record<string, string>>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Waits until `check` holds (asked every 25 ms); fails after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A background run (discovery, a catalog refresh) read at `<jobsPath>/<id>` once it is neither queued nor running. */
export async function finishedRun<J extends { status: string }>(client: ApiClient, jobsPath: string, id: string): Promise<J> {
  let job: J | undefined;
  await until(async () => {
    job = (await client.call<J>('GET', `${jobsPath}/${id}`)).body;
    return !['queued', 'running'].includes(job.status);
  });
  return job!;
}

/** Starts a run (POST `startPath`: 202 with the job, located under `jobsPath`) and waits for its end. */
export async function runToEnd<J extends { id: string; status: string }>(client: ApiClient, startPath: string, jobsPath: string, body: Record<string, unknown> = {}): Promise<J> {
  const res = await client.call<{ job: J }>('POST', startPath, { body });
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe(`${jobsPath}/${res.body.job.id}`);
  return finishedRun<J>(client, jobsPath, res.body.job.id);
}

/** A realtime connection as `role`, subscribed to `topic`, collecting every frame it receives. */
export async function subscribe(h: Harness, role: Role, topic: string): Promise<{ ws: WebSocket; frames: RealtimeFrame[] }> {
  const ws = new WebSocket(await presignConnectUrl(h.runtime.realtimeUrl, h.runtime.region, h.runtime.credentials.roles[role]));
  const frames: RealtimeFrame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as RealtimeFrame));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send(JSON.stringify({ action: 'subscribe', topic }));
  return { ws, frames };
}

/** POSTs a GitHub webhook delivery, signed with the runtime's secret (or `signature`; null: unsigned). */
export function deliverGitHub(h: Harness, event: string, payload: unknown, options: { delivery?: string; signature?: string | null } = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': options.delivery ?? crypto.randomUUID() };
  if (options.signature !== null) headers['x-hub-signature-256'] = options.signature ?? signBody(h.runtime.github!.webhookSecret, body);
  return fetchChecked(`${h.runtime.url}/api/v1/webhooks/github`, { method: 'POST', headers, body });
}
