/**
 * Discovery's second source (the design doc's "ArgoCD sync"): Argo CD's Applications, each deploying a
 * service to an environment, read through the deployments context. Rules:
 * - an application of a service in the catalog makes sure its environment exists: a missing one is
 *   created where Argo CD deploys it (cluster, namespace), through the catalog's own functions; an
 *   existing one keeps its cluster and namespace (the manifest or a person owns them);
 * - what it runs is recorded when the tag differs: the image tag and, with it, Argo CD's revision as the
 *   git commit. The tag decides because every commit to the GitOps repository moves every application's
 *   revision: the same tag at a newer revision is not a change of what runs, and writes nothing;
 * - no tag is recorded while the service's pods run two (a rollout), nor when its applications disagree;
 * - an application of a service the catalog does not have (or deregistered) is reported as unregistered,
 *   never turned into a service;
 * - one environment's failure is that application's error; Argo CD not answering is the pass's error.
 * Neither fails the run: the repositories are synced already.
 */
import type { DiscoveryJob } from '#schemas/index.ts';
import { logger } from '#lib/observability';
import { DISCOVERY_ACTOR } from './discovery.ts';
import type { ApplicationSource, CatalogService, DeployedApplication, DeployedApplications, DiscoveryCatalog, ManifestEnvironment, RunningState } from './discovery-ports.ts';

export type ArgoCdResult = NonNullable<DiscoveryJob['argocd']>;
type CatalogEnvironment = CatalogService['environments'][number];

/** At most this many unregistered applications and errors are kept on a run. */
export const MAX_LISTED = 200;

/** What one environment needs, from the applications that deploy it (usually one; one per cluster for some). */
export interface EnvironmentChange {
  /** The environment is missing: create it where Argo CD deploys. */
  readonly create?: ManifestEnvironment;
  /** Record this as what runs. */
  readonly record?: RunningState;
}

/** An application that cannot be mapped to an environment (no destination to create it at). */
export class ApplicationSyncError extends Error {
  override readonly name = 'ApplicationSyncError';
}

/** The one value every application gives, or undefined when one gives none or they differ. */
function agreed(values: ReadonlyArray<string | undefined>): string | undefined {
  const set = new Set(values);
  return set.size === 1 ? values[0] : undefined;
}

/** Maps the applications of one service's environment onto its catalog environment (undefined: missing). */
export function environmentChange(apps: readonly DeployedApplication[], current: CatalogEnvironment | undefined): EnvironmentChange {
  const [first] = apps;
  if (!first) return {};
  let create: ManifestEnvironment | undefined;
  if (!current) {
    if (!first.cluster || !first.namespace) {
      throw new ApplicationSyncError(`Argo CD names no destination ${first.cluster ? 'namespace' : 'cluster'} for ${first.name}: the environment ${first.environment} was not created`);
    }
    create = { cluster: first.cluster, namespace: first.namespace };
  }
  const tag = agreed(apps.map((a) => a.imageTag));
  const revision = agreed(apps.map((a) => a.revision));
  const record = tag !== undefined && tag !== current?.deployment?.imageTag ? { imageTag: tag, ...(revision ? { gitCommit: revision } : {}) } : undefined;
  return { ...(create ? { create } : {}), ...(record ? { record } : {}) };
}

function emptyResult(): ArgoCdResult {
  return { applications: 0, matched: 0, created: 0, updated: 0, unchanged: 0, failed: 0, unregistered: 0, unregisteredApplications: [], errors: [] };
}

/** Applies the applications to the catalog (services read once each). */
export async function syncApplications(listed: DeployedApplications, catalog: DiscoveryCatalog): Promise<ArgoCdResult> {
  const result: ArgoCdResult = { source: listed.kind, ...emptyResult(), applications: listed.applications.length };
  const byEnvironment = new Map<string, DeployedApplication[]>();
  for (const app of listed.applications) {
    const key = JSON.stringify([app.service, app.environment]);
    byEnvironment.set(key, [...(byEnvironment.get(key) ?? []), app]);
  }
  const services = new Map<string, Promise<CatalogService | undefined>>();
  for (const apps of byEnvironment.values()) {
    const { service: id, environment } = apps[0]!;
    let outcome: 'created' | 'updated' | 'unchanged' | 'failed';
    try {
      if (!services.has(id)) services.set(id, catalog.getService(id));
      const service = await services.get(id)!;
      if (!service || service.deregisteredAt) {
        result.unregistered += apps.length;
        for (const app of apps) {
          if (result.unregisteredApplications.length < MAX_LISTED) result.unregisteredApplications.push({ application: app.name, service: id, environment });
        }
        continue;
      }
      const change = environmentChange(apps, service.environments.find((e) => e.name === environment));
      if (change.create) await catalog.putEnvironment(id, environment, change.create, DISCOVERY_ACTOR);
      if (change.record) await catalog.recordRunning(id, environment, change.record, DISCOVERY_ACTOR);
      outcome = change.create ? 'created' : change.record ? 'updated' : 'unchanged';
    } catch (error) {
      // A failed read is asked again for the next environment of that service.
      services.delete(id);
      logger.info('argo cd application not synced', { service: id, environment, error: (error as Error).message });
      outcome = 'failed';
      for (const app of apps) {
        if (result.errors.length < MAX_LISTED) result.errors.push({ application: app.name, message: (error as Error).message || 'failed' });
      }
    }
    result.matched += apps.length;
    result[outcome] += apps.length;
  }
  return result;
}

/**
 * The Argo CD part of a sync: undefined when no Argo CD is configured; Argo CD's own failure (unreachable,
 * the token refused) is the result's error, with nothing written.
 */
export async function runArgoCdPass(source: ApplicationSource, catalog: DiscoveryCatalog): Promise<ArgoCdResult | undefined> {
  let listed: DeployedApplications | undefined;
  try {
    listed = await source();
  } catch (error) {
    logger.warn('argo cd not read', { error: (error as Error).message });
    return { ...emptyResult(), error: (error as Error).message || 'Argo CD could not be read' };
  }
  if (!listed) return undefined;
  const result = await syncApplications(listed, catalog);
  logger.info('argo cd applications synced', argoCdCounts(result));
  return result;
}

/** The counts of a pass, for log lines. */
export function argoCdCounts(result: ArgoCdResult): Record<string, unknown> {
  const { applications, matched, created, updated, unchanged, failed, unregistered } = result;
  return { applications, matched, created, updated, unchanged, failed, unregistered, ...(result.error ? { error: result.error } : {}) };
}
