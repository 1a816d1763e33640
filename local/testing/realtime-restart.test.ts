/**
 * A restarting runtime (`npm start`, stopped with SIGTERM and started again on the same port): its
 * clients see a clean close (1001, going away), reconnect with backoff and resubscribe, and hear
 * the next audit entry. The runtime runs in a child process, as a developer runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, type Credentials } from '#shared/api-client';
import { presignConnectUrl, RealtimeClient, type ConnectionState, type EventFrame, type SocketLike } from '#shared/realtime-client';
import { freePort, stop } from './processes.ts';
import { checkingFetch } from './response-schemas.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'apollo-realtime-restart-'));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) await stop(child);
  rmSync(home, { recursive: true, force: true });
});


/** `npm start`'s entry point on `port`, resolved once it says it is running. */
async function start(port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), APOLLO_HOME: home, LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${output}`)), 25_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Apollo is running at')) { clearTimeout(timer); resolve(); }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`runtime exited with ${code}:\n${output}`)); });
  });
  return proc;
}


const until = async (condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

it('after a restart on the same port the client reconnects, resubscribes and hears new audit entries', async () => {
  // Prepare
  const port = await freePort();
  child = await start(port);
  const admin = (JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as { admin: Credentials }).admin;
  const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: admin, fetch: checkingFetch() });
  const rc = new RealtimeClient({
    url: `ws://127.0.0.1:${port}/realtime`, region: 'us-east-1', credentials: admin,
    WebSocket: WebSocket as unknown as new (url: string) => SocketLike, minDelayMs: 50, maxDelayMs: 250,
  });
  const states: ConnectionState[] = [];
  /** Creates teams until the client hears one's outcome: its subscription is asynchronous to `open`. */
  const heardAfterCreating = async (prefix: string): Promise<EventFrame> => {
    for (let i = 0; i < 50; i++) {
      const id = `${prefix}-${i}`;
      expect((await api.send('POST', '/api/v1/teams', { body: { id, name: prefix } })).status).toBe(201);
      await new Promise((r) => setTimeout(r, 100));
      const found = heard.find((f) => f.data.outcome === 'succeeded' && (f.data as { resourceId?: string }).resourceId === id);
      if (found) return found;
    }
    throw new Error(`heard nothing after creating ${prefix}-* teams`);
  };
  const heard: EventFrame[] = [];
  rc.onStateChange((state) => states.push(state));
  rc.subscribe('audit', (frame) => heard.push(frame));
  rc.connect();
  await until(() => rc.connectionState === 'open');
  await heardAfterCreating('before');
  const raw = new WebSocket(await presignConnectUrl(`ws://127.0.0.1:${port}/realtime`, 'us-east-1', admin));
  const rawClosed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
  await new Promise((resolve) => raw.once('open', resolve));

  // Act: stop (SIGTERM) and start again on the same port.
  await stop(child);
  await until(() => rc.connectionState === 'reconnecting');
  child = await start(port);
  await until(() => rc.connectionState === 'open');

  // Assess: a clean close, then the new connection carries the subscription again.
  expect(await rawClosed).toBe(1001);
  const after = await heardAfterCreating('after');
  expect(after.data).toMatchObject({ action: 'teams.create', outcome: 'succeeded', resourceId: expect.stringMatching(/^after-/) });
  expect(states).toEqual(expect.arrayContaining(['connecting', 'open', 'reconnecting']));
  expect(states.lastIndexOf('open')).toBeGreaterThan(states.indexOf('reconnecting'));
  rc.close();
}, 60_000);
