import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { nextRun, parseSchedule } from './schedule.ts';

const at = (iso: string): Date => new Date(iso);
/** The next `count` runs after `from`, as ISO strings. */
function runs(expression: string, from: string, count: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = nextRun(expression, t);
    out.push(t.toISOString());
  }
  return out;
}

describe('parseSchedule', () => {
  it('reads a rate into milliseconds', () => {
    expect(parseSchedule('rate(1 minute)')).toEqual({ kind: 'rate', expression: 'rate(1 minute)', everyMs: 60_000 });
    expect(parseSchedule('rate(5 minutes)')).toMatchObject({ everyMs: 300_000 });
    expect(parseSchedule('rate(1 hour)')).toMatchObject({ everyMs: 3_600_000 });
    expect(parseSchedule('rate(12 hours)')).toMatchObject({ everyMs: 43_200_000 });
    expect(parseSchedule('rate(1 day)')).toMatchObject({ everyMs: 86_400_000 });
    expect(parseSchedule('rate(7 days)')).toMatchObject({ everyMs: 604_800_000 });
  });

  it('reads every cron field, names and lists included', () => {
    // Act
    const parsed = parseSchedule('cron(0,30 8-10 ? JAN,JUL-AUG MON-FRI 2026-2027)');

    // Assess
    expect(parsed).toEqual({
      kind: 'cron',
      expression: 'cron(0,30 8-10 ? JAN,JUL-AUG MON-FRI 2026-2027)',
      minutes: new Set([0, 30]),
      hours: new Set([8, 9, 10]),
      daysOfMonth: undefined,
      months: new Set([1, 7, 8]),
      daysOfWeek: new Set([2, 3, 4, 5, 6]),
      years: new Set([2026, 2027]),
    });
  });

  it('reads steps from a start, over a range and over everything', () => {
    expect(parseSchedule('cron(*/20 0/6 * * ? *)')).toMatchObject({ minutes: new Set([0, 20, 40]), hours: new Set([0, 6, 12, 18]) });
    expect(parseSchedule('cron(5/15 1-9/4 ? * * *)')).toMatchObject({ minutes: new Set([5, 20, 35, 50]), hours: new Set([1, 5, 9]) });
    expect(parseSchedule('cron(0 0 1/10 * ? *)')).toMatchObject({ daysOfMonth: new Set([1, 11, 21, 31]) });
  });

  it('accepts names in any case and spaces around the body', () => {
    expect(parseSchedule(' cron(0 12 ? dec sun * ) ')).toMatchObject({ months: new Set([12]), daysOfWeek: new Set([1]) });
  });

  it.each([
    ['every', 'expected rate(value unit) or cron('],
    ['rate(5 minutes', 'expected rate(value unit) or cron('],
    ['rate(minutes)', 'a whole number and a unit'],
    ['rate(0 minutes)', 'positive whole number'],
    ['rate(1.5 hours)', 'a whole number and a unit'],
    ['rate(-1 minutes)', 'a whole number and a unit'],
    ['rate(5 seconds)', 'unknown unit "seconds"'],
    ['rate(2 weeks)', 'unknown unit "weeks"'],
    ['rate(1 minutes)', 'takes the singular unit: rate(1 minute)'],
    ['rate(5 minute)', 'takes the plural unit: rate(5 minutes)'],
    ['cron(0 12 * * ?)', 'cron takes 6 fields'],
    ['cron(0 12 * * ? * *)', 'cron takes 6 fields'],
    ['cron(0 12 * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 12 ? * ? *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 12 1 * MON *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(? 12 * * ? *)', '? is allowed only in day-of-month and day-of-week, not in minutes'],
    ['cron(60 12 * * ? *)', '60 is out of range for minutes (0-59)'],
    ['cron(0 24 * * ? *)', '24 is out of range for hours (0-23)'],
    ['cron(0 12 0 * ? *)', '0 is out of range for day-of-month (1-31)'],
    ['cron(0 12 32 * ? *)', '32 is out of range for day-of-month (1-31)'],
    ['cron(0 12 * 13 ? *)', '13 is out of range for month (1-12)'],
    ['cron(0 12 ? * 0 *)', '0 is out of range for day-of-week (1-7)'],
    ['cron(0 12 ? * 8 *)', '8 is out of range for day-of-week (1-7)'],
    ['cron(0 12 * * ? 1969)', '1969 is out of range for year (1970-2199)'],
    ['cron(0 12 * * ? 2200)', '2200 is out of range for year (1970-2199)'],
    ['cron(0 12 * FOO ? *)', '"FOO" in month is not a number 1-12 or JAN-DEC'],
    ['cron(0 12 ? * MONDAY *)', '"MONDAY" in day-of-week is not a number 1-7 or SUN-SAT'],
    ['cron(JAN 12 * * ? *)', '"JAN" in minutes is not a number 0-59'],
    ['cron(30-10 12 * * ? *)', 'the range "30-10" in minutes runs backwards'],
    ['cron(1-2-3 12 * * ? *)', 'is not a range a-b'],
    ['cron(*/0 12 * * ? *)', 'the step "/0" in minutes must be a positive whole number'],
    ['cron(*/x 12 * * ? *)', 'the step "/x" in minutes must be a positive whole number'],
    ['cron(0/5/2 12 * * ? *)', '"0/5/2" in minutes is not a value, range or step'],
    ['cron(0,,5 12 * * ? *)', '"" in minutes is not a value, range or step'],
    ['cron(0 12 L * ? *)', '"L" in day-of-month uses L (the last day)'],
    ['cron(0 12 LW * ? *)', '"LW" in day-of-month uses W (the nearest weekday)'],
    ['cron(0 12 15W * ? *)', '"15W" in day-of-month uses W (the nearest weekday)'],
    ['cron(0 12 ? * 6L *)', '"6L" in day-of-week uses L (the last day)'],
    ['cron(0 12 ? * FRI#3 *)', '"FRI#3" in day-of-week uses # (the nth weekday of the month)'],
  ])('refuses %s, saying why', (expression, reason) => {
    // Act
    let error: unknown;
    try {
      parseSchedule(expression);
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(`invalid schedule expression "${expression}"`);
    expect((error as ValidationError).message).toContain(reason);
    expect((error as ValidationError).details).toEqual([{ path: '/schedule', message: expect.stringContaining(reason) }]);
  });
});

describe('nextRun', () => {
  it('runs a rate one interval after the given time', () => {
    expect(runs('rate(1 minute)', '2026-11-24T10:00:30.500Z', 3)).toEqual([
      '2026-11-24T10:01:30.500Z', '2026-11-24T10:02:30.500Z', '2026-11-24T10:03:30.500Z',
    ]);
    expect(nextRun('rate(2 days)', at('2026-12-31T23:00:00Z')).toISOString()).toBe('2027-01-02T23:00:00.000Z');
  });

  it('runs the audit export at 00:15 UTC every day', () => {
    expect(runs('cron(15 0 * * ? *)', '2026-11-24T23:51:22Z', 3)).toEqual([
      '2026-11-25T00:15:00.000Z', '2026-11-26T00:15:00.000Z', '2026-11-27T00:15:00.000Z',
    ]);
  });

  it('is strictly after the given time, even when that time is a run', () => {
    expect(nextRun('cron(15 0 * * ? *)', at('2026-11-25T00:15:00Z')).toISOString()).toBe('2026-11-26T00:15:00.000Z');
    expect(nextRun('cron(15 0 * * ? *)', at('2026-11-25T00:14:59.999Z')).toISOString()).toBe('2026-11-25T00:15:00.000Z');
  });

  it('steps through minutes and rolls over hours, days, months and years', () => {
    expect(runs('cron(*/20 * * * ? *)', '2026-12-31T23:30:00Z', 4)).toEqual([
      '2026-12-31T23:40:00.000Z', '2027-01-01T00:00:00.000Z', '2027-01-01T00:20:00.000Z', '2027-01-01T00:40:00.000Z',
    ]);
  });

  it('counts day-of-week from 1 = Sunday', () => {
    // 2026-11-24 is a Tuesday.
    expect(runs('cron(0 9 ? * MON-FRI *)', '2026-11-26T12:00:00Z', 3)).toEqual([
      '2026-11-27T09:00:00.000Z', '2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z',
    ]);
    expect(nextRun('cron(0 0 ? * 1 *)', at('2026-11-24T00:00:00Z')).toISOString()).toBe('2026-11-29T00:00:00.000Z');
    expect(nextRun('cron(0 0 ? * 7 *)', at('2026-11-24T00:00:00Z')).toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(nextRun('cron(0 0 ? * SAT,SUN *)', at('2026-11-28T00:00:00Z')).toISOString()).toBe('2026-11-29T00:00:00.000Z');
  });

  it('skips months that lack the day', () => {
    expect(runs('cron(0 6 31 * ? *)', '2027-01-31T12:00:00Z', 3)).toEqual([
      '2027-03-31T06:00:00.000Z', '2027-05-31T06:00:00.000Z', '2027-07-31T06:00:00.000Z',
    ]);
    expect(nextRun('cron(0 0 29 FEB ? *)', at('2026-11-24T00:00:00Z')).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('honours the year field and says when a schedule never runs again', () => {
    expect(nextRun('cron(0 0 1 JAN ? 2030)', at('2026-11-24T00:00:00Z')).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(() => nextRun('cron(0 0 1 JAN ? 2020)', at('2026-11-24T00:00:00Z'))).toThrow(
      new ValidationError('schedule "cron(0 0 1 JAN ? 2020)" has no run after 2026-11-24T00:00:00.000Z', {
        details: [{ path: '/schedule', message: 'no future run' }],
      }),
    );
    expect(() => nextRun('cron(0 0 30 FEB ? *)', at('2026-11-24T00:00:00Z'))).toThrow(/has no run after/);
  });

  it('accepts a parsed schedule as well as its expression', () => {
    // Prepare
    const parsed = parseSchedule('cron(0 12 * * ? *)');

    // Act / Assess
    expect(nextRun(parsed, at('2026-11-24T12:00:00Z')).toISOString()).toBe('2026-11-25T12:00:00.000Z');
  });
});
