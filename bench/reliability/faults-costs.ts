/**
 * The cost-ingest job (functions/costs/ingest.ts) with its sources misbehaving. OpenCost (the real adapter,
 * functions/costs/adapters/opencost.ts, a 1 s timeout) reads a LOCAL FAKE OpenCost (this scenario's services'
 * pods on two clusters) through a loopback proxy; Cost Explorer is the real adapter on the client its factory makes (costExplorerClient, its per-attempt
 * limit APOLLO_COSTS_EXPLORER_TIMEOUT_SECONDS = 1 here) with a middleware inside the SDK's retry loop answering
 * each attempt as Cost Explorer would: figures made up per day, environment and service, or a
 * ThrottlingException, a 500, a page of HTML, or nothing at all (the attempt sent to a server that never answers:
 * the client's own timeout ends it). Each run must end in bounded time: `partial` naming the problem when an
 * optional source fails (OpenCost, the forecast, the anomalies), `failed` with the reason when the costs
 * themselves cannot be read — and then nothing of that run stored (no half-written day: the first environment's
 * new figures were answered before the throttle). Healthy again, the next run stores the new figures.
 */
import { Readable } from 'node:stream';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import type { DeserializeHandler, DeserializeHandlerArguments, MetadataBearer } from '@smithy/types';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { IngestResult } from '../../functions/costs/ingest.ts';
import { startFakeOpenCost, type FakeOpenCost } from '#local/fakes/opencost-server';
import { forwardTo, ms, startBlackHole, startMisbehavingServer, until, withEnv, withRuntime, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const SERVICES = ['reliability-costs-a', 'reliability-costs-b'] as const;
const ENVIRONMENTS = ['dev', 'prod'] as const;
const OPENCOST_TIMEOUT_MS = 1_000;
const CE_TIMEOUT_S = 1;
/** The SDK's standard retry mode: 3 tries of a command. */
const SDK_ATTEMPTS = 3;

type CeMode = 'healthy' | 'throttle' | 'fail' | 'garbage' | 'hang';

interface CeFaults {
  mode: CeMode;
  /** Which operations misbehave (the rest answer healthy). @default all */
  only: ((operation: string) => boolean) | undefined;
  /** GetCostAndUsage answers healthy this many times before the fault applies to it. */
  costCallsFirst: number;
  /** Multiplies every figure: a run with other figures than the last shows what it wrote. */
  scale: number;
  readonly counts: { commands: number; attempts: number; faulted: number; inFlight: number };
  remove(): Promise<void>;
}


const json = (status: number, body: unknown, type = 'application/x-amz-json-1.1'): HttpResponse => {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new HttpResponse({ statusCode: status, headers: { 'content-type': type, 'content-length': String(bytes.length), 'x-amzn-requestid': `FAKE${Date.now()}` }, body: Readable.from([bytes]) });
};

/** A day's made-up cost of a service in an environment (cents-exact), times `scale`. */
export function fakeCost(date: string, environment: string | null, service: string | null, scale: number): number {
  const seed = [...`${date}|${environment}|${service}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9973, 7);
  return Math.round((5 + (seed % 2000) / 100) * scale * 100) / 100;
}

/** Cost Explorer's healthy answer to one operation (the JSON 1.1 body of its output). */
function healthyAnswer(operation: string, input: Record<string, unknown>, scale: number): unknown {
  if (operation === 'GetCostAndUsage') {
    const period = input.TimePeriod as { Start: string; End: string };
    const tags = (input.Filter as { Tags?: { Values?: string[]; MatchOptions?: string[] } }).Tags;
    const environment = tags?.MatchOptions?.includes('ABSENT') ? null : tags?.Values?.[0] ?? null;
    const results = [];
    for (let d = period.Start; d < period.End; d = new Date(Date.parse(d) + 86_400_000).toISOString().slice(0, 10)) {
      const services: Array<string | null> = environment === null ? [null] : [...SERVICES];
      results.push({
        TimePeriod: { Start: d, End: new Date(Date.parse(d) + 86_400_000).toISOString().slice(0, 10) }, Estimated: false, Total: {},
        Groups: services.map((service) => ({ Keys: [`apollo:service$${service ?? ''}`, environment === null ? 'AWS Lambda' : 'Amazon Elastic Compute Cloud - Compute'], Metrics: { UnblendedCost: { Amount: String(fakeCost(d, environment, service, scale)), Unit: 'USD' }, UsageQuantity: { Amount: '24', Unit: 'Hrs' } } })),
      });
    }
    return { ResultsByTime: results };
  }
  if (operation === 'GetCostForecast') return { Total: { Amount: String(300 * scale), Unit: 'USD' }, ForecastResultsByTime: [] };
  if (operation === 'GetAnomalies') return { Anomalies: [] };
  if (operation === 'GetRightsizingRecommendation') return { RightsizingRecommendations: [] };
  return {};
}

/** Cost Explorer's answers and faults, at `client`'s every attempt (inside the SDK's retry loop, after its deserializer). */
async function fakeCostExplorer(client: CostExplorerClient): Promise<CeFaults> {
  const blackHole = await startBlackHole();
  const counts = { commands: 0, attempts: 0, faulted: 0, inFlight: 0 };
  let costCalls = 0;
  const name = `reliabilityCostExplorer${process.pid}`;
  const state: CeFaults = {
    mode: 'healthy', only: undefined, costCallsFirst: 0, scale: 1, counts,
    async remove() { client.middlewareStack.remove(name); client.middlewareStack.remove(`${name}Command`); await blackHole.close(); },
  };
  const middleware = (next: DeserializeHandler<object, MetadataBearer>) => async (args: DeserializeHandlerArguments<object>) => {
    counts.attempts++;
    const request = args.request as HttpRequest;
    const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const input = JSON.parse(String(request.body ?? '{}')) as Record<string, unknown>;
    const firstCostCalls = operation === 'GetCostAndUsage' && costCalls++ < state.costCallsFirst;
    const faulted = state.mode !== 'healthy' && !firstCostCalls && (!state.only || state.only(operation));
    if (faulted) counts.faulted++;
    const mode = faulted ? state.mode : 'healthy';
    const answer = (response: HttpResponse) => ({ response, output: {} }) as never;
    switch (mode) {
      case 'healthy': return answer(json(200, healthyAnswer(operation, input, state.scale)));
      case 'throttle': return answer(json(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }));
      case 'fail': return answer(json(500, { __type: 'InternalServerException', message: 'We encountered an internal error. Please try again.' }));
      case 'garbage': return answer(json(200, '<html><body>502 Bad Gateway</body></html>', 'text/html'));
      case 'hang': {
        request.protocol = 'http:';
        request.hostname = '127.0.0.1';
        request.port = blackHole.port;
        return next(args);
      }
    }
  };
  client.middlewareStack.addRelativeTo(middleware as never, { relation: 'after', toMiddleware: 'deserializerMiddleware', name });
  // Each command (its tries included) while it is under way: a run that failed may leave a sibling still trying.
  client.middlewareStack.add((next) => async (args) => {
    counts.commands++;
    counts.inFlight++;
    try {
      return await next(args);
    } finally {
      counts.inFlight--;
    }
  }, { step: 'initialize', name: `${name}Command` });
  return state;
}

export async function costSourceFaults(ctx: ScenarioContext): Promise<Check[]> {
  let proxy: MisbehavingServer | undefined;
  let ce: CeFaults | undefined;
  let openCostFake: FakeOpenCost | undefined;
  // Read once by the costs context (before the runtime starts): a week's backfill, and each Cost Explorer attempt's limit.
  const restoreEnv = withEnv({ APOLLO_COSTS_BACKFILL_DAYS: '7', APOLLO_COSTS_EXPLORER_TIMEOUT_SECONDS: String(CE_TIMEOUT_S) });
  try {
    return await withRuntime(async () => {
      const { registerService } = await import('../../functions/services/services.ts');
      const { putEnvironment } = await import('../../functions/services/environments.ts');
      const { configureCosts } = await import('../../functions/costs/deps.ts');
      const { costsConfig } = await import('../../functions/costs/config.ts');
      const { CostExplorerSource, costExplorerClient } = await import('../../functions/costs/adapters/cost-explorer.ts');
      const { OpenCostSource } = await import('../../functions/costs/adapters/opencost.ts');
      const { runCostIngest } = await import('../../functions/costs/ingest.ts');
      const { costDays, latestIngest, clusterDays } = await import('../../functions/costs/records.ts');
      for (const service of SERVICES) {
        await registerService({ name: service, team: 'platform', tier: 'standard' }, 'system:reliability');
        for (const environment of ENVIRONMENTS) await putEnvironment(service, environment, { cluster: `apollo-${environment}`, namespace: 'platform', deployment: { imageTag: 'v1', replicas: 1 }, endpoints: {} }, 'system:reliability');
      }

      // OpenCost: each cluster's base URL on the fake, reached through one proxy.
      openCostFake = await startFakeOpenCost({ clusters: Object.fromEntries(ENVIRONMENTS.map((e) => [`apollo-${e}`, SERVICES.map((workload) => ({ namespace: 'platform', workload, cpuRequest: 1, cpuUsed: 0.4, ramRequestGiB: 2, ramUsedGiB: 1, labels: { app_kubernetes_io_name: workload } }))])) });
      const endpoints = openCostFake.endpoints;
      const clusters = Object.keys(endpoints);
      const origin = openCostFake.url;
      const target = proxy = await startMisbehavingServer(forwardTo(origin));
      const openCost = new OpenCostSource({ endpoints: Object.fromEntries(Object.entries(endpoints).map(([c, url]) => [c, url.replace(origin, target.url)])), timeoutMs: OPENCOST_TIMEOUT_MS });
      // Cost Explorer: the product's client (its timeouts), answered by the middleware.
      const timeoutMs = costsConfig().costExplorerTimeoutSeconds * 1000;
      const client = costExplorerClient(timeoutMs, { credentials: { accessKeyId: 'reliability', secretAccessKey: 'reliability' } });
      const fake = ce = await fakeCostExplorer(client);
      configureCosts({ source: new CostExplorerSource({ client, timeoutMs }), allocation: openCost });

      const window = async (): Promise<Array<{ date: string; total: number }>> => {
        const latest = await latestIngest();
        if (!latest) return [];
        return (await costDays(new Date(Date.parse(latest.range.end) - 8 * 86_400_000).toISOString().slice(0, 10), new Date(Date.parse(latest.range.end) - 86_400_000).toISOString().slice(0, 10))).map((d) => ({ date: d.date, total: d.total }));
      };
      const clusterDayCount = async (): Promise<number> => (await Promise.all(clusters.map((c) => clusterDays(c, '2000-01-01', '2999-12-31')))).reduce((n, days) => n + days.length, 0);
      const run = async (): Promise<{ result?: IngestResult; error?: Error; ms: number; ceAttempts: number; openCostCalls: number }> => {
        const attempts = fake.counts.attempts;
        const calls = target.calls.length;
        const started = performance.now();
        let result: IngestResult | undefined;
        let error: Error | undefined;
        try {
          result = await runCostIngest();
        } catch (caught) {
          error = caught as Error;
        }
        const took = performance.now() - started;
        target.release();
        // A sibling command of a failed run may still be trying: its tries are this run's.
        await until(() => fake.counts.inFlight === 0, 10_000, 50);
        return { result, error, ms: took, ceAttempts: fake.counts.attempts - attempts, openCostCalls: target.calls.length - calls };
      };

      const baseline = await run();
      if (baseline.result?.status !== 'succeeded') throw new Error(`a healthy ingest ${baseline.result?.status ?? 'threw'}: ${baseline.error?.message ?? baseline.result?.error ?? ''}`);
      const stored = await window();
      const storedClusterDays = await clusterDayCount();
      ctx.log(`a healthy ingest: ${baseline.result.days} days, ${baseline.result.records} records, ${baseline.ceAttempts} Cost Explorer requests, ${baseline.openCostCalls} OpenCost calls (${clusters.length} clusters) in ${ms(baseline.ms)}; Cost Explorer's limit ${CE_TIMEOUT_S} s a try, OpenCost's ${ms(OPENCOST_TIMEOUT_MS)}`);
      const same = (a: Array<{ date: string; total: number }>, b: Array<{ date: string; total: number }>) => JSON.stringify(a) === JSON.stringify(b);

      const checks: Check[] = [];
      // OpenCost misbehaving, Cost Explorer healthy (the same figures): partial, the costs in, the clusters' days kept.
      const openCostCases: Array<{ name: string; behaviour: Behaviour; failWith?: MisbehavingServer['failWith']; says: RegExp }> = [
        { name: 'slow', behaviour: 'slow', says: /did not answer within 1 s/ },
        { name: 'hanging', behaviour: 'hang', says: /did not answer within 1 s/ },
        { name: 'failing (503)', behaviour: 'fail', failWith: { status: 503 }, says: /answered 503/ },
        { name: 'garbage', behaviour: 'garbage', says: /without JSON/ },
      ];
      target.slowMs = 3 * OPENCOST_TIMEOUT_MS;
      for (const c of ctx.smoke ? openCostCases.filter((k) => k.name === 'hanging') : openCostCases) {
        target.behaviour = c.behaviour;
        if (c.failWith) target.failWith = c.failWith;
        const r = await run();
        target.behaviour = 'healthy';
        const problem = r.result?.problems.find((p) => p.startsWith('Kubernetes allocation: ')) ?? '';
        const bound = OPENCOST_TIMEOUT_MS + 5_000;
        const ok = r.result?.status === 'partial' && c.says.test(problem) && /OpenCost of the cluster /.test(problem) && r.ms <= bound && r.openCostCalls === clusters.length
          && same(await window(), stored) && (await clusterDayCount()) >= storedClusterDays;
        checks.push(check(`OpenCost ${c.name}: the ingest ends partial in bounded time, naming it, the costs in`, ok,
          `${r.result?.status ?? `threw ${r.error?.message}`} in ${ms(r.ms)} (bound ${ms(bound)}); ${r.openCostCalls} call(s) at OpenCost; "${problem.slice(0, 120)}"; ${r.result?.problems.length ?? 0} problem(s) in all`,
          { value: Math.round(r.ms), unit: 'ms' }));
      }

      // Cost Explorer misbehaving. Its figures doubled from here: whatever a failed run wrote would show.
      fake.scale = 2;
      const ceCases: Array<{ name: string; mode: CeMode; only?: (op: string) => boolean; costCallsFirst?: number; status: 'failed' | 'partial'; says: RegExp; maxAttempts: number }> = [
        { name: 'throttling every request', mode: 'throttle', status: 'failed', says: /^Cost Explorer is throttling GetCostAndUsage/, maxAttempts: 2 * SDK_ATTEMPTS },
        { name: 'throttling after the first environment answered', mode: 'throttle', costCallsFirst: 1, status: 'failed', says: /^Cost Explorer is throttling GetCostAndUsage/, maxAttempts: 1 + 2 * SDK_ATTEMPTS },
        { name: 'hanging', mode: 'hang', status: 'failed', says: /^Cost Explorer did not answer GetCostAndUsage within 1 s/, maxAttempts: 2 * SDK_ATTEMPTS },
        { name: 'failing (500)', mode: 'fail', status: 'failed', says: /^Cost Explorer failed GetCostAndUsage \(500: We encountered an internal error/, maxAttempts: 2 * SDK_ATTEMPTS },
        { name: 'garbage', mode: 'garbage', status: 'failed', says: /^Cost Explorer answered GetCostAndUsage with something that is not its JSON/, maxAttempts: 2 * SDK_ATTEMPTS },
        { name: 'throttling the forecast and anomalies', mode: 'throttle', only: (op) => op !== 'GetCostAndUsage', status: 'partial', says: /forecast: Cost Explorer is throttling GetCostForecast.*Cost Explorer anomalies: Cost Explorer is throttling GetAnomalies/, maxAttempts: ENVIRONMENTS.length + 1 + 2 * SDK_ATTEMPTS },
      ];
      for (const c of ctx.smoke ? ceCases.filter((k) => ['throttling after the first environment answered', 'hanging'].includes(k.name)) : ceCases) {
        fake.mode = c.mode;
        fake.only = c.only;
        fake.costCallsFirst = c.costCallsFirst ?? 0;
        const before = await window();
        const latestAt = (await latestIngest())?.at;
        const r = await run();
        fake.mode = 'healthy';
        fake.only = undefined;
        fake.costCallsFirst = 0;
        const why = c.status === 'failed' ? r.error?.message ?? '' : r.result?.problems.join('; ') ?? '';
        const after = await window();
        const bound = SDK_ATTEMPTS * CE_TIMEOUT_S * 1000 * (c.status === 'partial' ? 2 : 1) + 10_000;
        // A failed run stores nothing of its figures (they were doubled); a partial one stores the costs (not doubled here: only the optional calls failed, the costs answered doubled).
        const intact = c.status === 'failed' ? same(after, before) && (await latestIngest())?.at === latestAt : after.some((d, i) => d.total !== before[i]?.total);
        const ended = c.status === 'failed' ? !!r.error && !r.result : r.result?.status === 'partial';
        const ok = ended && c.says.test(why) && r.ms <= bound && r.ceAttempts <= c.maxAttempts && intact;
        checks.push(check(`Cost Explorer ${c.name}: the ingest ends ${c.status} in bounded time, saying why${c.status === 'failed' ? ', nothing of it stored' : ', the costs stored'}`, ok,
          `${r.result?.status ?? 'failed'} in ${ms(r.ms)} (bound ${ms(bound)}); ${r.ceAttempts} request(s) to Cost Explorer (at most ${c.maxAttempts}); stored days ${c.status === 'failed' ? (same(after, before) ? 'as before' : 'CHANGED') : 'updated'}; "${why.slice(0, 140)}"`,
          { value: Math.round(r.ms), unit: 'ms' }));
        if (c.status === 'partial') stored.splice(0, stored.length, ...after);
      }

      // Healthy again (and new figures again): the next run succeeds and stores them for the days it revisits.
      fake.scale = 3;
      const before = await window();
      const healed = await run();
      const after = await window();
      const revisited = after.filter((d, i) => d.total !== before[i]?.total).length;
      const range = healed.result?.range;
      const expectedDays = range ? Math.round((Date.parse(range.end) - Date.parse(range.start)) / 86_400_000) : -1;
      const doubled = !range || after.filter((d) => d.date >= range.start).every((d) => {
        const want = [...ENVIRONMENTS.flatMap((e) => SERVICES.map((s) => fakeCost(d.date, e, s, 3))), fakeCost(d.date, null, null, 3)].reduce((a, b) => a + b, 0);
        return Math.abs(d.total - want) < 0.02;
      });
      checks.push(check('once Cost Explorer and OpenCost are healthy, the next run succeeds and stores the new figures', healed.result?.status === 'succeeded' && doubled,
        `${healed.result?.status ?? `threw ${healed.error?.message}`} in ${ms(healed.ms)}; ${range ? `${range.start}…${range.end}` : '?'} (${expectedDays} days, ${revisited} changed), ${doubled ? 'each day Cost Explorer\'s new total' : 'NOT the new totals'}; ${healed.openCostCalls} OpenCost call(s)`,
        { value: healed.result?.status === 'succeeded' ? 1 : 0, unit: 'healed' }));
      return checks;
    });
  } finally {
    restoreEnv();
    await ce?.remove();
    await proxy?.close();
    await openCostFake?.close();
  }
}
