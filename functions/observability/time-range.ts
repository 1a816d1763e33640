/** The time range of a log read: defaults (the last hour) and its limit (APOLLO_LOGS_MAX_RANGE_DAYS), refused with the fields' paths. */
import { ValidationError } from '#shared/errors';
import { observabilityConfig } from './config.ts';

const HOUR_MS = 60 * 60 * 1000;

export interface TimeRange { readonly start: number; readonly end: number }

/** `from`/`to` as given (ISO), `paths` naming them for the error details (`/body/start`, `/query/from`). */
export function timeRange(from: string | undefined, to: string | undefined, paths: { from: string; to: string }, now = Date.now()): TimeRange {
  const end = to === undefined ? now : Date.parse(to);
  const start = from === undefined ? end - HOUR_MS : Date.parse(from);
  if (start >= end) throw new ValidationError('the time range is empty: its start must be before its end', { details: [{ path: paths.from, message: 'must be before the end' }] });
  const maxDays = observabilityConfig().maxRangeDays;
  if (end - start > maxDays * 24 * HOUR_MS) {
    throw new ValidationError(`the time range spans more than ${maxDays} days`, { details: [{ path: from === undefined ? paths.to : paths.from, message: `at most ${maxDays} days from start to end` }] });
  }
  return { start, end };
}
