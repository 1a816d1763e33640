/**
 * The production approval gate: an approval in the shared Approvals inbox (the requests context's
 * approvals) whose rule is "an operator other than the requester (or an admin)"; its decision resumes
 * the deployment's execution. A step that runs again keeps its approval and gives it the new token.
 */
import { notify } from '#lib/notifications';
import { publish } from '#lib/realtime';
import { APPROVAL_CHANGED, APPROVALS_TOPIC, expireApproval, openApproval, readApproval } from '#functions/requests/public';
import { deploymentSettings } from './deps.ts';
import { CancelledMeanwhile, newDeploymentId, transition, type DeploymentRecord } from './records.ts';

export async function openDeploymentApproval(record: DeploymentRecord, taskToken: string): Promise<void> {
  const now = new Date();
  const current = record.approval?.id ? await readApproval(record.approval.id, true) : undefined;
  const reuse = current?.status === 'pending';
  const id = reuse ? current.id : newDeploymentId();
  const expiresAt = new Date(now.getTime() + deploymentSettings().approvalTimeoutSeconds * 1000).toISOString();
  const pr = record.gitops?.pullRequest;
  const exception = record.safeguards?.override?.safeguards.includes('freeze') ? record.safeguards.override.reason : undefined;
  const approval = await openApproval({
    id, kind: 'deployment', status: 'pending', requester: record.initiatedBy, team: null, priority: 'normal',
    note: record.reason ?? null,
    deployment: {
      id: record.id, operation: record.operation, service: record.service, environment: record.environment,
      imageTag: record.imageTag ?? null, previousImageTag: record.previousImageTag ?? null, replicas: record.replicas ?? null, fromEnvironment: record.fromEnvironment ?? null,
      ...(pr ? { pullRequest: { number: pr.number, url: pr.url } } : {}),
      ...(record.gitops?.diff ? { diff: record.gitops.diff } : {}),
    },
    rule: exception
      ? { approvers: { roles: ['admin'] }, mode: 'any', reason: `A freeze exception (${exception}) is approved by an admin other than the requester` }
      : { approvers: { roles: ['operator'] }, mode: 'any', reason: `Production ${record.operation}s are approved by an operator other than the requester, or an admin` },
    decisions: [], createdAt: now.toISOString(), expiresAt: reuse ? current.expiresAt : expiresAt, taskToken,
  });
  if (reuse) return;
  try {
    await transition(record.id, { status: 'awaiting_approval', stage: 'approval', approval: { required: true, id, status: 'pending', decidedBy: [], expiresAt: approval.expiresAt } }, {
    message: `awaiting approval by ${exception ? `an admin (a freeze exception: ${exception})` : 'an operator'} other than ${record.initiatedBy}${exception ? '' : ' (or an admin)'} until ${approval.expiresAt}${pr ? `; the change is pull request #${pr.number}` : ''}`,
    stage: 'approval',
    }, now, { unlessCancelling: true });
  } catch (error) {
    // Cancelled while the approval opened: it never waits (the Catch puts the deployment back).
    if (error instanceof CancelledMeanwhile) await expireApproval(approval, now, 'cancelled', `the deployment was cancelled while its approval opened`);
    throw error;
  }
  await publish(APPROVALS_TOPIC, APPROVAL_CHANGED, { id, kind: 'deployment', deploymentId: record.id, status: 'pending' });
  await notifyOperators(record, id, now);
}

/** Operators and admins hear of it through the inbox's live badge; the requester's own notification says it waits. */
async function notifyOperators(record: DeploymentRecord, approvalId: string, now: Date): Promise<void> {
  await notify([record.initiatedBy], {
    kind: 'approval.waiting',
    title: `Waiting for approval: ${record.operation} ${record.service} ${record.imageTag ?? ''} to ${record.environment}`,
    body: 'An operator other than you (or an admin) approves it in the Approvals inbox.',
    link: `/deployments/${record.id}`, resource: { type: 'approval', id: approvalId },
  }, now);
}

/** Ends a pending approval when the deployment ends without a decision (cancelled, failed, expired). */
export async function closeDeploymentApproval(record: DeploymentRecord, status: 'expired' | 'cancelled', endReason?: string): Promise<void> {
  if (!record.approval?.id) return;
  const approval = await readApproval(record.approval.id, true);
  if (approval?.status === 'pending') await expireApproval(approval, new Date(), status, endReason);
}
