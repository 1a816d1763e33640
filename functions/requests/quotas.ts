/**
 * Team quotas (issue 22). An offering's `quota` says what one request costs (`resource`, `amount`, `unit`): a count
 * (a fixed amount, 1 database) or a sum (`amountField`: the amount times a numeric field's value, its storage_gb
 * GiB), and `also` more quotas the same request counts against. A team's limits cap each resource, in one
 * environment (the request's `environment` field) or in all of them together. Each (team, resource, environment |
 * all) is one item that holds its total and the requests holding it:
 *
 *   TEAM#<team> / QUOTA#<resource>#<env or *>   total, reservations {<requestId>: …}, active {<requestId>: …},
 *                                               limits [{limit, effectiveFrom}], limitsVersion, unit, alerted
 *
 * A request reserves at submit (refused there, with the numbers, when it does not fit), holds it while fulfilled,
 * turns it into use when it completes, and gives it back when it fails, is rejected, cancelled or deprovisioned.
 * Every change is one conditional UpdateItem on that item — the total and the request's entry move together, the
 * total is checked against the limit in the same write — so 20 concurrent requests for the last free unit give
 * exactly one success, and a step run twice reserves or releases once.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CatalogItemV2, CatalogQuotaAmount, QuotaCheck, QuotaLimitsPut, QuotaUsage } from '#schemas/index.ts';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '#shared/errors';
import { notify } from '#lib/notifications';
import { logger } from '#lib/observability';
import { db, getItem, isConditionFailure, queryAll, tableName, type Item } from '#lib/table';
import { teamMemberPrincipals, teamProfile } from '#functions/identity/public';
import { quotaScopes, quotaUnits } from '#functions/offerings/public';

/** What one request takes of one of its team's quotas (one the offering declares, and the request's environment). */
export interface QuotaClaim {
  readonly team: string;
  readonly resource: string;
  readonly amount: number;
  readonly unit: string | null;
  /** The request's `environment` field, when its form has one. */
  readonly environment: string | null;
  readonly offeringId: string;
  /** A sum: the form field its amount was read from. */
  readonly amountField?: string;
}

/** What a request holds: a claim per quota its offering declares (a request stored before sums holds one claim). */
export type HeldQuota = QuotaClaim | readonly QuotaClaim[];

export const claimsOf = (held: HeldQuota | null | undefined): readonly QuotaClaim[] =>
  !held ? [] : 'resource' in held ? [held as QuotaClaim] : held as readonly QuotaClaim[];

/**
 * The claims a request for `doc` with these values (as submit keeps them: defaults filled, hidden fields dropped)
 * makes on `team`'s quotas, in the order they are reserved. A sum whose field is empty takes nothing, so no claim.
 */
export function quotaClaims(doc: CatalogItemV2, values: Readonly<Record<string, unknown>>, team: string | null): QuotaClaim[] {
  if (!doc.quota || !team) return [];
  const environment = typeof values.environment === 'string' ? values.environment : null;
  const { also = [], ...first } = doc.quota;
  return [first, ...also].flatMap((quota) => {
    const amount = amountOf(quota, values);
    if (amount <= 0) return [];
    return [{ team, resource: quota.resource, amount, unit: quota.unit ?? null, environment, offeringId: doc.metadata.id, ...(quota.amountField ? { amountField: quota.amountField } : {}) }];
  });
}

/** A count's fixed amount, or a sum's: the amount times the field's value, rounded up (the totals stay whole). */
function amountOf(quota: CatalogQuotaAmount, values: Readonly<Record<string, unknown>>): number {
  if (!quota.amountField) return quota.amount;
  const value = values[quota.amountField];
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(quota.amount * value) : 0;
}

interface Holder { readonly amount: number; readonly since: string; readonly offeringId: string }
interface LimitEntry { readonly limit: number | null; readonly effectiveFrom: string; readonly setBy: string; readonly setAt: string }

interface QuotaItem extends Item {
  readonly team: string;
  readonly resource: string;
  /** `*`: every environment together. */
  readonly scope: string;
  readonly total: number;
  readonly reservations: Readonly<Record<string, Holder>>;
  readonly active: Readonly<Record<string, Holder>>;
  readonly limits: readonly LimitEntry[];
  readonly limitsVersion: number;
  readonly unit?: string | null;
  readonly alerted?: Readonly<Record<string, string>>;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

const ALL = '*';
const keyOf = (team: string, resource: string, scope: string) => ({ PK: `TEAM#${team}`, SK: `QUOTA#${resource}#${scope}` });
const scopesOf = (claim: QuotaClaim): string[] => (claim.environment ? [claim.environment, ALL] : [ALL]);

/** The limit in effect at `now` (the last whose effectiveFrom has come), and the next one waiting. */
export function limitAt(limits: readonly LimitEntry[], now: number): { current: LimitEntry | undefined; pending: LimitEntry | undefined } {
  const sorted = [...limits].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  const at = new Date(now).toISOString();
  return { current: sorted.filter((l) => l.effectiveFrom <= at).at(-1), pending: sorted.find((l) => l.effectiveFrom > at) };
}

/** The organization's caps per resource (APOLLO_QUOTA_CAPS, JSON `{"postgresql-databases": 20}`): no team's limit may exceed one. */
export function quotaCaps(env: NodeJS.ProcessEnv = process.env): Record<string, number> {
  const raw = env.APOLLO_QUOTA_CAPS;
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ServiceUnavailableError('Apollo is misconfigured: APOLLO_QUOTA_CAPS must be JSON, {"<resource>": <cap>, …}; an administrator must fix it');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => Number.isInteger(v) && (v as number) >= 0)) {
    throw new ServiceUnavailableError('Apollo is misconfigured: APOLLO_QUOTA_CAPS must map each resource to a whole number ≥ 0; an administrator must fix it');
  }
  return parsed as Record<string, number>;
}

/** Makes the item if it is not there yet (a no-op when it is). */
async function ensureItem(team: string, resource: string, scope: string): Promise<void> {
  try {
    await db.send(new PutCommand({
      TableName: tableName(),
      Item: { ...keyOf(team, resource, scope), team, resource, scope, total: 0, reservations: {}, active: {}, limits: [], limitsVersion: 0 },
      ConditionExpression: 'attribute_not_exists(PK)',
    }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

async function readItem(team: string, resource: string, scope: string): Promise<QuotaItem> {
  await ensureItem(team, resource, scope);
  return (await getItem<QuotaItem>(keyOf(team, resource, scope), { consistent: true }))!;
}

const scopeWords = (scope: string) => (scope === ALL ? 'across environments' : `in ${scope}`);
/** "1 database", "2 databases", "500 GiB": only a lowercase word is made plural (a unit such as GiB is not). */
const units = (n: number, unit: string | null | undefined) => `${n}${unit ? ` ${unit}${n === 1 || !/^[a-z]+$/.test(unit) ? '' : 's'}` : ''}`;

/** Why a claim does not fit an item, with the numbers. */
function refusal(claim: QuotaClaim, item: QuotaItem, limit: number): string {
  const reserved = Object.values(item.reservations).reduce((s, h) => s + h.amount, 0);
  const used = item.total - reserved;
  return `${claim.team}'s quota for ${claim.resource} ${scopeWords(item.scope)} is ${units(limit, claim.unit)}: ${used} in use, ${reserved} reserved; this request needs ${claim.amount}`;
}

/**
 * Reserves each claim for the request in each of its scopes (its environment, and all environments). Idempotent: a
 * request that holds one already changes nothing. Refused (ConflictError with the numbers) when a scope's limit would
 * be exceeded; what this call reserved before the refusal, of any claim, is given back.
 */
export async function reserveQuota(requestId: string, held: HeldQuota, now = Date.now()): Promise<void> {
  const done: Array<{ claim: QuotaClaim; scope: string }> = [];
  try {
    for (const claim of claimsOf(held)) {
      for (const scope of scopesOf(claim)) {
        if (await reserveIn(requestId, claim, scope, now)) done.push({ claim, scope });
      }
    }
  } catch (error) {
    for (const { claim, scope } of done.reverse()) await releaseIn(requestId, claim, scope, 'reservations').catch((e: unknown) => logger.error('quota reservation not given back', { requestId, resource: claim.resource, scope, error: e as Error }));
    throw error;
  }
}

/** Whether it took the claim now (false: the request held it already). */
async function reserveIn(requestId: string, claim: QuotaClaim, scope: string, now: number): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const item = await readItem(claim.team, claim.resource, scope);
    if (item.reservations[requestId] || item.active[requestId]) return false;
    const limit = limitAt(item.limits, now).current?.limit ?? null;
    if (limit !== null && item.total + claim.amount > limit) {
      throw new ConflictError(refusal(claim, item, limit), { details: [{ path: '/body/offeringId', message: `over ${claim.team}'s ${claim.resource} quota ${scopeWords(scope)} (${item.total} of ${limit} taken)` }] });
    }
    try {
      await db.send(new UpdateCommand({
        TableName: tableName(), Key: keyOf(claim.team, claim.resource, scope),
        UpdateExpression: 'SET reservations.#id = :holder, #unit = :unit, updatedAt = :at ADD #total :amount',
        // The same limits as read, and room left under them, in the very write that takes it.
        ConditionExpression: `limitsVersion = :lv AND attribute_not_exists(reservations.#id) AND attribute_not_exists(active.#id)${limit !== null ? ' AND #total <= :max' : ''}`,
        ExpressionAttributeNames: { '#id': requestId, '#total': 'total', '#unit': 'unit' },
        ExpressionAttributeValues: {
          ':holder': { amount: claim.amount, since: new Date(now).toISOString(), offeringId: claim.offeringId }, ':unit': claim.unit, ':at': new Date(now).toISOString(),
          ':amount': claim.amount, ':lv': item.limitsVersion, ...(limit !== null ? { ':max': limit - claim.amount } : {}),
        },
      }));
      if (limit !== null) await alertIfNeeded(claim, scope, item.total + claim.amount, limit);
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Someone else changed it between the read and the write: read again and decide again.
    }
  }
  throw new ConflictError(`${claim.team}'s ${claim.resource} quota is changing too fast to reserve: submit again`);
}

/** A completed request's reservations become use (they stay counted until the request is deprovisioned). */
export async function consumeQuota(requestId: string, held: HeldQuota): Promise<void> {
  for (const claim of claimsOf(held)) for (const scope of scopesOf(claim)) {
    try {
      await db.send(new UpdateCommand({
        TableName: tableName(), Key: keyOf(claim.team, claim.resource, scope),
        UpdateExpression: 'SET active.#id = reservations.#id REMOVE reservations.#id',
        ConditionExpression: 'attribute_exists(reservations.#id)',
        ExpressionAttributeNames: { '#id': requestId },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** Gives back what the request holds: its reservations (failed, rejected, cancelled) or its use (deprovisioned). */
export async function releaseQuota(requestId: string, held: HeldQuota, what: 'reservations' | 'active' = 'reservations'): Promise<void> {
  for (const claim of claimsOf(held)) for (const scope of scopesOf(claim)) await releaseIn(requestId, claim, scope, what);
}

/**
 * Whether a request for `doc` with these values would fit `team`'s quotas, read without reserving or writing
 * anything (the request form's "Check request"): each claim in each scope, and when one does not fit, the refusal
 * submit would answer (the first, in the order submit reserves).
 */
export async function checkQuota(doc: CatalogItemV2, values: Readonly<Record<string, unknown>>, team: string | null, now = Date.now()): Promise<QuotaCheck> {
  if (!doc.quota) return { team, decision: 'not-applicable', message: 'the offering declares no quota', claims: [] };
  if (!team) return { team, decision: 'not-applicable', message: 'no team: a request without a team counts against no quota', claims: [] };
  if (!(await teamProfile(team))) return { team, decision: 'not-applicable', message: `there is no team ${team}`, claims: [] };
  const claims = quotaClaims(doc, values, team);
  if (!claims.length) return { team, decision: 'not-applicable', message: 'this request takes none of its quotas (the amount fields are empty)', claims: [] };
  const checked = await Promise.all(claims.map((claim) => checkClaim(claim, now)));
  const out = checked.map(({ refused: _, ...claim }) => claim);
  const refused = checked.find((c) => c.refused)?.refused;
  if (refused) return { team, decision: 'over', message: refused, claims: out };
  const takes = (c: QuotaCheck['claims'][number]) => `${units(c.amount, c.unit)} of ${c.resource}`;
  const room = (c: QuotaCheck['claims'][number]) => c.scopes.filter((s) => s.limit !== null).map((s) => `${s.left} of ${units(s.limit!, c.unit)} left ${scopeWords(s.environment ?? ALL)}`);
  if (!out.some((c) => room(c).length)) return { team, decision: 'no-limit', message: `${team} has no limit on ${out.map((c) => c.resource).join(' or ')}: this request would take ${out.map(takes).join(' and ')}`, claims: out };
  return { team, decision: 'fits', message: `within ${team}'s quotas: this request would take ${out.map((c) => `${takes(c)}${room(c).length ? ` (${room(c).join(', ')})` : ''}`).join('; ')}`, claims: out };
}

/** One claim against its scopes, read only; `refused`: what submit would answer, at the first scope it would not fit. */
async function checkClaim(claim: QuotaClaim, now: number): Promise<QuotaCheck['claims'][number] & { refused?: string }> {
  const scopes = await Promise.all(scopesOf(claim).map(async (scope) => {
    const item = await getItem<QuotaItem>(keyOf(claim.team, claim.resource, scope));
    const limit = item ? limitAt(item.limits, now).current?.limit ?? null : null;
    const total = item?.total ?? 0;
    const reserved = Object.values(item?.reservations ?? {}).reduce((s, h) => s + h.amount, 0);
    const refused = item && limit !== null && total + claim.amount > limit ? refusal(claim, item, limit) : undefined;
    return { refused, said: { environment: scope === ALL ? null : scope, limit, used: total - reserved, reserved, left: limit === null ? null : Math.max(0, limit - total) } };
  }));
  const refused = scopes.find((s) => s.refused)?.refused;
  return {
    resource: claim.resource, amount: claim.amount, unit: claim.unit, amountField: claim.amountField ?? null, environment: claim.environment,
    fits: !refused, scopes: scopes.map((s) => s.said), ...(refused ? { refused } : {}),
  };
}

async function releaseIn(requestId: string, claim: QuotaClaim, scope: string, what: 'reservations' | 'active'): Promise<void> {
  try {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: keyOf(claim.team, claim.resource, scope),
      UpdateExpression: `REMOVE ${what}.#id ADD #total :minus`,
      ConditionExpression: `attribute_exists(${what}.#id)`,
      ExpressionAttributeNames: { '#id': requestId, '#total': 'total' },
      ExpressionAttributeValues: { ':minus': -claim.amount },
    }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return;
  }
  // Under 80 % again: the next crossing is told again.
  const item = await getItem<QuotaItem>(keyOf(claim.team, claim.resource, scope), { consistent: true });
  const limit = item ? limitAt(item.limits, Date.now()).current?.limit ?? null : null;
  if (item?.alerted && Object.keys(item.alerted).length && (limit === null || item.total < limit * 0.8)) {
    await db.send(new UpdateCommand({ TableName: tableName(), Key: keyOf(claim.team, claim.resource, scope), UpdateExpression: 'REMOVE alerted' }));
  }
}

/** At 80 % and at 100 % the team's members are told, once per crossing. */
async function alertIfNeeded(claim: QuotaClaim, scope: string, taken: number, limit: number): Promise<void> {
  const level = taken >= limit ? 'full' : taken >= limit * 0.8 ? 'warning' : undefined;
  if (!level) return;
  try {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: keyOf(claim.team, claim.resource, scope),
      UpdateExpression: 'SET alerted = if_not_exists(alerted, :empty)',
      ExpressionAttributeValues: { ':empty': {} },
    }));
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: keyOf(claim.team, claim.resource, scope),
      UpdateExpression: 'SET alerted.#level = :at',
      ConditionExpression: 'attribute_not_exists(alerted.#level)',
      ExpressionAttributeNames: { '#level': level },
      ExpressionAttributeValues: { ':at': new Date().toISOString() },
    }));
  } catch (error) {
    if (isConditionFailure(error)) return;
    throw error;
  }
  const members = await teamMemberPrincipals(claim.team).catch(() => [] as string[]);
  await notify(members, {
    kind: 'quota.alert',
    title: `${claim.team} has taken ${taken} of its ${units(limit, claim.unit)} of ${claim.resource} ${scopeWords(scope)}${level === 'full' ? ': the quota is full' : ''}`,
    body: level === 'full' ? 'The next request for it will be refused until one is released or the limit is raised.' : 'At 80 % of the limit.',
    link: `/teams/${claim.team}`,
    resource: { type: 'team', id: claim.team },
  });
}

// ---------------------------------------------------------------- the routes

const DAY = 86_400_000;

function usageItem(item: QuotaItem, now: number): QuotaUsage['items'][number] {
  const { current, pending } = limitAt(item.limits, now);
  const limit = current?.limit ?? null;
  const reserved = Object.values(item.reservations ?? {}).reduce((s, h) => s + h.amount, 0);
  const holders = [
    ...Object.entries(item.active ?? {}).map(([requestId, h]) => ({ requestId, ...h, state: 'in-use' as const })),
    ...Object.entries(item.reservations ?? {}).map(([requestId, h]) => ({ requestId, ...h, state: 'reserved' as const })),
  ].sort((a, b) => b.since.localeCompare(a.since));
  // The pace: what its holders took over the last 30 days, per week.
  const recent = holders.filter((h) => Date.parse(h.since) > now - 30 * DAY).reduce((s, h) => s + h.amount, 0);
  const perWeek = Math.round((recent / 30) * 7 * 10) / 10;
  const left = limit === null ? null : limit - item.total;
  // Already full: the alert says so; fullBy is for what is still to come.
  const fullBy = left !== null && left > 0 && perWeek > 0 ? new Date(now + (left / (perWeek / 7)) * DAY).toISOString().slice(0, 10) : null;
  const percent = limit ? Math.round((item.total / limit) * 1000) / 10 : limit === 0 ? (item.total > 0 ? 100 : 0) : null;
  return {
    resource: item.resource, environment: item.scope === ALL ? null : item.scope, unit: item.unit ?? null,
    limit, effectiveFrom: current?.effectiveFrom ?? null,
    pending: pending ? { limit: pending.limit, effectiveFrom: pending.effectiveFrom } : null,
    used: item.total - reserved, reserved, available: left === null ? null : Math.max(0, left), percent,
    alert: limit === null ? null : item.total >= limit ? 'full' : item.total >= limit * 0.8 ? 'warning' : null,
    projection: limit === null && perWeek === 0 ? null : { perWeek, fullBy },
    holders: holders.slice(0, 50).map((h) => ({ requestId: h.requestId, amount: h.amount, since: h.since, offeringId: h.offeringId, state: h.state })),
    // When its limits were last set, and by whom (a reservation changes neither).
    ...lastSet(item.limits),
  };
}

function lastSet(limits: readonly LimitEntry[]): { updatedAt: string | null; updatedBy: string | null } {
  const last = [...limits].sort((a, b) => a.setAt.localeCompare(b.setAt)).at(-1);
  return { updatedAt: last?.setAt ?? null, updatedBy: last?.setBy ?? null };
}

async function requireTeam(team: string): Promise<void> {
  if (!(await teamProfile(team))) throw new NotFoundError(`no team ${team}`);
}

export async function quotaUsage(team: string, now = Date.now()): Promise<QuotaUsage> {
  await requireTeam(team);
  const [items, units] = await Promise.all([queryAll<QuotaItem>({ partition: `TEAM#${team}`, sortKey: { beginsWith: 'QUOTA#' } }, 1_000), quotaUnits()]);
  return {
    team, asOf: new Date(now).toISOString(),
    items: items.map((i) => usageItem({ ...i, unit: i.unit ?? units.get(i.resource) ?? null }, now)).filter((i) => i.limit !== null || i.pending || i.used || i.reserved)
      .sort((a, b) => a.resource.localeCompare(b.resource) || (a.environment ?? '').localeCompare(b.environment ?? '')),
    caps: quotaCaps(),
  };
}

export async function setQuotaLimits(team: string, body: QuotaLimitsPut, by: string, now = Date.now()): Promise<QuotaUsage> {
  await requireTeam(team);
  const caps = quotaCaps();
  const at = new Date(now).toISOString();
  body.limits.forEach((entry, i) => {
    const cap = caps[entry.resource];
    if (entry.limit !== null && cap !== undefined && entry.limit > cap) {
      throw new ValidationError(`the organization caps ${entry.resource} at ${cap}`, { details: [{ path: `/body/limits/${i}/limit`, message: `must be at most ${cap} (the organization's cap for ${entry.resource})` }] });
    }
    if (entry.effectiveFrom && Date.parse(entry.effectiveFrom) < now - 60_000) {
      throw new ValidationError('a limit cannot take effect in the past', { details: [{ path: `/body/limits/${i}/effectiveFrom`, message: 'must be now or later (leave it out for now)' }] });
    }
  });
  // A limit names what the offerings count, in an environment their form offers (removing one may name anything).
  const scopes = await quotaScopes();
  body.limits.forEach((entry, i) => {
    if (entry.limit === null) return;
    if (!scopes.has(entry.resource)) {
      const known = [...scopes.keys()].sort();
      throw new ValidationError(`no offering counts ${entry.resource}`, { details: [{ path: `/body/limits/${i}/resource`, message: `must be a resource an offering counts: ${known.join(', ') || 'none yet'}` }] });
    }
    const environments = scopes.get(entry.resource);
    if (entry.environment && environments && !environments.has(entry.environment)) {
      throw new ValidationError(`no offering counting ${entry.resource} runs in ${entry.environment}`, { details: [{ path: `/body/limits/${i}/environment`, message: `must be one of ${[...environments].sort().join(', ')} (the offerings' environment values), or null for all` }] });
    }
  });
  const seen = new Set<string>();
  body.limits.forEach((entry, i) => {
    const key = `${entry.resource}#${entry.environment ?? ALL}#${entry.effectiveFrom ?? ''}`;
    if (seen.has(key)) throw new ValidationError('a limit is given twice', { details: [{ path: `/body/limits/${i}`, message: 'the same resource, environment and effective date as an earlier one' }] });
    seen.add(key);
  });
  for (const entry of body.limits) {
    const scope = entry.environment ?? ALL;
    for (let attempt = 0; ; attempt++) {
      const item = await readItem(team, entry.resource, scope);
      const future = entry.effectiveFrom !== undefined && Date.parse(entry.effectiveFrom) > now;
      const from = future ? new Date(entry.effectiveFrom!).toISOString() : at;
      // Now: it replaces the limit in effect and keeps what is scheduled. Later: it replaces what was scheduled from
      // its date on. Only the limit in effect and the scheduled ones are kept.
      const { current } = limitAt(item.limits, now);
      const scheduled = item.limits.filter((l) => l.effectiveFrom > at && (!future || l.effectiveFrom < from));
      const limits = [...(future && current ? [current] : []), ...scheduled, { limit: entry.limit, effectiveFrom: from, setBy: by, setAt: at }];
      try {
        await db.send(new UpdateCommand({
          TableName: tableName(), Key: keyOf(team, entry.resource, scope),
          // A new limit is crossed anew: the alerts already sent are forgotten.
          UpdateExpression: 'SET limits = :limits, limitsVersion = :next, updatedAt = :at, updatedBy = :by REMOVE alerted',
          ConditionExpression: 'limitsVersion = :lv',
          ExpressionAttributeValues: { ':limits': limits, ':next': item.limitsVersion + 1, ':lv': item.limitsVersion, ':at': at, ':by': by },
        }));
        break;
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= 5) throw error;
      }
    }
  }
  const members = await teamMemberPrincipals(team).catch(() => [] as string[]);
  const said = body.limits.map((l) => `${l.resource} ${l.environment ? `in ${l.environment}` : 'across environments'}: ${l.limit === null ? 'no limit' : l.limit}${l.effectiveFrom && Date.parse(l.effectiveFrom) > now ? ` from ${l.effectiveFrom.slice(0, 10)}` : ''}`);
  await notify(members, {
    kind: 'quota.changed', title: `${by} set ${team}'s quotas: ${said.join('; ')}`, ...(body.reason ? { body: body.reason } : {}), link: `/teams/${team}`, resource: { type: 'team', id: team },
  });
  return quotaUsage(team, now);
}
