/**
 * Crash mid-fulfilment: DNS-record requests (examples/catalog/dns-record.yaml: a REST create, then an HMAC webhook)
 * whose provider is a fake in THIS process (APOLLO_FAKES_URL), so its records and calls outlive the runtime. One
 * request completes before the crash; the others' create calls are held at the provider, the runtime is SIGKILLed
 * with them in flight, and only then does the provider create the records (the worst moment: done outside,
 * unrecorded inside). Started again: the completed one stays completed, the others are interrupted, and each retry
 * completes with one record, its create call repeated with the same Idempotency-Key (answered from the first).
 * The cut-off requests are followed live when the runtime dies (their subscriptions outlive it in the table).
 */
import type { Request, RequestRetryResult } from '#schemas/index.ts';
import { INTEGRATIONS_PATH } from '../../local/fakes/integrations.ts';
import { acquireDemo, releaseDemo } from './crash-demo.ts';
import { auditCheck, restartCheck, until } from './crash-lab.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const ENDED = ['completed', 'failed', 'cancelled', 'interrupted'];

export async function crashMidFulfilment(ctx: ScenarioContext): Promise<Check[]> {
  const held = ctx.smoke ? 1 : 3;
  const from = new Date().toISOString();
  const demo = await acquireDemo(ctx);
  const { lab, fakes, dns } = demo;
  try {
    const api = lab.client('developer');
    const get = async (id: string) => (await api.call<Request>('GET', `/api/v1/requests/${id}`)).body;
    const submit = async (name: string) => (await api.call<Request>('POST', '/api/v1/requests', { body: { offeringId: 'dns-record', fields: { environment: 'dev', name, type: 'TXT', value: 'crash' } } })).body.id;
    const stamp = Date.now().toString(36);

    // One request runs to its end before the crash.
    const before = await submit(`done${stamp}`);
    await until('the request before the crash completed', async () => (await get(before)).status === 'completed' || undefined, 30_000);
    // The others are cut off: their creates wait at the provider until the runtime is dead.
    dns.hold((req) => req.method === 'POST' && (req.url ?? '').split('?')[0] === `${INTEGRATIONS_PATH}dns/records`);
    const cut = await Promise.all(Array.from({ length: held }, (_, i) => submit(`cut${i}${stamp}`)));
    // Someone follows them live (a browser on the request's page): the crash leaves their subscriptions behind.
    await lab.watch('developer', cut.map((id) => `request:${id}`));
    await until(`the provider heard ${held} create call(s)`, () => dns.held >= held || undefined, 30_000, 20);
    await lab.kill();
    dns.release();
    const createdWhileDead = fakes.dnsRecords().filter((r) => cut.some((_, i) => r.fqdn.startsWith(`cut${i}${stamp}.`))).length;

    await lab.start();
    const markedLine = /(\d+) request\(s\) were running when Apollo stopped: marked interrupted/.exec(lab.printed)?.[1];
    const after = await Promise.all(cut.map(get));
    const interrupted = after.filter((r) => r.status === 'interrupted' && /interrupted/i.test(r.timeline.at(-1)?.message ?? ''));
    const stillCompleted = (await get(before)).status === 'completed';

    // Retry each: the plan, then confirmed; each runs to its end.
    const plans: string[] = [];
    for (const id of cut) {
      const plan = await api.call<RequestRetryResult>('POST', `/api/v1/requests/${id}/retry`, { body: {} });
      plans.push(plan.body.plan.rerun.map((a) => a.id).join('+'));
      await api.call('POST', `/api/v1/requests/${id}/retry`, { body: { confirm: true } });
    }
    const ended = await until('the retried requests ended', async () => {
      const all = await Promise.all(cut.map(get));
      return all.every((r) => ENDED.includes(r.status) && r.status !== 'interrupted') ? all : undefined;
    }, 60_000, 100);
    const completed = ended.filter((r) => r.status === 'completed');

    // Counted at the provider, in this process, per request (an Idempotency-Key is <requestId>/<actionId>/<generation>):
    // the records it holds, the create calls and the announcements it received.
    const all = [before, ...cut];
    const names = [`done${stamp}`, ...cut.map((_, i) => `cut${i}${stamp}`)];
    const recordsPer = names.map((n) => fakes.dnsRecords().filter((r) => r.fqdn.startsWith(`${n}.`)));
    const calls = (id: string, path: (p: string) => boolean) => fakes.received().filter((c) => c.method === 'POST' && path(c.path) && (c.headers['idempotency-key'] ?? '').startsWith(`${id}/`));
    const createsPer = all.map((id) => calls(id, (p) => p === '/dns/records'));
    const keysPer = createsPer.map((cs) => new Set(cs.map((c) => c.headers['idempotency-key'])).size);
    const hooksPer = all.map((id) => calls(id, (p) => p.startsWith('/hooks/')).length);
    const outputsMatch = completed.every((r) => {
      const record = recordsPer[all.indexOf(r.id)]?.[0];
      return (r.outputs as { create_record?: { record_id?: string } } | undefined)?.create_record?.record_id === record?.id;
    });
    const doubled = recordsPer.filter((rs) => rs.length > 1).length + hooksPer.filter((n) => n > 1).length;

    return [
      restartCheck(lab, `${held} request(s)`),
      check('a request finished before the crash stays finished', stillCompleted, `request ${before}: ${stillCompleted ? 'completed' : 'NOT completed'} after the restart`),
      check('every request cut off by the crash is marked interrupted', interrupted.length === held && markedLine === String(held),
        `${interrupted.length} of ${held} interrupted (timeline says so); the restart printed "${markedLine ?? 'nothing'} request(s) … marked interrupted"; the provider created ${createdWhileDead} record(s) while the runtime was dead`, { value: interrupted.length, unit: 'requests' }),
      check('each interrupted request\'s retry works: it resumes and completes', completed.length === held && plans.every((p) => p === 'create_record+announce') && outputsMatch,
        `${completed.length} of ${held} completed after one retry each (plans rerun: ${[...new Set(plans)].join(', ')}); outputs name the record the provider holds: ${outputsMatch}`),
      check('no action\'s side effect doubled (counted at the provider)', recordsPer.every((rs) => rs.length === 1) && keysPer.every((n) => n === 1) && hooksPer.every((n) => n === 1),
        `per request (the one finished before the crash first): DNS records ${recordsPer.map((rs) => rs.length).join(',')}; create calls ${createsPer.map((cs) => cs.length).join(',')} under ${keysPer.join(',')} Idempotency-Key(s) (a cut-off create is called again by the retry, with the same key, and answered from the first); announcements ${hooksPer.join(',')}`,
        { value: doubled, unit: 'doubled' }),
      await auditCheck(lab, from),
    ];
  } finally {
    releaseDemo(demo);
  }
}
