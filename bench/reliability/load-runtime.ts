/**
 * The local runtime as the load and security scenarios run it: a child process of `npm run reliability`
 * (`fork`ed with an IPC channel and `--expose-gc`), doing what `npm start` does (local/start.ts: the runtime on
 * APOLLO_HOME, the demo data seeded before it answers, the scheduled jobs on their schedules) without building
 * the web app, and answering its parent over IPC:
 *   { op: 'heap' }              → the heap after a full GC (`global.gc`), and the process's RSS;
 *   { op: 'counts' }            → what the LOCAL FAKE integrations received (DNS creates, webhook deliveries);
 *   { op: 'session', role, principal } → short-lived credentials for a person, as the local sign-in page issues them;
 *   { op: 'env' }               → what the runtime set for itself (its fakes' addresses and tokens, the egress allowlist);
 *   { op: 'job', name }         → a scheduled job run now;
 *   { op: 'stop' }              → the scheduler and the runtime stopped, then exit 0.
 * It tells its parent `{ type: 'ready' }` once answering, and `{ type: 'start-jobs-settled' }` once the jobs run at
 * start have ended. APOLLO_RELIABILITY_FILL_OWN_LOGS and APOLLO_RELIABILITY_RETAIN_FINISHED put the runtime's bounded
 * histories at their caps (the soak's heap measure: below).
 * A child rather than in the runner's process: one runtime per process (handlers read their configuration once,
 * the table's client is made at import), its heap is the runtime's alone (not the clients'), and every line it
 * writes (the handlers' Powertools logger, the scheduler) reaches the parent through its stdout and stderr.
 */
import '../../local/local-env.ts';
import { randomUUID } from 'node:crypto';
import { JOBS } from '#functions/contexts';
import { localOwnLogs } from '#functions/observability/local';
import type { Role } from '#shared/permissions';
import { startRuntime } from '../../local/runtime.ts';
import { invokeJob, startScheduler } from '../../local/scheduler.ts';
import { seedDemoData } from '../../local/seed.ts';

export type ChildRequest =
  | { readonly id: number; readonly op: 'heap' }
  | { readonly id: number; readonly op: 'counts' }
  | { readonly id: number; readonly op: 'session'; readonly role: Role; readonly principal: string }
  | { readonly id: number; readonly op: 'env' }
  | { readonly id: number; readonly op: 'job'; readonly name: string }
  | { readonly id: number; readonly op: 'stop' };

export interface HeapSample {
  readonly heapUsed: number;
  readonly rss: number;
  /** Whether a full GC ran first (`--expose-gc`), and when (epoch ms): calls answered meanwhile waited for it. */
  readonly gc: boolean;
  readonly gcFrom: number;
  readonly gcTo: number;
  readonly ownLogLines: number;
}
export interface FakeCounts { readonly dnsCreates: number; readonly dnsRecords: readonly string[]; readonly hookDeliveries: number }
export interface ChildReady { readonly type: 'ready'; readonly url: string; readonly seeded: readonly string[]; readonly startMs: number }

const started = Date.now();
const home = process.env.APOLLO_HOME;
if (!home || !process.send) throw new Error('load-runtime.ts runs as a forked child with APOLLO_HOME set');
const send = (message: unknown): void => { process.send!(message); };

let seeded: string[] = [];
/**
 * Each local workflow engine remembers its last 500 finished executions (describe, history, name uniqueness), about
 * 25 KB each: a soak of minutes would see that memory fill, bounded by design, and not tell it from a leak. Told to
 * keep fewer, the engines are full within the run's first third.
 */
const retain = Number(process.env.APOLLO_RELIABILITY_RETAIN_FINISHED ?? 0);
const runtime = await startRuntime({
  port: Number(process.env.PORT ?? 0), home, region: 'us-east-1',
  beforeReady: async (url) => { seeded = await seedDemoData({ baseUrl: url }); },
  ...(retain > 0 ? { retainFinished: retain } : {}),
});
if (process.env.APOLLO_RELIABILITY_FILL_OWN_LOGS === '1') fillOwnLogs();

/**
 * The ring of Apollo's own handler lines (what `GET /api/v1/logs/services/apollo` reads: the last 50,000) filled to
 * its capacity with lines like a handler's, dated the two hours before the start, as in a runtime that has run for a
 * while: it then holds as many lines whatever the load adds, and a heap that still grows grows elsewhere.
 */
function fillOwnLogs(): void {
  const store = localOwnLogs();
  const from = Date.now() - 2 * 3_600_000;
  for (let i = 0; store.size < store.capacity; i++) {
    const at = new Date(from + Math.floor((i / store.capacity) * 3_600_000)).toISOString();
    store.capture(JSON.stringify({
      level: 'INFO', message: 'request handled', timestamp: at, service: 'apollo-services', cold_start: false,
      function_arn: 'arn:aws:lambda:local:000000000000:function:apollo-local-services', function_memory_size: '512', function_name: 'apollo-local-services',
      function_request_id: randomUUID(), sampling_rate: 0, correlation_id: randomUUID(),
      route: 'GET /api/v1/services/{id}', principal: 'developer@apollo.local', role: 'developer', statusCode: 200, durationMs: 14,
    }) + '\n'); // as written to stdout: the ring keeps each line trimmed
  }
}

// The parent starts its clock once the jobs run at start have ended (they are the start's, not the load's).
const atStart = new Set(JOBS.filter((job) => job.runAtLocalStart).map((job) => job.name));
const scheduler = startScheduler({
  runJob: invokeJob,
  runAtStart: [...atStart],
  log: (line) => {
    console.log(`[scheduler] ${line}`);
    const ended = /^(\S+) (finished|failed) /.exec(line)?.[1];
    if (ended && atStart.delete(ended) && atStart.size === 0) send({ type: 'start-jobs-settled' });
  },
});

const gc = (globalThis as { gc?: () => void }).gc;
let stopping = false;
process.on('message', (raw) => {
  const message = raw as ChildRequest;
  void (async () => {
    switch (message.op) {
      case 'heap': {
        const gcFrom = Date.now();
        gc?.();
        const gcTo = Date.now();
        const memory = process.memoryUsage();
        const sample: HeapSample = { heapUsed: memory.heapUsed, rss: memory.rss, gc: gc !== undefined, gcFrom, gcTo, ownLogLines: localOwnLogs().size };
        return send({ id: message.id, value: sample });
      }
      case 'counts': {
        const counts: FakeCounts = {
          dnsCreates: runtime.integrations.count('POST', '/dns/records'),
          dnsRecords: runtime.integrations.dnsRecords().map((r) => r.fqdn),
          hookDeliveries: runtime.integrations.count('POST', '/hooks/dns-changes'),
        };
        return send({ id: message.id, value: counts });
      }
      case 'session': {
        const s = runtime.credentials.issueSession(message.role, message.principal);
        return send({ id: message.id, value: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken } });
      }
      case 'env': {
        // What the runtime set for itself once listening (its fakes' addresses and tokens, the egress allowlist).
        const names = ['APOLLO_EGRESS_ALLOW', 'APOLLO_FAKES_URL', 'APOLLO_GITHUB_API_URL', 'APOLLO_GITHUB_TOKEN', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'APOLLO_TERRAFORM_HOST', 'APOLLO_JIRA_URL'];
        return send({ id: message.id, value: Object.fromEntries(names.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]])) });
      }
      case 'job': {
        // A scheduled job now (as `npm run job <name>` would), rather than at its next minute.
        return send({ id: message.id, value: await invokeJob(message.name) });
      }
      case 'stop': {
        if (stopping) return;
        stopping = true;
        const timer = setTimeout(() => process.exit(1), 10_000);
        await scheduler.stop();
        await runtime.close();
        clearTimeout(timer);
        send({ id: message.id, value: 'stopped' });
        process.exit(0);
      }
    }
  })().catch((error: unknown) => send({ id: message.id, error: (error as Error).message }));
});
// The parent gone (it failed, or was killed), this child does not outlive it.
process.on('disconnect', () => { if (!stopping) process.exit(0); });

const ready: ChildReady = { type: 'ready', url: runtime.url, seeded, startMs: Date.now() - started };
send(ready);
