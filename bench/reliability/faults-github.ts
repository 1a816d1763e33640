/**
 * GitHub (discovery: POST /api/v1/discovery/sync, and with it every GitHubClient of functions/lib/github)
 * slow, hanging, failing, rate limited and answering garbage. A loopback proxy stands in front of the local
 * fake GitHub (APOLLO_GITHUB_API_URL points at it; discovery's adapters are made again from the environment):
 * healthy, it forwards; otherwise it misbehaves. Each sync must end in bounded time, with its calls to GitHub
 * bounded (counted at the proxy), its job saying why, and the catalog it had left as it was.
 */
import type { DiscoveryJob, Service } from '#schemas/index.ts';
import { forwardTo, ms, startMisbehavingServer, until, withEnv, withRuntime, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const REPO = 'ledger-api';
const SERVICE = 'ledger-api';
const TIMEOUT_MS = 1_500;
const JOBS = '/api/v1/discovery/jobs';

export async function githubFaults(ctx: ScenarioContext): Promise<Check[]> {
  let proxy: MisbehavingServer | undefined;
  let restoreEnv = () => undefined as void;
  const { configureDiscovery } = await import('../../functions/services/discovery-deps.ts');
  try {
    return await withRuntime(async ({ runtime, client }) => {
      proxy = await startMisbehavingServer(forwardTo(runtime.github!.fake.url));
      restoreEnv = withEnv({ APOLLO_GITHUB_API_URL: proxy.url, APOLLO_GITHUB_TIMEOUT_MS: String(TIMEOUT_MS), APOLLO_GITHUB_MAX_WAIT_SECONDS: '2' });
      configureDiscovery();
      const admin = client('admin');
      const sync = async (boundMs: number): Promise<{ job: DiscoveryJob; ms: number; calls: number }> => {
        const before = proxy!.calls.length;
        const started = performance.now();
        const res = await admin.send('POST', '/api/v1/discovery/sync', { body: { repositories: [REPO] } });
        if (res.status !== 202) throw new Error(`POST /api/v1/discovery/sync answered ${res.status}: ${JSON.stringify(res.body)}`);
        const id = (res.body as { job: DiscoveryJob }).job.id;
        let job = (res.body as { job: DiscoveryJob }).job;
        await until(async () => {
          job = (await admin.send('GET', `${JOBS}/${id}`)).body as DiscoveryJob;
          return !['queued', 'running'].includes(job.status);
        }, boundMs, 100);
        return { job, ms: performance.now() - started, calls: proxy!.calls.length - before };
      };
      const first = await sync(15_000);
      if (first.job.status !== 'succeeded') throw new Error(`a healthy sync through the proxy ${first.job.status}: ${JSON.stringify(first.job.error ?? first.job.errors)}`);
      const service = async () => (await admin.send('GET', `/api/v1/services/${SERVICE}`)).body as Service;
      const known = await service();
      ctx.log(`GitHub behind a proxy: slow (${ms(3 * TIMEOUT_MS)}), hanging, failing (503), rate limited (429), answering garbage; the client's timeout ${ms(TIMEOUT_MS)}; a healthy sync makes ${first.calls} calls`);
      const cases: Array<{ name: string; behaviour: Behaviour; failWith?: MisbehavingServer['failWith']; says: RegExp; status?: string }> = [
        { name: 'slow', behaviour: 'slow', says: /did not answer .* within \d+ ms/ },
        { name: 'hanging', behaviour: 'hang', says: /did not answer .* within \d+ ms/ },
        { name: 'failing (503)', behaviour: 'fail', failWith: { status: 503 }, says: /503|unavailable/i },
        { name: 'rate limited (429)', behaviour: 'fail', failWith: { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"message":"You have exceeded a secondary rate limit"}' }, says: /rate limit/i, status: 'rate-limited' },
        { name: 'garbage', behaviour: 'garbage', says: /./ },
      ];
      const checks: Check[] = [];
      proxy.slowMs = 3 * TIMEOUT_MS;
      // Smoke: the client's timeout, a failure, garbage (slow is hang's path; the rate limit waits seconds by design).
      for (const c of ctx.smoke ? cases.filter((k) => ['hanging', 'failing (503)', 'garbage'].includes(k.name)) : cases) {
        proxy.behaviour = c.behaviour;
        if (c.failWith) proxy.failWith = c.failWith;
        // A healthy sync's calls, each at most the timeout (or a rate-limit wait of 1 s, three times), plus the run's own work.
        const bound = first.calls * TIMEOUT_MS + 3 * 1_000 + 3_000;
        const run = await sync(bound + 5_000).catch((error: Error) => ({ job: undefined, ms: Number.NaN, calls: 0, error }));
        proxy.release();
        const job = run.job;
        const why = job ? [job.error, ...(job.errors ?? []).map((e) => e.message)].filter(Boolean).join('; ') : '';
        const ended = !!job && !['queued', 'running'].includes(job.status);
        const ok = ended && run.ms <= bound && run.calls <= first.calls + 3 && (c.status ? job.status === c.status : job.status !== 'succeeded' || (job.errors ?? []).length > 0) && c.says.test(why);
        checks.push(check(`GitHub ${c.name}: the sync ends in bounded time and calls, saying why`, ok,
          job ? `${job.status} in ${ms(run.ms)} (bound ${ms(bound)}); ${run.calls} call(s) at GitHub (a healthy sync: ${first.calls}); "${why.slice(0, 120)}"` : `NO END within ${ms(bound + 5_000)}: the job is still running (${(run as { error?: Error }).error?.message ?? ''})`,
          { value: Number.isFinite(run.ms) ? Math.round(run.ms) : -1, unit: 'ms' }));
      }
      proxy.behaviour = 'healthy';
      const healed = await sync(15_000);
      const after = await service();
      checks.push(check('the catalog is as the last good sync left it, and a sync succeeds once GitHub is back',
        healed.job.status === 'succeeded' && after.name === known.name && after.team === known.team && after.version >= known.version,
        `${SERVICE}: team ${after.team}, version ${known.version} → ${after.version}; the next sync ${healed.job.status} in ${ms(healed.ms)}`,
        { value: healed.job.status === 'succeeded' ? 1 : 0, unit: 'healed' }));
      return checks;
    });
  } finally {
    restoreEnv();
    configureDiscovery();
    await proxy?.close();
  }
}
