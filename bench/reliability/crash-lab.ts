/**
 * What every crash scenario does the same way: `npm start`'s entry (local/start.ts) in a child process on a free
 * loopback port with its own temporary APOLLO_HOME, killed with SIGKILL (no goodbye: no drain, no close) at the moment
 * a scenario picks, and started again on the same home and port; signed clients for each local role (the keys from
 * $APOLLO_HOME/credentials.json), every response checked against its route's schema. The child's environment is
 * this process's without Apollo's own settings (an in-process runtime of another group sets those), plus what the
 * scenario names. Children and homes are removed by `close()`, and by an exit hook should a scenario be abandoned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { AuditEntry, AuditList, RealtimeFrame } from '#schemas/index.ts';
import { ApiClient, type Credentials } from '#shared/api-client';
import type { Role } from '#shared/permissions';
import { presignConnectUrl, type EventFrame } from '#shared/realtime-client';
import { freePort } from '../../local/testing/processes.ts';
import { checkingFetch } from '../../local/testing/response-schemas.ts';
import { ensureWebBuilt, webBuildReason } from '../../local/web.ts';
import { check, type Check } from './scenario.ts';

// This process builds AWS SDK clients too (the fakes' modules): their Node-version notice is not news here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Settings of the runtime itself: never inherited by the child (an in-process runtime of this process sets them). */
const OWN_SETTINGS = /^(APOLLO_|AWS_|ANTHROPIC_|TABLE_NAME$|POWERTOOLS_|PORT$|HOST$|LOG_LEVEL$)/;

const live = new Set<ChildProcess>();
const homes = new Set<string>();
let exitHook = false;
function cleanUpAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` answers something truthy (asked every `everyMs`), and answers it; throws after `timeoutMs`. */
export async function until<T>(what: string, condition: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

export interface Watcher {
  /** Every event heard, in order, until it is closed (or the runtime dies). */
  readonly frames: EventFrame[];
  close(): void;
}

export interface LabOptions {
  /** What the temporary home's name starts with. */
  readonly name: string;
  /** Settings for the child (knobs of its fakes and simulations, outside providers in this process). */
  readonly env?: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

/** One runtime's life: started, killed, started again on the same home and port; then closed, whatever happened. */
export class CrashLab {
  readonly home: string;
  port = 0;
  private child: ChildProcess | undefined;
  private output = '';
  private readonly clients = new Map<Role, ApiClient>();
  private readonly watchers = new Set<() => void>();
  /** How long each start took, in ms, in order. */
  readonly starts: number[] = [];
  /** The child's settings (a scenario may add the URL of a provider it started once the home exists). */
  readonly env: Record<string, string>;

  constructor(private readonly options: LabOptions) {
    cleanUpAtExit();
    this.env = { ...options.env };
    this.home = mkdtempSync(join(tmpdir(), `apollo-${options.name}-`));
    homes.add(this.home);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the child runs now. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the current run printed so far. */
  get printed(): string {
    return this.output;
  }

  /** Starts `npm start`'s entry (again, on the same home and port); resolves once it says it runs. */
  async start(): Promise<void> {
    if (this.child) throw new Error('the runtime runs already');
    if (!this.port) {
      // A fresh clone has no web app built: built once here, so no start below pays for it.
      if (webBuildReason()) { this.options.log(`building the web app first (${webBuildReason()})`); ensureWebBuilt(); }
      this.port = await freePort();
    }
    const t0 = Date.now();
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !OWN_SETTINGS.test(k)));
    const proc = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: ROOT,
      env: { ...env, PORT: String(this.port), APOLLO_HOME: this.home, LOG_LEVEL: 'SILENT', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = proc;
    live.add(proc);
    proc.once('exit', () => { live.delete(proc); if (this.child === proc) this.child = undefined; });
    this.output = '';
    proc.stdout!.on('data', (chunk: Buffer) => { this.output += chunk.toString(); });
    proc.stderr!.on('data', (chunk: Buffer) => { this.output += chunk.toString(); });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { clearInterval(poll); reject(new Error(`the runtime did not start in 90 s:\n${this.output.slice(-3000)}`)); }, 90_000);
      const poll = setInterval(() => {
        if (this.output.includes('Apollo is running at')) { clearTimeout(timer); clearInterval(poll); resolve(); }
      }, 25);
      proc.once('exit', (code, signal) => { clearTimeout(timer); clearInterval(poll); reject(new Error(`the runtime exited (${code ?? signal}) while starting:\n${this.output.slice(-3000)}`)); });
    });
    this.starts.push(Date.now() - t0);
    this.options.log(`runtime started in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${proc.pid}, port ${this.port})`);
  }

  /** SIGKILL: the process ends at once, mid-whatever; resolves once it has. */
  async kill(): Promise<void> {
    const proc = this.child;
    if (!proc) throw new Error('no runtime to kill');
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
    this.options.log(`runtime killed (SIGKILL, pid ${proc.pid})`);
  }

  /** Kills it and starts it again on the same home. */
  async crashAndRestart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** A signed client as a local role (its keys from $APOLLO_HOME/credentials.json), every answer checked against its schema. */
  client(role: Role): ApiClient {
    let client = this.clients.get(role);
    if (!client) {
      const credentials = (JSON.parse(readFileSync(join(this.home, 'credentials.json'), 'utf8')) as Record<Role, Credentials>)[role];
      client = new ApiClient({ baseUrl: this.url, region: 'us-east-1', credentials, fetch: checkingFetch() });
      this.clients.set(role, client);
    }
    return client;
  }

  /**
   * Someone following `topics` live (a browser on the item's page): resolves once each subscription is confirmed.
   * A crash leaves such subscriptions behind, pointing at connections that died with the runtime.
   */
  async watch(role: Role, topics: readonly string[]): Promise<Watcher> {
    const credentials = (JSON.parse(readFileSync(join(this.home, 'credentials.json'), 'utf8')) as Record<Role, Credentials>)[role];
    const socket = new WebSocket(await presignConnectUrl(`ws://127.0.0.1:${this.port}/realtime`, 'us-east-1', credentials));
    const frames: EventFrame[] = [];
    const subscribed = new Set<string>();
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as RealtimeFrame;
      if (frame.type === 'event') frames.push(frame);
      else if (frame.type === 'subscribed') subscribed.add(frame.topic);
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
    for (const topic of topics) socket.send(JSON.stringify({ action: 'subscribe', topic }));
    await until(`subscribed to ${topics.join(', ')}`, () => topics.every((t) => subscribed.has(t)) || undefined, 10_000, 20);
    const close = () => { socket.terminate(); this.watchers.delete(close); };
    this.watchers.add(close);
    return { frames, close };
  }

  /** Stops the child (if it runs) and deletes the home. */
  async close(): Promise<void> {
    for (const close of this.watchers) close();
    this.watchers.clear();
    const proc = this.child;
    if (proc) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    }
    rmSync(this.home, { recursive: true, force: true });
    homes.delete(this.home);
  }
}

/** A loopback HTTP server in this process (an outside provider the runtime calls), closed with its connections. */
export async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** The restart after the kill: it must come up on the same home although live subscriptions to dead connections are left in it. */
export function restartCheck(lab: CrashLab, followed: string): Check {
  const ms = lab.starts.at(-1) ?? Number.NaN;
  return check('the runtime starts again on the same home', ms < 30_000,
    `up again in ${(ms / 1000).toFixed(1)} s after the SIGKILL (first start ${((lab.starts[0] ?? Number.NaN) / 1000).toFixed(1)} s), with ${followed} followed live when it died (their subscriptions left behind)`,
    { value: Math.round(ms), unit: 'ms' });
}

/**
 * The audit log since `from`, as an admin reads it: every intent has its outcome, or says why it has none. An intent
 * left `pending` by a crash must carry the explanation the restart gave it (errorCode `Interrupted`). `expectPending`:
 * the intents the scenario cut off itself (its action's), which must be among them, explained.
 */
export async function auditCheck(lab: CrashLab, from: string, expectPending?: (entry: AuditEntry) => boolean): Promise<Check> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await lab.client('admin').call<AuditList>('GET', '/api/v1/audit', { query: { from, limit: 200, ...(cursor ? { cursor } : {}) } });
    entries.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  const pending = entries.filter((e) => e.outcome === 'pending');
  const unexplained = pending.filter((e) => e.errorCode !== 'Interrupted');
  const expected = expectPending ? pending.filter(expectPending) : [];
  const ok = unexplained.length === 0 && (!expectPending || expected.length > 0);
  return check('no audit intent left pending without its outcome explained', ok,
    `${entries.length} entries since the scenario began (GET /api/v1/audit as admin); ${pending.length} pending, ${pending.length - unexplained.length} of them explained as Interrupted by the restart`
    + `${unexplained.length ? `; UNEXPLAINED: ${unexplained.map((e) => `${e.action} ${e.id}`).join(', ')}` : ''}`
    + `${expectPending ? `; the intent the kill cut off: ${expected.length ? expected.map((e) => `${e.action} (${e.errorCode})`).join(', ') : 'NOT FOUND pending'}` : ''}`,
    { value: unexplained.length, unit: 'unexplained' });
}
