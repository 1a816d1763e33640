/**
 * Argo CD's applications for discovery (the design doc's second source, run by the services context): the
 * same settings the rollouts use (APOLLO_ARGOCD_URL, APOLLO_ARGOCD_APP, the token in the integration secret
 * argocd_token). The adapter and the secrets are loaded on first use, so a function that imports this
 * context's public.ts without listing applications does not evaluate them.
 */
import type { DeployedApplication } from './ports.ts';

export interface DeployedApplications {
  /** Where they were read, e.g. `Argo CD https://argocd.corp` or `SIMULATED Argo CD (local, http://127.0.0.1:…)`. */
  readonly kind: string;
  readonly applications: readonly DeployedApplication[];
}

/** Every application Argo CD deploys, with its service, environment and what it runs; undefined without Argo CD. Throws ArgoCdError. */
export async function deployedApplications(env: NodeJS.ProcessEnv = process.env): Promise<DeployedApplications | undefined> {
  const [{ ArgoCdApplications, argoCdOptionsFromEnv }, { integrationSecret, integrationSecretsKind }] = await Promise.all([
    import('./adapters/argocd.ts'), import('#functions/requests/public'),
  ]);
  const options = argoCdOptionsFromEnv(env, { get kind() { return integrationSecretsKind(); }, get: integrationSecret });
  if (!options) return undefined;
  const source = new ArgoCdApplications(options);
  return { kind: source.kind, applications: await source.listApplications() };
}
