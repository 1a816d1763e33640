/**
 * `npm start` as a person meets it, twice on one APOLLO_HOME: the secret keys are printed when they
 * are created and never again, and the first request that reaches the gateway already sees the demo
 * data (the gateway waits for the seed, so no cache is built from an empty table).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { ApiClient, type Credentials } from '#shared/api-client';
import { freePort, stop } from './processes.ts';
import { checkingFetch } from './response-schemas.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'apollo-start-'));
const running: ChildProcess[] = [];

afterAll(async () => {
  for (const proc of running) if (proc.exitCode === null) await stop(proc);
  rmSync(home, { recursive: true, force: true });
});


/** Starts `npm start`'s entry point; `output()` is what it has printed so far. */
function start(port: number): { proc: ChildProcess; output: () => string; started: Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: root, env: { ...process.env, PORT: String(port), APOLLO_HOME: home, LOG_LEVEL: 'SILENT' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(proc);
  let text = '';
  proc.stdout!.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  proc.stderr!.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  const started = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => { if (text.includes('Press Ctrl+C')) { clearInterval(timer); resolve(); } }, 20);
    proc.once('exit', (code) => { clearInterval(timer); reject(new Error(`npm start exited with ${code}:\n${text}`)); });
  });
  return { proc, output: () => text, started };
}


/** Resolves once something accepts TCP connections on the port. */
async function listening(port: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it('prints the secret keys when it creates them, never after; the first request already sees the demo data', async () => {
  // First start: ask for the catalog the moment the port accepts a connection.
  const port = await freePort();
  const first = start(port);
  await listening(port);
  const roles = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as Record<string, Credentials>;
  const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: roles.viewer!, fetch: checkingFetch() });
  const [offerings, services] = await Promise.all([api.request('GET /api/v1/catalog'), api.request('GET /api/v1/services')]);
  expect(offerings.body.items.length).toBeGreaterThan(0);
  expect(services.body.items.length).toBeGreaterThan(0);
  await first.started;
  expect(first.output()).toContain(roles.admin!.secretAccessKey);
  await stop(first.proc);

  // Second start on the same APOLLO_HOME: where the keys are, not what they are.
  const second = start(port);
  await second.started;
  for (const credentials of Object.values(roles)) expect(second.output()).not.toContain(credentials.secretAccessKey);
  expect(second.output()).toContain(`${home}/credentials.json`);
  await stop(second.proc);
}, 90_000);
