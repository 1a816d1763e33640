/**
 * What other contexts may use of the requests context: the only module of it they import
 * (`#functions/requests/public`; functions/contexts.test.ts holds every context to that).
 */
import type { Role } from '#shared/permissions';
import { mayRead } from './access.ts';
import { readRequest } from './records.ts';

/** The realtime Lambda asks before a subscription to `request:<id>`: may this caller read the request? */
export async function mayFollowRequest(caller: { principal: string; role: Role | null; teams: readonly string[] }, requestId: string): Promise<boolean> {
  const record = await readRequest(requestId);
  return record !== undefined && (await mayRead(record, caller));
}

// The AI console asks before it proposes a request whether the route would refuse it (team, offering, form).
export { checkSubmission } from './submit.ts';
// The webhooks context wakes the action waiting for an outside run (Terraform, GitHub, JIRA).
export { wakeExternal, type WakeResult } from './external.ts';
export type { ExternalEvent } from './actions/ports.ts';
// Webhooks from Terraform and JIRA are verified with integration secrets (terraform_notification_token, jira_webhook_secret);
// Argo CD's token is one too (argocd_token).
export { integrationSecret, integrationSecretsKind } from './deps.ts';
// Production deployments wait in the same Approvals inbox.
export { APPROVAL_CHANGED, APPROVALS_TOPIC, expireApproval, openApproval, readApproval, type ApprovalRecord } from './approvals.ts';
// The request audit trail's entries of one request take in its approvals' decisions.
export { approvalIdsOf } from './approvals.ts';
// An incident's timeline joins the requests fulfilled for its services.
export { requestsForService, type ServiceRequest } from './for-service.ts';

// The offering studio's dry run (functions/offerings/simulate*.ts) decides as the fulfilment would, and renders
// each action with its own executor, stopped before its first outside call (nothing is called, stored or audited).
export { approvalRule } from './approvals.ts';
export { durationSeconds, needsApproval, planOf } from './plan.ts';
export { quotaUsage } from './quotas.ts';
// The request form's "Check request" (POST /api/v1/preview/form) tells the quota outcome submit would give, reserving nothing.
export { checkQuota } from './quotas.ts';
export { typicalDurationMs } from './records.ts';
export { executeAction, IntegrationBreakers, OAuthTokenCache, type ExecutorDeps, type HttpFetch, type IntegrationSecrets, type Resolve, type SynchronousAction } from './actions/index.ts';
export { asyncExecutorFor, isAsyncType } from './actions/async.ts';
export type { ActionRun, AsyncAction, AsyncRun } from './actions/ports.ts';
export type { GithubWorkflowDeps } from './actions/github-workflow.ts';
export { systemResolve } from './actions/ssrf.ts';
// The dry run says a failure in the request's words.
export { FAILURE_MESSAGES } from './failures.ts';
