/** The deployments context's adapters in AWS, made from the environment (see ../deps.ts). */
import { ServiceUnavailableError } from '#shared/errors';
import type { DeploymentsDeps } from '../deps.ts';

export async function awsDeploymentsDeps(): Promise<DeploymentsDeps> {
  throw new ServiceUnavailableError('deployments are not configured yet: set APOLLO_GITOPS_REPO and APOLLO_ARGOCD_URL (or the EKS clusters)');
}
