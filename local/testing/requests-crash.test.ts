/**
 * A crash between "called" and "recorded": `npm start` runs in a child process, its DNS action calls a fake
 * DNS API this test serves (outside the runtime, as a real provider is), and the runtime is killed
 * (SIGKILL, no goodbye) after the provider received the call and before the runtime could read the answer.
 * Started again on the same home, the runtime marks the request interrupted; its retry calls the provider
 * again with the same Idempotency-Key, so the provider answers its first response and nothing is created
 * twice; the request completes with that record's outputs. Someone follows the request live when it dies: the
 * subscription the crash leaves behind is told of the interruption at start (410 Gone), and does not hold the start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Request, RequestRetryResult } from '#schemas/index.ts';
import { ApiClient, type Credentials } from '#shared/api-client';
import { presignConnectUrl } from '#shared/realtime-client';
import { ensureLocalIntegrationSecrets, INTEGRATIONS_PATH, IntegrationFakes } from '../fakes/integrations.ts';
import { freePort, stop } from './processes.ts';
import { checkingFetch } from './response-schemas.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'apollo-requests-crash-'));
let child: ChildProcess | undefined;
let provider: Server | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) await stop(child);
  await new Promise<void>((resolve) => (provider ? provider.close(() => resolve()) : resolve()));
  rmSync(home, { recursive: true, force: true });
});

/** `npm start`'s entry point on `port`, its actions' provider at `fakesUrl`; resolved once it runs, with what it printed. */
async function start(port: number, fakesUrl: string): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), APOLLO_HOME: home, APOLLO_FAKES_URL: fakesUrl, LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  proc.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${output}`)), 40_000);
    const check = setInterval(() => {
      if (output.includes('Apollo is running at')) { clearTimeout(timer); clearInterval(check); resolve(); }
    }, 50);
    proc.once('exit', (code) => { clearTimeout(timer); clearInterval(check); reject(new Error(`runtime exited with ${code}:\n${output}`)); });
  });
  return { proc, output: () => output };
}

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

it('a runtime killed after the provider created the record and before it was recorded: interrupted, then one retry completes it with one record', async () => {
  // Prepare: the provider (the same fake DNS API the runtime serves, here in this process) shares the runtime's keys.
  const fakes = new IntegrationFakes(await ensureLocalIntegrationSecrets(home));
  /** The first create is held: the test kills the runtime, then lets the provider do the work. */
  let hold: ((kill: () => Promise<void>) => Promise<void>) | undefined;
  let held: Promise<void> | undefined;
  provider = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const serve = () => { if (!fakes.handle(req, res, path, Buffer.concat(chunks))) { res.writeHead(404).end(); } };
      if (hold && req.method === 'POST' && path === `${INTEGRATIONS_PATH}dns/records`) {
        const kill = hold;
        hold = undefined;
        held = kill(async () => { serve(); });
        return;
      }
      serve();
    });
  });
  const providerPort = await freePort();
  await new Promise<void>((resolve) => provider!.listen(providerPort, '127.0.0.1', resolve));
  const fakesUrl = `http://127.0.0.1:${providerPort}${INTEGRATIONS_PATH.slice(0, -1)}`;
  const port = await freePort();
  let runtime = await start(port, fakesUrl);
  expect(runtime.output()).toContain(`a LOCAL FAKE DNS API and webhook receiver at ${fakesUrl}/`);
  const developer = (JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as { developer: Credentials }).developer;
  const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: developer, fetch: checkingFetch() });
  const get = async (id: string): Promise<Request> => (await api.send('GET', `/api/v1/requests/${id}`)).body as Request;
  let followed!: () => void;
  const following = new Promise<void>((resolve) => { followed = resolve; });
  hold = async (serve) => {
    // The runtime dies with the call in flight (and followed live); only then does the provider create the record.
    await following;
    const proc = runtime.proc;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
    await serve();
  };

  // Act: a DNS record for dev (no approval); the runtime is killed during its create call.
  const name = `crash${Date.now().toString(36)}`;
  const submitted = await api.send('POST', '/api/v1/requests', { body: { offeringId: 'dns-record', fields: { environment: 'dev', name, type: 'TXT', value: 'crash-test' } } });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  const id = (submitted.body as Request).id;
  // A browser on the request's page: its subscription outlives the runtime in the table.
  const follower = new WebSocket(await presignConnectUrl(`ws://127.0.0.1:${port}/realtime`, 'us-east-1', developer));
  follower.on('error', () => undefined);
  const subscribed = new Promise<void>((resolve) => follower.on('message', (data: Buffer) => { if ((JSON.parse(data.toString()) as { type: string }).type === 'subscribed') resolve(); }));
  await new Promise((resolve) => follower.once('open', resolve));
  follower.send(JSON.stringify({ action: 'subscribe', topic: `request:${id}` }));
  await subscribed;
  followed();
  await until(() => held !== undefined, 30_000, 'the provider heard the create call');
  await held;
  expect(runtime.proc.signalCode).toBe('SIGKILL');
  follower.terminate();
  expect(fakes.dnsRecords().filter((r) => r.fqdn.startsWith(`${name}.dev.`))).toHaveLength(1);

  runtime = await start(port, fakesUrl);

  // Assess: interrupted (the last completed action: none), then the retry re-runs the create, which the
  // provider answers from its first response (the same Idempotency-Key): one record, and the request completes.
  expect(runtime.output()).toMatch(/1 request\(s\) were running when Apollo stopped: marked interrupted/);
  const interrupted = await get(id);
  expect(interrupted.status).toBe('interrupted');
  expect(interrupted.timeline.at(-1)!.message).toMatch(/interrupted/i);
  const plan = await api.send('POST', `/api/v1/requests/${id}/retry`, { body: {} });
  expect(plan.status, JSON.stringify(plan.body)).toBe(200);
  expect((plan.body as RequestRetryResult).plan.rerun.map((a) => a.id)).toEqual(['create_record', 'announce']);
  const confirmed = await api.send('POST', `/api/v1/requests/${id}/retry`, { body: { confirm: true } });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  await until(async () => ['completed', 'failed'].includes((await get(id)).status), 30_000, 'the retried request settled');
  const done = await get(id);
  expect(done.status, done.timeline.map((e) => e.message).join(' | ')).toBe('completed');
  const records = fakes.dnsRecords().filter((r) => r.fqdn.startsWith(`${name}.dev.`));
  expect(records).toHaveLength(1);
  expect(done.outputs).toMatchObject({ create_record: { record_id: records[0]!.id } });
  const creates = fakes.received().filter((c) => c.method === 'POST' && c.path.endsWith('/dns/records'));
  expect(creates).toHaveLength(2);
  expect(new Set(creates.map((c) => c.headers['idempotency-key'])).size).toBe(1);
}, 120_000);
