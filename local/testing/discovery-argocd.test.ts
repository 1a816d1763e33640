/**
 * Discovery's second source end to end: the local runtime's SIMULATED Argo CD (one application per demo
 * service and environment, reading the fake GitHub's GitOps repository) and a sync over signed HTTP. A
 * sync of the organisation creates the environments Argo CD deploys services of the catalog to and records
 * what they run; a change made in the GitOps repository, once Argo CD has synced it, is brought to the
 * catalog by the next sync, and nothing else moves; applications of services the catalog does not have
 * are reported, not registered; Argo CD failing does not fail the sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryJob, Service } from '#schemas/index.ts';
import { CORE_SERVICE_MANIFEST, DEMO_GITOPS_PATH, DEMO_GITOPS_REPO } from '../fakes/demo-github.ts';
import type { SimulatedArgoCd } from '../fakes/argocd-server.ts';
import type { FakeGitHub } from '../fakes/github-server.ts';
import { runToEnd, startHarness, type Harness } from './harness.ts';

let h: Harness;
let github: FakeGitHub;
let argocd: SimulatedArgoCd;

const sync = (body: Record<string, unknown> = {}): Promise<DiscoveryJob> => runToEnd<DiscoveryJob>(h.client('admin'), '/api/v1/discovery/sync', '/api/v1/discovery/jobs', body);
const service = async (id: string): Promise<Service> => (await h.client('admin').call<Service>('GET', `/api/v1/services/${id}`)).body;
const environments = async (id: string) => Object.fromEntries((await service(id)).environments.map((e) => [e.name, e]));
const runningTag = (service: string, environment: string): string | undefined => argocd.application(`${service}-${environment}`)?.live?.imageTag;

beforeAll(async () => {
  h = await startHarness();
  github = h.runtime.github!.fake;
  argocd = h.runtime.argocd!;
  argocd.podMs = 10;
  const admin = h.client('admin');
  for (const id of ['platform', 'payments', 'growth', 'data']) await admin.call('POST', '/api/v1/teams', { body: { id, name: id } });
  // In the catalog: core-service from its manifest (which names no environments), postgres and redis by hand.
  for (const name of ['postgres', 'redis']) await admin.call('POST', '/api/v1/services', { body: { name, team: 'platform', tier: 'critical' } });
  github.commit('core-service', 'apollo.yaml', CORE_SERVICE_MANIFEST);
  // An application of a service nobody registered.
  await argocd.addApplication({ service: 'ghost-service', environment: 'prod', namespace: 'ghosts' });
}, 30_000);
afterAll(async () => { await h.close(); });

describe('a sync of the organisation reads Argo CD after the repositories', () => {
  let first: DiscoveryJob;
  beforeAll(async () => { first = await sync(); }, 30_000);

  it('creates the environments Argo CD deploys catalog services to, and reports the other applications as unregistered', () => {
    const all = argocd.applications();
    expect(first.status).toBe('succeeded');
    expect(first.argocd).toMatchObject({
      source: `SIMULATED Argo CD (local, ${argocd.url})`,
      applications: all.length, matched: 9, created: 9, updated: 0, unchanged: 0, failed: 0, unregistered: all.length - 9, errors: [],
    });
    expect(first.argocd!.unregisteredApplications).toContainEqual({ application: 'ghost-service-prod', service: 'ghost-service', environment: 'prod' });
    expect(first.argocd!.unregisteredApplications.map((a) => a.service)).not.toContain('core-service');
  });

  it('gives each environment the cluster and namespace Argo CD deploys to, the tag it runs and its revision', async () => {
    const head = github.headOf(DEMO_GITOPS_REPO);
    const core = await environments('core-service');
    expect(Object.keys(core).sort()).toEqual(['dev', 'prod', 'staging']);
    expect(core.staging).toMatchObject({ cluster: 'eks-staging', namespace: 'platform', deployment: { imageTag: runningTag('core-service', 'staging'), gitCommit: head }, updatedBy: 'system:discovery' });
    expect((await environments('redis')).prod).toMatchObject({ cluster: 'eks-prod-us-east-1', deployment: { imageTag: runningTag('redis', 'prod') } });
    await expect(service('ghost-service')).rejects.toMatchObject({ status: 404, code: 'NotFound' });
  });

  it('a sync with nothing changed in Argo CD writes nothing and moves no version', async () => {
    const before = await environments('core-service');

    const again = await sync();

    expect(again.argocd).toMatchObject({ matched: 9, created: 0, updated: 0, unchanged: 9, failed: 0 });
    const after = await environments('core-service');
    expect(Object.values(after).map((e) => [e.name, e.version, e.updatedAt])).toEqual(Object.values(before).map((e) => [e.name, e.version, e.updatedAt]));
  }, 30_000);

  it('brings the catalog to the tag Argo CD runs after a change made in the GitOps repository, and only there', async () => {
    // Prepare: someone commits another tag for staging straight to the GitOps repository; Argo CD syncs it.
    const path = DEMO_GITOPS_PATH.replace('{service}', 'core-service').replace('{environment}', 'staging');
    const values = github.fileAt(DEMO_GITOPS_REPO, path)!;
    github.commit(DEMO_GITOPS_REPO, path, values.replace(/^( {2}tag: ).*$/m, '$1v9.9.9'), { message: 'deploy core-service v9.9.9 to staging' });
    const commit = github.headOf(DEMO_GITOPS_REPO)!;
    await argocd.poll();
    await argocd.idle();
    expect(runningTag('core-service', 'staging')).toBe('v9.9.9');
    const before = await environments('core-service');
    expect(before.staging!.deployment.imageTag).not.toBe('v9.9.9');

    // Act
    const run = await sync();

    // Assess: staging records the tag and the commit; prod, at a newer revision with the same tag, stays as it was.
    expect(run.argocd).toMatchObject({ matched: 9, created: 0, updated: 1, unchanged: 8, failed: 0 });
    const after = await environments('core-service');
    expect(after.staging).toMatchObject({ deployment: { imageTag: 'v9.9.9', gitCommit: commit }, version: before.staging!.version + 1 });
    expect(after.prod).toEqual(before.prod);
    expect(argocd.application('core-service-prod')!.git!.revision).toBe(commit);
  }, 30_000);
});

describe('Argo CD failing or out of scope', () => {
  it('an Argo CD error is the run\'s Argo CD error; the repositories are synced all the same', async () => {
    argocd.failNext(1, { what: 'api' });

    const run = await sync();

    expect(run).toMatchObject({ status: 'succeeded', progress: { unchanged: 3, failed: 1 } });
    expect(run.argocd).toMatchObject({ applications: 0, matched: 0, error: expect.stringContaining('answered 503') });
    expect(run.argocd!.source).toBeUndefined();
  }, 30_000);

  it('a sync of named repositories leaves Argo CD alone', async () => {
    const run = await sync({ repositories: ['core-service'] });

    expect(run.status).toBe('succeeded');
    expect(run.argocd).toBeUndefined();
  }, 30_000);
});
