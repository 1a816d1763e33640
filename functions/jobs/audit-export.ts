/**
 * The audit export (ARCHITECTURE.md §1): each closed UTC day of the audit log, copied to the write-once
 * archive as NDJSON (one AuditEntry per line, oldest first) under `audit/<yyyy>/<mm>/<dd>.ndjson`.
 *
 * Safe to run any number of times: a day whose object exists is skipped, never rewritten, and the
 * archive itself refuses a second write (a concurrent run loses cleanly). Each run also looks back
 * LOOKBACK_DAYS for days a failed or missed run left out. A day with no entries is exported as an
 * empty object, so the archive says "nothing happened" rather than leaving a gap an auditor must
 * explain.
 */
import { SCHEMAS } from '#schemas/index.ts';
import type { AuditEntry } from '#schemas/index.ts';
import { ConflictError, ValidationError } from '#shared/errors';
import { logger } from '#lib/observability';
import { queryPage, type Item } from '#lib/table';
import { toEntry } from '#functions/audit/public';
import type { AuditArchive } from './ports.ts';

const DAY_MS = 86_400_000;
/** How far before the requested day a run checks for days that were not exported. */
export const LOOKBACK_DAYS = 7;

export interface ExportedDay {
  readonly day: string;
  readonly count: number;
  readonly key: string;
}

export interface SkippedDay {
  readonly day: string;
  readonly key: string;
  readonly reason: 'already exported';
}

export interface AuditExportSummary {
  readonly exported: ExportedDay[];
  readonly skipped: SkippedDay[];
}

export interface AuditExportOptions {
  /** The last day to export, `yyyy-mm-dd` (UTC); it must be closed. Default: yesterday. */
  readonly day?: string;
  /** Default: the clock. */
  readonly now?: Date;
  /** Items read per Query page; default 500. */
  readonly pageSize?: number;
}

export const archiveKey = (day: string): string => `audit/${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}.ndjson`;

const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

function closedDay(day: string, today: string): string {
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`))
    && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
  if (!valid) throw new ValidationError(`${day} is not a day (yyyy-mm-dd)`, { details: [{ path: '/day', message: 'must be a date yyyy-mm-dd' }] });
  // Today's partition is still being written; an export of it would be incomplete and, being
  // write-once, could never be completed.
  if (day >= today) {
    throw new ValidationError(`${day} is not closed yet: only days before ${today} (UTC) can be exported`, {
      details: [{ path: '/day', message: 'must be before today (UTC)' }],
    });
  }
  return day;
}

/** Schema order at the top, sorted keys below: the same entry always makes the same line. */
const FIELD_ORDER = Object.keys(SCHEMAS['audit-entry'].properties);

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, sortedKeys(record[k])]));
}

export function ndjsonLine(entry: AuditEntry): string {
  const record = entry as unknown as Record<string, unknown>;
  const keys = [...FIELD_ORDER.filter((k) => k in record), ...Object.keys(record).filter((k) => !FIELD_ORDER.includes(k)).sort()];
  return `${JSON.stringify(Object.fromEntries(keys.map((k) => [k, sortedKeys(record[k])])))}\n`;
}

/**
 * The whole day partition, oldest first. Held in memory because the archive takes whole objects (one
 * conditional PUT); at about 1 KB an entry, even 100,000 entries a day fit a modest Lambda.
 */
async function readDay(day: string, pageSize: number): Promise<string[]> {
  const lines: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item>({ partition: `AUDIT#${day}`, limit: pageSize, cursor });
    for (const item of page.items) lines.push(ndjsonLine(toEntry(item)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return lines;
}

export async function exportAuditDays(archive: AuditArchive, options: AuditExportOptions = {}): Promise<AuditExportSummary> {
  const today = (options.now ?? new Date()).toISOString().slice(0, 10);
  const last = closedDay(options.day ?? addDays(today, -1), today);
  const summary: AuditExportSummary = { exported: [], skipped: [] };
  // Oldest first: if a run fails part way, what remains is the newest, which the next run still sees.
  for (let back = LOOKBACK_DAYS; back >= 0; back--) {
    const day = addDays(last, -back);
    const key = archiveKey(day);
    if (await archive.exists(key)) {
      summary.skipped.push({ day, key, reason: 'already exported' });
      continue;
    }
    const lines = await readDay(day, options.pageSize ?? 500);
    try {
      await archive.put(key, lines.join(''));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Another run wrote it between our check and our write: its copy stands.
      summary.skipped.push({ day, key, reason: 'already exported' });
      continue;
    }
    logger.info('audit day exported', { day, count: lines.length, key });
    summary.exported.push({ day, count: lines.length, key });
  }
  return summary;
}
