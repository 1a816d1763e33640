/**
 * A request action's REST target slow, hanging, failing and answering garbage, each a loopback server of its
 * own (each origin has its own circuit breaker, functions/requests/actions/breaker.ts): every attempt bounded
 * by the action's timeout (measured), the retries bounded by the offering's policy (counted at the server), the
 * request failed saying why. Then one origin failing on: its circuit opens (attempts fail fast, no call made),
 * and once the target is healthy and the half-open wait has passed (APOLLO_BREAKER_HALF_OPEN_MS, short here)
 * one trial call closes it again.
 */
import type { Request } from '#schemas/index.ts';
import type { ApiClient } from '#shared/api-client';
import { appended, ms, startMisbehavingServer, withEnv, withRuntime, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { ENDED, putOffering, submit, untilEnded } from './faults-outside.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

/** The action's own limits (the offering's: a 1 s timeout, 3 attempts 1 s apart). */
const TIMEOUT_MS = 1_000;
const MAX_ATTEMPTS = 3;
const FAILURES_TO_OPEN = 5;
/** Long enough that the next request's first attempt still finds the circuit open (its retry then waits for the half-open). */
const HALF_OPEN_MS = 4_000;
/** What a user must read in the failed request for each behaviour. */
const SAYS: Record<Exclude<Behaviour, 'healthy'>, RegExp> = {
  slow: /no answer within 1 s/,
  hang: /no answer within 1 s/,
  fail: /answered 503/,
  garbage: /not JSON/,
};

const offering = (id: string, envName: string) => ({
  schemaVersion: '2.0',
  metadata: { id, name: `Reliability: ${id}`, description: 'npm run reliability: one REST call to a target that misbehaves on demand.', category: 'bench', owner: 'platform', version: '1.0.0' },
  presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
  fulfillment: {
    type: 'automated',
    actions: [{
      id: 'register', name: 'Register', type: 'rest', timeout: `${TIMEOUT_MS / 1000}s`, retry: { maxAttempts: MAX_ATTEMPTS, backoff: 'fixed', interval: '1s' },
      config: { method: 'POST', url: `{{env.${envName}}}/things`, body: { request: '{{request.id}}' } },
      outputs: [{ name: 'id', from: '/id' }],
    }],
  },
});

/** A request for `offeringId`, followed until it ends (or `timeoutMs`). */
const submitAndEnd = async (admin: ApiClient, offeringId: string, timeoutMs: number): Promise<Request> =>
  untilEnded(admin, await submit(admin, offeringId, { label: offeringId }), timeoutMs);

const attemptsOf = (r: Request) => r.actions[0]?.attempts ?? [];
const durations = (r: Request) => attemptsOf(r).map((a) => a.durationMs ?? (a.endedAt ? Date.parse(a.endedAt) - Date.parse(a.startedAt) : Number.POSITIVE_INFINITY));

export async function restActionFaults(ctx: ScenarioContext): Promise<Check[]> {
  // Smoke leaves out `slow`: its path is `hang`'s (the action's timeout ends both).
  const kinds: Array<Exclude<Behaviour, 'healthy'>> = ctx.smoke ? ['hang', 'fail', 'garbage'] : ['slow', 'hang', 'fail', 'garbage'];
  const servers = new Map<string, MisbehavingServer>();
  let restoreEnv = () => undefined as void;
  try {
    for (const kind of [...kinds, 'breaker'] as const) {
      servers.set(kind, await startMisbehavingServer((call, res) => { res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `thing-${call.at}` })); }));
    }
    const envName = (kind: string) => `APOLLO_RELIABILITY_REST_${kind.toUpperCase()}`;
    restoreEnv = withEnv({
      ...Object.fromEntries([...servers].map(([kind, server]) => [envName(kind), server.url])),
      APOLLO_TEMPLATE_ENV: [...servers.keys()].reduce((list, kind) => appended(list, envName(kind)), process.env.APOLLO_TEMPLATE_ENV),
      APOLLO_EGRESS_ALLOW: [...servers.values()].reduce((list, server) => appended(list, `${server.url}/`), process.env.APOLLO_EGRESS_ALLOW),
      APOLLO_BREAKER_FAILURES: String(FAILURES_TO_OPEN),
      APOLLO_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
    });
    return await withRuntime(async ({ client }) => {
      const admin = client('admin');
      for (const kind of servers.keys()) await putOffering(offering(`reliability-rest-${kind}`, envName(kind)));
      const checks: Check[] = [];

      // 1. Each misbehaviour on its own origin, at once: bounded attempts, bounded time, a reason.
      for (const kind of kinds) {
        const server = servers.get(kind)!;
        server.slowMs = 3 * TIMEOUT_MS;
        server.behaviour = kind;
      }
      ctx.log(`REST targets ${kinds.join(', ')} (slow: ${ms(3 * TIMEOUT_MS)}; fail: 503; garbage: 200 of HTML), and one failing until its circuit opens; the action: ${ms(TIMEOUT_MS)} timeout, ${MAX_ATTEMPTS} attempts 1 s apart`);
      // The circuit's origin runs at the same time (its own server, its own circuit): see circuitPhase.
      const [results, circuit] = await Promise.all([
        Promise.all(kinds.map(async (kind) => ({ kind, request: await submitAndEnd(admin, `reliability-rest-${kind}`, 30_000) }))),
        circuitPhase(admin, servers.get('breaker')!),
      ]);
      for (const { kind, request } of results) {
        const server = servers.get(kind)!;
        const attempts = attemptsOf(request);
        const expectedCalls = kind === 'garbage' ? 1 : MAX_ATTEMPTS;
        const longest = Math.max(...durations(request));
        const message = request.error?.message ?? '';
        const ok = request.status === 'failed' && server.calls.length === expectedCalls && attempts.length === expectedCalls
          && longest <= TIMEOUT_MS + 750 && SAYS[kind].test(message);
        checks.push(check(`REST target ${kind}: bounded attempts and time, the request says why`, ok,
          `${request.status}; ${server.calls.length} calls at the target (policy ${kind === 'garbage' ? '1: not retryable' : MAX_ATTEMPTS}), ${attempts.length} attempts recorded; longest attempt ${ms(longest)} (timeout ${ms(TIMEOUT_MS)}); "${message.slice(0, 110)}"`,
          { value: Math.round(longest), unit: 'ms' }));
      }

      checks.push(...circuit.checks);
      // State: every ended request holds one record per attempt, none left running.
      const all = [...results.map((r) => r.request), ...circuit.requests];
      const running = all.filter((r) => !ENDED.has(r.status) || attemptsOf(r).some((a) => a.status === 'running' || a.status === 'waiting'));
      checks.push(check('every request against a misbehaving target ended with each attempt recorded', running.length === 0,
        `${all.length} requests: ${all.map((r) => r.status).join(', ')}; ${all.reduce((n, r) => n + attemptsOf(r).length, 0)} attempts recorded${running.length ? `; STILL RUNNING: ${running.map((r) => r.id).join(', ')}` : ''}`,
        { value: running.length, unit: 'unended' }));
      return checks;
    });
  } finally {
    restoreEnv();
    for (const server of servers.values()) await server.close();
  }
}

/**
 * One origin failing on opens its circuit after FAILURES_TO_OPEN failures in a row; later attempts are refused at
 * once without a call; healthy again and past the half-open wait, a trial call closes it.
 */
async function circuitPhase(admin: ApiClient, target: MisbehavingServer): Promise<{ checks: Check[]; requests: Request[] }> {
  const checks: Check[] = [];
  target.behaviour = 'fail';
  const first = await submitAndEnd(admin, 'reliability-rest-breaker', 30_000);
  const second = await submitAndEnd(admin, 'reliability-rest-breaker', 30_000);
  const callsWhileOpen = target.calls.length;
  const refused = [...attemptsOf(first), ...attemptsOf(second)].filter((a) => a.error?.code === 'circuit-open');
  const refusedMs = Math.max(0, ...refused.map((a) => a.durationMs ?? 0));
  const secondMessage = second.error?.message ?? '';
  checks.push(check(`the circuit opens after ${FAILURES_TO_OPEN} failures in a row; attempts then fail fast without a call`,
    callsWhileOpen === FAILURES_TO_OPEN && refused.length === 2 * MAX_ATTEMPTS - FAILURES_TO_OPEN && refusedMs < 250 && /circuit .* is open/.test(secondMessage),
    `${2 * MAX_ATTEMPTS} attempts over two requests, ${callsWhileOpen} reached the target, ${refused.length} refused by the open circuit (slowest ${ms(refusedMs)}); the request says "${secondMessage.slice(0, 120)}"`,
    { value: callsWhileOpen, unit: 'calls' }));
  // Healthy again while the circuit is still open: the next request's first attempt is refused without a call;
  // its retry waits for the half-open time (the failure says when), the trial call succeeds and closes the circuit.
  target.behaviour = 'healthy';
  const closesAt = Date.parse(/half-opens at (\S+)/.exec(secondMessage)?.[1] ?? '');
  const healing = await submitAndEnd(admin, 'reliability-rest-breaker', 30_000);
  const after = await submitAndEnd(admin, 'reliability-rest-breaker', 30_000);
  const healingAttempts = attemptsOf(healing);
  const refusedHealthy = healingAttempts.filter((a) => a.error?.code === 'circuit-open').length;
  const trialStarted = Date.parse(healingAttempts.at(-1)?.startedAt ?? '');
  const callsAfter = target.calls.length - callsWhileOpen;
  checks.push(check(`the circuit closes once the target is healthy, after its half-open wait (${ms(HALF_OPEN_MS)})`,
    healing.status === 'completed' && refusedHealthy >= 1 && trialStarted >= closesAt && after.status === 'completed' && callsAfter === 2,
    `the next request: ${refusedHealthy} attempt(s) refused while open (no call), then a trial ${ms(trialStarted - closesAt)} after the half-open time, ${healing.status}; the one after ${after.status}; ${callsAfter} calls in all`,
    { value: refusedHealthy, unit: 'refused while open' }));
  return { checks, requests: [first, second, healing, after] };
}
