/**
 * Discovery end to end: the local runtime, its fake GitHub (real HTTP on loopback) and signed calls.
 * A sync answers 202 with a job; the job's progress is read over GET and heard live on
 * `discovery:<id>`; manifests register services (source manifest) with runbooks and environments;
 * an invalid manifest is reported with its schema paths; a re-sync of unchanged manifests writes
 * nothing; a hand edit of a manifest-owned field is kept and reported as drift; GitHub's rate limit
 * is waited out when near and stops the run when far; the push webhook re-syncs one repository.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryJob, RealtimeFrame, Service } from '#schemas/index.ts';
import { signBody } from '../../functions/webhooks/github-signature.ts';
import { CORE_SERVICE_MANIFEST, DEMO_ORG } from '../fakes/demo-github.ts';
import type { FakeGitHub } from '../fakes/github-server.ts';
import { deliverGitHub, finishedRun, runToEnd, startHarness, subscribe, until, type Harness } from './harness.ts';

let h: Harness;
let github: FakeGitHub;

const JOBS = '/api/v1/discovery/jobs';
const finished = (id: string): Promise<DiscoveryJob> => finishedRun<DiscoveryJob>(h.client('admin'), JOBS, id);
const sync = (body: Record<string, unknown> = {}): Promise<DiscoveryJob> => runToEnd<DiscoveryJob>(h.client('admin'), '/api/v1/discovery/sync', JOBS, body);

const service = async (id: string): Promise<Service> => (await h.client('admin').call<Service>('GET', `/api/v1/services/${id}`)).body;

beforeAll(async () => {
  h = await startHarness();
  github = h.runtime.github!.fake;
  const admin = h.client('admin');
  for (const id of ['platform', 'payments', 'growth', 'data']) await admin.call('POST', '/api/v1/teams', { body: { id, name: id } });
  // What core-service depends on, registered by hand (not in any repository).
  for (const name of ['postgres', 'redis']) await admin.call('POST', '/api/v1/services', { body: { name, team: 'platform', tier: 'critical' } });
  // core-service's repository holds the design doc's example, verbatim.
  github.commit('core-service', 'apollo.yaml', CORE_SERVICE_MANIFEST);
  // Enough repositories for two pages of 100: the demo ones (with the catalog and GitOps repositories) first, then 101 without a manifest.
  for (let i = 0; i < 101; i++) github.putRepo({ name: `empty-${String(i).padStart(3, '0')}`, files: {} });
}, 30_000);
afterAll(async () => { await h.close(); });

describe('a full sync of the organisation', () => {
  let job: DiscoveryJob;
  beforeAll(async () => { job = await sync(); }, 30_000);

  it('follows the Link pagination and scans every repository', () => {
    const pages = github.requests.filter((r) => r.startsWith(`GET /orgs/${DEMO_ORG}/repos`));
    expect(pages).toHaveLength(2);
    expect(pages[1]).toContain('page=2');
    expect(job).toMatchObject({
      status: 'succeeded', trigger: 'manual', org: DEMO_ORG, requestedBy: 'admin@apollo.local',
      progress: { total: 109, scanned: 109, created: 3, updated: 0, unchanged: 0, skipped: 105, failed: 1, drifted: 0 },
    });
  });

  it('reports the invalid manifest with the schema paths at fault', () => {
    expect(job.errors).toEqual([{
      repository: 'legacy-reports',
      path: 'apollo.yaml',
      code: 'InvalidManifest',
      message: expect.stringContaining('apollo.yaml does not match the manifest schema'),
      details: [
        { path: '/metadata/owner', message: 'unknown field' },
        { path: '/metadata/tier', message: 'must be one of: critical, standard, experimental' },
      ],
    }]);
  });

  it("registers the design doc's core-service from its manifest, with dependencies and runbooks from the repository", async () => {
    const core = await service('core-service');
    expect(core).toMatchObject({
      name: 'core-service', displayName: 'Core Service', team: 'platform', tier: 'critical', language: 'java', framework: 'spring-boot',
      repository: `https://github.com/${DEMO_ORG}/core-service`, source: 'manifest', drift: [], createdBy: 'system:discovery',
      manifest: { repository: `https://github.com/${DEMO_ORG}/core-service`, path: 'apollo.yaml', commit: github.headOf('core-service') },
    });
    expect(core.dependencies.map((d) => [d.serviceId, d.type])).toEqual([['postgres', 'runtime'], ['redis', 'runtime']]);
    expect(core.runbooks.map((r) => ({ trigger: r.trigger, title: r.title, automatable: r.automatable, source: r.source, manifestPath: r.manifestPath }))).toEqual([
      { trigger: 'DatabaseConnectionExhausted', title: 'Database connection pool exhausted', automatable: true, source: 'manifest', manifestPath: 'docs/runbooks/db-pool-exhausted.md' },
      { trigger: 'HighErrorRate', title: 'High error rate', automatable: true, source: 'manifest', manifestPath: 'docs/runbooks/high-error-rate.md' },
    ]);
    expect(core.runbooks[1]!.content).toContain('roll it back from Deploy Center');
  });

  it('creates environments the manifest lists and resolves a dependency on a service discovered in the same run', async () => {
    const ledger = await service('ledger-api');
    expect(ledger.environments.map((e) => [e.name, e.cluster, e.namespace, e.endpoints.healthCheck])).toEqual([
      ['prod', 'apollo-prod', 'payments', '/health'],
      ['staging', 'apollo-staging', 'payments', '/health'],
    ]);
    expect(ledger.dependencies.map((d) => d.serviceId)).toEqual(['core-service']);
    expect(ledger.tags).toEqual(['payments', 'pci']);
  });

  it('a re-sync of unchanged manifests changes nothing and moves no version', async () => {
    const before = await Promise.all(['core-service', 'ledger-api', 'email-digest'].map(service));
    const again = await sync();
    expect(again.progress).toMatchObject({ created: 0, updated: 0, unchanged: 3, failed: 1 });
    const after = await Promise.all(['core-service', 'ledger-api', 'email-digest'].map(service));
    expect(after.map((s) => [s.name, s.version, s.updatedAt])).toEqual(before.map((s) => [s.name, s.version, s.updatedAt]));
  }, 30_000);

  it('keeps a hand edit of a manifest-owned field and reports it as drift; other manifest changes apply', async () => {
    // Prepare: a developer of platform... an admin renames it by hand; then the manifest changes.
    const core = await service('core-service');
    await h.client('admin').call('PUT', '/api/v1/services/core-service', { body: { displayName: 'Core (hand edited)' }, ifMatch: core.version });
    github.commit('core-service', 'apollo.yaml', CORE_SERVICE_MANIFEST.replace('displayName: Core Service', 'displayName: Core Service v2').replace('language: java', 'language: kotlin'));

    // Act
    const run = await sync({ repositories: ['core-service'] });

    // Assess
    expect(run).toMatchObject({ status: 'succeeded', repositories: ['core-service'], progress: { total: 1, updated: 1, drifted: 1 } });
    const after = await service('core-service');
    expect(after).toMatchObject({ displayName: 'Core (hand edited)', language: 'kotlin', manifest: { commit: github.headOf('core-service') } });
    expect(after.drift).toEqual([{ field: 'displayName', manifestValue: 'Core Service v2', currentValue: 'Core (hand edited)' }]);
  }, 30_000);
});

describe("GitHub's rate limit", () => {
  it('a reset far away stops the run as rate-limited, naming the reset time', async () => {
    github.limit({ kind: 'primary', resetInSeconds: 3600 });
    try {
      const job = await sync();
      expect(job.status).toBe('rate-limited');
      expect(Math.abs(Date.parse(job.rateLimitResetAt!) - (Date.now() + 3600_000))).toBeLessThan(60_000);
    } finally {
      github.limit(undefined);
    }
  }, 30_000);

  it('a near reset is waited out and the run succeeds; the job is heard live on discovery:<id>', async () => {
    // Prepare: the first GitHub call is refused for 2 s, long enough to subscribe.
    github.limit({ kind: 'secondary', resetInSeconds: 2, times: 1 });
    const res = await h.client('admin').call<{ job: DiscoveryJob }>('POST', '/api/v1/discovery/sync', { body: { repositories: ['email-digest'] } });
    const id = res.body.job.id;
    const { ws, frames } = await subscribe(h, 'admin', `discovery:${id}`);

    // Act: the run waits for the reset, then finishes.
    const job = await finished(id);

    // Assess
    expect(job).toMatchObject({ status: 'succeeded', progress: { total: 1, scanned: 1, unchanged: 1 } });
    await until(() => frames.some((f) => f.type === 'event' && (f.data as { status?: string }).status === 'succeeded'));
    const last = frames.filter((f) => f.type === 'event').pop() as Extract<RealtimeFrame, { type: 'event' }>;
    expect(last).toMatchObject({ topic: `discovery:${id}`, event: 'discovery.progress' });
    expect(last.data).toEqual(job);
    ws.close();
  }, 30_000);

  it('a second sync of the same scope while one runs joins it instead of scanning twice', async () => {
    github.limit({ kind: 'secondary', resetInSeconds: 1, times: 1 });
    const first = await h.client('admin').call<{ job: DiscoveryJob }>('POST', '/api/v1/discovery/sync', { body: { repositories: ['ledger-api'] } });
    const second = await h.client('admin').call<{ job: DiscoveryJob }>('POST', '/api/v1/discovery/sync', { body: { repositories: ['ledger-api'] } });
    const other = await h.client('admin').call<{ job: DiscoveryJob }>('POST', '/api/v1/discovery/sync', { body: { repositories: ['email-digest'] } });
    expect(second.status).toBe(202);
    expect(second.body.job.id).toBe(first.body.job.id);
    expect(other.body.job.id).not.toBe(first.body.job.id);
    expect((await finished(first.body.job.id)).status).toBe('succeeded');
    await finished(other.body.job.id);
    const { body: list } = await h.client('admin').call<{ items: DiscoveryJob[] }>('GET', '/api/v1/discovery/jobs', { query: { limit: 2 } });
    expect(list.items.map((j) => j.id)).toEqual([other.body.job.id, first.body.job.id]);
  }, 30_000);

  it('a viewer may not subscribe to a discovery job', async () => {
    const { ws, frames } = await subscribe(h, 'viewer', 'discovery:01JABCDEFGHJKMNPQRSTVWXYZ0');
    await until(() => frames.length > 0);
    expect(frames[0]).toMatchObject({ type: 'error' });
    ws.close();
  });
});

describe('the GitHub push webhook', () => {
  const deliver = (event: string, payload: unknown, options: { delivery?: string; signature?: string | null } = {}) => deliverGitHub(h, event, payload, options);
  const push = (repo: string, files: string[], ref = 'refs/heads/main') => ({
    ref,
    after: github.headOf(repo),
    repository: { name: repo, full_name: `${DEMO_ORG}/${repo}`, default_branch: 'main', owner: { login: DEMO_ORG } },
    commits: [{ id: github.headOf(repo), added: [], modified: files, removed: [] }],
    head_commit: { id: github.headOf(repo) },
  });

  it('a signed push touching apollo.yaml re-syncs that repository; its redelivery is answered as a duplicate without work', async () => {
    github.commit('email-digest', 'apollo.yaml', 'apiVersion: apollo/v1\nkind: Service\nmetadata:\n  name: email-digest\n  team: growth\n  tier: standard\nspec:\n  language: typescript\n  framework: node\n');
    const delivery = crypto.randomUUID();
    const payload = push('email-digest', ['apollo.yaml']);

    const res = await deliver('push', payload, { delivery });
    const body = (await res.json()) as { action: string; jobId: string };
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ delivery, event: 'push', action: 'sync-started', duplicate: false });
    const job = await finished(body.jobId);
    expect(job).toMatchObject({ status: 'succeeded', trigger: 'webhook', repositories: ['email-digest'], requestedBy: `github:${delivery}`, progress: { updated: 1 } });
    expect((await service('email-digest')).tier).toBe('standard');

    const again = await deliver('push', payload, { delivery });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ delivery, event: 'push', action: 'duplicate', duplicate: true, reason: 'this delivery was received before' });
    // The same signed body under a new delivery id is a replay too.
    expect(await (await deliver('push', payload)).json()).toMatchObject({ action: 'duplicate', duplicate: true });
  }, 30_000);

  it('refuses a missing or wrong signature with 401 and nothing more', async () => {
    const payload = push('core-service', ['apollo.yaml']);
    for (const signature of [null, 'sha256=' + '0'.repeat(64), 'sha1=abc', signBody('not-the-secret', JSON.stringify(payload))]) {
      const res = await deliver('push', payload, { signature });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'Unauthorized', message: 'invalid signature', details: [] }, requestId: expect.any(String) });
    }
  });

  it('answers ping, and ignores pushes that cannot change the catalog', async () => {
    expect(await (await deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).json()).toMatchObject({ event: 'ping', action: 'pong' });
    expect(await (await deliver('push', push('core-service', ['apollo.yaml'], 'refs/heads/feature')))
      .json()).toMatchObject({ action: 'ignored', reason: 'not a push to the default branch main' });
    expect(await (await deliver('push', push('core-service', ['src/Main.java']))).json()).toMatchObject({ action: 'ignored' });
    expect(await (await deliver('issues', { action: 'opened' })).json()).toMatchObject({ action: 'ignored', reason: 'the issues event is not used' });
  });

  it('records each delivery in the audit log as the github sender', async () => {
    const delivery = crypto.randomUUID();
    await deliver('ping', { zen: 'audit me', hook_id: 2 }, { delivery });
    const { body } = await h.client('admin').call<{ items: Array<Record<string, unknown>> }>('GET', '/api/v1/audit', { query: { actor: 'github' } });
    expect(body.items.some((e) => e.action === 'webhooks.github' && e.actorType === 'system' && e.outcome === 'succeeded')).toBe(true);
  });
});
