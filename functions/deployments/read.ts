/**
 * Reading deployments (one META read and one timeline Query per detail page; history from one index),
 * the versions an environment can go to, and cancelling one.
 */
import type { Deployment, DeploymentCancel, DeploymentCanaryDecision, DeploymentHistoryQuery, DeploymentList, DeploymentVersions, DeploymentVersionsQuery } from '#schemas/index.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { listEnvironments } from '#functions/services/public';
import { workflowEngine } from '#lib/workflows/index';
import { TaskTokenError } from '#lib/workflows/ports';
import { readApproval } from '#functions/requests/public';
import { deploymentsDeps, loadDeploymentsDeps } from './deps.ts';
import type { DeploymentCaller } from './operations.ts';
import { isEnded, listDeployments, readTimeline, requireDeployment, transition, type DeploymentRecord } from './records.ts';
import { DEPLOYMENT } from './workflow.ts';

const APOLLO_CANCELLED = 'Apollo.Cancelled';

/** What the API answers of a record: the stored shape without what only steps read. */
export async function toDeployment(record: DeploymentRecord, caller: DeploymentCaller): Promise<Deployment> {
  const { initiatedByRole: _r, production: _p, cluster: _c, namespace: _n, taskToken: _t, canaryTaskToken: _ct, startedAt: _s, restartedAt: _ra, version: _v, ...rest } = record;
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, ...deployment } = rest as typeof rest & Record<string, unknown>;
  const timeline = await readTimeline(record.id);
  const changesTag = record.operation !== 'scale' && record.operation !== 'restart';
  const canRollback = changesTag && ((record.status === 'succeeded' && (await isCurrent(record))) || (record.status === 'failed' && Boolean(record.gitCommit) && (await isNewest(record))));
  return { ...(deployment as Omit<Deployment, 'timeline' | 'canCancel' | 'canRollback'>), timeline, canCancel: !isEnded(record.status) && mayCancel(record, caller), canRollback };
}

/** Whether it is its environment's newest deployment (a failed one that left Git at its tag can be rolled back from). */
async function isNewest(record: DeploymentRecord): Promise<boolean> {
  const [latest] = (await listDeployments({ service: record.service, environment: record.environment }, 1)).items;
  return latest?.id === record.id;
}

/** Whether the environment still runs what this deployment put there. */
async function isCurrent(record: DeploymentRecord): Promise<boolean> {
  const environment = (await listEnvironments(record.service).catch(() => [])).find((e) => e.name === record.environment);
  return environment?.deployment.imageTag === record.imageTag;
}

export async function getDeployment(id: string, caller: DeploymentCaller): Promise<Deployment> {
  return toDeployment(await requireDeployment(id), caller);
}

export async function history(query: DeploymentHistoryQuery): Promise<DeploymentList> {
  return listDeployments(query, query.limit ?? 50, query.cursor);
}

/** The tags the environment's GitOps history has had, then what the other environments run now (promotable), newest first. */
export async function versions(query: DeploymentVersionsQuery): Promise<DeploymentVersions> {
  let environments;
  try {
    environments = await listEnvironments(query.service);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`service ${query.service} not found`, { details: [{ path: '/query/service', message: 'no such service' }] });
    throw error;
  }
  const environment = environments.find((e) => e.name === query.environment);
  if (!environment) throw new NotFoundError(`${query.service} has no environment ${query.environment}`, { details: [{ path: '/query/environment', message: `one of: ${environments.map((e) => e.name).join(', ')}` }] });
  await loadDeploymentsDeps();
  const { gitops } = deploymentsDeps();
  const target = { service: query.service, environment: query.environment, cluster: environment.cluster, namespace: environment.namespace };
  const current = environment.deployment.imageTag ?? null;
  const seen = new Set<string>();
  const items: DeploymentVersions['items'] = [];
  for (const other of environments) {
    if (other.name === query.environment || !other.deployment.imageTag || seen.has(other.deployment.imageTag)) continue;
    seen.add(other.deployment.imageTag);
    items.push({ imageTag: other.deployment.imageTag, source: 'environment', environment: other.name, current: other.deployment.imageTag === current, ...(other.deployment.lastDeployedAt ? { at: other.deployment.lastDeployedAt } : {}) });
  }
  let path = '';
  try {
    for (const version of await gitops.history(target, query.limit ?? 20)) {
      if (seen.has(version.imageTag)) continue;
      seen.add(version.imageTag);
      items.push({ imageTag: version.imageTag, source: 'gitops-history', commitSha: version.commitSha, at: version.at, author: version.author, message: version.message, current: version.imageTag === current });
    }
    path = (await gitops.read(target)).path;
  } catch (error) {
    // No values file yet (a service not on GitOps): the other environments' tags are still offered.
    if ((error as { code?: string }).code !== 'gitops-missing') throw error;
  }
  return { service: query.service, environment: query.environment, current, gitops: { kind: gitops.kind, repository: gitops.repository, path }, items };
}

function mayCancel(record: DeploymentRecord, caller: DeploymentCaller): boolean {
  if (caller.principal.toLowerCase() === record.initiatedBy.toLowerCase()) return true;
  return caller.role !== null && roleHas(caller.role, record.production ? 'deployments:create:prod' : 'deployments:create:non-prod');
}

/**
 * Cancels: the record says cancelling (the execution sees it at its next step and puts Git back); one
 * waiting for approval is resumed at once with Apollo.Cancelled. Cancelling again answers the record.
 */
export async function cancel(id: string, body: DeploymentCancel, caller: DeploymentCaller): Promise<Deployment> {
  let record = await requireDeployment(id, true);
  if (!mayCancel(record, caller)) throw new ForbiddenError(`cancelling a ${record.production ? 'production ' : ''}deployment of someone else needs ${record.production ? 'deployments:create:prod' : 'deployments:create:non-prod'}`);
  if (record.status === 'cancelling' || record.status === 'cancelled') return toDeployment(record, caller);
  if (isEnded(record.status)) throw new ConflictError(`deployment ${id} has ended (${record.status}); roll back instead`);
  record = await transition(id, { status: 'cancelling', cancel: { by: caller.principal, at: new Date().toISOString(), reason: body.reason } }, { message: `${caller.principal} cancels it: ${body.reason}`, severity: 'warn' });
  if (record.approval?.id) {
    const approval = await readApproval(record.approval.id, true);
    if (approval?.status === 'pending' && approval.taskToken) {
      try {
        await workflowEngine(DEPLOYMENT).sendTaskFailure(approval.taskToken, APOLLO_CANCELLED, `cancelled by ${caller.principal}: ${body.reason}`);
      } catch (error) {
        if (!(error instanceof TaskTokenError)) throw error;
      }
    }
  }
  if (record.canaryTaskToken && record.status === 'cancelling') await resume(record.canaryTaskToken, { fail: `cancelled by ${caller.principal}: ${body.reason}` });
  return toDeployment(record, caller);
}

async function resume(token: string, answer: { fail: string } | { output: Record<string, unknown> }): Promise<boolean> {
  try {
    if ('fail' in answer) await workflowEngine(DEPLOYMENT).sendTaskFailure(token, APOLLO_CANCELLED, answer.fail);
    else await workflowEngine(DEPLOYMENT).sendTaskSuccess(token, answer.output);
    return true;
  } catch (error) {
    if (error instanceof TaskTokenError) return false;
    throw error;
  }
}

/**
 * A paused canary's decision: promote (it finishes, the catalog shows it) or roll back (a fast rollback to the
 * version before). Who may: as for cancelling. The same decision again answers the record; another is 409.
 */
export async function decideCanary(id: string, body: DeploymentCanaryDecision, caller: DeploymentCaller): Promise<Deployment> {
  const record = await requireDeployment(id, true);
  if (!mayCancel(record, caller)) throw new ForbiddenError(`deciding the canary of a ${record.production ? 'production ' : ''}deployment of someone else needs ${record.production ? 'deployments:create:prod' : 'deployments:create:non-prod'}`);
  const outcome = body.decision === 'promote' ? 'promoted' : 'rolled_back';
  const decided = record.canary?.decision;
  if (decided && decided.by && (decided.outcome === 'promoted' || decided.outcome === 'rolled_back')) {
    if (decided.outcome === outcome) return toDeployment(record, caller);
    throw new ConflictError(`${decided.by} decided already: ${decided.outcome.replace('_', ' ')}`);
  }
  if (record.status !== 'paused' || !record.canaryTaskToken || !record.canary) {
    throw new ConflictError(`deployment ${id} is ${record.status}${record.canary ? ` (its canary ${record.canary.status})` : ''}: only a paused canary waits for a decision`);
  }
  const at = new Date().toISOString();
  const updated = await transition(id, {
    status: 'analyzing', canary: { ...record.canary, decision: { outcome, reason: `${caller.principal}: ${body.reason}`, at, by: caller.principal } },
  }, { message: `${caller.principal} ${body.decision === 'promote' ? 'promotes it despite the canary' : 'rolls it back'}: ${body.reason}`, stage: 'analysis', severity: 'warn' });
  if (!(await resume(record.canaryTaskToken, { output: { decision: body.decision, by: caller.principal } }))) {
    throw new ConflictError(`deployment ${id} no longer waits for a decision (it timed out and rolled back, or was cancelled)`);
  }
  return toDeployment(updated, caller);
}
