/**
 * Crash mid-discovery: the organisation discovery scans is a fake GitHub in THIS process (FakeGitHub with repositories
 * of our own, each with an apollo.yaml), reached through a proxy that holds the reads of one repository half-way
 * through the scan: the runtime is SIGKILLed there, with some services registered and the rest not. Started again:
 * the sync is not left running (a new one would join it and never end), it says it was interrupted; syncing again
 * works and registers the rest, finding the first ones unchanged; nothing was written to GitHub (discovery only
 * reads: every call counted at the proxy) and each service is in the catalog once.
 */
import { request } from 'node:http';
import type { DiscoveryJob, DiscoverySyncAccepted, Service } from '#schemas/index.ts';
import { FakeGitHub } from '../../local/fakes/github-server.ts';
import { Gate, takeOverDemo } from './crash-demo.ts';
import { auditCheck, CrashLab, restartCheck, serve, until } from './crash-lab.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const ORG = 'crash-org';

function manifest(name: string): string {
  return `apiVersion: apollo/v1
kind: Service
metadata:
  name: ${name}
  description: A service of the reliability bench's crash group (a LOCAL FAKE repository).
  team: platform
  tier: standard
spec:
  language: go
  environments:
    - name: dev
      cluster: apollo-dev
      namespace: crash
`;
}

export async function crashMidDiscovery(ctx: ScenarioContext): Promise<Check[]> {
  const from = new Date().toISOString();
  const count = ctx.smoke ? 4 : 8;
  const stamp = Date.now().toString(36).slice(-5);
  const names = Array.from({ length: count }, (_, i) => `crash-${stamp}-${i + 1}`);
  const heldRepo = names[Math.floor(count / 2)]!;
  const token = `fake_crash_${stamp}`;
  const github = await FakeGitHub.start({ org: ORG, tokens: [token], repos: names.map((name) => ({ name, files: { 'apollo.yaml': manifest(name) } })) });
  const gate = new Gate();
  const calls: string[] = [];
  const proxy = await serve((req, res, body) => {
    calls.push(`${req.method} ${req.url}`);
    gate.pass(req, () => {
      const up = request(`${github.url}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(github.url).host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  const env = { APOLLO_GITHUB_API_URL: proxy.url, APOLLO_GITHUB_ORG: ORG, APOLLO_GITHUB_TOKEN: token };
  // The other crash scenarios' runtime, when there is one, killed and started again with this GitHub (its home is seeded already).
  const lab = (await takeOverDemo(ctx).catch(() => undefined)) ?? new CrashLab({ name: 'crash-discovery', log: ctx.log });
  Object.assign(lab.env, env);
  try {
    await lab.start();
    const admin = lab.client('admin');
    const job = async (id: string) => (await admin.call<DiscoveryJob>('GET', `/api/v1/discovery/jobs/${id}`)).body;
    gate.hold((req) => (req.url ?? '').startsWith(`/repos/${ORG}/${heldRepo}/`));
    const started = (await admin.call<DiscoverySyncAccepted>('POST', '/api/v1/discovery/sync', { body: {} })).body.job;
    await lab.watch('admin', [`discovery:${started.id}`]);
    // The moment: the scan holds at the middle repository, the ones before it synced.
    const mid = await until('the sync mid-scan', async () => (gate.held > 0 ? job(started.id) : undefined), 30_000, 25);
    await lab.crashAndRestart();
    gate.release();

    const cut = await job(started.id);
    const existing = (await Promise.all(names.map(async (n) => (await admin.send('GET', `/api/v1/services/${n}`)).status === 200))).filter(Boolean).length;
    // The retry: a sync again, to its end.
    const again = (await admin.call<DiscoverySyncAccepted>('POST', '/api/v1/discovery/sync', { body: {} })).body.job;
    const done = again.id === started.id ? again : await until('the second sync ended', async () => {
      const j = await job(again.id);
      return j.status === 'queued' || j.status === 'running' ? undefined : j;
    }, 60_000, 100);
    const services = await Promise.all(names.map(async (n) => {
      const res = await admin.send('GET', `/api/v1/services/${n}`);
      return res.status === 200 ? res.body as Service : undefined;
    }));
    const listed = await admin.call<{ items: Array<{ id: string }> }>('GET', '/api/v1/services', { query: { q: `crash-${stamp}`, limit: 100 } });
    const writes = calls.filter((c) => !/^(GET|HEAD) /.test(c));
    const p = done.progress;

    return [
      restartCheck(lab, 'the sync'),
      check('the sync cut off is finished or marked interrupted, not left running', cut.status === 'succeeded' || (cut.status === 'failed' && /interrupted/i.test(cut.error ?? '')),
        `killed while it read ${heldRepo} (${mid.progress.scanned} of ${mid.progress.total ?? '?'} scanned when last saved, status ${mid.status}); after the restart: ${cut.status}${cut.error ? ` (${cut.error})` : ''}; ${existing} of ${count} services registered by then`),
      check('the retry works: a sync again runs to its end and registers the rest', again.id !== started.id && done.status === 'succeeded' && services.every(Boolean),
        `${again.id === started.id ? 'the new sync JOINED the dead one' : `a new sync ${done.status}`}: created ${p.created}, unchanged ${p.unchanged}, updated ${p.updated}, failed ${p.failed} of ${p.total ?? '?'}; ${services.filter(Boolean).length} of ${count} services in the catalog`),
      check('no side effect doubled: nothing written to GitHub, each service registered once', writes.length === 0 && p.created === count - existing && p.unchanged + p.updated === existing && listed.body.items.filter((s) => names.includes(s.id)).length === count,
        `${calls.length} GitHub calls at the proxy in this process, ${writes.length} of them writes; the second sync created ${p.created} (the ${count - existing} not there yet) and found ${p.unchanged + p.updated} there; the catalog lists ${listed.body.items.filter((s) => names.includes(s.id)).length} of them once each`,
        { value: writes.length + Math.max(0, p.created - (count - existing)), unit: 'doubled' }),
      await auditCheck(lab, from),
    ];
  } finally {
    await lab.close();
    await proxy.close();
    await github.close();
  }
}
