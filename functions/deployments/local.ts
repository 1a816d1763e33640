/**
 * The deployments context on a laptop (`npm start` and the integration tests): the GitOps repository is
 * the local fake GitHub's `apollo-demo/gitops`, the rollout a SIMULATED Argo CD that reads it.
 */
import type { LocalRuntime } from '#lib/context';

export async function configureDeploymentsLocal(_runtime: LocalRuntime): Promise<string[]> {
  return ['Deployments: the GitOps and rollout adapters are being wired (deploys answer 503 until then)'];
}
