/**
 * The parent's side of load-runtime.ts: starts the local runtime in a child process on a fresh APOLLO_HOME and a
 * free loopback port, keeps every line it writes, and asks it over IPC for heap samples, the LOCAL FAKE
 * integrations' counters and people's session credentials. `stop()` stops it (gracefully, then SIGKILL) and
 * deletes its home; call it in a `finally`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Credentials } from '#shared/api-client';
import type { Role } from '#shared/permissions';
import type { CredentialsFile } from '../../local/credentials.ts';
import { freePort } from '../../local/testing/processes.ts';
import type { ChildReady, FakeCounts, HeapSample } from './load-runtime.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;

export interface ChildRuntime {
  readonly url: string;
  readonly region: string;
  readonly home: string;
  readonly pid: number;
  /** How long the child took from fork to answering (ms). */
  readonly startMs: number;
  /** The long-term key of each role, from `$APOLLO_HOME/credentials.json`. */
  readonly roles: CredentialsFile;
  /** Everything the child wrote to stdout and stderr so far, line by line. */
  lines(): readonly string[];
  heap(): Promise<HeapSample>;
  counts(): Promise<FakeCounts>;
  /** Session credentials of `principal` in `role`, as the local sign-in page issues them. */
  session(role: Role, principal: string): Promise<Credentials>;
  /** Variables the runtime set for itself once listening (the fakes' addresses and tokens, the egress allowlist). */
  env(): Promise<Readonly<Record<string, string>>>;
  /** Runs a scheduled job now, as `npm run job <name>` does; answers its result. */
  job(name: string): Promise<unknown>;
  /** Resolves once the jobs `npm start` runs at start (health, costs, catalog, secrets) have ended, or after `timeoutMs`. */
  startJobsSettled(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startChildRuntime(env: Readonly<Record<string, string>> = {}): Promise<ChildRuntime> {
  const home = mkdtempSync(join(tmpdir(), 'apollo-reliability-'));
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const proc = fork(join(root, 'bench/reliability/load-runtime.ts'), [], {
      cwd: root,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { ...process.env, APOLLO_HOME: home, PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child = proc;
    const lines: string[] = [];
    let partial = { out: '', err: '' };
    const collect = (which: 'out' | 'err') => (chunk: Buffer) => {
      const text = partial[which] + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = { ...partial, [which]: parts.pop() ?? '' };
      lines.push(...parts);
    };
    proc.stdout!.on('data', collect('out'));
    proc.stderr!.on('data', collect('err'));

    let nextId = 1;
    const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
    let ready: ChildReady | undefined;
    let settled = false;
    const settledWaiters: Array<() => void> = [];
    proc.on('message', (raw) => {
      const message = raw as { id?: number; value?: unknown; error?: string; type?: string };
      if (message.type === 'ready') ready = message as ChildReady;
      if (message.type === 'start-jobs-settled') {
        settled = true;
        for (const wake of settledWaiters.splice(0)) wake();
      }
      if (message.id === undefined) return;
      const waiter = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.value);
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => {
      for (const waiter of waiting.values()) waiter.reject(new Error('the runtime exited'));
      waiting.clear();
      resolve();
    }));
    const ask = <T>(request: Record<string, unknown>, timeoutMs = 30_000): Promise<T> => new Promise<T>((resolve, reject) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return reject(new Error('the runtime has exited'));
      const id = nextId++;
      const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`the runtime did not answer ${String(request.op)} in ${timeoutMs} ms`)); }, timeoutMs);
      waiting.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v as T); }, reject: (e) => { clearTimeout(timer); reject(e); } });
      proc.send({ id, ...request });
    });

    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!ready) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the runtime exited while starting:\n${lines.slice(-30).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`the runtime did not start in ${STARTUP_TIMEOUT_MS / 1000} s:\n${lines.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const roles = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as CredentialsFile;
    const started = ready;
    return {
      url: started.url,
      region: 'us-east-1',
      home,
      pid: proc.pid!,
      startMs: started.startMs,
      roles,
      lines: () => [...lines, ...(partial.out ? [partial.out] : []), ...(partial.err ? [partial.err] : [])],
      heap: () => ask<HeapSample>({ op: 'heap' }),
      counts: () => ask<FakeCounts>({ op: 'counts' }),
      env: () => ask<Record<string, string>>({ op: 'env' }),
      job: (name) => ask({ op: 'job', name }, 60_000),
      session: (role, principal) => ask<Credentials>({ op: 'session', role, principal }),
      startJobsSettled: (timeoutMs) => settled ? Promise.resolve(true) : new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        settledWaiters.push(() => { clearTimeout(timer); resolve(true); });
      }),
      stop: async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          await ask({ op: 'stop' }, 15_000).catch(() => proc.kill('SIGKILL'));
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
          await exited;
        }
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
