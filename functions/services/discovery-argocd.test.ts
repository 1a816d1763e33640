/** Argo CD's applications → the catalog's environments: what each maps to, and a pass over a catalog held in memory. */
import { describe, expect, it } from 'vitest';
import { environmentChange, runArgoCdPass, syncApplications } from './discovery-argocd.ts';
import type { CatalogService, DeployedApplication, DiscoveryCatalog } from './discovery-ports.ts';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

const app = (service: string, environment: string, more: Partial<DeployedApplication> = {}): DeployedApplication => ({
  name: `${service}-${environment}`, service, environment, cluster: `eks-${environment}`, namespace: 'platform',
  imageTags: ['v1.0.0'], imageTag: 'v1.0.0', revision: SHA_A, health: 'Healthy', sync: 'Synced', ...more,
});

type Environment = CatalogService['environments'][number];
const env = (name: string, deployment?: Environment['deployment']): Environment => ({ name, cluster: `eks-${name}`, namespace: 'platform', ...(deployment ? { deployment } : {}) });

describe('an application mapped onto its environment', () => {
  it('creates a missing environment where Argo CD deploys it, recording its tag and revision', () => {
    expect(environmentChange([app('core-service', 'dev', { cluster: 'dev-eks', namespace: 'core' })], undefined)).toEqual({
      create: { cluster: 'dev-eks', namespace: 'core' },
      record: { imageTag: 'v1.0.0', gitCommit: SHA_A },
    });
  });

  it('records another tag with the revision, and nothing for the same tag at a newer revision', () => {
    const current = env('prod', { imageTag: 'v0.9.0', gitCommit: SHA_B });

    expect(environmentChange([app('core-service', 'prod')], current)).toEqual({ record: { imageTag: 'v1.0.0', gitCommit: SHA_A } });
    expect(environmentChange([app('core-service', 'prod', { imageTag: 'v0.9.0' })], current)).toEqual({});
    expect(environmentChange([app('core-service', 'prod', { revision: undefined })], current)).toEqual({ record: { imageTag: 'v1.0.0' } });
  });

  it('keeps the cluster and namespace of an existing environment, and records no tag while two run or applications disagree', () => {
    const current = env('prod', { imageTag: 'v0.9.0' });

    expect(environmentChange([app('core-service', 'prod', { cluster: 'elsewhere', imageTag: 'v0.9.0' })], current)).toEqual({});
    expect(environmentChange([app('core-service', 'prod', { imageTags: ['v0.9.0', 'v1.0.0'], imageTag: undefined })], current)).toEqual({});
    expect(environmentChange([app('core-service', 'prod', { name: 'core-service-prod-eu' }), app('core-service', 'prod', { name: 'core-service-prod-us', imageTag: 'v0.9.1' })], current)).toEqual({});
    // Two clusters agreeing: recorded once, with the revision only when they share it.
    expect(environmentChange([app('core-service', 'prod'), app('core-service', 'prod', { revision: SHA_B })], current)).toEqual({ record: { imageTag: 'v1.0.0' } });
  });

  it('refuses to create an environment Argo CD gives no namespace for', () => {
    expect(() => environmentChange([app('core-service', 'dev', { namespace: '' })], undefined)).toThrow('Argo CD names no destination namespace for core-service-dev: the environment dev was not created');
  });
});

/** The catalog discovery writes through, in memory: services with their environments. */
function memoryCatalog(services: CatalogService[], failOn?: string): DiscoveryCatalog & { readonly services: Map<string, CatalogService> } {
  const byId = new Map(services.map((s) => [s.id, s]));
  const edit = (id: string, name: string, change: (e: Environment | undefined) => Environment): void => {
    if (`${id}/${name}` === failOn) throw new Error(`the catalog refused ${id} ${name}`);
    const s = byId.get(id)!;
    const others = s.environments.filter((e) => e.name !== name);
    byId.set(id, { ...s, environments: [...others, change(s.environments.find((e) => e.name === name))] });
  };
  const unused = (): never => { throw new Error('not used by the Argo CD pass'); };
  return {
    services: byId,
    getService: (id) => Promise.resolve(byId.get(id)),
    putEnvironment: (id, name, e) => Promise.resolve(edit(id, name, (current) => ({ ...current, name, cluster: e.cluster, namespace: e.namespace }))),
    recordRunning: (id, name, running) => Promise.resolve(edit(id, name, (current) => ({ ...current!, deployment: { ...current!.deployment, ...running } }))),
    register: unused, update: unused, replaceDependencies: unused, putRunbook: unused, deleteRunbook: unused,
  };
}

const service = (id: string, environments: Environment[], more: Partial<CatalogService> = {}): CatalogService => ({
  id, version: 1, team: 'platform', source: 'manual', fields: {}, dependencies: [], runbooks: [], environments, ...more,
});

describe('a pass over Argo CD applications', () => {
  it('matches services of the catalog, reports the others as unregistered, and counts each outcome', async () => {
    // Prepare
    const catalog = memoryCatalog([
      service('core-service', [env('prod', { imageTag: 'v0.9.0', gitCommit: SHA_B }), env('staging', { imageTag: 'v1.0.0', gitCommit: SHA_B })]),
      service('old-service', [], { deregisteredAt: '2026-01-01T00:00:00.000Z' }),
    ]);
    const applications = [
      app('core-service', 'prod'), app('core-service', 'staging'), app('core-service', 'dev'),
      app('ghost-service', 'prod'), app('old-service', 'prod'),
    ];

    // Act
    const result = await syncApplications({ kind: 'Argo CD https://argocd.test', applications }, catalog);

    // Assess
    expect(result).toEqual({
      source: 'Argo CD https://argocd.test', applications: 5, matched: 3, created: 1, updated: 1, unchanged: 1, failed: 0, unregistered: 2,
      unregisteredApplications: [
        { application: 'ghost-service-prod', service: 'ghost-service', environment: 'prod' },
        { application: 'old-service-prod', service: 'old-service', environment: 'prod' },
      ],
      errors: [],
    });
    expect(catalog.services.get('core-service')!.environments.map((e) => [e.name, e.cluster, e.deployment])).toEqual([
      ['staging', 'eks-staging', { imageTag: 'v1.0.0', gitCommit: SHA_B }],
      ['prod', 'eks-prod', { imageTag: 'v1.0.0', gitCommit: SHA_A }],
      ['dev', 'eks-dev', { imageTag: 'v1.0.0', gitCommit: SHA_A }],
    ]);
    expect(catalog.services.has('ghost-service')).toBe(false);
  });

  it("records one environment's failure as its application's error and goes on", async () => {
    const catalog = memoryCatalog([service('core-service', [env('prod'), env('staging')])], 'core-service/prod');

    const result = await syncApplications({ kind: 'Argo CD', applications: [app('core-service', 'prod'), app('core-service', 'staging')] }, catalog);

    expect(result).toMatchObject({ matched: 2, updated: 1, failed: 1, errors: [{ application: 'core-service-prod', message: 'the catalog refused core-service prod' }] });
    expect(catalog.services.get('core-service')!.environments.find((e) => e.name === 'staging')!.deployment).toEqual({ imageTag: 'v1.0.0', gitCommit: SHA_A });
  });

  it("says nothing without Argo CD, and records Argo CD's failure as the pass's error with nothing written", async () => {
    const catalog = memoryCatalog([service('core-service', [env('prod')])]);
    const refused = new Error('Argo CD at https://argocd.test refused the token (401) listing applications');

    expect(await runArgoCdPass(() => Promise.resolve(undefined), catalog)).toBeUndefined();
    expect(await runArgoCdPass(() => Promise.reject(refused), catalog)).toEqual({
      applications: 0, matched: 0, created: 0, updated: 0, unchanged: 0, failed: 0, unregistered: 0, unregisteredApplications: [], errors: [],
      error: 'Argo CD at https://argocd.test refused the token (401) listing applications',
    });
    expect(catalog.services.get('core-service')!.environments).toEqual([env('prod')]);
  });
});
