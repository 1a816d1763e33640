/**
 * Crash recovery (ARCHITECTURE.md §4): a deployment whose execution is gone while its record says it is under way
 * (the local runtime's executions live in its process, so a crash or restart loses them) would hold its environment
 * forever: no deployment could go there again. It ends failed, saying it was interrupted and where, through the
 * workflow's own `fail` step (its pull request closed, its approval cancelled, the initiator told, the environment
 * freed). Its retry is the same operation again: Git already holding the tag is found, not committed twice, and the
 * rollout and analysis run to their end. The local runtime runs this at start; nothing is silently lost.
 */
import { logger } from '#lib/observability';
import { queryPage, type Item } from '#lib/table';
import { workflowEngine } from '#lib/workflows/index';
import { ENDED, type DeploymentRecord } from './records.ts';
import { runStep } from './step-runner.ts';
import { DEPLOYMENT } from './workflow.ts';

/** The deployments whose record says they are under way (everyone's list, filtered: the few that have not ended). */
async function underWay(): Promise<DeploymentRecord[]> {
  const found: DeploymentRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item & DeploymentRecord>({
      index: 'GSI2', partition: 'DEPLOYS', limit: 200, cursor,
      filter: { FilterExpression: `NOT #status IN (${ENDED.map((_, i) => `:s${i}`).join(', ')})`, ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: Object.fromEntries(ENDED.map((s, i) => [`:s${i}`, s])) },
    });
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/** Ends every deployment under way whose execution is not running; answers how many. */
export async function markInterruptedDeployments(why = 'Apollo restarted'): Promise<number> {
  const engine = workflowEngine(DEPLOYMENT);
  let marked = 0;
  for (const record of await underWay()) {
    if ((await engine.describe(record.id))?.status === 'RUNNING') continue;
    const where = record.status === 'in_progress' ? '' : ` while it was ${record.status.replace('_', ' ')}`;
    const tag = record.operation === 'scale' ? `${record.replicas} replicas` : record.imageTag ?? 'it';
    const again = record.status === 'cancelling'
      ? `It was being cancelled: roll back to put ${record.operation === 'scale' ? `${record.previousReplicas} replicas` : record.previousImageTag ?? 'the previous version'} back`
      : `${record.operation === 'restart' ? 'Restart' : `${record.operation[0]!.toUpperCase()}${record.operation.slice(1)} ${tag}`} again to finish it`;
    const cause = `interrupted: its run was lost${where} (${why})${record.gitCommit ? `; Git holds ${tag} since ${record.gitCommit.slice(0, 7)}` : ''}. ${again}`;
    await runStep({ step: 'fail', deploymentId: record.id, error: { Error: 'Apollo.Interrupted', Cause: cause } });
    marked += 1;
  }
  if (marked) logger.warn('deployments interrupted by a restart', { marked });
  return marked;
}
