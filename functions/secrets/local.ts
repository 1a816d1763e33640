/**
 * The local runtime's secrets: one LOCAL encrypted file store for every environment ($APOLLO_HOME/secrets.json,
 * each value under AES-256-GCM with the key in $APOLLO_HOME/secrets.key, mode 600; in memory in tests), with
 * versions and staging labels as Secrets Manager keeps them. The demo seed fills it (local/demo-secrets.ts).
 */
import type { LocalRuntime } from '#lib/context';
import { LocalSecretStore, localSecretStoreFactory } from './adapters/local-store.ts';
import { listEnvironmentNames } from './catalog.ts';
import { configureSecrets } from './deps.ts';

let store: LocalSecretStore | undefined;

/** The store this runtime uses (the demo seed writes to it). */
export function localSecretStore(): LocalSecretStore | undefined {
  return store;
}

export async function configureSecretsLocal(runtime: LocalRuntime): Promise<string[]> {
  store = new LocalSecretStore({ ...(runtime.home ? { home: runtime.home } : {}) });
  configureSecrets({ storeFor: localSecretStoreFactory(store), environments: listEnvironmentNames });
  return [`Secrets: a LOCAL encrypted file store (${store.file ?? 'in memory'}; AES-256-GCM, its key beside it with mode 600), not AWS Secrets Manager; values never leave it but as their last 4 characters`];
}
