/**
 * Discovery: an organisation's repositories → services. Each repository's `apollo.yaml` (default
 * branch) registers or updates the service it names, with `source: manifest`, through the catalog's
 * own domain functions. Rules:
 * - a manifest-owned field (MANIFEST_FIELDS) follows the manifest unless it was edited by hand since
 *   the last sync (its value differs from what the last manifest gave it): then it is kept and
 *   reported as drift, never silently overwritten;
 * - an unchanged manifest (same fields, dependencies, runbook texts, environments) writes nothing,
 *   so versions don't move;
 * - a manifest may not take a name that another repository's manifest or another team owns, nor
 *   revive a deregistered service: the repository is reported as failed and nothing is written;
 * - per-repository problems (invalid YAML or schema, missing runbook files) fail that repository
 *   only, with the schema paths at fault; GitHub's rate limit stops the run (rate-limited).
 */
import { isDeepStrictEqual } from 'node:util';
import type { ApolloManifest } from '#schemas/index.ts';
import type { ErrorDetail } from '#shared/errors';
import { GitHubRateLimitedError } from '#lib/github/errors';
import { MANIFEST_FIELDS, MANIFEST_PATH, ManifestError, manifestFields, parseManifest, runbookPath, type ManifestFields } from './discovery-manifest.ts';
import type { CatalogService, DiscoveryCatalog, ManifestEnvironment, ManifestRunbook, RepositorySource, SourceRepository } from './discovery-ports.ts';

/** Who discovery acts as in audit and `updatedBy`. */
export const DISCOVERY_ACTOR = 'system:discovery';

export type RepositoryOutcome = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface RepositoryResult {
  readonly repository: string;
  readonly outcome: RepositoryOutcome;
  readonly serviceId?: string;
  /** Manifest-owned fields kept as edited by hand. */
  readonly drift: readonly string[];
  /** Writes the manifest's dependencies when they differ; true if it wrote. Run after every repository is synced. */
  readonly applyDependencies?: () => Promise<boolean>;
}

/** A repository that could not be synced; the run goes on with the next one. */
export class RepositorySyncError extends Error {
  override readonly name = 'RepositorySyncError';
  constructor(message: string, readonly code: string, readonly details: readonly ErrorDetail[] = [], readonly path?: string) {
    super(message);
  }
}

/** The first line of a runbook's Markdown heading, or its trigger. */
function runbookTitle(content: string, trigger: string): string {
  const heading = /^#\s+(.+)$/m.exec(content)?.[1]?.trim();
  return (heading || trigger).slice(0, 200);
}

interface Desired {
  readonly fields: ManifestFields;
  /** `manifestIndex`: where the entry is in `spec.dependencies`, for error paths. */
  readonly dependencies: Array<{ serviceId: string; type: 'runtime' | 'build' | 'optional'; description: string; manifestIndex: number }>;
  readonly runbooks: ManifestRunbook[];
  readonly environments: Map<string, ManifestEnvironment>;
}

async function readDesired(source: RepositorySource, repo: SourceRepository, manifest: ApolloManifest): Promise<Desired> {
  const spec = manifest.spec;
  const runbooks: ManifestRunbook[] = [];
  const missing: ErrorDetail[] = [];
  for (const [i, rb] of (spec.runbooks ?? []).entries()) {
    const path = runbookPath(rb.path);
    const file = await source.readFile(repo.name, path, repo.defaultBranch);
    if (!file) {
      missing.push({ path: `/spec/runbooks/${i}/path`, message: `${path} does not exist on ${repo.defaultBranch}` });
      continue;
    }
    runbooks.push({
      title: rb.title ?? runbookTitle(file.text, rb.trigger),
      trigger: rb.trigger,
      content: file.text,
      automatable: rb.automatable ?? false,
      ...(rb.aiPrompt ? { aiPrompt: rb.aiPrompt } : {}),
      manifestPath: path,
    });
  }
  if (missing.length) throw new RepositorySyncError('a runbook the manifest names is missing', 'RunbookNotFound', missing, MANIFEST_PATH);
  const triggers = new Set<string>();
  for (const [i, rb] of runbooks.entries()) {
    if (triggers.has(rb.trigger)) throw new RepositorySyncError(`two runbooks for the trigger ${rb.trigger}`, 'InvalidManifest', [{ path: `/spec/runbooks/${i}/trigger`, message: 'duplicate trigger' }], MANIFEST_PATH);
    triggers.add(rb.trigger);
  }
  const environments = new Map<string, ManifestEnvironment>();
  for (const [i, env] of (spec.environments ?? []).entries()) {
    if (environments.has(env.name)) throw new RepositorySyncError(`environment ${env.name} is listed twice`, 'InvalidManifest', [{ path: `/spec/environments/${i}/name`, message: 'duplicate environment' }], MANIFEST_PATH);
    const healthCheck = env.healthCheck ?? spec.healthCheck;
    const endpoints = { ...env.endpoints, ...(healthCheck ? { healthCheck } : {}) };
    environments.set(env.name, { cluster: env.cluster, namespace: env.namespace, ...(Object.keys(endpoints).length ? { endpoints } : {}) });
  }
  const seen = new Set<string>();
  const dependencies: Desired['dependencies'] = [];
  for (const [i, dep] of (spec.dependencies ?? []).entries()) {
    if (dep.service === manifest.metadata.name) throw new RepositorySyncError('a service cannot depend on itself', 'InvalidManifest', [{ path: `/spec/dependencies/${i}/service`, message: 'names the service itself' }], MANIFEST_PATH);
    if (seen.has(dep.service)) continue;
    seen.add(dep.service);
    dependencies.push({ serviceId: dep.service, type: dep.type ?? 'runtime', description: dep.description ?? '', manifestIndex: i });
  }
  return { fields: manifestFields(manifest, repo.htmlUrl), dependencies, runbooks, environments };
}

/** Manifest-owned fields whose current value was edited by hand (differs from what the last manifest gave it). */
export function handEdited(service: CatalogService): Set<string> {
  const previous = service.manifest?.fields;
  const edited = new Set<string>();
  if (!previous) return edited;
  for (const field of MANIFEST_FIELDS) {
    if (previous[field] !== undefined && !isDeepStrictEqual(service.fields[field], previous[field])) edited.add(field);
  }
  return edited;
}

const sameDependencies = (a: CatalogService['dependencies'], b: Desired['dependencies']): boolean =>
  isDeepStrictEqual(
    [...a].map((d) => ({ serviceId: d.serviceId, type: d.type, description: d.description })).sort((x, y) => x.serviceId.localeCompare(y.serviceId)),
    [...b].map((d) => ({ serviceId: d.serviceId, type: d.type, description: d.description })).sort((x, y) => x.serviceId.localeCompare(y.serviceId)),
  );

const sameRunbook = (have: CatalogService['runbooks'][number], want: ManifestRunbook): boolean =>
  have.title === want.title && have.content === want.content && have.automatable === want.automatable
  && (have.aiPrompt ?? undefined) === want.aiPrompt && have.manifestPath === want.manifestPath && have.source === 'manifest';

const sameEnvironment = (have: CatalogService['environments'][number], want: ManifestEnvironment): boolean =>
  have.cluster === want.cluster && have.namespace === want.namespace
  && Object.entries(want.endpoints ?? {}).every(([k, v]) => (have.endpoints as Record<string, unknown> | undefined)?.[k] === v);

/** Syncs one repository. Throws RepositorySyncError/ManifestError for this repository's problems. */
export async function syncRepository(
  source: RepositorySource,
  catalog: DiscoveryCatalog,
  repo: SourceRepository,
  now: () => Date = () => new Date(),
): Promise<RepositoryResult> {
  const file = await source.readFile(repo.name, MANIFEST_PATH, repo.defaultBranch);
  if (!file) return { repository: repo.name, outcome: 'skipped', drift: [] };
  const manifest = parseManifest(file.text);
  const desired = await readDesired(source, repo, manifest);
  const id = manifest.metadata.name;
  const existing = await catalog.getService(id);

  if (existing?.deregisteredAt) {
    throw new RepositorySyncError(`service ${id} was deregistered; an admin must register it again before its manifest applies`, 'ServiceDeregistered', [{ path: '/metadata/name', message: 'names a deregistered service' }], MANIFEST_PATH);
  }
  if (existing?.manifest && existing.manifest.repository !== repo.htmlUrl) {
    throw new RepositorySyncError(`service ${id} is already discovered from ${existing.manifest.repository}`, 'DuplicateServiceName', [{ path: '/metadata/name', message: `already declared by ${existing.manifest.repository}` }], MANIFEST_PATH);
  }
  if (existing && !existing.manifest && existing.team !== desired.fields.team) {
    throw new RepositorySyncError(`service ${id} is registered by team ${existing.team}, not ${desired.fields.team}`, 'OwnershipConflict', [{ path: '/metadata/team', message: `the service belongs to team ${existing.team}` }], MANIFEST_PATH);
  }

  const commit = await source.headCommit(repo.name, repo.defaultBranch);
  const manifestInfo = { repository: repo.htmlUrl, path: MANIFEST_PATH, commit, syncedAt: now().toISOString(), fields: { ...desired.fields } };
  let outcome: RepositoryOutcome;
  let service: CatalogService;
  let drift: string[] = [];

  if (!existing) {
    service = await catalog.register({ name: id, ...desired.fields }, manifestInfo, DISCOVERY_ACTOR);
    outcome = 'created';
  } else {
    service = existing;
    const edited = handEdited(existing);
    const changes: Record<string, unknown> = {};
    for (const field of MANIFEST_FIELDS) {
      const wanted = desired.fields[field];
      if (wanted === undefined || edited.has(field)) continue;
      if (!isDeepStrictEqual(existing.fields[field], wanted)) changes[field] = wanted;
    }
    drift = [...edited].filter((field) => {
      const wanted = desired.fields[field as keyof ManifestFields];
      return wanted !== undefined && !isDeepStrictEqual(existing.fields[field], wanted);
    });
    const fieldsMoved = !isDeepStrictEqual(existing.manifest?.fields, manifestInfo.fields) || existing.source !== 'manifest';
    if (Object.keys(changes).length || fieldsMoved) {
      await catalog.update(id, existing.version, changes, manifestInfo, DISCOVERY_ACTOR);
      outcome = 'updated';
    } else {
      outcome = 'unchanged';
    }
  }

  // Runbooks and environments: written only where they differ. Dependencies wait for the end of the
  // run (`applyDependencies`), so a dependency on a service discovered later in the same run resolves.
  let touched = false;
  const byTrigger = new Map(service.runbooks.map((rb) => [rb.trigger, rb]));
  for (const rb of desired.runbooks) {
    const have = byTrigger.get(rb.trigger);
    if (have && sameRunbook(have, rb)) continue;
    if (have && have.source !== 'manifest') continue; // a hand-written runbook for the same trigger stays
    await catalog.putRunbook(id, rb, have && { id: have.id, version: have.version }, DISCOVERY_ACTOR);
    touched = true;
  }
  const wanted = new Set(desired.runbooks.map((rb) => rb.trigger));
  for (const have of service.runbooks) {
    if (have.source === 'manifest' && !wanted.has(have.trigger)) {
      await catalog.deleteRunbook(id, { id: have.id, version: have.version }, DISCOVERY_ACTOR);
      touched = true;
    }
  }
  const envs = new Map(service.environments.map((e) => [e.name, e]));
  for (const [name, env] of desired.environments) {
    const have = envs.get(name);
    if (have && sameEnvironment(have, env)) continue;
    await catalog.putEnvironment(id, name, env, DISCOVERY_ACTOR);
    touched = true;
  }
  if (outcome === 'unchanged' && touched) outcome = 'updated';
  const applyDependencies = async (): Promise<boolean> => {
    if (sameDependencies(service.dependencies, desired.dependencies)) return false;
    await catalog.replaceDependencies(id, desired.dependencies, DISCOVERY_ACTOR);
    return true;
  };
  return { repository: repo.name, outcome, serviceId: id, drift, applyDependencies };
}

export { GitHubRateLimitedError, ManifestError };
