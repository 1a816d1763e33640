/** What discovery needs from outside: GitHub, its credentials, Argo CD's applications, and the catalog. */
import type { DeployedApplications } from '#functions/deployments/public';

export interface SourceRepository {
  readonly name: string;
  readonly defaultBranch: string;
  readonly archived: boolean;
  /** https://github.com/<org>/<name> */
  readonly htmlUrl: string;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
  /** The blob sha: the same text has the same sha. */
  readonly sha: string;
}

/** An organisation's repositories and their files, read at the default branch. */
export interface RepositorySource {
  readonly org: string;
  /** Every repository of the organisation, following pagination. */
  listRepositories(): Promise<SourceRepository[]>;
  getRepository(name: string): Promise<SourceRepository | undefined>;
  /** The head commit of `ref`. */
  headCommit(repo: string, ref: string): Promise<string>;
  /** The file at `ref`, or undefined when it does not exist. */
  readFile(repo: string, path: string, ref: string): Promise<SourceFile | undefined>;
}

/** GitHub credentials: shared by every GitHub integration (functions/lib/github/credentials.ts). */
export type { GitHubCredentialSource, GitHubCredentials } from '#lib/github/credentials';

/**
 * What discovery needs of the catalog (functions/services/services.ts, environments.ts,
 * dependencies.ts and runbooks.ts, bound in discovery-catalog.ts): the same domain functions
 * people's edits go through, with `source: 'manifest'`.
 */
export interface CatalogService {
  readonly id: string;
  readonly version: number;
  readonly team: string;
  readonly source: 'manual' | 'manifest';
  readonly deregisteredAt?: string;
  readonly manifest?: { readonly repository: string; readonly path: string; readonly commit: string; readonly syncedAt: string; readonly fields: Record<string, unknown> };
  readonly fields: Record<string, unknown>;
  readonly dependencies: ReadonlyArray<{ readonly serviceId: string; readonly type: string; readonly description: string }>;
  readonly runbooks: ReadonlyArray<{ readonly id: string; readonly trigger: string; readonly title: string; readonly content: string; readonly automatable: boolean; readonly aiPrompt?: string; readonly source: string; readonly manifestPath?: string; readonly version: number }>;
  readonly environments: ReadonlyArray<{
    readonly name: string;
    readonly cluster: string;
    readonly namespace: string;
    readonly endpoints?: { readonly internal?: string; readonly external?: string; readonly healthCheck?: string };
    readonly deployment?: { readonly imageTag?: string; readonly gitCommit?: string };
  }>;
}

export interface ManifestInfo {
  readonly repository: string;
  readonly path: string;
  readonly commit: string;
  readonly syncedAt: string;
  readonly fields: Record<string, unknown>;
}

export interface ManifestRunbook {
  readonly title: string;
  readonly trigger: string;
  readonly content: string;
  readonly automatable: boolean;
  readonly aiPrompt?: string;
  readonly manifestPath: string;
}

export interface ManifestEnvironment {
  readonly cluster: string;
  readonly namespace: string;
  readonly endpoints?: { readonly internal?: string; readonly external?: string; readonly healthCheck?: string };
}

export interface DiscoveryCatalog {
  getService(id: string): Promise<CatalogService | undefined>;
  register(fields: Record<string, unknown> & { name: string; team: string }, manifest: ManifestInfo, actor: string): Promise<CatalogService>;
  update(id: string, expectedVersion: number, changes: Record<string, unknown>, manifest: ManifestInfo, actor: string): Promise<void>;
  /** Throws RepositorySyncError naming `/spec/dependencies/<manifestIndex>/service` for an unknown target. */
  replaceDependencies(id: string, deps: ReadonlyArray<{ serviceId: string; type: 'runtime' | 'build' | 'optional'; description: string; manifestIndex: number }>, actor: string): Promise<void>;
  putRunbook(id: string, runbook: ManifestRunbook, existing: { id: string; version: number } | undefined, actor: string): Promise<void>;
  deleteRunbook(id: string, runbook: { id: string; version: number }, actor: string): Promise<void>;
  putEnvironment(id: string, name: string, env: ManifestEnvironment, actor: string): Promise<void>;
  /** Records what an environment runs (as a deployment does); the same values write nothing. */
  recordRunning(id: string, name: string, running: RunningState, actor: string): Promise<void>;
}

/** What an environment runs, as Argo CD says. */
export interface RunningState {
  readonly imageTag?: string;
  readonly gitCommit?: string;
}

/**
 * Argo CD's applications, read through the deployments context (its public deployedApplications):
 * undefined when no Argo CD is configured.
 */
export type ApplicationSource = () => Promise<DeployedApplications | undefined>;
export type { DeployedApplication, DeployedApplications } from '#functions/deployments/public';
