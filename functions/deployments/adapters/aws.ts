/**
 * The deployments context's adapters in AWS, made from the environment (see ../deps.ts): the GitOps
 * repository on GitHub (APOLLO_GITOPS_REPO with Apollo's GitHub credentials), and the rollout through Argo CD
 * when APOLLO_ARGOCD_URL is set (its token the integration secret argocd_token), else each environment's EKS
 * cluster's Kubernetes API. A missing setting answers 503 saying what to set. Canary analysis reads the
 * metrics APOLLO_METRICS names (./metrics.ts: Prometheus, Amazon Managed Prometheus or CloudWatch; none when unset).
 */
import { configuredOr503 } from '#lib/github/errors';
import { integrationSecret } from '#functions/requests/public';
import type { DeploymentsDeps } from '../deps.ts';
import { ArgoCdRollout, argoCdOptionsFromEnv } from './argocd.ts';
import { gitHubGitOpsFromEnv } from './github-gitops.ts';
import { KubernetesRollout, kubernetesOptionsFromEnv } from './kubernetes.ts';
import { metricsFromEnv } from './metrics.ts';

/** The rollout adapter the environment names: Argo CD, else Kubernetes. */
export function rolloutFromEnv(env: NodeJS.ProcessEnv, secrets: { readonly kind: string; get(name: string): Promise<string | undefined> }) {
  const argo = argoCdOptionsFromEnv(env, secrets);
  return argo ? new ArgoCdRollout(argo) : new KubernetesRollout(kubernetesOptionsFromEnv(env));
}

export async function awsDeploymentsDeps(): Promise<DeploymentsDeps> {
  const gitops = configuredOr503(() => gitHubGitOpsFromEnv(process.env));
  // A wrong metrics setting fails the cold start, saying what to set (infra validates it at synth too).
  const metrics = metricsFromEnv(process.env);
  return { gitops, rollout: rolloutFromEnv(process.env, { kind: 'Secrets Manager', get: integrationSecret }), ...(metrics ? { metrics } : {}) };
}
