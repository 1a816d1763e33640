/**
 * EventBridge schedule expressions, evaluated the way EventBridge does (UTC), so the local scheduler
 * runs a job when AWS would and an expression AWS would refuse fails here first:
 *   rate(value unit)  value a positive integer; unit minute|hour|day, singular for 1, plural otherwise
 *   cron(minutes hours day-of-month month day-of-week year)
 *     , - * / in every field; ? in exactly one of day-of-month and day-of-week;
 *     month 1-12 or JAN-DEC; day-of-week 1-7 (1 = SUN) or SUN-SAT; year 1970-2199.
 * `L`, `W` and `#` are valid in EventBridge but not evaluated here: they are refused by name.
 * Pure: no Node APIs, so the web app and infra can read schedules too.
 */
import { ValidationError } from './errors.ts';

export interface RateSchedule {
  readonly kind: 'rate';
  readonly expression: string;
  readonly everyMs: number;
}

export interface CronSchedule {
  readonly kind: 'cron';
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** Undefined when the field is `?` (day-of-week decides). */
  readonly daysOfMonth: ReadonlySet<number> | undefined;
  readonly months: ReadonlySet<number>;
  /** 1 = Sunday … 7 = Saturday; undefined when the field is `?` (day-of-month decides). */
  readonly daysOfWeek: ReadonlySet<number> | undefined;
  readonly years: ReadonlySet<number>;
}

export type Schedule = RateSchedule | CronSchedule;

const MINUTE_MS = 60_000;
const RATE_UNITS: Record<string, number> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS };
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names that stand for min, min + 1, … (months, weekdays). */
  readonly names?: readonly string[];
  readonly questionMark?: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, questionMark: true },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, questionMark: true },
  { name: 'year', min: MIN_YEAR, max: MAX_YEAR },
];

function invalid(expression: string, reason: string): ValidationError {
  return new ValidationError(`invalid schedule expression "${expression}": ${reason}`, {
    details: [{ path: '/schedule', message: reason }],
  });
}

/** Parses a schedule expression, or throws a ValidationError saying what is wrong with it. */
export function parseSchedule(expression: string): Schedule {
  const trimmed = expression.trim();
  const rate = /^rate\((.*)\)$/.exec(trimmed);
  if (rate) return parseRate(expression, rate[1]!.trim());
  const cron = /^cron\((.*)\)$/.exec(trimmed);
  if (cron) return parseCron(expression, cron[1]!.trim());
  throw invalid(expression, 'expected rate(value unit) or cron(minutes hours day-of-month month day-of-week year)');
}

function parseRate(expression: string, body: string): RateSchedule {
  const match = /^(\d+)\s+([a-z]+)$/.exec(body);
  if (!match) throw invalid(expression, 'a rate is a whole number and a unit, e.g. rate(5 minutes)');
  const value = Number(match[1]);
  const unit = match[2]!;
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  const unitMs = RATE_UNITS[singular];
  if (unitMs === undefined) throw invalid(expression, `unknown unit "${unit}"; use minute(s), hour(s) or day(s)`);
  if (!Number.isSafeInteger(value) || value < 1) throw invalid(expression, 'the rate must be a positive whole number');
  // EventBridge refuses "1 minutes" and "5 minute"; so do we, or the deploy would fail later.
  if (value === 1 && unit !== singular) throw invalid(expression, `a rate of 1 takes the singular unit: rate(1 ${singular})`);
  if (value > 1 && unit === singular) throw invalid(expression, `a rate above 1 takes the plural unit: rate(${value} ${singular}s)`);
  return { kind: 'rate', expression, everyMs: value * unitMs };
}

function parseCron(expression: string, body: string): CronSchedule {
  const parts = body.split(/\s+/).filter(Boolean);
  if (parts.length !== 6) {
    throw invalid(expression, `cron takes 6 fields (minutes hours day-of-month month day-of-week year), not ${parts.length}`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek, years] = parts.map((part, i) => parseField(expression, part, FIELDS[i]!));
  const domAny = parts[2] === '?';
  const dowAny = parts[4] === '?';
  if (domAny === dowAny) {
    throw invalid(expression, 'exactly one of day-of-month and day-of-week must be ?, e.g. cron(0 12 * * ? *) or cron(0 12 ? * MON-FRI *)');
  }
  return {
    kind: 'cron',
    expression,
    minutes: minutes!,
    hours: hours!,
    daysOfMonth: domAny ? undefined : daysOfMonth,
    months: months!,
    daysOfWeek: dowAny ? undefined : daysOfWeek,
    years: years!,
  };
}

function parseField(expression: string, text: string, spec: FieldSpec): Set<number> {
  if (text === '?') {
    if (!spec.questionMark) throw invalid(expression, `? is allowed only in day-of-month and day-of-week, not in ${spec.name}`);
    return new Set();
  }
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const special = unsupportedSpecial(item, spec);
    if (special) {
      throw invalid(expression, `"${item}" in ${spec.name} uses ${special}, which EventBridge accepts but Apollo's schedule evaluator does not; use lists and ranges instead`);
    }
    const [range, stepText, ...rest] = item.split('/');
    if (rest.length || range === undefined || range === '') throw invalid(expression, `"${item}" in ${spec.name} is not a value, range or step`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw invalid(expression, `the step "/${stepText}" in ${spec.name} must be a positive whole number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [spec.min, spec.max];
    } else if (range.includes('-')) {
      const bounds = range.split('-');
      if (bounds.length !== 2) throw invalid(expression, `"${range}" in ${spec.name} is not a range a-b`);
      from = parseValue(expression, bounds[0]!, spec);
      to = parseValue(expression, bounds[1]!, spec);
      if (from > to) throw invalid(expression, `the range "${range}" in ${spec.name} runs backwards`);
    } else {
      from = parseValue(expression, range, spec);
      // `a/n` means from a to the end of the field, every n.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** EventBridge's `L` (last), `W` (nearest weekday) and `#` (nth weekday), which we refuse by name. */
function unsupportedSpecial(item: string, spec: FieldSpec): string | undefined {
  const upper = item.toUpperCase();
  // Only the day fields have these in EventBridge; elsewhere they are plain errors.
  if (!spec.questionMark || spec.names?.includes(upper)) return undefined;
  if (upper.includes('#')) return '# (the nth weekday of the month)';
  if (/^(\d+W|LW)$/.test(upper)) return 'W (the nearest weekday)';
  if (/^([0-9A-Z]*L)(-\d+)?$/.test(upper)) return 'L (the last day)';
  return undefined;
}

function parseValue(expression: string, text: string, spec: FieldSpec): number {
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return spec.min + index;
  if (!/^\d+$/.test(text)) {
    const names = spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : '';
    throw invalid(expression, `"${text}" in ${spec.name} is not a number ${spec.min}-${spec.max}${names}`);
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) throw invalid(expression, `${value} is out of range for ${spec.name} (${spec.min}-${spec.max})`);
  return value;
}

/**
 * The first run strictly after `after` (UTC, whole minutes for cron). A rate counts from when it
 * starts, as EventBridge counts from when the rule is created: the next run is one interval after
 * `after`. Throws a ValidationError if a cron expression never runs again (its years have passed).
 */
export function nextRun(expression: string | Schedule, after: Date): Date {
  const schedule = typeof expression === 'string' ? parseSchedule(expression) : expression;
  if (schedule.kind === 'rate') return new Date(after.getTime() + schedule.everyMs);
  const next = nextCronRun(schedule, after);
  if (!next) {
    throw new ValidationError(`schedule "${schedule.expression}" has no run after ${after.toISOString()}`, {
      details: [{ path: '/schedule', message: 'no future run' }],
    });
  }
  return next;
}

function dayMatches(schedule: CronSchedule, t: Date): boolean {
  if (schedule.daysOfMonth) return schedule.daysOfMonth.has(t.getUTCDate());
  return schedule.daysOfWeek!.has(t.getUTCDay() + 1);
}

/** Walks forward field by field, jumping whole years, months, days and hours that cannot match. */
function nextCronRun(schedule: CronSchedule, after: Date): Date | undefined {
  const t = new Date(Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  while (t.getUTCFullYear() <= MAX_YEAR) {
    if (!schedule.years.has(t.getUTCFullYear())) {
      t.setTime(Date.UTC(t.getUTCFullYear() + 1, 0, 1));
    } else if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setTime(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1));
    } else if (!dayMatches(schedule, t)) {
      t.setTime(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1));
    } else if (!schedule.hours.has(t.getUTCHours())) {
      t.setTime(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours() + 1));
    } else if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setTime(t.getTime() + MINUTE_MS);
    } else {
      return t;
    }
  }
  return undefined;
}
