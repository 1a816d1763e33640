/**
 * The deployments context's adapters and settings. In AWS: GitHub for the GitOps repository
 * (APOLLO_GITOPS_REPO, the GitHub credentials discovery uses), Argo CD where APOLLO_ARGOCD_URL is set, else
 * the Kubernetes API of each environment's EKS cluster. On a laptop, ./local.ts swaps in the same adapters
 * pointed at the local fake GitHub and the simulated Argo CD. Tests may swap them.
 */
import type { GitOpsPort, RolloutPort } from './ports.ts';
import type { MetricsPort } from './metrics.ts';

export interface DeploymentsDeps {
  readonly gitops: GitOpsPort;
  readonly rollout: RolloutPort;
  /** What canary analysis reads; unset: no analysis (the record says why). */
  readonly metrics?: MetricsPort;
}

export interface DeploymentSettings {
  /** Production changes: a pull request merged once approved (default), or a commit like the rest. */
  readonly prodMode: 'pull-request' | 'commit';
  /** The operations that need an approval in production (default deploy, promote, scale: rollback and restart are the way out of trouble). */
  readonly approvalOperations: readonly string[];
  readonly approvalTimeoutSeconds: number;
  /** Seconds between rollout checks. */
  readonly pollSeconds: number;
  /** How long a rollout may take before the deployment fails. */
  readonly rolloutTimeoutSeconds: number;
  /** The web app's address, for links in commits and pull requests (unset: none). */
  readonly webUrl?: string;
}

let deps: DeploymentsDeps | undefined;
let makeDefault: (() => Promise<DeploymentsDeps>) | undefined;

const number = (name: string, fallback: number, min: number, max: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max} (it is ${raw})`);
  return value;
};

export function deploymentSettings(): DeploymentSettings {
  return {
    prodMode: process.env.APOLLO_GITOPS_PROD_MODE === 'commit' ? 'commit' : 'pull-request',
    approvalOperations: (process.env.APOLLO_DEPLOY_APPROVAL_OPERATIONS ?? 'deploy,promote,scale').split(',').map((s) => s.trim()).filter(Boolean),
    approvalTimeoutSeconds: number('APOLLO_DEPLOY_APPROVAL_TIMEOUT_SECONDS', 24 * 3600, 1, 7 * 24 * 3600),
    pollSeconds: number('APOLLO_DEPLOY_POLL_SECONDS', 10, 0, 300),
    rolloutTimeoutSeconds: number('APOLLO_DEPLOY_ROLLOUT_TIMEOUT_SECONDS', 15 * 60, 1, 6 * 3600),
    ...(process.env.APOLLO_WEB_URL ? { webUrl: process.env.APOLLO_WEB_URL.replace(/\/+$/, '') } : {}),
  };
}

/** The adapters (made on first use from the environment in AWS). */
export function deploymentsDeps(): DeploymentsDeps {
  if (!deps) throw new Error('the deployments adapters are not ready: call loadDeploymentsDeps() first');
  return deps;
}

/** Makes the AWS adapters once (a cold start), unless something replaced them. */
export async function loadDeploymentsDeps(): Promise<DeploymentsDeps> {
  if (deps) return deps;
  if (!makeDefault) {
    const { awsDeploymentsDeps } = await import('./adapters/aws.ts');
    makeDefault = awsDeploymentsDeps;
  }
  deps = await makeDefault();
  return deps;
}

/** Swaps adapters (the local runtime, tests). */
export function configureDeployments(overrides: DeploymentsDeps | undefined): void {
  deps = overrides;
}
