/**
 * How a decision in the Approvals inbox reaches a deployment: the execution it resumes (the deployment
 * state machine's) and the timeline its lines go to. Imported by the requests context's approvals through
 * ./public.ts; it imports nothing of that context back.
 */
import { appendTimeline, readDeployment } from './records.ts';
import { DEPLOYMENT } from './workflow.ts';

interface DecidedApproval {
  readonly deployment?: { readonly id: string };
}

export const deploymentApprovals = {
  machine: DEPLOYMENT,
  async log(record: DecidedApproval, message: string, severity: 'info' | 'warn', at: Date): Promise<void> {
    const deployment = record.deployment && (await readDeployment(record.deployment.id));
    if (deployment) await appendTimeline(deployment, [{ message, severity, stage: 'approval' }], at);
  },
  async late(record: DecidedApproval, error: Error, at: Date): Promise<void> {
    const deployment = record.deployment && (await readDeployment(record.deployment.id));
    if (deployment) await appendTimeline(deployment, [{ message: `the decision came after the approval's wait ended (${error.message})`, severity: 'warn', stage: 'approval' }], at);
  },
};
