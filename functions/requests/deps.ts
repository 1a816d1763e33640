/**
 * The requests context's adapters: the secrets actions name ({{secrets.<name>}}) come from Secrets Manager
 * in AWS (ids under APOLLO_INTEGRATION_SECRETS_PREFIX) and from a file under $APOLLO_HOME on a laptop
 * (./local.ts swaps it in). Tests may swap them.
 */
import type { IntegrationSecrets } from './actions/ports.ts';
import { SecretsManagerIntegrationSecrets } from './adapters/secrets-manager.ts';

export interface RequestsDeps {
  readonly secrets: IntegrationSecrets;
}

let deps: RequestsDeps | undefined;

export function requestsDeps(): RequestsDeps {
  deps ??= { secrets: SecretsManagerIntegrationSecrets.fromEnvironment() };
  return deps;
}

/** Swaps adapters (the local runtime, tests); the AWS ones are made only when nothing replaced them. */
export function configureRequests(overrides: RequestsDeps): void {
  deps = overrides;
}

/** Where integration secrets are read from, for messages (e.g. `Secrets Manager`), never a value. */
export const integrationSecretsKind = (): string => requestsDeps().secrets.kind;

/** One integration secret by name (undefined when absent). */
export async function integrationSecret(name: string): Promise<string | undefined> {
  return requestsDeps().secrets.get(name);
}
