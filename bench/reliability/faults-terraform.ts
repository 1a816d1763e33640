/**
 * A request's Terraform action (functions/requests/actions/terraform.ts) against the LOCAL FAKE Terraform Cloud
 * behind a loopback proxy that is slow, hanging, failing (503), rate limiting (429 with Retry-After) or answering
 * garbage, one proxy per case (each its own origin, as a Terraform Enterprise host of an action's `host`, so each
 * has its own circuit): every start bounded by the action's timeout (measured), its retries by the offering's
 * policy and spaced as Retry-After says (calls counted at the proxy), the request failed saying why; then a run
 * whose creation reached Terraform but whose answer was lost: the retry finds it (no second run). Healthy again,
 * the product's retry route completes each failed request, with one run per workspace in all.
 */
import type { Request } from '#schemas/index.ts';
import type { ApiClient } from '#shared/api-client';
import { appended, forwardTo, ms, startMisbehavingServer, withEnv, withRuntime, type Behaviour, type MisbehavingServer } from './faults-common.ts';
import { clip, follow, forwardLosing, putOffering, said, submit, untilEnded } from './faults-outside.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

/** The action's timeout (a start's budget), its attempts and their spacing. */
const TIMEOUT_MS = 3_000;
const MAX_ATTEMPTS = 3;
const RETRY_AFTER_S = 3;
/** The fake's run steps (pending → planning → planned → applying → applied): well inside the timeout. */
const STEP_MS = 100;
const ORGANIZATION = 'apollo-reliability';

interface Case {
  readonly name: string;
  readonly behaviour: Exclude<Behaviour, 'healthy'>;
  readonly failWith?: MisbehavingServer['failWith'];
  /** What a user must read in the failed request. */
  readonly says: RegExp;
  /** Calls the proxy may see: one a start (the workspace's read fails first), one start an attempt. */
  readonly calls: number;
  /** The least time between two attempts' calls. */
  readonly spacingMs?: number;
}

const CASES: readonly Case[] = [
  { name: 'slow', behaviour: 'slow', says: /no answer within 3 s/, calls: MAX_ATTEMPTS },
  { name: 'hanging', behaviour: 'hang', says: /no answer within 3 s/, calls: MAX_ATTEMPTS },
  { name: 'failing (503)', behaviour: 'fail', failWith: { status: 503 }, says: /answered 503/, calls: MAX_ATTEMPTS },
  {
    name: 'rate limiting (429)', behaviour: 'fail', says: /answered 429.*retry after 3 s/, calls: MAX_ATTEMPTS, spacingMs: RETRY_AFTER_S * 1000,
    failWith: { status: 429, headers: { 'content-type': 'application/vnd.api+json', 'retry-after': String(RETRY_AFTER_S) }, body: '{"errors":[{"status":"429","title":"Too many requests"}]}' },
  },
  // Not retryable: a body nobody can read says nothing a second attempt would change.
  { name: 'garbage', behaviour: 'garbage', says: /not JSON/, calls: 1 },
];

const slug = (name: string): string => name.replace(/\W+/g, '-').replace(/^-|-$/g, '').toLowerCase();

const offering = (id: string, host: string) => ({
  schemaVersion: '2.0',
  metadata: { id, name: `Reliability: ${id}`, description: 'npm run reliability: one Terraform run, through a proxy that misbehaves on demand.', category: 'bench', owner: 'platform', version: '1.0.0' },
  presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
  fulfillment: {
    type: 'automated',
    actions: [{
      id: 'provision', name: 'Provision', type: 'terraform', timeout: `${TIMEOUT_MS / 1000}s`, retry: { maxAttempts: MAX_ATTEMPTS, backoff: 'fixed', interval: '1s' },
      // An action's host is a Terraform Enterprise address (the catalog's schema wants https; the proxy is loopback http).
      config: { host, organization: ORGANIZATION, workspace: id, variables: { label: '{{fields.label}}' } },
      outputs: [{ name: 'label', from: '/var_label' }],
    }],
  },
});

const attemptsOf = (r: Request) => r.actions[0]?.attempts ?? [];
const longest = (r: Request): number => Math.max(0, ...attemptsOf(r).map((a) => a.durationMs ?? Number.POSITIVE_INFINITY));
const gaps = (server: MisbehavingServer): number[] => server.calls.slice(1).map((c, i) => c.at - server.calls[i]!.at);

export async function terraformFaults(ctx: ScenarioContext): Promise<Check[]> {
  // Smoke: Retry-After, garbage and the lost answer (slow and hanging are the lost answer's timeout, three times over).
  const cases = ctx.smoke ? CASES.filter((c) => ['rate limiting (429)', 'garbage'].includes(c.name)) : CASES;
  const servers: MisbehavingServer[] = [];
  let restoreEnv = () => undefined as void;
  try {
    return await withRuntime(async ({ runtime, client }) => {
      const fake = runtime.terraform;
      if (!fake) throw new Error('the local runtime started no fake Terraform (APOLLO_TERRAFORM_HOST names a real one?)');
      fake.stepMs = STEP_MS;
      const proxies = new Map<string, MisbehavingServer>();
      for (const c of cases) proxies.set(c.name, await startMisbehavingServer(forwardTo(fake.url)));
      // The lost answer: the run's creation reaches Terraform, its answer never comes back (the first time only).
      let lost = 0;
      const lossy = await startMisbehavingServer(forwardLosing(fake.url, (call) => (call.method === 'POST' && call.path === '/api/v2/runs' && lost++ === 0 ? 'hang' : undefined)));
      servers.push(...proxies.values(), lossy);
      restoreEnv = withEnv({ APOLLO_EGRESS_ALLOW: servers.reduce((list, s) => appended(list, `${s.url}/`), process.env.APOLLO_EGRESS_ALLOW) });
      const ids = new Map<string, string>([...cases.map((c) => [c.name, `reliability-tf-${slug(c.name)}`] as const), ['lost answer', 'reliability-tf-lost-answer']]);
      for (const c of cases) await putOffering(offering(ids.get(c.name)!, proxies.get(c.name)!.url));
      await putOffering(offering(ids.get('lost answer')!, lossy.url));
      const admin = client('admin');
      const checks: Check[] = [];

      for (const c of cases) {
        const proxy = proxies.get(c.name)!;
        proxy.slowMs = 2 * TIMEOUT_MS;
        if (c.failWith) proxy.failWith = c.failWith;
        proxy.behaviour = c.behaviour;
      }
      ctx.log(`Terraform behind a proxy per case: ${cases.map((c) => c.name).join(', ')}, and a run whose creation's answer is lost; the action: ${ms(TIMEOUT_MS)} timeout, ${MAX_ATTEMPTS} attempts 1 s apart`);
      const bound = MAX_ATTEMPTS * (TIMEOUT_MS + RETRY_AFTER_S * 1000) + 10_000;
      const [failed, lostRun] = await Promise.all([
        Promise.all(cases.map(async (c) => ({ c, request: await untilEnded(admin, await submit(admin, ids.get(c.name)!, { label: slug(c.name) }), bound) }))),
        lostAnswer(admin, ids.get('lost answer')!, ctx.smoke),
      ]);

      for (const { c, request } of failed) {
        const proxy = proxies.get(c.name)!;
        const attempts = attemptsOf(request);
        const message = request.error?.message ?? '';
        const spacing = Math.min(...gaps(proxy));
        const spaced = c.spacingMs === undefined || spacing >= c.spacingMs;
        const ok = request.status === 'failed' && proxy.calls.length === c.calls && attempts.length === c.calls && longest(request) <= TIMEOUT_MS + 750
          && c.says.test(message) && spaced && fake.runs(undefined, ids.get(c.name)) === 0;
        checks.push(check(`Terraform ${c.name}: each start bounded, attempts bounded${c.spacingMs ? ' and spaced as Retry-After says' : ''}, the request says why`, ok,
          `${request.status}; ${proxy.calls.length} call(s) at Terraform (policy ${c.calls}${c.calls === 1 ? ': not retryable' : ''}), ${attempts.length} attempt(s), longest ${ms(longest(request))} (timeout ${ms(TIMEOUT_MS)})${c.spacingMs ? `, ${ms(spacing)} between calls (Retry-After ${RETRY_AFTER_S} s)` : ''}; ${fake.runs(undefined, ids.get(c.name))} run(s); "${clip(message)}"`,
          { value: Math.round(longest(request)), unit: 'ms' }));
      }
      checks.push(lostRun.check(fake.listRuns(ids.get('lost answer')).map((r) => r.id)));

      // Healthy again: the product's retry route runs each failed request's action again, once.
      for (const proxy of proxies.values()) { proxy.behaviour = 'healthy'; proxy.release(); }
      const before = new Map([...proxies].map(([name, proxy]) => [name, proxy.calls.length]));
      const retried = await Promise.all(failed.map(async ({ c, request }) => {
        const res = await admin.send('POST', `/api/v1/requests/${request.id}/retry`, { body: { confirm: true } });
        if (res.status !== 200) throw new Error(`POST /api/v1/requests/${request.id}/retry answered ${res.status}: ${JSON.stringify(res.body)}`);
        return { c, request: await follow(admin, request.id, (r) => r.status === 'completed' || r.status === 'failed', 20_000) };
      }));
      const notDone = retried.filter(({ c, request }) => request.status !== 'completed' || (request.outputs.provision as { label?: string } | undefined)?.label !== slug(c.name));
      const runs = retried.map(({ c }) => fake.runs(undefined, ids.get(c.name)));
      checks.push(check('healthy again, the retry route completes each failed request, one run per workspace', notDone.length === 0 && runs.every((n) => n === 1),
        `${retried.length} retried: ${retried.map(({ request }) => request.status).join(', ')}; runs per workspace ${runs.join(', ')}; ${[...proxies].reduce((n, [name, p]) => n + p.calls.length - before.get(name)!, 0)} calls in all${notDone.length ? `; NOT DONE: ${notDone.map(({ c, request }) => `${c.name} ${request.status} "${request.error?.message ?? ''}"`).join('; ')}` : ''}`,
        { value: notDone.length, unit: 'not completed' }));
      return checks;
    });
  } finally {
    restoreEnv();
    for (const server of servers) await server.close();
  }
}

/**
 * The run's creation reaches Terraform and its answer is lost: the attempt ends at its timeout, the next one finds
 * the run by its idempotency key (`Apollo <key>` in its message) and follows it. Smoke stops once the reuse is
 * recorded; the full run waits for the request to complete (the run ended before Apollo knew it, so its
 * notification matched nothing: the 15 s poll finds it, after the action's deadline, and Terraform asked first
 * says applied).
 */
async function lostAnswer(admin: ApiClient, offeringId: string, smoke: boolean): Promise<{ check: (runIds: string[]) => Check }> {
  const id = await submit(admin, offeringId, { label: 'lost-answer' });
  const reused = (r: Request) => attemptsOf(r).some((a) => a.external?.id);
  const request = await follow(admin, id, (r) => (smoke ? reused(r) : r.status === 'completed' || r.status === 'failed'), 45_000);
  return {
    check: (runIds) => {
      const attempts = attemptsOf(request);
      const first = attempts[0];
      const following = attempts.find((a) => a.external?.id);
      const ok = (smoke ? reused(request) : request.status === 'completed') && runIds.length === 1 && first?.error?.code === 'timeout' && (first.durationMs ?? Infinity) <= TIMEOUT_MS + 750
        && following?.external?.id === runIds[0] && said(request, /reusing run/).length === 1;
      return check('a run whose creation\'s answer was lost is found again by the retry, not started twice', ok,
        `${request.status}; ${runIds.length} run(s) in Terraform (${runIds.join(', ')}); attempt 1 ${first?.status ?? 'none'} (${first?.error?.code ?? ''}) after ${ms(first?.durationMs ?? 0)}; attempt ${following?.attempt ?? '?'} follows ${following?.external?.id ?? 'nothing'}${said(request, /reusing run/).length ? ' ("reusing run …" in the log)' : ''}`,
        { value: runIds.length, unit: 'runs' });
    },
  };
}
