/**
 * Discovery's view of the catalog, bound to the catalog's own domain functions (services.ts,
 * environments.ts, dependencies.ts, runbooks.ts): the same rules as people's edits (teams must
 * exist, dependencies must name live services), with `source: manifest`. The catalog's field
 * errors are re-addressed to the manifest's schema paths.
 */
import type { Environment, Service } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { readdressed } from '#lib/input-errors';
import * as dependencies from './dependencies.ts';
import { MANIFEST_PATH } from './discovery-manifest.ts';
import type { CatalogService, DiscoveryCatalog, ManifestInfo } from './discovery-ports.ts';
import { RepositorySyncError } from './discovery.ts';
import * as environments from './environments.ts';
import * as runbooks from './runbooks.ts';
import * as services from './services.ts';

/** Where each field of a service stands in apollo.yaml. */
const MANIFEST_FIELDS: Record<string, string> = {
  team: '/metadata/team', name: '/metadata/name', displayName: '/metadata/displayName', description: '/metadata/description',
  tier: '/metadata/tier', tags: '/metadata/tags', language: '/spec/language', framework: '/spec/framework',
};
const manifestPath = (path: string): string => {
  const [, field, rest = ''] = /^\/([^/]+)(\/.*)?$/.exec(path) ?? [];
  return field && MANIFEST_FIELDS[field] ? `${MANIFEST_FIELDS[field]}${rest}` : path;
};

/** Runs a catalog call; its ValidationError becomes this repository's error, at manifest paths. */
async function asManifest<T>(call: () => Promise<T>, mapPath: (path: string) => string = manifestPath): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ValidationError) {
      const { details } = readdressed(error, mapPath) as ValidationError;
      throw new RepositorySyncError(error.message, 'InvalidManifest', details, MANIFEST_PATH);
    }
    throw error;
  }
}

function toCatalogService(service: Service): CatalogService {
  return {
    id: service.id,
    version: service.version,
    team: service.team,
    source: service.source,
    ...(service.deregisteredAt ? { deregisteredAt: service.deregisteredAt } : {}),
    ...(service.manifest ? { manifest: { ...service.manifest, fields: { ...service.manifest.fields } } } : {}),
    fields: {
      displayName: service.displayName,
      description: service.description,
      repository: service.repository,
      team: service.team,
      tier: service.tier,
      language: service.language,
      framework: service.framework,
      tags: [...service.tags].sort(),
    },
    dependencies: service.dependencies,
    runbooks: service.runbooks,
    environments: service.environments,
  };
}

export const serviceCatalog: DiscoveryCatalog = {
  async getService(id) {
    try {
      return toCatalogService(await services.getService(id));
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  },
  async register(fields, manifest: ManifestInfo, actor) {
    const service = await asManifest(() => services.registerService(fields as Parameters<typeof services.registerService>[0], actor, {
      source: 'manifest',
      manifest: manifest as services.ManifestInfo,
    }));
    return toCatalogService(service);
  },
  async update(id, expectedVersion, changes, manifest, actor) {
    await asManifest(() => services.updateService(id, expectedVersion, changes, actor, { source: 'manifest', manifest: manifest as services.ManifestInfo }));
  },
  async replaceDependencies(id, deps, actor) {
    await asManifest(
      () => dependencies.replaceDependencies(id, deps.map(({ serviceId, type, description }) => ({ serviceId, type, description })), actor),
      (path) => {
        const i = /^\/dependencies\/(\d+)\//.exec(path)?.[1];
        return i === undefined ? path : `/spec/dependencies/${deps[Number(i)]?.manifestIndex ?? i}/service`;
      },
    );
  },
  async putRunbook(id, runbook, existing, actor) {
    await runbooks.putRunbook(id, { ...runbook, ...(existing ? { id: existing.id } : {}) }, actor, { source: 'manifest' });
  },
  async deleteRunbook(id, runbook) {
    await runbooks.deleteRunbook(id, runbook.id, runbook.version);
  },
  async putEnvironment(id, name, env, actor) {
    // The manifest owns where an environment runs; its deployment, resources and secrets are kept.
    const current: Environment | undefined = (await environments.listEnvironments(id)).find((e) => e.name === name);
    await environments.putEnvironment(id, name, {
      cluster: env.cluster,
      namespace: env.namespace,
      endpoints: { ...current?.endpoints, ...env.endpoints },
      ...(current ? { deployment: current.deployment, resources: current.resources, secrets: current.secrets } : {}),
    }, actor);
  },
  async recordRunning(id, name, running, actor) {
    await environments.recordDeployment(id, name, running, actor);
  },
};
