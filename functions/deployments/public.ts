/**
 * What other contexts may use of the deployments context: the only module of it they import
 * (`#functions/deployments/public`; functions/contexts.test.ts holds every context to that).
 */
// The Approvals inbox (in the requests context) decides production deployments' approvals too.
export { deploymentApprovals } from './approval-hooks.ts';
// The webhooks context hands a push to the GitOps repository here (changes made in Git outside Apollo).
export { isGitOpsRepository, observeGitOpsPush, type GitOpsPush, type GitOpsPushResult } from './gitops-push.ts';
// Discovery (the services context) reads what Argo CD's applications deploy: its second source.
export { deployedApplications, type DeployedApplications } from './applications.ts';
export type { DeployedApplication } from './ports.ts';
// The observability context overlays a service's deployments on its metrics (newest first, a page).
export { listDeployments as deploymentHistory } from './records.ts';
// A critical incident locks its environments for deploy and promote until it is resolved.
export { liftIncidentLock, placeIncidentLock } from './locks.ts';
// The AI console's metrics_compare_versions reads two versions with the same PromQL canary analysis uses by default.
export { DEFAULT_PROMQL as CANARY_PROMQL, renderPromQl as renderCanaryPromQl } from './adapters/prometheus.ts';
// The AI console binds a rollback's target tag into the call its user approves (operations.ts loaded then only).
export async function rollbackTarget(service: string, environment: string): Promise<{ imageTag: string; rollbackOf?: string } | undefined> {
  return (await import('./operations.ts')).rollbackTarget(service, environment);
}
