/**
 * What `upgrade` needs from outside besides the repository: a package registry per ecosystem that says a package's
 * latest stable version. npm's registry protocol (APOLLO_NPM_REGISTRY_URL, default https://registry.npmjs.org) and
 * a Maven repository's layout (APOLLO_MAVEN_REPOSITORY_URL, default Maven Central https://repo1.maven.org/maven2);
 * a private mirror (Artifactory, Nexus, Verdaccio, CodeArtifact's endpoints) speaks the same. Lookups run a few at
 * a time, each with its own timeout, and one that fails is that package's error, not the whole answer's.
 */
import { MavenRepository } from './adapters/maven-repository.ts';
import { NpmRegistry } from './adapters/npm-registry.ts';

export { RegistryLookupError } from './adapters/registry-http.ts';

export type Ecosystem = 'npm' | 'maven';

export interface PackageRegistry {
  readonly ecosystem: Ecosystem;
  /** The base URL it asks. */
  readonly url: string;
  /**
   * The package's latest stable version (npm: `dist-tags.latest`; Maven: the newest release in maven-metadata.xml
   * of the flavour of `current`, e.g. `-jre`). Throws RegistryLookupError saying why not.
   */
  latest(name: string, current: string | undefined, signal: AbortSignal): Promise<string>;
}

/** A registry URL setting that is not an http(s) URL. */
export class RegistryConfigError extends Error {
  override readonly name = 'RegistryConfigError';
}

export const NPM_REGISTRY_ENV = 'APOLLO_NPM_REGISTRY_URL';
export const MAVEN_REPOSITORY_ENV = 'APOLLO_MAVEN_REPOSITORY_URL';
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org';
export const DEFAULT_MAVEN_REPOSITORY = 'https://repo1.maven.org/maven2';

function baseUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RegistryConfigError(`${name} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RegistryConfigError(`${name} must be an http(s) URL`);
  if (url.username || url.password) throw new RegistryConfigError(`${name} must not carry credentials`);
  return url.toString().replace(/\/+$/, '');
}

/**
 * The registries the environment names. Read on each use, not once: the local runtime points them at its fake after
 * the modules are loaded, and a bad setting is this tool's error rather than a cold-start failure of every tool.
 */
export function packageRegistries(env: NodeJS.ProcessEnv = process.env): Record<Ecosystem, PackageRegistry> {
  return {
    npm: new NpmRegistry(baseUrl(env, NPM_REGISTRY_ENV, DEFAULT_NPM_REGISTRY)),
    maven: new MavenRepository(baseUrl(env, MAVEN_REPOSITORY_ENV, DEFAULT_MAVEN_REPOSITORY)),
  };
}

export type Lookup = { readonly latest: string } | { readonly error: string };

export interface LookupOptions {
  /** How many lookups run at once. @default 6 */
  readonly concurrency?: number;
  /** Each lookup's own limit. @default 5000 */
  readonly timeoutMs?: number;
  /** Stops every lookup (the tool's timeout, the session's kill switch). */
  readonly signal?: AbortSignal;
}

const STOPPED = 'not answered: the lookups were stopped (out of time, or the session ended)';

/** Each package's latest version or why not, by name; a few at a time, each bounded. */
export async function latestVersions(registry: PackageRegistry, packages: ReadonlyArray<{ readonly name: string; readonly current?: string }>, options: LookupOptions = {}): Promise<Map<string, Lookup>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const results = new Map<string, Lookup>();
  const queue = [...new Map(packages.map((p) => [p.name, p])).values()];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (options.signal?.aborted) { results.set(next.name, { error: STOPPED }); continue; }
      const own = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, own]) : own;
      try {
        results.set(next.name, { latest: await registry.latest(next.name, next.current, signal) });
      } catch (error) {
        const message = options.signal?.aborted ? STOPPED : own.aborted ? `the ${registry.ecosystem} registry did not answer within ${timeoutMs} ms` : (error as Error).message;
        results.set(next.name, { error: message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 6, queue.length)) }, worker));
  return results;
}
