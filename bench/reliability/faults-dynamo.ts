/**
 * DynamoDB faults injected at the handlers' own client (`dynamoClient` from #lib/table: the local runtime runs
 * every handler and workflow step in this process, so one middleware sees all their commands).
 *
 * The middleware sits inside the SDK's retry loop (the `deserialize` step, after the deserializer), so each
 * ATTEMPT is a draw, as DynamoDB itself throttles attempts, not calls:
 * - throttled: the attempt is answered as DynamoDB answers it (HTTP 400, `x-amz-json-1.0`,
 *   `ProvisionedThroughputExceededException` or `ThrottlingException`), parsed by the SDK's own deserializer
 *   into its own exception, which its retry strategy then handles as it would a real one;
 * - hung: the attempt is sent to a loopback server that accepts the connection and never answers, so what
 *   ends it is the client's own timeout (the request handler's), not ours.
 * Both are counted, and so are the logical commands (the `initialize` step: once per command).
 */
import { Readable } from 'node:stream';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import type { DeserializeHandler, DeserializeHandlerArguments, MetadataBearer } from '@smithy/types';
import type { Request } from '#schemas/index.ts';
import { median } from '../stats.ts';
import { appended, cleanFailure, ms, pool, reasons, startBlackHole, startMisbehavingServer, statusSummary, timed, until, withEnv, withRuntime, type Answer } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

export interface DynamoFaultRates {
  /** Fraction of attempts answered with a throttling error (0-1). */
  readonly throttle: number;
  /** Fraction of attempts sent to a server that never answers (0-1). */
  readonly hang: number;
}

export interface DynamoFaults {
  /** Changes the rates (0, 0: healthy again). */
  set(rates: DynamoFaultRates): void;
  readonly counts: { readonly commands: number; readonly attempts: number; readonly throttled: number; readonly hung: number };
  /** Commands that ended in an error the SDK gave up on (after its retries), by error name. */
  readonly gaveUp: Readonly<Record<string, number>>;
  /** Takes the middleware off and closes the black hole. */
  remove(): Promise<void>;
}

const THROTTLES = [
  { type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.' },
  { type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly.' },
] as const;


export async function injectDynamoFaults(rates: DynamoFaultRates, random: () => number = Math.random): Promise<DynamoFaults> {
  const { dynamoClient } = await import('#lib/table');
  const blackHole = await startBlackHole();
  let current = rates;
  const counts = { commands: 0, attempts: 0, throttled: 0, hung: 0 };
  const gaveUp: Record<string, number> = {};
  const names = { attempt: `reliabilityFaultAttempt${process.pid}`, command: `reliabilityFaultCommand${process.pid}` };
  dynamoClient.middlewareStack.add(
    (next) => async (args) => {
      counts.commands++;
      try {
        return await next(args);
      } catch (error) {
        const name = (error as Error).name ?? 'Error';
        gaveUp[name] = (gaveUp[name] ?? 0) + 1;
        throw error;
      }
    },
    { step: 'initialize', name: names.command },
  );
  dynamoClient.middlewareStack.addRelativeTo(
    (next: DeserializeHandler<object, MetadataBearer>) => async (args: DeserializeHandlerArguments<object>) => {
      counts.attempts++;
      const draw = random();
      if (draw < current.throttle) {
        counts.throttled++;
        const fault = THROTTLES[counts.throttled % THROTTLES.length]!;
        const body = Buffer.from(JSON.stringify({ __type: fault.type, message: fault.message }));
        const response = new HttpResponse({
          statusCode: 400,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length), 'x-amzn-requestid': `FAULT${counts.attempts}` },
          body: Readable.from([body]),
        });
        return { response, output: {} } as never;
      }
      if (draw < current.throttle + current.hang) {
        counts.hung++;
        const request = args.request as HttpRequest;
        request.hostname = '127.0.0.1';
        request.port = blackHole.port;
      }
      return next(args);
    },
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: names.attempt },
  );
  return {
    set(next) { current = next; },
    get counts() { return { ...counts }; },
    get gaveUp() { return { ...gaveUp }; },
    async remove() {
      dynamoClient.middlewareStack.remove(names.attempt);
      dynamoClient.middlewareStack.remove(names.command);
      await blackHole.close();
    },
  };
}

/** A small seeded generator (mulberry32): the same sequence of draws in [0, 1) every run. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What the handlers' client is configured with: attempts, retry mode, and each attempt's time limits. */
export async function dynamoClientSettings(): Promise<{ maxAttempts: number; retryMode: string; requestTimeoutMs: number | undefined; throwsOnTimeout: boolean; connectionTimeoutMs: number | undefined }> {
  const { dynamoClient } = await import('#lib/table');
  const config = dynamoClient.config;
  const handler = config.requestHandler as { httpHandlerConfigs?: () => Record<string, unknown>; configProvider?: Promise<Record<string, unknown>> };
  // The handler resolves its options lazily: after one command they are known.
  const options = { ...(await handler.configProvider?.catch(() => ({}))), ...handler.httpHandlerConfigs?.() };
  return {
    maxAttempts: await config.maxAttempts(),
    retryMode: typeof config.retryMode === 'function' ? await config.retryMode() : config.retryMode,
    requestTimeoutMs: typeof options.requestTimeout === 'number' && options.requestTimeout > 0 ? options.requestTimeout : undefined,
    throwsOnTimeout: options.throwOnRequestTimeout === true,
    connectionTimeoutMs: typeof options.connectionTimeout === 'number' && options.connectionTimeout > 0 ? options.connectionTimeout : undefined,
  };
}

// ------------------------------------------------------------------ the scenario

/** Request statuses that are an end (or say the run was lost and a retry resumes it). */
const ENDED = new Set(['completed', 'failed', 'cancelled', 'deprovisioned', 'rejected', 'interrupted']);
const OFFERING = 'reliability-dynamo';
const TARGET_ENV = 'APOLLO_RELIABILITY_DYNAMO_TARGET';

interface Submitted { readonly label: string; readonly key: string; readonly answer: Answer; readonly id?: string }

/**
 * DynamoDB throttling and timeouts at the handlers' client, while an admin creates teams, reads the catalog and
 * submits requests whose one REST action calls a counting loopback target; then a full outage (every attempt
 * throttled); then healthy again. Judged from outside: every answer, the state read back over the signed API,
 * the target's counts.
 */
export async function dynamoFaults(ctx: ScenarioContext): Promise<Check[]> {
  const sizes = ctx.smoke ? { teams: 4, reads: 4, requests: 3, outage: 3 } : { teams: 12, reads: 12, requests: 6, outage: 6 };
  const rates = { throttle: 0.15, hang: 0.02 };
  const target = await startMisbehavingServer();
  const restoreEnv = withEnv({
    [TARGET_ENV]: target.url,
    APOLLO_TEMPLATE_ENV: appended(process.env.APOLLO_TEMPLATE_ENV, TARGET_ENV),
    APOLLO_EGRESS_ALLOW: appended(process.env.APOLLO_EGRESS_ALLOW, `${target.url}/`),
  });
  try {
    return await withRuntime(async ({ client }) => {
      const { putVersion } = await import('../../functions/offerings/adapters/dynamo-store.ts');
      await putVersion({
        schemaVersion: '2.0',
        metadata: { id: OFFERING, name: 'Reliability: one REST call', description: 'npm run reliability: a REST action against a counting loopback target.', category: 'bench', owner: 'platform', version: '1.0.0' },
        presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
        fulfillment: { type: 'automated', actions: [{ id: 'call', name: 'Call the target', type: 'rest', config: { method: 'POST', url: `{{env.${TARGET_ENV}}}/things`, body: { request: '{{request.id}}', label: '{{fields.label}}' } } }] },
      } as unknown as Parameters<typeof putVersion>[0], { repo: 'apollo-reliability/catalog', path: `catalog/${OFFERING}.yaml`, sha: `reliability-${Date.now()}`, ownerTeam: 'platform' });
      const admin = client('admin');
      const settings = await dynamoClientSettings();
      const checks: Check[] = [];
      const bounded = settings.requestTimeoutMs !== undefined && settings.requestTimeoutMs <= 3_000 && settings.throwsOnTimeout && settings.maxAttempts <= 5;
      checks.push(check('the handlers\' DynamoDB client bounds each attempt and its retries', bounded,
        `${settings.maxAttempts} attempts (${settings.retryMode}), request timeout ${settings.requestTimeoutMs ?? 'none (the SDK waits out its 300 s socket default)'}${settings.requestTimeoutMs ? ` ms, ${settings.throwsOnTimeout ? 'thrown' : 'only WARNED (throwOnRequestTimeout unset)'}` : ''}, connection timeout ${settings.connectionTimeoutMs ?? 'none'} ms`,
        { value: settings.requestTimeoutMs ?? 300_000, unit: 'ms' }));

      const run = Date.now().toString(36);
      const teamId = (i: number) => `faults-${run}-${i}`;
      const teamKey = (i: number) => `faults-team-${run}-${i}`;
      // Seeded: the same draws every run (the first hang comes at the 8th attempt), so a short run sees both faults.
      const faults = await injectDynamoFaults(rates, seededRandom(2024));
      try {
        // 1. Throttling and hung attempts on a share of every command.
        ctx.log(`DynamoDB: ${rates.throttle * 100}% of attempts throttled, ${rates.hang * 100}% hung; ${sizes.teams} team creates, ${sizes.reads} reads, ${sizes.requests} request submits`);
        const creates: Answer[] = [];
        const reads: Answer[] = [];
        const submits: Submitted[] = [];
        const readPaths = ['/api/v1/teams/platform', '/api/v1/teams', '/api/v1/me', '/api/v1/services'];
        const tasks: Array<() => Promise<void>> = [];
        for (let i = 0; i < Math.max(sizes.teams, sizes.reads, sizes.requests); i++) {
          if (i < sizes.teams) tasks.push(async () => { creates.push(await timed(`POST /api/v1/teams ${teamId(i)}`, () => admin.send('POST', '/api/v1/teams', { body: { id: teamId(i), name: `Faults ${i}` }, idempotencyKey: teamKey(i) }))); });
          if (i < sizes.reads) tasks.push(async () => { reads.push(await timed(`GET ${readPaths[i % readPaths.length]}`, () => admin.send('GET', readPaths[i % readPaths.length]!))); });
          if (i < sizes.requests) {
            tasks.push(async () => {
              const label = `faults-${run}-${i}`;
              const key = `faults-request-${run}-${i}`;
              const answer = await timed('POST /api/v1/requests', () => admin.send('POST', '/api/v1/requests', { body: { offeringId: OFFERING, team: 'platform', fields: { label } }, idempotencyKey: key }));
              submits.push({ label, key, answer, id: answer.status === 201 ? (answer.body as { id: string }).id : undefined });
            });
          }
        }
        await pool(tasks, 4);
        const underFaults = [...creates, ...reads, ...submits.map((s) => s.answer)];
        const unclean = underFaults.filter((a) => a.status >= 500 && !cleanFailure(a));
        const counts = faults.counts;
        checks.push(check('under throttling and timeouts every API call succeeds or answers a clean 503/429',
          unclean.length === 0 && counts.throttled > 0 && counts.hung > 0,
          `${underFaults.length} calls: ${statusSummary(underFaults)}; refusals: ${reasons(underFaults)}${unclean.length ? `; UNCLEAN: ${unclean.slice(0, 3).map((a) => `${a.what} ${a.status} ${a.message ?? ''}`).join('; ')}` : ''}; ${counts.attempts} attempts of ${counts.commands} commands: ${counts.throttled} throttled, ${counts.hung} hung`,
          { value: unclean.length, unit: 'unclean answers' }));
        const slowest = Math.max(...underFaults.map((a) => a.ms));
        checks.push(check('every API call under faults answers within the API Lambda\'s 10 s', slowest <= 10_000,
          `slowest ${ms(slowest)} (${underFaults.find((a) => a.ms === slowest)?.what}); median ${ms(median(underFaults.map((a) => a.ms)))}`,
          { value: Math.round(slowest), unit: 'ms' }));

        // 2. A full outage: every attempt throttled. Calls must fail fast and say why; workflows running must end.
        ctx.log(`${underFaults.length} calls answered, slowest ${ms(slowest)}; now a full outage (every attempt throttled)`);
        faults.set({ throttle: 1, hang: 0 });
        // Teams sizes.teams… are created in the outage only (each refused, then sent again below).
        const outage = await pool(Array.from({ length: sizes.outage }, (_, i) => async () => {
          if (i % 2 === 1) return timed('GET /api/v1/teams (outage)', () => admin.send('GET', '/api/v1/teams'));
          const n = sizes.teams + i / 2;
          const answer = await timed(`POST /api/v1/teams ${teamId(n)}`, () => admin.send('POST', '/api/v1/teams', { body: { id: teamId(n), name: `Faults ${n}` }, idempotencyKey: teamKey(n) }));
          creates.push(answer);
          return answer;
        }), 3);
        const outageUnclean = outage.filter((a) => !cleanFailure(a));
        const outageSlowest = Math.max(...outage.map((a) => a.ms));
        checks.push(check('in a full DynamoDB outage calls fail in bounded time with 503, a reason and Retry-After',
          outageUnclean.length === 0 && outageSlowest <= 10_000,
          `${outage.length} calls: ${statusSummary(outage)}; ${reasons(outage, 1)}; Retry-After ${[...new Set(outage.map((a) => a.retryAfter))].join('/')}; slowest ${ms(outageSlowest)}`,
          { value: Math.round(outageSlowest), unit: 'ms' }));
        faults.set({ throttle: 0, hang: 0 });
        ctx.log(`the outage's calls answered, slowest ${ms(outageSlowest)}; DynamoDB healthy again: reading back what the faults left`);

        // 3. Healthy again: what was written is whole, and the requests are not stuck.
        const teamChecks = await Promise.all(Array.from({ length: creates.length }, async (_, i) => {
          const id = teamId(i);
          const answer = creates.find((a) => a.what.endsWith(` ${id}`))!;
          const team = await admin.send('GET', `/api/v1/teams/${id}`);
          const audit = await admin.send('GET', '/api/v1/audit', { query: { action: 'teams.create', resourceType: 'team', resourceId: id } });
          const entries = (audit.body as { items?: Array<{ outcome: string; statusCode?: number }> }).items ?? [];
          return { id, answer, exists: team.status === 200, entries };
        }));
        const createdNotThere = teamChecks.filter((t) => t.answer.status === 201 && !t.exists);
        const withoutAudit = teamChecks.filter((t) => t.exists && t.entries.length === 0);
        const refusedButThere = teamChecks.filter((t) => t.answer.status >= 400 && t.exists);
        checks.push(check('a team created under faults is there with its audit entry, or absent',
          createdNotThere.length === 0 && withoutAudit.length === 0,
          `${teamChecks.filter((t) => t.exists).length} of ${teamChecks.length} there, every one with its teams.create entry${withoutAudit.length ? ` — NOT ${withoutAudit.map((t) => t.id).join(', ')}` : ''}; ${createdNotThere.length} answered 201 but absent; ${refusedButThere.length} refused yet created (${refusedButThere.map((t) => `${t.answer.status}, audit ${t.entries.map((e) => e.outcome).join('/')}`).join('; ') || 'none'}); outcomes: ${[...new Set(teamChecks.flatMap((t) => t.entries.map((e) => e.outcome)))].join(', ') || 'none'}`,
          { value: withoutAudit.length + createdNotThere.length, unit: 'inconsistent teams' }));
        // A refused create, sent again with its Idempotency-Key once healthy, ends with the team there.
        const refused = teamChecks.filter((t) => t.answer.status >= 400);
        const again = await Promise.all(refused.map(async (t) => {
          const i = Number(t.id.split('-').at(-1));
          const res = await admin.send('POST', '/api/v1/teams', { body: { id: t.id, name: `Faults ${i}` }, idempotencyKey: teamKey(i) });
          const there = (await admin.send('GET', `/api/v1/teams/${t.id}`)).status === 200;
          return { id: t.id, status: res.status, there };
        }));
        const notHealed = again.filter((a) => !(a.status === 201 && a.there));
        checks.push(check('a create refused under faults succeeds when sent again with its Idempotency-Key',
          notHealed.length === 0,
          `${refused.length} refused (${refused.length - outage.filter((a) => a.what.startsWith('POST')).length} under throttling, the rest in the outage), sent again: ${statusSummary(again.map((a) => ({ what: a.id, status: a.status, ms: 0, retryAfter: null, body: null })))}${notHealed.length ? `; NOT healed: ${notHealed.map((a) => `${a.id} ${a.status}${a.there ? ' (exists)' : ''}`).join('; ')}` : ''}`,
          { value: notHealed.length, unit: 'not healed' }));

        // Requests: every accepted one ends (or is marked interrupted); none stuck.
        const accepted = submits.filter((s) => s.id);
        const endedIn = performance.now();
        const statusOf = async (id: string) => ((await admin.send('GET', `/api/v1/requests/${id}/status`)).body as { status: string }).status;
        await until(async () => (await Promise.all(accepted.map((s) => statusOf(s.id!)))).every((s) => ENDED.has(s)), ctx.smoke ? 20_000 : 30_000, 250);
        const details = await Promise.all(accepted.map(async (s) => (await admin.send('GET', `/api/v1/requests/${s.id}`)).body as Request));
        const stuck = details.filter((r) => !ENDED.has(r.status));
        const { workflowEngine } = await import('#lib/workflows/index');
        const executions = await Promise.all(stuck.map(async (r) => {
          const engine = workflowEngine('fulfillment');
          const execution = await engine.describe(r.id);
          const history = await engine.history(r.id);
          return `${execution?.status ?? 'no execution'}${execution?.error ? ` ${execution.error}: ${String(execution.cause).slice(0, 160)}` : ''} [${history.slice(-3).map((e) => JSON.stringify(e).slice(0, 200)).join(' ')}]`;
        }));
        checks.push(check('every request submitted under faults ended or is marked interrupted (none stuck)', stuck.length === 0,
          `${accepted.length} accepted of ${submits.length}: ${[...new Map(details.map((r) => [r.status, details.filter((d) => d.status === r.status).length]))].map(([s, n]) => `${s} ${n}`).join(', ')}${stuck.length ? `; STUCK: ${stuck.map((r, i) => `${r.id} ${r.status} (${r.timeline.at(-1)?.message ?? ''}; its execution ${executions[i]})`).join('; ')}` : ''}; settled in ${ms(performance.now() - endedIn)}`,
          { value: stuck.length, unit: 'stuck' }));
        const failed = details.filter((r) => r.status === 'failed' || r.status === 'interrupted');
        const unexplained = failed.filter((r) => /an internal error stopped the fulfilment(;|$)/.test(r.error?.message ?? '') || !(r.error?.message ?? r.timeline.at(-1)?.message));
        checks.push(check('a request failed by the faults says why', unexplained.length === 0,
          failed.length ? `${failed.length} failed or interrupted: "${(failed[0]!.error?.message ?? failed[0]!.timeline.at(-1)?.message ?? '').slice(0, 140)}"${unexplained.length ? `; ${unexplained.length} say only "an internal error"` : ''}` : 'none failed (the SDK\'s retries absorbed every fault)',
          { value: unexplained.length, unit: 'unexplained' }));
        // A refused submit left no request behind (its label is nowhere), or one that is whole.
        const list = await admin.send('GET', '/api/v1/requests', { query: { scope: 'all', offering: OFFERING, limit: 100 } });
        const listed = ((list.body as { items?: Array<{ id: string; status: string; fields?: Record<string, unknown> }> }).items ?? []);
        const refusedSubmits = submits.filter((s) => !s.id);
        const ghosts = listed.filter((r) => !accepted.some((s) => s.id === r.id));
        const ghostDetails = await Promise.all(ghosts.map(async (r) => (await admin.send('GET', `/api/v1/requests/${r.id}`)).body as Request));
        const halfGhosts = ghostDetails.filter((r) => !ENDED.has(r.status));
        checks.push(check('a refused submit left no request, or one that ended', halfGhosts.length === 0 && list.status === 200,
          `${refusedSubmits.length} refused (${reasons(refusedSubmits.map((s) => s.answer), 1)}); ${ghosts.length} request(s) exist that no 201 announced${ghostDetails.length ? ` (${ghostDetails.map((r) => r.status).join(', ')})` : ''}`,
          { value: halfGhosts.length, unit: 'half-made' }));
        // Healthy: a failed one is retried from its records and completes.
        const retryable = details.filter((r) => r.status === 'failed' || r.status === 'interrupted').slice(0, ctx.smoke ? 1 : 3);
        const retried = await Promise.all(retryable.map(async (r) => {
          const res = await admin.send('POST', `/api/v1/requests/${r.id}/retry`, { body: { confirm: true } });
          if (res.status >= 300) return `${r.id} retry ${res.status}`;
          await until(async () => ENDED.has(await statusOf(r.id)), 15_000, 200);
          return `${r.id} ${await statusOf(r.id)}`;
        }));
        checks.push(check('a request failed by the faults completes when retried once healthy', retried.every((r) => r.endsWith(' completed')),
          retried.length ? retried.join('; ') : 'none to retry', { value: retried.filter((r) => !r.endsWith(' completed')).length, unit: 'not completed' }));
        // Side effects, the retries included: a request's action reaches the target under one idempotency key (a repeat
        // is one the target can drop), and every request that completed reached it.
        const keysByRequest = new Map<string, Set<string>>();
        for (const call of target.calls) {
          const request = (JSON.parse(call.body || '{}') as { request?: string }).request ?? '?';
          const keys = keysByRequest.get(request) ?? new Set<string>();
          keys.add(String(call.headers['idempotency-key'] ?? ''));
          keysByRequest.set(request, keys);
        }
        const doubled = [...keysByRequest].filter(([, keys]) => keys.size > 1);
        const finals = await Promise.all([...details, ...ghostDetails].map(async (r) => (await admin.send('GET', `/api/v1/requests/${r.id}`)).body as Request));
        const completed = finals.filter((r) => r.status === 'completed');
        const missing = completed.filter((r) => !keysByRequest.has(r.id));
        checks.push(check('each request\'s side effect reached the target under one idempotency key, retries included; every completed one did',
          doubled.length === 0 && missing.length === 0,
          `${target.calls.length} calls for ${keysByRequest.size} requests (${completed.length} completed); ${doubled.length} with two keys; ${missing.length} completed without a call`,
          { value: doubled.length + missing.length, unit: 'doubled or missing' }));
        return checks;
      } finally {
        await faults.remove();
      }
    });
  } finally {
    restoreEnv();
    await target.close();
  }
}
