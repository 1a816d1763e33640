/**
 * The secrets context's parts, made on first use: the stores per environment (Secrets Manager through an assumed
 * role whose SourceIdentity is the caller, in AWS; the LOCAL encrypted file store locally) and the environments
 * the expiry job walks. The local runtime and tests swap them.
 */
import type { SecretStoreFactory } from './ports.ts';

export interface SecretsDeps {
  readonly storeFor: SecretStoreFactory;
  /** The environments whose stores the expiry job lists (APOLLO_SECRETS_ENVIRONMENTS' keys; else the catalog's). */
  environments(): Promise<readonly string[]>;
}

let deps: Promise<SecretsDeps> | undefined;

async function make(): Promise<SecretsDeps> {
  const [{ storeFactoryFromEnv, configuredEnvironments }, { listEnvironmentNames }] = await Promise.all([import('./adapters/store-factory.ts'), import('./catalog.ts')]);
  const storeFor = storeFactoryFromEnv();
  return { storeFor, environments: async () => configuredEnvironments() ?? listEnvironmentNames() };
}

export function secretsDeps(): Promise<SecretsDeps> {
  deps ??= make();
  return deps;
}

export function configureSecrets(overrides: Partial<SecretsDeps>): void {
  const base = deps ?? Promise.resolve({} as SecretsDeps);
  deps = base.then((d) => ({ ...d, ...overrides }) as SecretsDeps);
}
