/**
 * Approval escalation (the `approval-escalation` job, every 15 minutes): a request's approval still pending past
 * its deadline (APOLLO_APPROVAL_ESCALATE_AFTER after it opened, 4h by default) is escalated once to the rule's
 * approvers who have not decided (its named principals, its teams' leads — or, for a rule of roles only, the
 * offering's owner team's leads), and after the same time again to the offering's owner team. Each escalation is
 * kept on the approval (who was told, when), said on the request's log and notified (`approval.escalated`). An
 * escalation comes before the approval's expiry or not at all.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { teamMemberPrincipals, teamMembers as listAllMembers } from '#functions/identity/public';
import { durationSeconds } from './plan.ts';
import { db, isConditionFailure, queryPage, tableName, type Item } from '#lib/table';
import { notify } from '#lib/notifications';
import { logger } from '#lib/observability';
import { APPROVALS_TOPIC, APPROVAL_CHANGED, type ApprovalRecord } from './approvals.ts';
import { appendLog } from './records.ts';
import { publish } from '#lib/realtime';

export const DEFAULT_ESCALATE_AFTER = '4h';
export const MAX_LEVEL = 2;

/** After how long a pending approval is escalated (and again after as long). */
export function escalateAfterMs(env: NodeJS.ProcessEnv = process.env): number {
  return durationSeconds(env.APOLLO_APPROVAL_ESCALATE_AFTER, durationSeconds(DEFAULT_ESCALATE_AFTER, 14_400)) * 1000;
}

type Escalation = NonNullable<ApprovalRecord['escalations']>[number];

/**
 * When the approval is escalated next (level = escalations so far + 1): the deadline after it opened, then as long
 * after the last escalation (a late run of the job does not bring the next one forward); null when never again.
 */
export function nextEscalationAt(record: Pick<ApprovalRecord, 'createdAt' | 'expiresAt' | 'escalations'>, afterMs = escalateAfterMs()): string | null {
  const level = (record.escalations?.length ?? 0) + 1;
  if (level > MAX_LEVEL) return null;
  const last = record.escalations?.at(-1)?.at;
  const at = (last ? Date.parse(last) : Date.parse(record.createdAt)) + afterMs;
  return at < Date.parse(record.expiresAt) ? new Date(at).toISOString() : null;
}

/** 40 minutes, 9.5 hours, 3 days. */
function waitedWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(ms / 360_000) / 10;
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}

/** 2026-12-08 22:09 UTC */
const utcWords = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** Who hears of the escalation at a level, and in words. */
export async function escalationTargets(record: ApprovalRecord, level: number): Promise<{ notified: string[]; principals: string[]; to: string }> {
  const owner = record.offering?.owner;
  const decided = new Set(record.decisions.flatMap((d) => [d.principal.toLowerCase(), ...(d.onBehalfOf ? [d.onBehalfOf.toLowerCase()] : [])]));
  const requester = record.requester.toLowerCase();
  const keep = (principals: string[]): string[] => [...new Set(principals.map((p) => p.toLowerCase()))].filter((p) => p !== requester && !decided.has(p));
  if (level === 1) {
    const named = record.rule.approvers.principals ?? [];
    const teams = record.rule.approvers.teams ?? [];
    const leads: string[] = [];
    for (const team of teams) leads.push(...(await listAllMembers(team)).filter((m) => m.role === 'lead').map((m) => m.principal));
    if (named.length || leads.length) {
      return { notified: [...named.map((p) => p.toLowerCase()), ...teams.map((t) => `team:${t}`)], principals: keep([...named, ...leads]), to: "the rule's approvers who have not decided" };
    }
    if (owner) {
      const ownerLeads = (await listAllMembers(owner)).filter((m) => m.role === 'lead').map((m) => m.principal);
      return { notified: [`team:${owner}`], principals: keep(ownerLeads), to: `the leads of ${owner}, the offering's owner (the rule names roles only)` };
    }
    return { notified: [], principals: [], to: 'nobody: the rule names roles only and the offering has no owner team' };
  }
  if (!owner) return { notified: [], principals: [], to: 'nobody: the offering has no owner team' };
  return { notified: [`team:${owner}`], principals: keep(await teamMemberPrincipals(owner)), to: `${owner}, the offering's owner team` };
}

export interface EscalationRun { readonly checked: number; readonly escalated: number; readonly failed: number }

/** One pass over the pending approvals (one Query page of up to 1,000 a time). */
export async function runEscalations(now = new Date(), afterMs = escalateAfterMs()): Promise<EscalationRun> {
  let checked = 0;
  let escalated = 0;
  let failed = 0;
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item & ApprovalRecord>({ index: 'GSI1', partition: 'APPROVALS#pending', limit: 1000, cursor });
    for (const record of page.items) {
      checked++;
      if ((record.kind ?? 'request') !== 'request' || record.status !== 'pending') continue;
      const due = record.escalatesAt ?? nextEscalationAt(record, afterMs);
      if (!due || Date.parse(due) > now.getTime() || Date.parse(record.expiresAt) <= now.getTime()) continue;
      try {
        if (await escalate(record, now, afterMs)) escalated++;
      } catch (error) {
        failed++;
        logger.error('approval not escalated', { approvalId: record.id, error: error as Error });
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { checked, escalated, failed };
}

async function escalate(record: ApprovalRecord, now: Date, afterMs: number): Promise<boolean> {
  const level = (record.escalations?.length ?? 0) + 1;
  if (level > MAX_LEVEL) return false;
  const targets = await escalationTargets(record, level);
  const entry: Escalation = { level, at: now.toISOString(), notified: targets.notified, to: targets.to };
  const escalations = [...(record.escalations ?? []), entry];
  const next = nextEscalationAt({ ...record, escalations }, afterMs);
  try {
    // On the version read: a decision in between wins, and a second run escalates nothing twice.
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: `APPROVAL#${record.id}`, SK: 'META' },
      UpdateExpression: `SET escalations = :escalations, version = version + :one${next ? ', escalatesAt = :next' : ''}${next ? '' : ' REMOVE escalatesAt'}`,
      ConditionExpression: 'version = :version AND #status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':escalations': escalations, ':one': 1, ':version': record.version, ':pending': 'pending', ...(next ? { ':next': next } : {}) },
    }));
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  const waited = waitedWords(now.getTime() - Date.parse(record.createdAt));
  if (record.requestId) {
    await appendLog(record.requestId, [{ message: `approval escalated (level ${level}) to ${targets.to}${targets.notified.length ? ` (${targets.notified.join(', ')})` : ''}: waiting ${waited}`, severity: 'warn' }], now);
  }
  if (targets.principals.length) {
    await notify(targets.principals, {
      kind: 'approval.escalated', title: `Waiting ${waited} for approval: ${record.offering?.name ?? 'a request'} for ${record.requester}`,
      body: `Escalated to ${targets.to}. It expires at ${utcWords(record.expiresAt)}.`, link: '/approvals', resource: { type: 'approval', id: record.id },
    }, now);
  }
  await publish(APPROVALS_TOPIC, APPROVAL_CHANGED, { id: record.id, kind: 'request', ...(record.requestId ? { requestId: record.requestId } : {}), status: 'pending' });
  return true;
}
