/**
 * What each AWS service would bill for what the local runtime did, counted where it happens (section 15, the cost
 * model). One meter per run; `measure(name, work)` answers the usage of one operation, from its first call until the
 * runtime is quiet again:
 *
 * - Lambda: every invocation the runtime makes (local/lambda.ts `observeInvocations`: API routes, the WebSocket
 *   routes, workflow steps, jobs, the AI console's on-behalf calls), by function, with its wall time here — the
 *   estimate of its billed duration (see the section's notes: this machine, dynalite in this process, fakes on
 *   loopback, no cold start);
 * - DynamoDB: `ReturnConsumedCapacity: 'TOTAL'` on every command of the handlers' client, which dynalite answers as
 *   DynamoDB does for the table (item sizes rounded up to 4 KB a read, halved for eventually consistent ones, 1 KB a
 *   write, the larger of the item before and after). What dynalite leaves out is added from the items themselves,
 *   read before and after each write with a client of our own: the writes to each global secondary index the item is
 *   in (projection ALL, as infra/data.ts makes them: a key change is a delete and a put), a conditional write that
 *   failed (DynamoDB still charges it) and the bytes a write adds to the table and its indexes (100 bytes of overhead
 *   an item, as DynamoDB counts storage; items with a TTL are left out: they expire);
 * - CloudWatch Logs: the bytes of every JSON line the handlers print (at the production level, INFO), per invocation;
 * - API Gateway REST: the local gateway's own count of the calls it routed (`runtime.metrics`);
 * - API Gateway WebSocket: the frames in and out of the sockets opened through `socket()`, on the operation under way;
 * - Step Functions: the executions each workflow's engine started, read back with `history()` once they ended;
 * - Secrets Manager: the calls at the ports that are Secrets Manager in AWS (integration secrets, the secrets
 *   context's stores);
 * - EventBridge: one custom event per notification written (functions/lib/notifications.ts puts one per notice);
 * - S3: the audit export's archive, an in-memory one here that counts its requests and bytes (the runtime keeps no
 *   archive without APOLLO_HOME, and the S3 adapter must never be reached from the bench).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Credentials } from '#shared/api-client';
import { ConflictError } from '#shared/errors';
import { presignConnectUrl } from '#shared/realtime-client';
import { TABLE_DESIGN } from '#shared/table-design';
import type { Runtime } from '#local/runtime';

const MIDDLEWARE = 'apolloBenchCostMeter';
/** DynamoDB counts 100 bytes of overhead per item (and per index entry) in storage. */
const ITEM_OVERHEAD_BYTES = 100;
const QUIET_MS = 300;
const QUIET_TIMEOUT_MS = 120_000;

export interface InvocationRecord {
  /** The Apollo function (`services`, `realtime`, `jobs`, `deployments-deployment-steps`…). */
  readonly fn: string;
  /** What it served: `GET /api/v1/services/{id}`, `$default`, `job health-poll`, `step check`. */
  readonly kind: string;
  /** Its wall time, less the meter's own reads of the items it wrote. */
  ms: number;
  /** The meter's own time inside it (reading items before and after its writes, overlapping reads once): taken off `ms`. */
  meterMs?: number;
  /** Meter reads under way in it, and since when (the union of their intervals is what `meterMs` adds up). */
  meterActive?: number;
  meterSince?: number;
  rru: number;
  wru: number;
  logBytes: number;
  logLines: number;
  /** Not seen by the invocation hook (an in-process dispatched run): timed by the operation itself. */
  readonly synthetic?: boolean;
}

export interface ExecutionRecord {
  readonly workflow: string;
  readonly name: string;
  /** States entered: what Step Functions Standard bills ("a state transition each time a step is executed"). */
  readonly transitions: number;
  /** States entered, by state name (the deployment's loops are read from here). */
  readonly byState: Readonly<Record<string, number>>;
  /** States entered, by type (Task, Choice, Wait, Pass, Succeed…). */
  readonly byType: Readonly<Record<string, number>>;
  readonly status: string;
}

export interface Usage {
  readonly name: string;
  readonly invocations: InvocationRecord[];
  rru: number;
  wru: number;
  /** Bytes the operation added to the table and its indexes (items without a TTL). */
  storedBytes: number;
  /** Failed conditional writes (charged as writes, included in `wru`). */
  conditionalFailures: number;
  /** JSON log lines printed by handlers, whether or not inside an invocation. */
  logBytes: number;
  logLines: number;
  restCalls: number;
  readonly restRoutes: Record<string, number>;
  wsConnects: number;
  /** Messages clients sent (each a `$default` invocation). */
  wsIn: number;
  /** Messages API Gateway delivered to clients (`postToConnection`, and the answers to what they sent). */
  wsOut: number;
  readonly executions: ExecutionRecord[];
  secretsCalls: number;
  /** The audit archive's requests (S3 in AWS: HeadObject/GetObject, PutObject) and the bytes put. */
  s3Gets: number;
  s3Puts: number;
  s3Bytes: number;
  costExplorerRequests: number;
  customEvents: number;
  elapsedMs: number;
}

export const emptyUsage = (name: string): Usage => ({
  name, invocations: [], rru: 0, wru: 0, storedBytes: 0, conditionalFailures: 0, logBytes: 0, logLines: 0, restCalls: 0, restRoutes: {},
  wsConnects: 0, wsIn: 0, wsOut: 0, executions: [], secretsCalls: 0, s3Gets: 0, s3Puts: 0, s3Bytes: 0, costExplorerRequests: 0, customEvents: 0, elapsedMs: 0,
});

/** A WebSocket of the operation: frames counted both ways. */
export interface CountedSocket {
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  ping(): Promise<void>;
  send(message: object): void;
  /** Frames this socket received so far. */
  received(): number;
  /** Waits for a frame the predicate accepts (frames already received count too). */
  frame(accept: (frame: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

type ItemAttrs = Record<string, AttributeValue>;
type Key = { PK: AttributeValue; SK: AttributeValue };

const { itemSize } = createRequire(import.meta.url)('dynalite/db/index.js') as { itemSize(item: ItemAttrs): number };

/** A key or item attribute as the document client gives it (`'SVC#x'`) or marshalled (`{ S: 'SVC#x' }`). */
const attr = (value: unknown): AttributeValue => (typeof value === 'string' ? { S: value } : value as AttributeValue);
const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : (value as { S?: string } | undefined)?.S);

const indexesOf = (item: ItemAttrs | undefined): string[] =>
  item ? TABLE_DESIGN.globalSecondaryIndexes.filter((i) => item[i.partitionKey] && item[i.sortKey]).map((i) => i.indexName) : [];

const indexKey = (item: ItemAttrs, index: string): string => {
  const def = TABLE_DESIGN.globalSecondaryIndexes.find((i) => i.indexName === index)!;
  return JSON.stringify([item[def.partitionKey], item[def.sortKey]]);
};

const writeUnits = (item: ItemAttrs | undefined): number => Math.max(1, Math.ceil((item ? itemSize(item) : 0) / 1024));

/** What an item occupies: itself and a copy in each index it is in (an item with a TTL counts nothing: it expires). */
const storedBytes = (item: ItemAttrs | undefined): number =>
  item && !item[TABLE_DESIGN.ttlAttribute] ? (itemSize(item) + ITEM_OVERHEAD_BYTES) * (1 + indexesOf(item).length) : 0;

/**
 * The write units DynamoDB charges an item's indexes for one write (dynalite charges the table alone): an index
 * entry added or removed is one write of its size, a changed key a delete and a put, a changed item that stays in
 * the index a put (projection ALL: every attribute is in the index).
 */
export function indexWriteUnits(before: ItemAttrs | undefined, after: ItemAttrs | undefined): number {
  let units = 0;
  for (const { indexName } of TABLE_DESIGN.globalSecondaryIndexes) {
    const wasIn = before !== undefined && indexesOf(before).includes(indexName);
    const isIn = after !== undefined && indexesOf(after).includes(indexName);
    if (wasIn && isIn) {
      if (indexKey(before, indexName) !== indexKey(after, indexName)) units += writeUnits(before) + writeUnits(after);
      else if (JSON.stringify(before) !== JSON.stringify(after)) units += writeUnits(after);
    } else if (wasIn) units += writeUnits(before);
    else if (isIn) units += writeUnits(after);
  }
  return units;
}

const capacityOf = (output: unknown): number => {
  const consumed = (output as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> } | undefined)?.ConsumedCapacity;
  if (!consumed) return 0;
  return [consumed].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
};

const READS = new Set(['GetItem', 'Get', 'Query', 'Scan', 'BatchGetItem', 'BatchGet']);

/** The keys one write touches (Put, Update, Delete, and each request of a BatchWrite), whatever client made it. */
function keysOfWrite(command: string, input: Record<string, unknown>): Key[] {
  const keyOf = (k: Record<string, unknown>): Key => ({ PK: attr(k.PK), SK: attr(k.SK) });
  if (command === 'PutItem' || command === 'Put') return [keyOf(input.Item as Record<string, unknown>)];
  if (['UpdateItem', 'Update', 'DeleteItem', 'Delete'].includes(command)) return [keyOf(input.Key as Record<string, unknown>)];
  if (command === 'BatchWriteItem' || command === 'BatchWrite') {
    return Object.values(input.RequestItems as Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }>>)
      .flat().map((r) => keyOf(r.PutRequest?.Item ?? r.DeleteRequest!.Key));
  }
  return [];
}

export class CostMeter {
  private current: Usage | undefined;
  private readonly scope = new AsyncLocalStorage<InvocationRecord>();
  private inflight = 0;
  /** Anything counted at all: the quiet wait watches it. */
  private activity = 0;
  private readonly undo: Array<() => void | Promise<void>> = [];
  private readonly raw: DynamoDBClient;

  private constructor(private readonly runtime: Runtime) {
    this.raw = new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: runtime.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  }

  /** Starts counting on a running runtime (its handlers' client, its invocations, its engines, its ports). */
  static async start(runtime: Runtime): Promise<CostMeter> {
    const meter = new CostMeter(runtime);
    await meter.install();
    return meter;
  }

  /** The usage so far of the operation under way (the hooks add to it). */
  private get usage(): Usage | undefined {
    return this.current;
  }

  private async install(): Promise<void> {
    const { observeInvocations } = await import('#local/lambda');
    observeInvocations(async (fn, event, run) => {
      const usage = this.usage;
      const record: InvocationRecord = { fn, kind: kindOf(fn, event), ms: 0, rru: 0, wru: 0, logBytes: 0, logLines: 0 };
      usage?.invocations.push(record);
      this.inflight++;
      this.activity++;
      const started = performance.now();
      try {
        return await this.scope.run(record, run);
      } finally {
        record.ms = Math.max(0, performance.now() - started - (record.meterMs ?? 0));
        this.inflight--;
      }
    });
    this.undo.push(() => observeInvocations(undefined));

    // The handlers' own client: imported by the specifier they use, once the runtime has set the environment.
    const { dynamoClient } = await import('#lib/table');
    dynamoClient.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        const keys = keysOfWrite(command, input);
        const record = this.scope.getStore();
        const before = await this.metered(record, () => Promise.all(keys.map((k) => this.peek(k))));
        const usage = this.usage;
        this.activity++;
        if (usage && (command === 'PutItem' || command === 'Put')) {
          const item = input.Item as Record<string, unknown>;
          if (stringOf(item.PK)?.startsWith('NOTIF#') && before[0] === undefined) usage.customEvents++;
        }
        let result: Awaited<ReturnType<typeof next>>;
        try {
          result = await next(args);
        } catch (error) {
          if (usage && (error as Error).name === 'ConditionalCheckFailedException') {
            const units = writeUnits(before[0]);
            usage.wru += units;
            usage.conditionalFailures++;
            if (record) record.wru += units;
          }
          throw error;
        }
        if (usage) {
          const units = capacityOf(result.output);
          const after = await this.metered(record, () => Promise.all(keys.map((k) => this.peek(k))));
          const indexUnits = keys.reduce((sum, _, i) => sum + indexWriteUnits(before[i], after[i]), 0);
          if (READS.has(command)) {
            usage.rru += units;
            if (record) record.rru += units;
          } else {
            usage.wru += units + indexUnits;
            if (record) record.wru += units + indexUnits;
            usage.storedBytes += keys.reduce((sum, _, i) => sum + storedBytes(after[i]) - storedBytes(before[i]), 0);
          }
        }
        return result;
      },
      { step: 'serialize', priority: 'high', name: MIDDLEWARE },
    );
    this.undo.push(() => { dynamoClient.middlewareStack.remove(MIDDLEWARE); });

    // Handler log lines (JSON, from the Powertools logger): on top of the runtime's own tee, so they are seen first.
    const countLine = (chunk: unknown): void => {
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : undefined;
      const usage = this.usage;
      if (!usage || text === undefined || !text.startsWith('{')) return;
      const bytes = Buffer.byteLength(text.replace(/\n$/, ''));
      const lines = Math.max(1, text.split('\n').filter(Boolean).length);
      usage.logBytes += bytes;
      usage.logLines += lines;
      const record = this.scope.getStore();
      if (record) {
        record.logBytes += bytes;
        record.logLines += lines;
      }
    };
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
        countLine(chunk);
        return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      } as typeof stream.write;
      stream.write = write;
      this.undo.push(() => { if (stream.write === write) stream.write = original; });
    }

    // Executions each workflow's engine starts (read back once they end).
    for (const [workflow, engine] of this.runtime.workflows.engines) {
      const start = engine.start.bind(engine);
      engine.start = async (name, input) => {
        const started = await start(name, input);
        if (started.started) this.pendingExecutions.push({ workflow, name, usage: this.usage });
        this.activity++;
        return started;
      };
      this.undo.push(() => { delete (engine as { start?: unknown }).start; });
    }

    // The ports that are Secrets Manager in AWS.
    const { configureRequests, requestsDeps } = await import('#functions/requests/deps');
    const requests = requestsDeps();
    configureRequests({ ...requests, secrets: { kind: requests.secrets.kind, get: (name) => { this.countSecretsCall(); return requests.secrets.get(name); } } });
    this.undo.push(() => configureRequests(requests));
    const { configureSecrets, secretsDeps } = await import('#functions/secrets/deps');
    const secrets = await secretsDeps();
    configureSecrets({
      storeFor: async (environment, caller) => {
        const store = await secrets.storeFor(environment, caller);
        return new Proxy(store, {
          get: (target, property, receiver) => {
            const value: unknown = Reflect.get(target, property, receiver);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => { this.countSecretsCall(); return (value as (...a: unknown[]) => unknown).apply(target, args); };
          },
        });
      },
    });
    this.undo.push(() => configureSecrets({ storeFor: secrets.storeFor }));

    const { configureJobs, jobsDeps } = await import('#functions/jobs/deps');
    const previousArchive = jobsDeps().archive;
    const archived = new Map<string, string>();
    configureJobs({
      archive: {
        exists: async (key) => { if (this.usage) this.usage.s3Gets++; return archived.has(key); },
        put: async (key, body) => {
          if (archived.has(key)) throw new ConflictError(`${key} is archived already`);
          archived.set(key, body);
          if (this.usage) { this.usage.s3Puts++; this.usage.s3Bytes += Buffer.byteLength(body); }
        },
      },
    });
    this.undo.push(() => configureJobs({ archive: previousArchive }));
  }

  private readonly pendingExecutions: Array<{ workflow: string; name: string; usage: Usage | undefined }> = [];

  private countSecretsCall(): void {
    if (this.usage) this.usage.secretsCalls++;
    this.activity++;
  }

  /** Runs the meter's own reads inside an invocation, adding the time they take (once where they overlap) to its `meterMs`. */
  private async metered<T>(record: InvocationRecord | undefined, read: () => Promise<T>): Promise<T> {
    if (!record) return read();
    if (!record.meterActive) record.meterSince = performance.now();
    record.meterActive = (record.meterActive ?? 0) + 1;
    try {
      return await read();
    } finally {
      record.meterActive--;
      if (record.meterActive === 0) record.meterMs = (record.meterMs ?? 0) + performance.now() - record.meterSince!;
    }
  }

  private async peek(key: Key): Promise<ItemAttrs | undefined> {
    const out = await this.raw.send(new GetItemCommand({ TableName: this.runtime.tableName, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  private restTotal(): { total: number; routes: Record<string, number> } {
    const routes: Record<string, number> = {};
    let total = 0;
    for (const s of this.runtime.metrics.snapshot()) {
      routes[`${s.method} ${s.route}`] = s.requests;
      total += s.requests;
    }
    return { total, routes };
  }

  /** Waits until nothing has been invoked, read, written or started for QUIET_MS, and no invocation is running. */
  async quiet(quietMs = QUIET_MS, timeoutMs = QUIET_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = this.activity;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      if (this.inflight === 0 && this.activity === seen) return;
      if (Date.now() > deadline) throw new Error(`the runtime was still busy after ${timeoutMs / 1000} s`);
      seen = this.activity;
    }
  }

  /**
   * One operation: `work` runs with a fresh usage, then the meter waits until the runtime is quiet (what the local
   * engine and the publishes do after the last response) and reads back the executions it started.
   */
  async measure(name: string, work: (usage: Usage) => Promise<void>): Promise<Usage> {
    await this.quiet();
    const usage = emptyUsage(name);
    const rest = this.restTotal();
    this.current = usage;
    const started = performance.now();
    try {
      await work(usage);
      await this.quiet();
    } finally {
      this.current = undefined;
    }
    usage.elapsedMs = Math.round(performance.now() - started);
    const after = this.restTotal();
    usage.restCalls = after.total - rest.total;
    for (const [route, n] of Object.entries(after.routes)) {
      const d = n - (rest.routes[route] ?? 0);
      if (d > 0) usage.restRoutes[route] = d;
    }
    for (const pending of this.pendingExecutions.filter((p) => p.usage === usage)) {
      const engine = this.runtime.workflows.engines.get(pending.workflow)!;
      const description = await engine.describe(pending.name);
      const history = await engine.history(pending.name);
      const byState: Record<string, number> = {};
      const byType: Record<string, number> = {};
      for (const event of history) {
        const type = /^(\w+?)StateEntered$/.exec(event.type)?.[1];
        if (!type || !event.state) continue;
        byState[event.state] = (byState[event.state] ?? 0) + 1;
        byType[type] = (byType[type] ?? 0) + 1;
      }
      usage.executions.push({
        workflow: pending.workflow, name: pending.name, byState, byType, status: description?.status ?? 'unknown',
        transitions: Object.values(byState).reduce((a, b) => a + b, 0),
      });
    }
    this.pendingExecutions.splice(0, this.pendingExecutions.length, ...this.pendingExecutions.filter((p) => p.usage !== usage));
    return usage;
  }

  /**
   * A WebSocket as the web app opens one (presigned `$connect`), its frames counted both ways on the operation
   * under way when each is sent or arrives: a tab's socket outlives the page views it serves.
   */
  async socket(credentials: Credentials): Promise<CountedSocket> {
    const ws = new WebSocket(await presignConnectUrl(this.runtime.realtimeUrl, this.runtime.region, credentials));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    if (this.usage) this.usage.wsConnects++;
    const frames: Array<Record<string, unknown>> = [];
    const waiting = new Set<{ accept: (f: Record<string, unknown>) => boolean; resolve: (f: Record<string, unknown>) => void }>();
    ws.on('message', (data) => {
      if (this.usage) this.usage.wsOut++;
      this.activity++;
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      frames.push(frame);
      for (const w of waiting) if (w.accept(frame)) { waiting.delete(w); w.resolve(frame); }
    });
    const frame = (accept: (f: Record<string, unknown>) => boolean, timeoutMs = 60_000, from = 0): Promise<Record<string, unknown>> => {
      const seen = frames.slice(from).find(accept);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const entry = { accept, resolve: (f: Record<string, unknown>) => { clearTimeout(timer); resolve(f); } };
        const timer = setTimeout(() => { waiting.delete(entry); reject(new Error(`no matching frame within ${timeoutMs / 1000} s`)); }, timeoutMs);
        waiting.add(entry);
      });
    };
    const send = (message: object): void => {
      if (this.usage) this.usage.wsIn++;
      this.activity++;
      ws.send(JSON.stringify(message));
    };
    /** Sends `message` and waits for its answer (every message is answered with one frame). */
    const ask = async (message: { action: string; topic?: string }, answer: string): Promise<void> => {
      const from = frames.length;
      send(message);
      const reply = await frame((f) => f.type === 'error' || (f.type === answer && (message.topic === undefined || f.topic === message.topic)), 10_000, from);
      if (reply.type === 'error') throw new Error(`${message.action} ${message.topic ?? ''} refused: ${JSON.stringify(reply)}`);
    };
    return {
      send,
      received: () => frames.length,
      frame: (accept, timeoutMs) => frame(accept, timeoutMs),
      subscribe: (topic) => ask({ action: 'subscribe', topic }, 'subscribed'),
      unsubscribe: (topic) => ask({ action: 'unsubscribe', topic }, 'unsubscribed'),
      ping: () => ask({ action: 'ping' }, 'pong'),
      close: () => new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
    };
  }

  async close(): Promise<void> {
    for (const undo of this.undo.reverse()) await undo();
    this.raw.destroy();
  }
}

/** What an invocation served, from its event. */
function kindOf(fn: string, event: unknown): string {
  const e = (event ?? {}) as { httpMethod?: string; resource?: string; requestContext?: { routeKey?: string }; job?: string; step?: string };
  if (e.httpMethod && e.resource) return `${e.httpMethod} ${e.resource}`;
  if (e.requestContext?.routeKey) return e.requestContext.routeKey;
  if (e.job) return `job ${e.job}`;
  if (e.step) return `step ${e.step}`;
  return fn;
}
