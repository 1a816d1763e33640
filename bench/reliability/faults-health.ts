/**
 * Health checks (the jobs Lambda's `health-poll`, functions/services/health) against endpoints that are slow,
 * hanging, failing and answering garbage, each a loopback server behind one environment of a service of our
 * own: the poll ends in bounded time (APOLLO_HEALTH_TIMEOUT_MS, short here), asks each endpoint once (no
 * retry storm), and what a viewer reads (GET /api/v1/services/{id}/health) says why; healthy again, the next
 * poll says so, and the history keeps both.
 */
import { invoke } from '#local/lambda';
import { appended, ms, startMisbehavingServer, withEnv, withRuntime, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const TIMEOUT_MS = 1_000;
const SERVICE = 'reliability-health';

interface PollSummary { checked: number; recorded: number; durationMs: number; failures: unknown[] }
interface EnvHealth { name: string; health?: { status: string; reason?: string }; history: Array<{ status: string; reason?: string }> }

export async function healthCheckFaults(ctx: ScenarioContext): Promise<Check[]> {
  const kinds: Array<Exclude<Behaviour, 'healthy'>> = ['slow', 'hang', 'fail', 'garbage'];
  const servers = new Map<Exclude<Behaviour, 'healthy'>, MisbehavingServer>();
  const { configureHealth, healthDeps } = await import('../../functions/services/health/deps.ts');
  const { readHealthSettings } = await import('../../functions/services/health/config.ts');
  let settingsBefore: ReturnType<typeof healthDeps>['settings'] | undefined;
  let restoreEnv = () => undefined as void;
  try {
    for (const kind of kinds) servers.set(kind, await startMisbehavingServer((_call, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}'); }));
    // The probe keeps to the egress guard: loopback endpoints only where allowlisted, as an operator would list theirs.
    restoreEnv = withEnv({ APOLLO_EGRESS_ALLOW: [...servers.values()].reduce((list, server) => appended(list, `${server.url}/`), process.env.APOLLO_EGRESS_ALLOW) });
    return await withRuntime(async ({ client }) => {
      settingsBefore = healthDeps().settings;
      configureHealth({ settings: readHealthSettings({ ...process.env, APOLLO_HEALTH_TIMEOUT_MS: String(TIMEOUT_MS) }) });
      const { createTeam } = await import('../../functions/identity/teams.ts');
      const { registerService } = await import('../../functions/services/services.ts');
      const { putEnvironment } = await import('../../functions/services/environments.ts');
      await createTeam({ id: 'reliability', name: 'Reliability' }, 'system:reliability');
      await registerService({ name: SERVICE, team: 'reliability', tier: 'standard' }, 'system:reliability');
      for (const [kind, server] of servers) {
        await putEnvironment(SERVICE, kind, { cluster: '', namespace: 'reliability', deployment: { imageTag: 'v1', replicas: 1 }, endpoints: { internal: server.url, healthCheck: `${server.url}/actuator/health` } }, 'system:reliability');
        server.slowMs = 2.5 * TIMEOUT_MS;
        server.behaviour = kind;
      }
      const poll = async () => {
        const started = performance.now();
        const summary = (await invoke('jobs', { job: 'health-poll' })) as PollSummary;
        return { summary, ms: performance.now() - started };
      };
      const read = async () => ((await client('viewer').send('GET', `/api/v1/services/${SERVICE}/health`)).body as { environments: EnvHealth[] }).environments;
      ctx.log(`health endpoints slow (${ms(2.5 * TIMEOUT_MS)}), hanging, failing (503), answering garbage; the poll's timeout ${ms(TIMEOUT_MS)}`);
      const faulty = await poll();
      const seen = await read();
      const checks: Check[] = [];
      const expected: Record<string, { status: string; says: RegExp }> = {
        slow: { status: 'down', says: /timed out after \d+ ms/ },
        hang: { status: 'down', says: /timed out after \d+ ms/ },
        fail: { status: 'down', says: /answered 503/ },
        // The status code is the contract (the body is not read): a 200 of any body is healthy, by design.
        garbage: { status: 'healthy', says: /answered 200/ },
      };
      const bound = TIMEOUT_MS + 1_500;
      checks.push(check('the health poll ends in bounded time with endpoints slow, hanging, failing', faulty.ms <= bound && faulty.summary.checked === kinds.length,
        `${faulty.summary.checked} checked, ${faulty.summary.recorded} recorded in ${ms(faulty.ms)} (bound ${ms(bound)}); ${faulty.summary.failures.length} check failures`,
        { value: Math.round(faulty.ms), unit: 'ms' }));
      const once = kinds.filter((kind) => servers.get(kind)!.calls.length === 1);
      checks.push(check('each endpoint is asked once a poll (no retries piling on a sick endpoint)', once.length === kinds.length,
        kinds.map((kind) => `${kind} ${servers.get(kind)!.calls.length}`).join(', '), { value: kinds.reduce((n, k) => n + servers.get(k)!.calls.length, 0), unit: 'calls' }));
      const wrong = kinds.filter((kind) => {
        const env = seen.find((e) => e.name === kind);
        return env?.health?.status !== expected[kind]!.status || !expected[kind]!.says.test(env.health.reason ?? '');
      });
      checks.push(check('what a viewer reads says why each environment is down (or, for a 200 of garbage, healthy by the status code)', wrong.length === 0,
        kinds.map((kind) => { const h = seen.find((e) => e.name === kind)?.health; return `${kind}: ${h?.status ?? 'none'} "${(h?.reason ?? '').slice(0, 60)}"`; }).join('; '),
        { value: wrong.length, unit: 'wrong verdicts' }));
      for (const server of servers.values()) server.behaviour = 'healthy';
      const healed = await poll();
      const after = await read();
      const recovered = kinds.filter((kind) => {
        const env = after.find((e) => e.name === kind);
        return env?.health?.status === 'healthy' && (kind === 'garbage' || env.history.some((h) => h.status === 'down'));
      });
      checks.push(check('healthy again, the next poll says so and the history keeps the outage', recovered.length === kinds.length && healed.summary.checked === kinds.length,
        `${recovered.length} of ${kinds.length} healthy in ${ms(healed.ms)}; history: ${kinds.map((kind) => `${kind} ${(after.find((e) => e.name === kind)?.history ?? []).map((h) => h.status).join('→')}`).join(', ')}`,
        { value: recovered.length, unit: 'recovered' }));
      return checks;
    }, { data: 'none' });
  } finally {
    restoreEnv();
    if (settingsBefore) configureHealth({ settings: settingsBefore });
    for (const server of servers.values()) await server.close();
  }
}
