/**
 * A manual offering's JIRA ticket (functions/requests/actions/jira.ts, opened by the manual-open step) against the
 * LOCAL FAKE JIRA behind a loopback proxy that is slow, hanging, failing (503), rate limiting (429 with
 * Retry-After) or answering garbage, one proxy per case (each a named JIRA instance of the offering, so each has
 * its own origin and circuit): the try bounded by the executor's call limit (measured), its calls to JIRA bounded
 * (counted at the proxy), the request saying why and going on without a ticket; a failure that may pass is tried
 * again later, spaced (5 s doubling, at least Retry-After), and once JIRA is healthy the ticket opens, once,
 * and its Done ends the request. A ticket whose creation reached JIRA but whose answer was lost is found again
 * by its idempotency label on the next try, not opened twice. Garbage (not retryable) waits for a person to end it.
 */
import type { Request } from '#schemas/index.ts';
import type { ApiClient } from '#shared/api-client';
import type { FakeJira } from '#local/fakes/jira-server';
import { appended, ms, startMisbehavingServer, withEnv, withRuntime, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { clip, follow, forwardLosing, putOffering, said, submit, type LostAnswer } from './faults-outside.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

/** The JIRA executor's limit on one try's calls (CALL_TIMEOUT_MS in jira.ts). */
const CALL_LIMIT_MS = 25_000;
/** The manual-check's first wait before the ticket is tried again (TICKET_RETRY_FIRST_SECONDS in step-runner.ts). */
const FIRST_RETRY_S = 5;
const RETRY_AFTER_S = 8;
const COULD_NOT = /the JIRA ticket could not be created/;

interface Case {
  readonly name: string;
  readonly instance: string;
  readonly behaviour: Exclude<Behaviour, 'healthy'> | 'lose';
  readonly failWith?: MisbehavingServer['failWith'];
  /** The create call's answer lost (the ticket made): never given, or a gateway's status. */
  readonly lose?: LostAnswer;
  /** What a user must read on the request. */
  readonly says: RegExp;
  /** Calls a try makes before it fails: the search fails first, unless the answer lost is the create's. */
  readonly calls: number;
  /** Seconds before the next try; none: not tried again. */
  readonly retryS?: number;
  /** The try's time at most. */
  readonly boundMs: number;
}

function cases(smoke: boolean): Case[] {
  const timedOut = /no answer within 25 s/;
  const all: Case[] = [
    { name: 'slow', instance: 'rel-slow', behaviour: 'slow', says: timedOut, calls: 1, retryS: FIRST_RETRY_S, boundMs: CALL_LIMIT_MS + 1_500 },
    { name: 'hanging', instance: 'rel-hanging', behaviour: 'hang', says: timedOut, calls: 1, retryS: FIRST_RETRY_S, boundMs: CALL_LIMIT_MS + 1_500 },
    { name: 'failing (503)', instance: 'rel-failing', behaviour: 'fail', failWith: { status: 503 }, says: /answered 503/, calls: 1, retryS: FIRST_RETRY_S, boundMs: 1_500 },
    {
      name: 'rate limiting (429)', instance: 'rel-limited', behaviour: 'fail', says: new RegExp(`answered 429.*retry after ${RETRY_AFTER_S} s`), calls: 1, retryS: RETRY_AFTER_S, boundMs: 1_500,
      failWith: { status: 429, headers: { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_S) }, body: '{"errorMessages":["Rate limit exceeded."]}' },
    },
    { name: 'garbage', instance: 'rel-garbage', behaviour: 'garbage', says: /not JSON/, calls: 1, boundMs: 1_500 },
    // Smoke: the gateway gives up (504) once the ticket is made; the full run: Apollo's own call limit does.
    smoke
      ? { name: 'lost answer (504)', instance: 'rel-lost', behaviour: 'lose', lose: 504, says: /answered 504/, calls: 2, retryS: FIRST_RETRY_S, boundMs: 1_500 }
      : { name: 'lost answer (timeout)', instance: 'rel-lost', behaviour: 'lose', lose: 'hang', says: timedOut, calls: 2, retryS: FIRST_RETRY_S, boundMs: CALL_LIMIT_MS + 1_500 },
  ];
  return smoke ? all.filter((c) => ['failing (503)', 'garbage', 'lost answer (504)'].includes(c.name)) : all;
}

const urlEnv = (instance: string): string => `APOLLO_JIRA_URL_${instance.replace(/-/g, '_').toUpperCase()}`;

const offering = (c: Case) => ({
  schemaVersion: '2.0',
  metadata: { id: `reliability-jira-${c.instance}`, name: `Reliability: JIRA ${c.name}`, description: 'npm run reliability: a manual request whose ticket goes through a proxy that misbehaves on demand.', category: 'bench', owner: 'platform', version: '1.0.0' },
  presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
  fulfillment: { type: 'manual', instructions: 'Nothing to do: a reliability run.', jira: { instance: c.instance, project: 'OPS', issueType: 'Task', summary: 'Reliability {{fields.label}}' } },
});

export async function jiraFaults(ctx: ScenarioContext): Promise<Check[]> {
  const chosen = cases(ctx.smoke);
  const proxies = new Map<string, MisbehavingServer>();
  let restoreEnv = () => undefined as void;
  try {
    return await withRuntime(async ({ runtime, client }) => {
      const fake = runtime.jira;
      if (!fake) throw new Error('the local runtime started no fake JIRA (APOLLO_JIRA_URL names a real one?)');
      const { memoryIntegrationSecrets } = await import('../../functions/requests/adapters/local-secrets.ts');
      const { jiraInstanceNames } = await import('../../functions/requests/actions/jira.ts');
      const [email, token] = await Promise.all([memoryIntegrationSecrets.get('jira_email'), memoryIntegrationSecrets.get('jira_api_token')]);
      for (const c of chosen) {
        // Each case's ticket is made once, by its create call; only the first one loses its answer.
        let lost = 0;
        proxies.set(c.name, await startMisbehavingServer(forwardLosing(fake.url, (call) => (c.lose !== undefined && call.method === 'POST' && call.path === '/rest/api/3/issue' && lost++ === 0 ? c.lose : undefined))));
        const names = jiraInstanceNames(c.instance);
        memoryIntegrationSecrets.set(names.emailSecret, email!);
        memoryIntegrationSecrets.set(names.tokenSecret, token!);
        await putOffering(offering(c));
      }
      restoreEnv = withEnv({
        ...Object.fromEntries(chosen.map((c) => [urlEnv(c.instance), proxies.get(c.name)!.url])),
        APOLLO_EGRESS_ALLOW: [...proxies.values()].reduce((list, p) => appended(list, `${p.url}/`), process.env.APOLLO_EGRESS_ALLOW),
      });
      ctx.log(`JIRA behind a proxy per case: ${chosen.map((c) => c.name).join(', ')}; a try's calls end within ${ms(CALL_LIMIT_MS)}, the next try ${FIRST_RETRY_S} s later (doubling), at least Retry-After`);
      const admin = client('admin');
      const results = await Promise.all(chosen.map((c) => oneCase(c, proxies.get(c.name)!, admin, fake)));
      const checks = results.flatMap((r) => r.checks);
      const requests = results.map((r) => r.request);
      const issues = fake.issues();
      const twice = chosen.filter((c) => issues.filter((i) => i.summary === `Reliability ${c.instance}`).length > 1);
      checks.push(check('every manual request ended completed, with at most one ticket each', requests.every((r) => r.status === 'completed') && twice.length === 0,
        `${requests.map((r) => r.status).join(', ')}; tickets ${chosen.map((c) => issues.filter((i) => i.summary === `Reliability ${c.instance}`).length).join(', ')}${twice.length ? `; TWICE: ${twice.map((c) => c.name).join(', ')}` : ''}`,
        { value: twice.length, unit: 'duplicated' }));
      return checks;
    });
  } finally {
    restoreEnv();
    for (const proxy of proxies.values()) await proxy.close();
  }
}

/** One case: the try under the fault, the reason on the request, then JIRA healthy and the next try (or a person). */
async function oneCase(c: Case, proxy: MisbehavingServer, admin: ApiClient, fake: FakeJira): Promise<{ checks: Check[]; request: Request }> {
  proxy.slowMs = CALL_LIMIT_MS + 5_000;
  if (c.failWith) proxy.failWith = c.failWith;
  if (c.behaviour !== 'lose') proxy.behaviour = c.behaviour;
  const id = await submit(admin, `reliability-jira-${c.instance}`, { label: c.instance });
  const failed = await follow(admin, id, (r) => r.status === 'in_progress' && said(r, COULD_NOT).length > 0, c.boundMs + 10_000);
  const line = said(failed, COULD_NOT)[0];
  const calls = proxy.calls.length;
  const tookMs = line && proxy.calls[0] ? Date.parse(line.at) - proxy.calls[0].at : Number.NaN;
  const message = line?.message ?? '';
  const retryNamed = c.retryS === undefined ? !/trying again/.test(message) : message.includes(`trying again in ${c.retryS} s`);
  const checks = [check(`JIRA ${c.name}: the ticket's try is bounded in time and calls, the request says why and waits for a person`,
    !!line && failed.status === 'in_progress' && !failed.manual?.ticket && calls === c.calls && tookMs <= c.boundMs && c.says.test(message) && retryNamed,
    line ? `${failed.status}, no ticket; ${calls} call(s) at JIRA in ${ms(tookMs)} (bound ${ms(c.boundMs)}); "${clip(message)}"` : `NO REASON on the request within ${ms(c.boundMs + 10_000)} (${failed.status})`,
    { value: Number.isFinite(tookMs) ? Math.round(tookMs) : -1, unit: 'ms' })];

  // JIRA healthy again: a retryable failure is tried again (not before its wait); garbage waits for a person.
  proxy.behaviour = 'healthy';
  proxy.release();
  let request: Request;
  if (c.retryS !== undefined) {
    const opened = await follow(admin, id, (r) => !!r.manual?.ticket, (c.retryS + 10) * 1000);
    const retry = proxy.calls[calls];
    const waitedMs = retry && line ? retry.at - Date.parse(line.at) : Number.NaN;
    const key = opened.manual?.ticket?.key;
    const mine = fake.issues().filter((i) => i.summary === `Reliability ${c.instance}`);
    // The try's search, and its create unless the search found the ticket (later calls are the ticket's checks).
    const posts = proxy.calls.slice(calls).filter((call) => call.method === 'POST').length;
    const ok = !!key && mine.length === 1 && mine[0]!.key === key && waitedMs >= c.retryS * 1000 - 250 && posts === (c.lose === undefined ? 2 : 1)
      && (c.lose === undefined || Date.parse(mine[0]!.created.replace('+0000', 'Z')) < (retry?.at ?? 0));
    checks.push(check(`JIRA ${c.name}: healthy again, the next try ${c.lose === undefined ? 'opens the ticket' : 'finds the ticket the lost answer made'}, once, not before its wait`, ok,
      `${key ? `ticket ${key}` : 'NO TICKET'} after ${ms(waitedMs)} (wait ${c.retryS} s); ${mine.length} ticket(s) in JIRA for this request; the try: ${posts === 1 ? 'a search (found it)' : `${posts} POSTs (search, create)`}`,
      { value: mine.length, unit: 'tickets' }));
    if (key) fake.transition(key, 'Done');
    request = await follow(admin, id, (r) => r.status === 'completed' || r.status === 'failed', 15_000);
  } else {
    // Nothing tries it again: the next try's time passes with no call, then a person ends it from its page.
    await new Promise((resolve) => setTimeout(resolve, (FIRST_RETRY_S + 1) * 1000));
    const quiet = proxy.calls.length === calls;
    const ended = await admin.send('POST', `/api/v1/requests/${id}/complete`, { body: { outcome: 'completed', note: 'done by hand (reliability run)' } });
    request = await follow(admin, id, (r) => r.status === 'completed' || r.status === 'failed', 15_000);
    checks.push(check(`JIRA ${c.name}: not tried again (an unreadable answer is not retryable); a person ends the request`, quiet && ended.status === 200 && request.status === 'completed',
      `${proxy.calls.length - calls} call(s) after the failure in ${FIRST_RETRY_S + 1} s; POST …/complete ${ended.status}; ${request.status}`, { value: proxy.calls.length - calls, unit: 'calls' }));
  }
  return { checks, request };
}
