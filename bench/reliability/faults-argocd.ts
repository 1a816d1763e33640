/**
 * Argo CD (the deployments' rollout port, functions/deployments/adapters/argocd.ts) slow, hanging, failing, rate
 * limiting and answering garbage. The local runtime rolls out through the real HTTP adapter against a SIMULATED
 * Argo CD (local/fakes/argocd-server.ts); here each case's service reaches it through a loopback proxy of its own
 * (the adapter made from the runtime's settings, its base URL at the proxy, a 1 s timeout), so the cases run side by
 * side. A deployment to staging under each fault must end in bounded time (the workflow's retries of the step, then
 * its Catch), failed with Argo CD's reason on its record, its Argo CD calls bounded (counted at the proxy), and its
 * environment free: once Argo CD is healthy the same deployment again succeeds. A short outage is ridden out by
 * the step's retry; once the sync was asked, an outage is waited out until the rollout's deadline (the rollout goes
 * on in the cluster): a short one is ridden out, a long one ends the deployment failed saying it could not be read.
 */
import type { Deployment } from '#schemas/index.ts';
import type { DeployTarget, RolloutPort } from '../../functions/deployments/ports.ts';
import { forwardTo, ms, startMisbehavingServer, until, withEnv, withRuntime, type Behaviour, type HealthyAnswer, type MisbehavingServer } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const TIMEOUT_MS = 1_000;
/** The deployment workflow's retry of a step failing with Apollo.Retryable (state-machines/deployment.asl.json): 4 more tries, waits of at most 2, 4, 8, 16 s. */
const ATTEMPTS = 5;
const RETRY_WAITS_MS = 30_000;
const ENDED = ['succeeded', 'failed', 'rolled_back', 'cancelled', 'refused', 'rejected', 'expired'];
const ENVIRONMENT = 'staging';
/** The rollout's deadline (APOLLO_DEPLOY_ROLLOUT_TIMEOUT_SECONDS): pods roll in tens of ms here. */
const ROLLOUT_TIMEOUT_S = 12;

interface Case {
  readonly name: string;
  readonly service: string;
  readonly behaviour: Behaviour;
  readonly failWith?: MisbehavingServer['failWith'];
  /** Misbehave only once the sync was asked (the rollout's reads fail). */
  readonly afterSync?: boolean;
  /** Healthy, but the first `transient` calls answer 503. */
  readonly transient?: number;
  /** With afterSync: healthy, but the first calls after the sync was asked answer 503, this many. */
  readonly transientAfterSync?: number;
  readonly status: 'failed' | 'succeeded';
  readonly says: RegExp;
  readonly maxCalls: number;
}

const CASES: readonly Case[] = [
  { name: 'slow', service: 'core-service', behaviour: 'slow', status: 'failed', says: /asking .*Argo CD.* to sync: Argo CD at .* did not answer within 1 s/, maxCalls: ATTEMPTS },
  { name: 'hanging', service: 'notification-service', behaviour: 'hang', status: 'failed', says: /asking .*Argo CD.* to sync: Argo CD at .* did not answer within 1 s/, maxCalls: ATTEMPTS },
  { name: 'failing (503)', service: 'violations-service', behaviour: 'fail', failWith: { status: 503 }, status: 'failed', says: /asking .*Argo CD.* to sync: Argo CD at .* answered 503/, maxCalls: ATTEMPTS },
  { name: 'rate limiting (429)', service: 'frontend', behaviour: 'fail', failWith: { status: 429, headers: { 'retry-after': '1' } }, status: 'failed', says: /answered 429.*\(retry after 1\)/, maxCalls: ATTEMPTS },
  // Its sync answer is not read; the rollout's first read is refused as it is (no retry: another try reads the same page).
  { name: 'garbage', service: 'api-gateway', behaviour: 'garbage', status: 'failed', says: /reading the rollout from .*: Argo CD at .* answered reading application .* with something that is not JSON/, maxCalls: 2 },
  // Out for good once the sync was asked: the rollout goes on in the cluster, so the deployment waits for its deadline
  // (ROLLOUT_TIMEOUT_S here), asking at each check, then ends failed saying it could not be read.
  { name: 'failing (503) after the sync was asked', service: 'billing-service', behaviour: 'fail', failWith: { status: 503 }, afterSync: true, status: 'failed', says: /the rollout could not be read by .*reading the rollout from .*: Argo CD at .* answered 503/, maxCalls: 1 + 3 * ROLLOUT_TIMEOUT_S },
  // Out for more reads than the step's five tries once the sync was asked: ridden out (before, the fifth ended it failed).
  { name: 'failing (503) for a few reads after the sync was asked, then healthy', service: 'auth-service', behaviour: 'healthy', afterSync: true, transientAfterSync: 7, status: 'succeeded', says: /./, maxCalls: 1 + 7 + 8 },
  { name: 'failing (503) twice, then healthy', service: 'search-service', behaviour: 'healthy', transient: 2, status: 'succeeded', says: /./, maxCalls: 2 + 8 },
];

/** How long a deployment may take to end under a fault: every try of the step timing out, the workflow's waits between them, the rest of its run. */
const BOUND_MS = ATTEMPTS * TIMEOUT_MS + RETRY_WAITS_MS + 10_000;

export async function argoCdFaults(ctx: ScenarioContext): Promise<Check[]> {
  const proxies: MisbehavingServer[] = [];
  // Set before the runtime starts (local.ts keeps them): checks every second, pods roll in tens of ms, no canary
  // analysis (the rollout is what is faulted here).
  const restoreEnv = withEnv({ APOLLO_DEPLOY_POLL_SECONDS: '1', APOLLO_ARGOCD_SIM_POD_MS: '40', APOLLO_CANARY: 'off', APOLLO_DEPLOY_ROLLOUT_TIMEOUT_SECONDS: String(ROLLOUT_TIMEOUT_S) });
  try {
    return await withRuntime(async ({ runtime, client }) => {
      if (!runtime.argocd) throw new Error('the local runtime started no SIMULATED Argo CD');
      const { deploymentsDeps, configureDeployments } = await import('../../functions/deployments/deps.ts');
      const { ArgoCdRollout, argoCdOptionsFromEnv } = await import('../../functions/deployments/adapters/argocd.ts');
      const { integrationSecret } = await import('../../functions/requests/public.ts');
      const options = argoCdOptionsFromEnv(process.env, { kind: 'memory', get: integrationSecret });
      if (!options) throw new Error('APOLLO_ARGOCD_URL is not set: the deployments do not roll out through Argo CD');
      const cases = ctx.smoke ? CASES.filter((c) => ['garbage', 'failing (503) twice, then healthy', 'failing (503) for a few reads after the sync was asked, then healthy'].includes(c.name)) : CASES;

      // Each case's service through its own proxy (a shared one could not fault one case and not the others).
      const byService = new Map<string, { rollout: RolloutPort; proxy: MisbehavingServer; transientLeft: number }>();
      for (const c of cases) {
        const forward = forwardTo(runtime.argocd.url);
        const entry = { rollout: undefined as unknown as RolloutPort, proxy: undefined as unknown as MisbehavingServer, transientLeft: c.transient ?? 0 };
        const answer: HealthyAnswer = (call, res) => {
          if (entry.transientLeft > 0) {
            entry.transientLeft--;
            return void res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable (reliability fault)');
          }
          forward(call, res);
        };
        entry.proxy = await startMisbehavingServer(answer);
        entry.rollout = new ArgoCdRollout({ ...options, baseUrl: entry.proxy.url, timeoutMs: TIMEOUT_MS });
        proxies.push(entry.proxy);
        byService.set(c.service, entry);
      }
      const base = deploymentsDeps();
      const pick = (target: DeployTarget): RolloutPort => {
        const entry = byService.get(target.service);
        if (!entry) throw new Error(`no proxy for ${target.service}`);
        return entry.rollout;
      };
      const routed: RolloutPort = {
        kind: base.rollout.kind,
        sync: (target, revision) => pick(target).sync(target, revision),
        status: (target, expect) => pick(target).status(target, expect),
        restart: (target, id) => pick(target).restart(target, id),
      };
      configureDeployments({ ...base, rollout: routed });

      const developer = client('developer');
      const get = async (id: string): Promise<Deployment> => (await client('viewer').send('GET', `/api/v1/deployments/${id}`)).body as Deployment;
      /** Deploys `tag` of the case's service and follows it to its end (or `boundMs`). */
      const deploy = async (c: Case, tag: string, boundMs: number, fault: boolean): Promise<{ deployment: Deployment; ms: number; calls: number; error?: string }> => {
        const { proxy } = byService.get(c.service)!;
        if (fault && !c.afterSync) {
          proxy.behaviour = c.behaviour;
          if (c.failWith) proxy.failWith = c.failWith;
        }
        const before = proxy.calls.length;
        const started = performance.now();
        const res = await developer.send('POST', '/api/v1/deployments', { body: { service: c.service, environment: ENVIRONMENT, imageTag: tag, reason: `reliability: Argo CD ${c.name}` } });
        if (res.status !== 201) return { deployment: res.body as Deployment, ms: performance.now() - started, calls: 0, error: `POST /api/v1/deployments answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` };
        const id = (res.body as Deployment).id;
        let deployment = res.body as Deployment;
        let faulted = !fault || !c.afterSync;
        await until(async () => {
          deployment = await get(id);
          if (!faulted && deployment.stage === 'rollout') {
            // The sync was asked: Argo CD goes wrong from here (its reads of the rollout).
            proxy.behaviour = c.behaviour;
            if (c.failWith) proxy.failWith = c.failWith;
            if (c.transientAfterSync) byService.get(c.service)!.transientLeft = c.transientAfterSync;
            faulted = true;
          }
          return ENDED.includes(deployment.status);
        }, boundMs, 100);
        const took = performance.now() - started;
        proxy.behaviour = 'healthy';
        proxy.release();
        return { deployment, ms: took, calls: proxy.calls.length - before };
      };

      ctx.log(`Argo CD (SIMULATED) behind a proxy per service, the adapter's timeout ${ms(TIMEOUT_MS)}; a failing step is tried ${ATTEMPTS} times by the workflow; cases side by side: ${cases.map((c) => `${c.name} (${c.service})`).join(', ')}`);
      const stamp = Date.now().toString(36);
      for (const c of cases) byService.get(c.service)!.proxy.slowMs = 3 * TIMEOUT_MS;
      const runs = await Promise.all(cases.map(async (c) => ({ c, run: await deploy(c, `fault-${stamp}-${c.service}`, BOUND_MS + 10_000, true) })));

      const checks: Check[] = [];
      for (const { c, run } of runs) {
        const d = run.deployment;
        const why = d.error ?? '';
        const ended = ENDED.includes(d.status);
        const ok = !run.error && ended && d.status === c.status && run.ms <= BOUND_MS && run.calls >= 1 && run.calls <= c.maxCalls && (c.status === 'succeeded' || c.says.test(why));
        checks.push(check(`Argo CD ${c.name}: the deployment ${c.status === 'succeeded' ? 'rides it out' : 'ends failed in bounded time, saying why on its record'}`, ok,
          run.error ?? `${d.status} at ${d.stage} in ${ms(run.ms)} (bound ${ms(BOUND_MS)}); ${run.calls} call(s) at Argo CD (at most ${c.maxCalls}); ${c.status === 'succeeded' ? `rollout ${d.rollout?.phase ?? '?'}` : `"${why.slice(0, 130)}"`}`,
          { value: Math.round(run.ms), unit: 'ms' }));
      }

      // Healthy again: the same service deployed again succeeds (its environment was freed), the catalog shows it.
      const failed = runs.filter(({ c }) => c.status === 'failed');
      const again = await Promise.all(failed.map(async ({ c }) => ({ c, run: await deploy(c, `healed-${stamp}-${c.service}`, 30_000, false) })));
      const seen: string[] = [];
      let healed = again.length > 0;
      for (const { c, run } of again) {
        const env = (await client('viewer').send('GET', `/api/v1/services/${c.service}/environments`)).body as Array<{ name: string; deployment: { imageTag?: string } }> | { items: Array<{ name: string; deployment: { imageTag?: string } }> };
        const tag = (Array.isArray(env) ? env : env.items).find((e) => e.name === ENVIRONMENT)?.deployment.imageTag;
        const ok = !run.error && run.deployment.status === 'succeeded' && tag === `healed-${stamp}-${c.service}`;
        healed &&= ok;
        seen.push(`${c.service}: ${run.error ?? `${run.deployment.status} in ${ms(run.ms)}, ${run.calls} call(s)`}${ok ? '' : `, the catalog says ${tag ?? '?'}`}`);
      }
      checks.push(check('once Argo CD is healthy, deploying again succeeds: no environment left taken', healed, seen.join('; '), { value: healed ? 1 : 0, unit: 'healed' }));
      configureDeployments(base);
      return checks;
    }, { data: 'seed' });
  } finally {
    restoreEnv();
    for (const proxy of proxies) await proxy.close();
  }
}
