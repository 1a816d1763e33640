/**
 * What the fault scenarios share: the local runtime in this process (the handlers' own modules, so faults can
 * be injected at their clients), a loopback server that misbehaves on demand and counts what it is asked,
 * environment changes put back afterwards, and how an API answer under faults is judged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { ApiClient, type ApiResponse } from '#shared/api-client';
import type { Role } from '#shared/permissions';
import { seedDemoData } from '#local/seed';
import { startRuntime, type Runtime } from '#local/runtime';

/** How a misbehaving server answers: as it should, late, never, with a 5xx, or 200 with a body nobody can use. */
export type Behaviour = 'healthy' | 'slow' | 'hang' | 'fail' | 'garbage';

export interface Call { readonly method: string; readonly path: string; readonly headers: IncomingMessage['headers']; readonly body: string; readonly at: number }

export interface MisbehavingServer {
  readonly url: string;
  behaviour: Behaviour;
  /** How late a `slow` answer is. */
  slowMs: number;
  /** What `fail` answers (503 by default; 529 or 429 say "busy" to some clients), with these headers. */
  failWith: { status: number; headers?: Record<string, string>; body?: string };
  /** Every request received, in order. */
  readonly calls: readonly Call[];
  /** Drops the connections of requests left hanging (their callers see the connection closed). */
  release(): void;
  close(): Promise<void>;
}

export type HealthyAnswer = (call: Call, res: ServerResponse) => void;

/**
 * A loopback HTTP server: `healthy` answers with `answer` (200 `{}` by default), `slow` the same after `slowMs`,
 * `hang` reads the request and never answers, `fail` 503 with a short text, `garbage` 200 with HTML where JSON
 * was expected. Every request is counted, whatever it is answered.
 */
export async function startMisbehavingServer(answer: HealthyAnswer = (_call, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{}'); }): Promise<MisbehavingServer> {
  const calls: Call[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { behaviour: 'healthy' as Behaviour, slowMs: 3_000, failWith: { status: 503 } as MisbehavingServer['failWith'] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const call: Call = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      calls.push(call);
      switch (state.behaviour) {
        case 'healthy': return answer(call, res);
        case 'slow': {
          const timer = setTimeout(() => { timers.delete(timer); if (!res.destroyed) answer(call, res); }, state.slowMs);
          timers.add(timer);
          return;
        }
        case 'hang': return;
        case 'fail': return void res.writeHead(state.failWith.status, { 'content-type': 'text/plain', ...state.failWith.headers }).end(state.failWith.body ?? 'upstream unavailable (reliability fault)');
        case 'garbage': return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html><body>502 Bad Gateway</body></html>');
      }
    });
  });
  server.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get behaviour() { return state.behaviour; },
    set behaviour(value: Behaviour) { state.behaviour = value; },
    get slowMs() { return state.slowMs; },
    set slowMs(value: number) { state.slowMs = value; },
    get failWith() { return state.failWith; },
    set failWith(value: MisbehavingServer['failWith']) { state.failWith = value; },
    calls,
    release() { for (const socket of sockets) socket.destroy(); },
    close: () => new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A healthy answer that is another server's: the request forwarded to `upstream` (a fake of the system), its answer returned. */
export function forwardTo(upstream: string): HealthyAnswer {
  return (call, res) => {
    const headers = Object.fromEntries(Object.entries(call.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'connection', 'content-length', 'accept-encoding'].includes(name))) as Record<string, string>;
    void fetch(`${upstream}${call.path}`, { method: call.method, headers, ...(call.body && call.method !== 'GET' && call.method !== 'HEAD' ? { body: call.body } : {}) })
      .then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer());
        const out = Object.fromEntries([...answer.headers].filter(([name]) => !['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name)));
        if (!res.destroyed) res.writeHead(answer.status, { ...out, 'content-length': String(body.length) }).end(body);
      })
      .catch((error: unknown) => { if (!res.destroyed) res.writeHead(502, { 'content-type': 'text/plain' }).end(`reliability proxy: ${(error as Error).message}`); });
  };
}

/** Sets environment variables and answers how to put them back as they were. */
export function withEnv(changes: Readonly<Record<string, string | undefined>>): () => void {
  const before = Object.fromEntries(Object.keys(changes).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** A comma list with `value` added (APOLLO_TEMPLATE_ENV, APOLLO_EGRESS_ALLOW). */
export const appended = (list: string | undefined, value: string): string => [...(list ?? '').split(',').map((v) => v.trim()).filter(Boolean), value].join(',');

export interface Local {
  readonly runtime: Runtime;
  client(role: Role): ApiClient;
}

/**
 * The local runtime in this process for the length of `run` (closed even when it throws), with the demo data
 * (`seed`: all of it, seconds) or only the demo teams and their members (`teams`: what requests and ownership need).
 */
export async function withRuntime<T>(run: (local: Local) => Promise<T>, options: { data?: 'seed' | 'teams' | 'none' } = {}): Promise<T> {
  const runtime = await startRuntime({ port: 0 });
  try {
    if (options.data === 'seed') await seedDemoData({ baseUrl: runtime.url });
    if ((options.data ?? 'teams') === 'teams') {
      const { createTeam, putMember } = await import('../../functions/identity/teams.ts');
      for (const [id, lead, member] of [['platform', 'admin', 'operator'], ['payments', 'operator', 'developer']] as const) {
        await createTeam({ id, name: id }, 'system:reliability');
        await putMember(id, `${lead}@apollo.local`, { role: 'lead' }, 'system:reliability');
        await putMember(id, `${member}@apollo.local`, { role: 'member' }, 'system:reliability');
      }
    }
    const clients = new Map<Role, ApiClient>();
    const client = (role: Role): ApiClient => {
      let c = clients.get(role);
      if (!c) clients.set(role, c = new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials: runtime.credentials.roles[role] }));
      return c;
    };
    return await run({ runtime, client });
  } finally {
    await runtime.close();
  }
}

/** One API call as seen from outside: its status, time, error message and Retry-After. */
export interface Answer {
  readonly what: string;
  readonly status: number;
  readonly ms: number;
  readonly code?: string;
  readonly message?: string;
  readonly retryAfter: string | null;
  readonly body: unknown;
}

export async function timed(what: string, call: () => Promise<ApiResponse>): Promise<Answer> {
  const started = performance.now();
  const res = await call();
  const ms = performance.now() - started;
  const error = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return { what, status: res.status, ms, code: error?.code, message: error?.message, retryAfter: res.headers.get('retry-after'), body: res.body };
}

/**
 * A clean refusal under faults: 503 or 429 (or 502/504 that says what did not answer) with a message that is a
 * reason (not the bare "internal error") and a Retry-After. Anything 5xx else is unclean; 2xx is fine.
 */
export function cleanFailure(a: Answer): boolean {
  if (a.status < 500 && a.status !== 429) return false;
  return [429, 502, 503, 504].includes(a.status) && !!a.message && a.message !== 'internal error' && a.retryAfter !== null;
}

/** Counts of statuses, e.g. `201×14, 503×2`. */
export function statusSummary(answers: readonly Answer[]): string {
  const counts = new Map<number, number>();
  for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(', ');
}

/** The distinct messages of failed answers, shortened. */
export function reasons(answers: readonly Answer[], max = 2): string {
  const distinct = [...new Set(answers.filter((a) => a.status >= 400).map((a) => `${a.status} "${(a.message ?? String(a.code ?? '')).slice(0, 90)}"`))];
  return distinct.length ? distinct.slice(0, max).join('; ') + (distinct.length > max ? ` (+${distinct.length - max} more)` : '') : 'none';
}

/** Runs `tasks` with at most `width` at a time, in order of start. */
export async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  }));
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` answers true (asked every `everyMs`); false after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

export const ms = (value: number): string => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);

/** A server that accepts connections and never answers: what a hung endpoint (DynamoDB, Cost Explorer) looks like to an SDK client. */
export async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
