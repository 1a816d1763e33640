/**
 * The "Set limits" dialog's rows as the API's body (POST /api/v1/quota/limits/{id}), checked as the schema and the
 * organization's caps will check them, and the API's 400 paths (`/body/limits/0/limit`) back onto their rows.
 */
import type { QuotaLimitsPut } from '../../../../schemas/types.gen.ts';
import type { FieldErrors } from '../../components/field-errors.ts';
import type { QuotaItem } from './quota-words.ts';

export interface LimitRow {
  readonly resource: string;
  /** '' counts every environment together. */
  readonly environment: string;
  /** '' removes the limit. */
  readonly limit: string;
  /** A `datetime-local` value ('2027-01-01T09:00', the browser's time zone), or '' for now. */
  readonly effectiveFrom: string;
}

export const ROW_FIELDS = ['resource', 'environment', 'limit', 'effectiveFrom'] as const;
export type RowField = (typeof ROW_FIELDS)[number];

export const emptyRow = (): LimitRow => ({ resource: '', environment: '', limit: '', effectiveFrom: '' });

/** A row for a quota already shown, to change it. */
export const rowOf = (item: Pick<QuotaItem, 'resource' | 'environment' | 'limit'>): LimitRow =>
  ({ resource: item.resource, environment: item.environment ?? '', limit: item.limit === null ? '' : String(item.limit), effectiveFrom: '' });

/** The key of a row's field in the form's errors: `0.limit`. */
export const rowKey = (index: number, field: RowField): string => `${index}.${field}`;

const RESOURCE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]*$/;
const MAX_LIMIT = 1_000_000;

/** The body, or the rows' problems by `rowKey` (and `reason`). */
export function limitsBody(rows: readonly LimitRow[], reason: string, caps: Readonly<Record<string, number>>):
  { body: QuotaLimitsPut; errors?: never } | { body?: never; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const seen = new Map<string, number>();
  const limits = rows.map((row, i) => {
    const resource = row.resource.trim();
    const environment = row.environment.trim();
    const limitText = row.limit.trim();
    if (!RESOURCE.test(resource) || resource.length > 63) errors[rowKey(i, 'resource')] = resource ? 'Lowercase words joined by dashes, e.g. postgresql-databases' : 'Which resource';
    if (environment && (!ENVIRONMENT.test(environment) || environment.length > 32)) errors[rowKey(i, 'environment')] = 'An environment name such as prod, or empty for all';
    const key = `${resource}\u0000${environment}\u0000${row.effectiveFrom}`;
    if (seen.has(key)) errors[rowKey(i, 'environment')] = `Row ${seen.get(key)! + 1} already sets this one`;
    else seen.set(key, i);
    let limit: number | null = null;
    if (limitText) {
      limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit > MAX_LIMIT) errors[rowKey(i, 'limit')] = `A whole number from 0 to ${MAX_LIMIT.toLocaleString('en-US')}, or empty to remove the limit`;
      else if (caps[resource] !== undefined && limit > caps[resource]) errors[rowKey(i, 'limit')] = `The organization's cap for ${resource} is ${caps[resource]}`;
    }
    let effectiveFrom: string | undefined;
    if (row.effectiveFrom) {
      const at = new Date(row.effectiveFrom);
      if (Number.isNaN(at.getTime())) errors[rowKey(i, 'effectiveFrom')] = 'A date and time';
      else effectiveFrom = at.toISOString();
    }
    return { resource, environment: environment || null, limit, ...(effectiveFrom ? { effectiveFrom } : {}) };
  });
  if (rows.length === 0) errors.form = 'Add a limit to set';
  if (reason.length > 500) errors.reason = 'At most 500 characters';
  if (Object.keys(errors).length) return { errors };
  const [first, ...rest] = limits;
  return { body: { limits: [first!, ...rest], ...(reason.trim() ? { reason: reason.trim() } : {}) } };
}

/** Where an API error path shows: a row's field (`/body/limits/0/limit` → `0.limit`, a whole row on its resource), the reason, or above the form. */
export function limitsFieldOf(path: string): string | undefined {
  const row = /^\/body\/limits\/(\d+)(?:\/([A-Za-z]+))?/.exec(path);
  if (row) {
    const field = (ROW_FIELDS as readonly string[]).includes(row[2] ?? '') ? row[2] as RowField : 'resource';
    return rowKey(Number(row[1]), field);
  }
  if (/^\/body\/reason\b/.test(path)) return 'reason';
  return undefined;
}
