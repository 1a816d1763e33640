/**
 * POST /api/v1/requests: the offering checked (exists, visible, requestable, not retired), the form's values
 * checked against its form (400 with a path per field), the team's quota reserved (409 with the numbers when it
 * does not fit: ./quotas.ts), the approval it will need worked out, the request
 * stored (META, LIST, the offering document as submitted, secret field values apart) and its fulfilment
 * started. Answers the request with an estimated completion.
 */
import { countEnded, countSubmitted } from './stats-events.ts';
import type { Request, RequestCreate } from '#schemas/index.ts';
import { ServiceUnavailableError, ValidationError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { MASK } from '#shared/variables/index';
import { checkRequest, type RequestableOffering } from '#functions/offerings/public';
import { logger } from '#lib/observability';
import type { RequestCaller } from './access.ts';
import { durationSeconds, needsApproval, planOf } from './plan.ts';
import { appendLog, createRequest, newId, transition, typicalDurationMs, type RequestRecord } from './records.ts';
import { toRequest } from './read.ts';
import { quotaClaims, releaseQuota, reserveQuota } from './quotas.ts';
import { startFulfillment } from './workflow.ts';

const DEFAULT_AUTOMATED_MS = 5 * 60_000;
const DEFAULT_MANUAL_MS = 24 * 3600_000;

/**
 * What the route refuses before anything is kept: a team the caller is not in (without requests:manage), an offering
 * they may not request, values its form does not pass. The AI console asks it too before it proposes a request.
 */
export async function checkSubmission(body: RequestCreate, caller: RequestCaller): Promise<RequestableOffering> {
  if (body.team && !caller.teams.includes(body.team) && !roleHas(caller.role, 'requests:manage')) {
    throw new ValidationError(`you are not a member of team ${body.team}`, { details: [{ path: '/body/team', message: `not one of your teams (${caller.teams.join(', ') || 'you have none'})` }] });
  }
  const checked = await checkRequest(body.offeringId, body.fields as Record<string, unknown>, caller);
  if (checked.issues.length) {
    throw new ValidationError(`the form's values do not pass ${body.offeringId}'s form: ${checked.issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`, {
      details: checked.issues.map((i) => ({ path: `/body/fields${i.path}`, message: i.message })),
    });
  }
  return checked;
}

export async function submitRequest(body: RequestCreate, caller: RequestCaller, now = new Date()): Promise<Request> {
  const checked = await checkSubmission(body, caller);
  const doc = checked.record.document;
  const values = checked.values;
  const secretValues = Object.fromEntries(Object.entries(values).filter(([id]) => checked.secretFields.includes(id)));
  const masked = Object.fromEntries(Object.entries(values).map(([id, v]) => [id, checked.secretFields.includes(id) ? MASK : v]));
  const plan = planOf(doc, values);
  const fulfillment = doc.fulfillment.type;
  const slaMs = doc.metadata.sla ? durationSeconds(doc.metadata.sla.fulfillmentTime, 0) * 1000 : 0;
  const expectedMs = (await typicalDurationMs(doc.metadata.id)) ?? (slaMs || (fulfillment === 'manual' ? DEFAULT_MANUAL_MS : DEFAULT_AUTOMATED_MS));
  const approval = needsApproval(doc, values);
  const id = newId();
  const team = body.team ?? caller.teams[0] ?? null;
  // The team's quotas are taken now, before anything else: over one, the request is refused here with the numbers.
  const claims = quotaClaims(doc, values, team);
  const quota = claims.length ? claims : undefined;
  if (quota) await reserveQuota(id, quota, now.getTime());
  const at = now.toISOString();
  const record: RequestRecord = {
    id,
    offering: { id: doc.metadata.id, name: doc.metadata.name, version: checked.record.version, category: doc.metadata.category, owner: checked.record.source.ownerTeam },
    requester: caller.principal,
    requesterRole: caller.role ?? 'none',
    team,
    priority: body.priority ?? 'normal',
    status: 'submitted',
    progress: 0,
    fulfillment,
    currentAction: null,
    approvalId: null,
    createdAt: at,
    updatedAt: at,
    completedAt: null,
    eta: new Date(now.getTime() + expectedMs).toISOString(),
    error: null,
    fields: masked,
    note: body.note ?? null,
    secretFieldIds: checked.secretFields,
    message: approval ? `submitted; it will wait for approval (${doc.approval?.reason ?? 'the offering asks for it'})` : 'submitted',
    plan,
    outputs: {},
    generation: 1,
    run: 1,
    retries: 0,
    ...(doc.fulfillment.type === 'manual' ? { manual: { instructions: doc.fulfillment.instructions ?? `The ${checked.record.source.ownerTeam} team fulfils it by hand.` } } : {}),
    expectedMs,
    ...(quota ? { quota } : {}),
    version: 1,
  };
  try {
    await createRequest(record, doc, secretValues);
  } catch (error) {
    if (quota) await releaseQuota(id, quota).catch((e: unknown) => logger.error('quota reservation not given back', { requestId: id, error: e as Error }));
    throw error;
  }
  await countSubmitted(record);
  await appendLog(id, [{
    message: `submitted by ${caller.principal} for ${doc.metadata.name} ${checked.record.version} (priority ${record.priority})${approval ? '; needs approval' : ''}`,
    kind: 'transition', status: 'submitted',
  }], now);
  try {
    await startFulfillment({ requestId: id, generation: 1, run: 1, deprovision: false });
  } catch (error) {
    logger.error('fulfilment did not start', { requestId: id, error: error as Error });
    if (quota) await releaseQuota(id, quota).catch((e: unknown) => logger.error('quota reservation not given back', { requestId: id, error: e as Error }));
    await countEnded(record, 'failed', new Date().toISOString(), { reason: 'engine-unavailable' });
    await transition(id, { status: 'failed', error: { code: 'engine-unavailable', message: 'the workflow engine did not start the fulfilment; submit again' }, completedAt: new Date().toISOString(), eta: null }, { message: 'the fulfilment did not start (workflow engine unavailable)', severity: 'error' });
    throw new ServiceUnavailableError('the workflow engine is unavailable: the request was recorded as failed; submit it again', { cause: error, retryAfterSeconds: 5 });
  }
  return toRequest(id, caller);
}
