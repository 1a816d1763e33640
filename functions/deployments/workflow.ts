/**
 * The deployment workflow (state-machines/deployment.asl.json) as the deployments context starts it: one
 * execution per deployment, named by its id, so a repeated start is a no-op. Its input is the id only.
 */
import { workflowEngine } from '#lib/workflows/index';

export const DEPLOYMENT = 'deployment';

export async function startDeployment(deploymentId: string): Promise<void> {
  await workflowEngine(DEPLOYMENT).start(deploymentId, { deploymentId });
}
