/**
 * PagerDuty's two-way sync (functions/incidents/lifecycle.ts, adapters/pagerduty-rest.ts) slow, hanging, failing,
 * rate limiting and answering garbage, behind a loopback proxy in front of the runtime's LOCAL FAKE PagerDuty
 * (APOLLO_PAGERDUTY_API_URL at the proxy, the incidents context's client made again with its own defaults; the
 * fake's webhooks still reach Apollo directly). An operator acknowledges (with a note) or resolves an incident
 * that came from PagerDuty: the API answers within the deployed incidents Lambda's timeout, Apollo's own change
 * holds (a responder is never stopped by PagerDuty: README "## Incidents"), the answer and the record say that
 * PagerDuty was not told and why (`pagerduty.syncError`, a timeline entry), the calls to PagerDuty are bounded
 * (counted at the proxy), a resolve lifts the environment's lock anyway; once PagerDuty is back, the same action
 * again tells it.
 */
import type { EnvironmentLockList, Incident, IncidentTimeline } from '#schemas/index.ts';
import { forwardTo, ms, startMisbehavingServer, timed, withEnv, withRuntime, type Answer, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const SERVICE = 'reliability-pd';
const ENV = 'prod';
/** The incidents Lambda's timeout once deployed (infra/apollo-function.ts: 10 s for an API function). */
const LAMBDA_TIMEOUT_MS = 10_000;
/** What an acknowledge may take: the Lambda's timeout less room for a cold start and DynamoDB's own latency. */
const BOUND_MS = LAMBDA_TIMEOUT_MS - 2_000;

interface Case { readonly name: string; readonly behaviour: Behaviour; readonly failWith?: MisbehavingServer['failWith']; readonly says: RegExp; readonly maxCalls: number }

const CASES: readonly Case[] = [
  { name: 'slow', behaviour: 'slow', says: /did not answer .* within/, maxCalls: 1 },
  { name: 'hanging', behaviour: 'hang', says: /did not answer .* within/, maxCalls: 1 },
  { name: 'failing (503)', behaviour: 'fail', failWith: { status: 503 }, says: /PagerDuty failed PUT .*503/, maxCalls: 1 },
  // One wait of the Retry-After, one more try: two calls, then the reason.
  { name: 'rate limiting (429)', behaviour: 'fail', failWith: { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '1' }, body: '{"error":{"message":"Rate Limit Exceeded","code":2020}}' }, says: /rate limiting/, maxCalls: 2 },
  { name: 'garbage', behaviour: 'garbage', says: /not JSON/, maxCalls: 1 },
];

export async function pagerDutyFaults(ctx: ScenarioContext): Promise<Check[]> {
  let proxy: MisbehavingServer | undefined;
  let restoreEnv = () => undefined as void;
  const { resetIncidentsConfig } = await import('../../functions/incidents/config.ts');
  const { resetIncidentsDeps } = await import('../../functions/incidents/deps.ts');
  try {
    return await withRuntime(async ({ runtime, client }) => {
      const fake = runtime.pagerduty;
      if (!fake) throw new Error('the local runtime started no fake PagerDuty (APOLLO_PAGERDUTY_API_URL names another)');
      const target = proxy = await startMisbehavingServer(forwardTo(fake.url));
      restoreEnv = withEnv({ APOLLO_PAGERDUTY_API_URL: target.url });
      resetIncidentsConfig();
      resetIncidentsDeps();
      const { registerService } = await import('../../functions/services/services.ts');
      const { putEnvironment } = await import('../../functions/services/environments.ts');
      await registerService({ name: SERVICE, team: 'platform', tier: 'standard' }, 'system:reliability');
      await putEnvironment(SERVICE, ENV, { cluster: 'apollo-prod', namespace: 'platform', deployment: { imageTag: 'v1', replicas: 1 }, endpoints: {} }, 'system:reliability');
      const operator = client('operator');
      const viewer = client('viewer');

      let opened = 0;
      /** A new PagerDuty incident (high urgency: critical, SERVICE's ENV locked), as Apollo opened it from the webhook. */
      const open = async (): Promise<{ id: string; pagerDutyId: string }> => {
        opened++;
        const { incident: pd } = fake.trigger({ title: `Fault${opened}: ${SERVICE} error rate above 5% in ${ENV}`, serviceId: 'PRELY01', serviceSummary: `${SERVICE} (${ENV})`, incidentKey: `Fault${opened}/${SERVICE}/${ENV}`, urgency: 'high' });
        await fake.settled();
        const delivery = fake.deliveries.find((d) => d.incidentId === pd.id && d.eventType === 'incident.triggered');
        const id = delivery ? (JSON.parse(delivery.response) as { incidentId?: string }).incidentId : undefined;
        if (!id) throw new Error(`the fake PagerDuty's trigger opened no incident in Apollo: ${delivery?.status ?? 'no delivery'} ${delivery?.response ?? ''}`);
        return { id, pagerDutyId: pd.id };
      };
      const act = async (what: string, id: string, action: 'acknowledge' | 'resolve', note?: string): Promise<{ answer: Answer; incident: Incident; calls: number }> => {
        const before = target.calls.length;
        const answer = await timed(what, () => operator.send('POST', `/api/v1/incidents/${id}/${action}`, { body: note ? { note } : {} }));
        target.release();
        return { answer, incident: answer.body as Incident, calls: target.calls.length - before };
      };
      const read = async (id: string): Promise<Incident> => (await viewer.send('GET', `/api/v1/incidents/${id}`)).body as Incident;
      const syncEntries = async (id: string): Promise<string[]> => ((await viewer.send('GET', `/api/v1/incidents/${id}/timeline`)).body as IncidentTimeline).items
        .filter((e) => e.type === 'action' && e.actor === 'apollo').map((e) => e.content);
      /** Whether the incident's own lock on SERVICE's ENV is in force (the other open ones hold theirs). */
      const locked = async (incidentId: string): Promise<boolean> => ((await viewer.send('GET', '/api/v1/deployments/locks')).body as EnvironmentLockList).items
        .some((l) => l.service === SERVICE && l.environment === ENV && l.source === 'incident' && l.incidentId === incidentId);

      const healthy = await open();
      const baseline = await act('healthy', healthy.id, 'acknowledge', 'looking (reliability)');
      if (baseline.answer.status !== 200 || baseline.incident.pagerduty?.syncError !== null || fake.incident(healthy.pagerDutyId)?.status !== 'acknowledged') {
        throw new Error(`a healthy acknowledge through the proxy: ${baseline.answer.status} ${JSON.stringify(baseline.answer.body).slice(0, 300)}`);
      }
      ctx.log(`PagerDuty behind a proxy; a healthy acknowledge with a note answers in ${ms(baseline.answer.ms)} after ${baseline.calls} calls (status, note); the bound is the incidents Lambda's ${ms(LAMBDA_TIMEOUT_MS)} less 2 s`);

      const checks: Check[] = [];
      const faulted: Array<{ name: string; id: string; pagerDutyId: string }> = [];
      target.slowMs = LAMBDA_TIMEOUT_MS + 2_000;
      // Smoke: the client's own bound, and an answer it cannot read (slow is hang's path, 503 and 429 garbage's).
      for (const c of ctx.smoke ? CASES.filter((k) => ['hanging', 'garbage'].includes(k.name)) : CASES) {
        const incident = await open();
        target.behaviour = c.behaviour;
        if (c.failWith) target.failWith = c.failWith;
        const { answer, incident: after, calls } = await act(c.name, incident.id, 'acknowledge', `looking (${c.name})`);
        target.behaviour = 'healthy';
        const why = after.pagerduty?.syncError ?? '';
        const stored = await read(incident.id);
        const told = (await syncEntries(incident.id)).some((e) => e.startsWith(`could not acknowledge PagerDuty incident ${incident.pagerDutyId}: `) && c.says.test(e));
        const ok = answer.status === 200 && answer.ms <= BOUND_MS && after.status === 'acknowledged' && c.says.test(why)
          && stored.status === 'acknowledged' && stored.pagerduty?.syncError === why && told && calls >= 1 && calls <= c.maxCalls;
        checks.push(check(`PagerDuty ${c.name}: the acknowledge holds in Apollo, answers in bounded time, saying PagerDuty was not told and why`, ok,
          `${answer.status} ${after.status ?? '?'} in ${ms(answer.ms)} (bound ${ms(BOUND_MS)}); ${calls} call(s) at PagerDuty (at most ${c.maxCalls}); syncError "${why.slice(0, 100)}"${stored.pagerduty?.syncError === why ? '' : ' (NOT what is stored)'}${told ? '' : '; NO timeline entry saying so'}`,
          { value: Math.round(answer.ms), unit: 'ms' }));
        faulted.push({ name: c.name, ...incident });
      }

      if (!ctx.smoke) {
        // PagerDuty takes the acknowledge, then fails the note: the user is told which of the two it has.
        const half = await open();
        fake.failNext(`/incidents/${half.pagerDutyId}/notes`, 503, 1, 'POST');
        const { answer, incident: after, calls } = await act('the note fails', half.id, 'acknowledge', 'looking (the note fails)');
        const why = after.pagerduty?.syncError ?? '';
        const entry = (await syncEntries(half.id)).find((e) => e.startsWith('acknowledged in PagerDuty as operator@apollo.local, but the note was not added: '));
        checks.push(check('PagerDuty takes the acknowledge and fails its note: the answer says the status went and the note did not',
          answer.status === 200 && after.status === 'acknowledged' && /^the note was not added: PagerDuty failed POST .*503/.test(why) && !!entry && calls === 2 && fake.incident(half.pagerDutyId)?.status === 'acknowledged',
          `${answer.status} in ${ms(answer.ms)}; ${calls} call(s); PagerDuty ${fake.incident(half.pagerDutyId)?.status ?? '?'}; syncError "${why.slice(0, 100)}"${entry ? '' : '; NO timeline entry saying so'}`,
          { value: Math.round(answer.ms), unit: 'ms' }));
        faulted.push({ name: 'the note fails', ...half });
      }

      // A resolve while PagerDuty fails: Apollo resolves and lifts the lock all the same.
      const resolving = await open();
      const lockedBefore = await locked(resolving.id);
      target.behaviour = ctx.smoke ? 'fail' : 'hang';
      target.failWith = { status: 503 };
      const resolved = await act('resolve', resolving.id, 'resolve', 'rolled back (reliability)');
      target.behaviour = 'healthy';
      const lockedAfter = await locked(resolving.id);
      checks.push(check(`PagerDuty ${ctx.smoke ? 'failing (503)' : 'hanging'} on a resolve: Apollo resolves, lifts the environment's lock, and says PagerDuty was not told`,
        resolved.answer.status === 200 && resolved.answer.ms <= BOUND_MS && resolved.incident.status === 'resolved' && resolved.incident.locks?.length === 0 && lockedBefore && !lockedAfter && !!resolved.incident.pagerduty?.syncError && resolved.calls === 1,
        `${resolved.answer.status} ${resolved.incident.status ?? '?'} in ${ms(resolved.answer.ms)}; ${SERVICE} ${ENV} locked by it ${lockedBefore ? 'before' : 'NOT before'}, ${lockedAfter ? 'STILL after' : 'not after'}; ${resolved.calls} call(s); syncError "${(resolved.incident.pagerduty?.syncError ?? 'none').slice(0, 90)}"`,
        { value: Math.round(resolved.answer.ms), unit: 'ms' }));

      // Healthy again: the same action again tells PagerDuty what it missed, and clears the error.
      const retried: string[] = [];
      let caughtUp = true;
      for (const f of [...faulted, { name: 'resolve', ...resolving }]) {
        const action = f.name === 'resolve' ? 'resolve' : 'acknowledge';
        const again = await act(`${f.name} again`, f.id, action);
        const inPagerDuty = fake.incident(f.pagerDutyId)?.status;
        const ok = again.answer.status === 200 && again.incident.pagerduty?.syncError === null && inPagerDuty === (action === 'resolve' ? 'resolved' : 'acknowledged');
        caughtUp &&= ok;
        retried.push(`${f.name}: ${again.answer.status}, ${again.calls} call(s), PagerDuty ${inPagerDuty ?? '?'}${again.incident.pagerduty?.syncError ? `, still "${again.incident.pagerduty.syncError.slice(0, 60)}"` : ''}`);
      }
      checks.push(check('once PagerDuty is back, acknowledging or resolving again tells it, and the error is cleared', caughtUp, retried.join('; '), { value: caughtUp ? 1 : 0, unit: 'healed' }));
      return checks;
    });
  } finally {
    restoreEnv();
    resetIncidentsConfig();
    resetIncidentsDeps();
    await proxy?.close();
  }
}
