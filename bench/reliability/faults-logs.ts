/**
 * The logs provider (Axiom, functions/observability/adapters/axiom-logs.ts) slow, hanging, failing, rate limiting
 * and answering garbage, behind a loopback proxy in front of the LOCAL FAKE Axiom (the adapter configured as
 * APOLLO_LOGS_BACKEND=axiom reads it: APOLLO_AXIOM_API_URL at the proxy, a 1 s APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS).
 * A viewer reading a service's lines (GET /api/v1/logs/services/{id}) gets them, or a 503/429 that says why with a
 * Retry-After, in bounded time, after one call to Axiom (no retry storm); healthy again, the lines come back.
 */
import { FakeAxiomServer } from '#local/fakes/axiom-server';
import { cleanFailure, forwardTo, ms, startMisbehavingServer, timed, withRuntime, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const SERVICE = 'reliability-logs';
const TIMEOUT_S = 1;

export async function logsProviderFaults(ctx: ScenarioContext): Promise<Check[]> {
  const now = Date.now();
  const fake = await FakeAxiomServer.start({ token: 'xaat-reliability', datasets: {
    logs: Array.from({ length: 5 }, (_, i) => ({ _time: new Date(now - (i + 1) * 60_000).toISOString(), service: SERVICE, environment: 'dev', message: `INFO reliability line ${i}` })),
  } });
  let proxy: MisbehavingServer | undefined;
  try {
    proxy = await startMisbehavingServer(forwardTo(fake.url));
    const target = proxy;
    return await withRuntime(async ({ client }) => {
      const { registerService } = await import('../../functions/services/services.ts');
      const { putEnvironment } = await import('../../functions/services/environments.ts');
      const { configureObservability } = await import('../../functions/observability/deps.ts');
      const { AxiomLogsAdapter } = await import('../../functions/observability/adapters/axiom-logs.ts');
      const { observabilityConfig } = await import('../../functions/observability/config.ts');
      await registerService({ name: SERVICE, team: 'platform', tier: 'standard' }, 'system:reliability');
      await putEnvironment(SERVICE, 'dev', { cluster: 'apollo-dev', namespace: 'platform', deployment: { imageTag: 'v1', replicas: 1 }, endpoints: {} }, 'system:reliability');
      configureObservability({ logs: new AxiomLogsAdapter({
        config: { apiUrl: target.url, dataset: 'logs', orgId: undefined, tokenSecretArn: undefined, token: 'xaat-reliability', serviceField: 'service', environmentField: 'environment', messageField: 'message', queryTimeoutSeconds: TIMEOUT_S },
        ttlHours: observabilityConfig().queryTtlHours,
      }) });
      const viewer = client('viewer');
      const read = (what: string) => timed(what, () => viewer.send('GET', `/api/v1/logs/services/${SERVICE}`, { query: { environment: 'dev', from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 60_000).toISOString() } }));
      const healthy = await read('healthy');
      if (healthy.status !== 200) throw new Error(`reading the logs through the proxy answered ${healthy.status}: ${JSON.stringify(healthy.body)}`);
      ctx.log(`Axiom behind a proxy, its query timeout ${TIMEOUT_S} s; a healthy read answers ${((healthy.body as { items: unknown[] }).items).length} lines`);
      const cases: Array<{ name: string; behaviour: Behaviour; failWith?: MisbehavingServer['failWith']; status: number; says: RegExp }> = [
        { name: 'slow', behaviour: 'slow', status: 503, says: /did not answer within 1 s/ },
        { name: 'hanging', behaviour: 'hang', status: 503, says: /did not answer within 1 s/ },
        { name: 'failing (503)', behaviour: 'fail', failWith: { status: 503 }, status: 503, says: /Axiom is unavailable \(503/ },
        { name: 'rate limiting (429)', behaviour: 'fail', failWith: { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '7' }, body: '{"code":429,"message":"rate limit exceeded"}' }, status: 429, says: /limit is reached/ },
        { name: 'garbage', behaviour: 'garbage', status: 503, says: /other than JSON/ },
      ];
      const checks: Check[] = [];
      target.slowMs = 3_000 * TIMEOUT_S;
      for (const c of ctx.smoke ? cases.filter((k) => ['hanging', 'garbage'].includes(k.name)) : cases) {
        target.behaviour = c.behaviour;
        if (c.failWith) target.failWith = c.failWith;
        const before = target.calls.length;
        const answer = await read(c.name);
        target.release();
        const calls = target.calls.length - before;
        const bound = TIMEOUT_S * 1000 + 1_500;
        checks.push(check(`logs provider ${c.name}: the read answers ${c.status} in bounded time, saying why`,
          answer.status === c.status && cleanFailure(answer) && answer.ms <= bound && calls === 1 && c.says.test(answer.message ?? ''),
          `${answer.status} in ${ms(answer.ms)} (bound ${ms(bound)}), Retry-After ${answer.retryAfter ?? 'none'}; ${calls} call(s) at Axiom; "${(answer.message ?? '').slice(0, 110)}"`,
          { value: Math.round(answer.ms), unit: 'ms' }));
      }
      target.behaviour = 'healthy';
      const healed = await read('healed');
      checks.push(check('the lines come back once the provider is healthy', healed.status === 200 && (healed.body as { items: unknown[] }).items.length === (healthy.body as { items: unknown[] }).items.length,
        `${healed.status} with ${(healed.body as { items?: unknown[] }).items?.length ?? 0} lines in ${ms(healed.ms)}`, { value: healed.status, unit: 'status' }));
      return checks;
    });
  } finally {
    await proxy?.close();
    await fake.close();
  }
}
