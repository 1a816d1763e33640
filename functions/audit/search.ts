/**
 * Searching the audit log, newest first, without a Scan:
 *   by actor     → GSI1 ACTOR#<principal>, sort key between the time bounds
 *   by resource  → GSI2 RES#<type>#<id>, likewise (several resources at once: searchAuditOf)
 *   otherwise    → the day partitions AUDIT#<yyyy-mm-dd> that hold entries (functions/lib/audit-days.ts),
 *                  walked from `to` back to `from`
 * `action` (a prefix: `teams.` matches every team action) and a bare `resourceType` filter within.
 */
import type { AuditEntry, AuditList, AuditQuery } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { getItem, queryPage, type Item, type QueryPageInput } from '#lib/table';
import { auditKey, resourcePartition, toAuditEntry } from '#lib/audit-log';
import { auditDaysBetween } from '#lib/audit-days';

const DAY_MS = 86_400_000;
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
/** Day partitions read by one call at most; the cursor carries on from there. */
export const MAX_DAYS_PER_PAGE = 31;

/** The entry as the API shows it: one definition, shared with the live `audit` topic. */
export const toEntry: (item: Item) => AuditEntry = toAuditEntry;

export async function getEntry(id: string): Promise<AuditEntry> {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) throw new NotFoundError(`audit entry ${id} not found`);
  const { PK, SK } = auditKey(id);
  const item = await getItem({ PK, SK });
  if (!item) throw new NotFoundError(`audit entry ${id} not found`);
  return toEntry(item);
}

function bounds(query: AuditQuery): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from >= to) throw new ValidationError('from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw new ValidationError(`the time range is at most ${MAX_RANGE_DAYS} days`, { details: [{ path: '/query/from', message: `at most ${MAX_RANGE_DAYS} days before to` }] });
  }
  return { from, to };
}

function filters(query: AuditQuery, resourceTypeInFilter: boolean): QueryPageInput['filter'] {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (query.action) { clauses.push('begins_with(#action, :action)'); names['#action'] = 'action'; values[':action'] = query.action; }
  if (query.resourceType && resourceTypeInFilter) { clauses.push('#rtype = :rtype'); names['#rtype'] = 'resourceType'; values[':rtype'] = query.resourceType; }
  return clauses.length ? { FilterExpression: clauses.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values } : undefined;
}

interface DayCursor { day: string; inner: string | null }

function decodeDayCursor(cursor: string): DayCursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as DayCursor;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value.day) && (value.inner === null || typeof value.inner === 'string')) return value;
  } catch { /* falls through */ }
  throw new ValidationError('invalid cursor', { details: [{ path: '/query/cursor', message: 'not a cursor this list returned' }] });
}

const encodeDayCursor = (cursor: DayCursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** `scope`: a filter every entry must pass besides the query's (the request audit trail's: requests, approvals, quotas). */
export async function searchAudit(query: AuditQuery, scope?: QueryPageInput['filter']): Promise<AuditList> {
  const { from, to } = bounds(query);
  const limit = query.limit ?? 50;
  const between: [string, string] = [from.toISOString(), to.toISOString()];

  if (query.actor || query.resourceId) {
    const byActor = Boolean(query.actor);
    const partition = byActor ? `ACTOR#${query.actor!.toLowerCase()}` : resourcePartition(query.resourceType!, query.resourceId!);
    const extra = byActor && query.resourceId
      ? { FilterExpression: '#rid = :rid AND #rtype = :rtype', ExpressionAttributeNames: { '#rid': 'resourceId', '#rtype': 'resourceType' }, ExpressionAttributeValues: { ':rid': query.resourceId, ':rtype': query.resourceType } }
      : undefined;
    const base = filters(query, byActor && !query.resourceId);
    const filter = mergeFilters(mergeFilters(base, extra), scope);
    const page = await queryPage({ index: byActor ? 'GSI1' : 'GSI2', partition, sortKey: { between }, limit, cursor: query.cursor, newestFirst: true, filter });
    return { items: page.items.map(toEntry), nextCursor: page.nextCursor };
  }

  const filter = mergeFilters(filters(query, true), scope);
  const items: AuditEntry[] = [];
  const start = query.cursor ? decodeDayCursor(query.cursor) : { day: between[1].slice(0, 10), inner: null };
  // Only the days that have entries, newest first; one more than a page walks tells whether more remain.
  const days = await auditDaysBetween(between[0].slice(0, 10), start.day, MAX_DAYS_PER_PAGE + 1);
  let inner: string | null = start.day === days[0] ? start.inner : null;
  for (let i = 0; i < Math.min(days.length, MAX_DAYS_PER_PAGE); i++) {
    const day = days[i]!;
    const page = await queryPage({ partition: `AUDIT#${day}`, sortKey: { between }, limit: limit - items.length, cursor: inner ?? undefined, newestFirst: true, filter });
    items.push(...page.items.map(toEntry));
    if (page.nextCursor) return { items, nextCursor: encodeDayCursor({ day, inner: page.nextCursor }) };
    inner = null;
    if (items.length >= limit) return { items, nextCursor: days[i + 1] ? encodeDayCursor({ day: days[i + 1]!, inner: null }) : null };
  }
  const next = days[MAX_DAYS_PER_PAGE];
  return { items, nextCursor: next ? encodeDayCursor({ day: next, inner: null }) : null };
}

const decodeBeforeCursor = (cursor: string): string => {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof value.before === 'string' && /^\d{4}-\d{2}-\d{2}T[^#]+#[0-9A-HJKMNP-TV-Z]{26}$/.test(value.before)) return value.before;
  } catch { /* falls through */ }
  throw new ValidationError('invalid cursor', { details: [{ path: '/query/cursor', message: 'not a cursor this list returned' }] });
};

/**
 * The entries about any of a few resources (a request and its approvals), newest first: one Query per resource, the
 * pages merged by time; the cursor is the sort key of the last entry answered (each resource's next page starts
 * below it). `actor` and `action` filter within, as `scope` does.
 */
export async function searchAuditOf(resources: readonly { type: string; id: string }[], query: Omit<AuditQuery, 'resourceType' | 'resourceId'>, scope?: QueryPageInput['filter']): Promise<AuditList> {
  const { from, to } = bounds(query);
  const limit = query.limit ?? 50;
  const before = query.cursor ? decodeBeforeCursor(query.cursor) : undefined;
  const actor = query.actor
    ? { FilterExpression: '#actor = :actor', ExpressionAttributeNames: { '#actor': 'actor' }, ExpressionAttributeValues: { ':actor': query.actor.toLowerCase() } }
    : undefined;
  const filter = mergeFilters(mergeFilters(filters(query, false), actor), scope);
  // The bounds are inclusive: the cursor's own entry comes again and is dropped, hence one more than a page.
  const pages = await Promise.all(resources.map((r) => queryPage({
    index: 'GSI2', partition: resourcePartition(r.type, r.id), sortKey: { between: [from.toISOString(), before ?? to.toISOString()] }, limit: limit + 1, newestFirst: true, filter,
  })));
  const items = pages.flatMap((page) => page.items).filter((item) => !before || String(item.GSI2SK) < before)
    .sort((a, b) => String(b.GSI2SK).localeCompare(String(a.GSI2SK)));
  const more = items.length > limit || pages.some((page) => page.nextCursor);
  const answered = items.slice(0, limit);
  const last = answered.at(-1);
  return { items: answered.map(toEntry), nextCursor: more && last ? Buffer.from(JSON.stringify({ before: last.GSI2SK })).toString('base64url') : null };
}

function mergeFilters(a: QueryPageInput['filter'], b: QueryPageInput['filter']): QueryPageInput['filter'] {
  if (!a) return b;
  if (!b) return a;
  return {
    FilterExpression: `(${a.FilterExpression}) AND (${b.FilterExpression})`,
    ExpressionAttributeNames: { ...a.ExpressionAttributeNames, ...b.ExpressionAttributeNames },
    ExpressionAttributeValues: { ...a.ExpressionAttributeValues, ...b.ExpressionAttributeValues },
  };
}
