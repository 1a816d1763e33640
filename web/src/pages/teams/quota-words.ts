/**
 * A team's quotas in words and bar widths (pure, so the wording is tested without a browser): "1 of 1 database in
 * prod: 1 in use, 0 reserved", "450 of 500 GiB in prod: 300 in use, 150 reserved" (a sum), "2 from 1 Jan",
 * "about 0.5 a week; full by 12 Jan", "about 120 GiB a week".
 */
import { ROLES, roleHas } from '../../../../shared/permissions.ts';
import { requiredPermission, ROUTES } from '../../../../shared/routes.ts';
import type { Me, QuotaUsage } from '../../../../schemas/types.gen.ts';

export type QuotaItem = QuotaUsage['items'][number];

/** Resources the demo offerings count or sum (an offering's `quota.resource` and `also`), offered while typing a new limit. */
export const KNOWN_RESOURCES = ['postgresql-databases', 'postgresql-storage-gib', 's3-buckets', 'feature-environments'] as const;

/** Environments the demo offerings ask for; a limit may name any other. */
export const KNOWN_ENVIRONMENTS = ['prod', 'staging', 'dev'] as const;

/** A unit of measure (GiB, vCPU), not a lowercase word: never made plural, and said with a sum's pace. */
const isMeasure = (unit: string): boolean => !/^[a-z]+$/.test(unit);

/** "database", "databases", "GiB"; an item without a unit counts bare numbers. */
export function unitWord(unit: string | null, count: number): string {
  if (!unit) return '';
  if (count === 1 || isMeasure(unit)) return unit;
  if (/(s|x|ch|sh)$/.test(unit)) return `${unit}es`;
  if (/[^aeiou]y$/.test(unit)) return `${unit.slice(0, -1)}ies`;
  return `${unit}s`;
}

export const withUnit = (count: number, unit: string | null): string => [formatCount(count), unitWord(unit, count)].filter(Boolean).join(' ');

const formatCount = (n: number): string => n.toLocaleString('en-US');

/** "in prod", or "in all environments" for a limit that counts every environment together. */
export const environmentWords = (environment: string | null): string => (environment === null ? 'in all environments' : `in ${environment}`);

/** The quota's name as a heading: "postgresql-databases · prod" or "· all environments". */
export const quotaTitle = (item: Pick<QuotaItem, 'resource' | 'environment'>): string =>
  `${item.resource} · ${item.environment ?? 'all environments'}`;

/** "1 of 1 database in prod: 1 in use, 0 reserved"; without a limit "2 databases in prod: 2 in use, 0 reserved". */
export function usageWords(item: Pick<QuotaItem, 'limit' | 'used' | 'reserved' | 'unit' | 'environment'>): string {
  const held = item.used + item.reserved;
  const amount = item.limit === null
    ? withUnit(held, item.unit)
    : `${formatCount(held)} of ${withUnit(item.limit, item.unit)}`;
  return `${amount} ${environmentWords(item.environment)}: ${formatCount(item.used)} in use, ${formatCount(item.reserved)} reserved`;
}

/**
 * What is held as a share of the limit, worked out here: the API's `percent` is described as "(used + reserved) /
 * limit" without saying whether that is a fraction or a percentage. Null without a limit.
 */
export function heldPercent(item: Pick<QuotaItem, 'limit' | 'used' | 'reserved'>): number | null {
  if (item.limit === null) return null;
  const held = item.used + item.reserved;
  if (item.limit === 0) return held > 0 ? Infinity : 100;
  return (held / item.limit) * 100;
}

export interface BarParts {
  /** Widths in % of the bar: in use (solid), reserved (striped); what is left is free. */
  readonly used: number;
  readonly reserved: number;
  /** More is held than the limit allows (a limit lowered below what is held): the bar is full and says so. */
  readonly over: boolean;
  /** No limit: the bar has no end; what is held fills its first three quarters (split into in use and reserved) and the rest fades. */
  readonly open: boolean;
}

export function barParts(item: Pick<QuotaItem, 'limit' | 'used' | 'reserved'>): BarParts {
  const held = item.used + item.reserved;
  // Over a (lowered) limit the bar is all held: in use and reserved in their proportions, both seen.
  const scale = item.limit === null ? held / OPEN_FILL : Math.max(item.limit, held);
  if (scale <= 0) return { used: 0, reserved: 0, over: held > 0, open: item.limit === null };
  const used = Math.min(item.used / scale, 1) * 100;
  const reserved = Math.min(item.reserved / scale, 1 - used / 100) * 100;
  return { used: round2(used), reserved: round2(reserved), over: item.limit !== null && held > item.limit, open: item.limit === null };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The share of an open (no limit) bar that what is held fills. */
const OPEN_FILL = 0.75;

/** A short date: "1 Jan", with the year when it is not this year's ("1 Jan 2028"). */
export function shortDate(iso: string, now: Date = new Date(), locale?: string): string {
  const date = new Date(iso);
  const sameYear = date.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }).format(date);
}

/** A limit set to take effect later: "2 from 1 Jan", "no limit from 1 Jan". */
export function pendingWords(pending: NonNullable<QuotaItem['pending']>, unit: string | null, now?: Date, locale?: string): string {
  const limit = pending.limit === null ? 'no limit' : withUnit(pending.limit, unit);
  return `${limit} from ${shortDate(pending.effectiveFrom, now, locale)}`;
}

/**
 * "about 0.5 a week; full by 12 Jan"; "about 0.5 a week; not full at this pace"; "none taken in the last 30 days"; full
 * already, the pace only. A sum's pace says its unit: "about 120 GiB a week".
 */
export function paceWords(item: Pick<QuotaItem, 'projection' | 'limit' | 'used' | 'reserved'> & Partial<Pick<QuotaItem, 'unit'>>, now?: Date, locale?: string): string | null {
  const projection = item.projection;
  if (!projection) return null;
  if (projection.perWeek <= 0) return 'none taken in the last 30 days';
  const rate = projection.perWeek >= 10 ? Math.round(projection.perWeek) : Math.round(projection.perWeek * 10) / 10;
  const measure = item.unit && isMeasure(item.unit) ? ` ${item.unit}` : '';
  const pace = `about ${rate === 0 ? 'less than 0.1' : formatCount(rate)}${measure} a week`;
  // Already full: a date for it says nothing (the alert does).
  if (item.limit === null || item.used + item.reserved >= item.limit) return pace;
  return projection.fullBy ? `${pace}; full by ${shortDate(projection.fullBy, now, locale)}` : `${pace}; not full at this pace`;
}

/** Limits first by resource, then all environments before the named ones (as people read a table). */
export function sortQuotas(items: readonly QuotaItem[]): QuotaItem[] {
  return [...items].sort((a, b) => a.resource.localeCompare(b.resource)
    || (a.environment === null ? -1 : b.environment === null ? 1 : a.environment.localeCompare(b.environment)));
}

export interface Allowance {
  readonly allowed: boolean;
  /** Why not, in words ('' when allowed or not known yet). */
  readonly why: string;
}

/** Whether the caller may set limits: the route table's permission for POST /api/v1/quota/limits/{id} against /me. */
export function limitsAllowance(me: Pick<Me, 'role' | 'permissions'> | undefined): Allowance {
  const route = ROUTES.find((r) => r.method === 'POST' && r.path === '/api/v1/quota/limits/{id}');
  if (!route?.permission) throw new Error('the quota limits route is not in the route table');
  const needs = requiredPermission(route.permission, { pathParameters: {}, query: {}, body: {} });
  if (!me) return { allowed: false, why: '' };
  if (me.permissions.includes(needs)) return { allowed: true, why: '' };
  const roles = ROLES.filter((r) => roleHas(r, needs));
  return { allowed: false, why: `Setting limits needs ${needs}; your role ${me.role} does not have it${roles.length ? ` (${roles.join(' and ')} ${roles.length === 1 ? 'does' : 'do'})` : ''}.` };
}
