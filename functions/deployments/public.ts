/**
 * What other contexts may use of the deployments context: the only module of it they import
 * (`#functions/deployments/public`; functions/contexts.test.ts holds every context to that).
 */
// The Approvals inbox (in the requests context) decides production deployments' approvals too.
export { deploymentApprovals } from './approval-hooks.ts';
