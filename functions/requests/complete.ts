/**
 * POST /api/v1/requests/{id}/complete: a manually fulfilled request is ended by a person (the offering's
 * owning team, or requests:manage) until JIRA arrives with requests part 2. The waiting state of the
 * execution is resumed; the steps record the outcome.
 */
import type { Request, RequestComplete } from '#schemas/index.ts';
import { ConflictError, ForbiddenError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { workflowEngine } from '#lib/workflows/index';
import { TaskTokenError } from '#lib/workflows/ports';
import { requireReadable, type RequestCaller } from './access.ts';
import { appendLog, updateRequest } from './records.ts';
import { toRequest } from './read.ts';
import { FULFILLMENT } from './workflow.ts';

export const MANUAL_FAILED_ERROR = 'Apollo.ManualFulfilmentFailed';

export async function completeManual(id: string, body: RequestComplete, caller: RequestCaller): Promise<Request> {
  const record = await requireReadable(id, caller);
  const owner = record.offering.owner;
  if (!roleHas(caller.role, 'requests:manage') && !(owner && caller.teams.includes(owner))) {
    throw new ForbiddenError(`only the ${owner ?? 'owning'} team (or requests:manage) ends a manual request`);
  }
  if (record.fulfillment !== 'manual') throw new ConflictError(`request ${id} is fulfilled automatically: it ends by itself`);
  if (record.status === 'completed' || record.status === 'failed') throw new ConflictError(`request ${id} is ${record.status} already`);
  if (record.status !== 'in_progress' || !record.taskToken) throw new ConflictError(`request ${id} is ${record.status}: it can be ended once its fulfilment has started`);
  await updateRequest(id, { manual: { ...record.manual, completedBy: caller.principal } });
  await appendLog(id, [{ message: `${body.outcome === 'completed' ? 'marked completed' : 'marked failed'} by ${caller.principal}${body.note ? `: ${body.note}` : ''}`, severity: body.outcome === 'completed' ? 'info' : 'warn' }]);
  const engine = workflowEngine(FULFILLMENT);
  try {
    if (body.outcome === 'completed') await engine.sendTaskSuccess(record.taskToken, { completedBy: caller.principal, note: body.note ?? '' });
    else await engine.sendTaskFailure(record.taskToken, MANUAL_FAILED_ERROR, (body.note ?? 'failed').slice(0, 2000));
  } catch (error) {
    if (error instanceof TaskTokenError) throw new ConflictError(`request ${id} is no longer waiting to be ended (${error.message})`, { cause: error });
    throw error;
  }
  return toRequest(id, caller);
}
