import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isScheduledJob, type JobDef } from '#shared/jobs';
import { JOBS } from '#functions/contexts';
import { startScheduler, type Scheduler } from './scheduler.ts';

const job = (name: string, schedule: string): JobDef => ({ name, description: name, schedule, timeoutSeconds: 60 });
const MINUTE = 60_000;

let scheduler: Scheduler | undefined;
let lines: string[];
/** When each run started, per job. */
let runs: Array<[string, string]>;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-24T10:00:30.000Z') });
  lines = [];
  runs = [];
});

afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  vi.useRealTimers();
});

const log = (line: string) => { lines.push(`${new Date().toISOString()} ${line}`); };
const recordRun = (result: unknown = { ok: true }) => async (name: string) => {
  runs.push([name, new Date().toISOString()]);
  return result;
};

describe('startScheduler', () => {
  it('runs a rate(1 minute) job every minute from when it starts, and logs each result', async () => {
    // Prepare
    scheduler = startScheduler({ jobs: [job('tick', 'rate(1 minute)')], runJob: recordRun({ exported: 2 }), log });

    // Act
    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    const beforeFirst = runs.length;
    await vi.advanceTimersByTimeAsync(3 * MINUTE);

    // Assess
    expect(beforeFirst).toBe(0);
    expect(runs).toEqual([
      ['tick', '2026-11-24T10:01:30.000Z'],
      ['tick', '2026-11-24T10:02:30.000Z'],
      ['tick', '2026-11-24T10:03:30.000Z'],
    ]);
    expect(lines).toEqual([
      '2026-11-24T10:01:30.000Z tick finished in 0 ms: {"exported":2}',
      '2026-11-24T10:02:30.000Z tick finished in 0 ms: {"exported":2}',
      '2026-11-24T10:03:30.000Z tick finished in 0 ms: {"exported":2}',
    ]);
  });

  it('never runs a job twice at once: a run that comes due while one is going is skipped', async () => {
    // Prepare
    let finish: (() => void) | undefined;
    const firstRunHangs = new Promise<void>((resolve) => { finish = resolve; });
    const runJob = async (name: string) => {
      runs.push([name, new Date().toISOString()]);
      if (runs.length === 1) await firstRunHangs;
      return 'done';
    };
    scheduler = startScheduler({ jobs: [job('slow', 'rate(1 minute)')], runJob, log });

    // Act
    await vi.advanceTimersByTimeAsync(3 * MINUTE + 15_000);
    finish!();
    await vi.advanceTimersByTimeAsync(MINUTE);

    // Assess
    expect(runs).toEqual([
      ['slow', '2026-11-24T10:01:30.000Z'],
      ['slow', '2026-11-24T10:04:30.000Z'],
    ]);
    expect(lines).toEqual([
      '2026-11-24T10:02:30.000Z slow skipped: its previous run is still going',
      '2026-11-24T10:03:30.000Z slow skipped: its previous run is still going',
      '2026-11-24T10:03:45.000Z slow finished in 135000 ms: "done"',
      '2026-11-24T10:04:30.000Z slow finished in 0 ms: "done"',
    ]);
  });

  it('runs a job named in runAtStart once at once, then on its schedule, never twice at a time', async () => {
    // Prepare
    scheduler = startScheduler({ jobs: [job('poll', 'rate(1 minute)'), job('other', 'rate(1 hour)')], runJob: recordRun(), log, runAtStart: ['poll'] });

    // Act
    await vi.advanceTimersByTimeAsync(2 * MINUTE);

    // Assess
    expect(runs).toEqual([['poll', '2026-11-24T10:00:30.000Z'], ['poll', '2026-11-24T10:01:30.000Z'], ['poll', '2026-11-24T10:02:30.000Z']]);
  });

  it('refuses a runAtStart job that is not scheduled', () => {
    expect(() => startScheduler({ jobs: [job('poll', 'rate(1 minute)')], runJob: recordRun(), log, runAtStart: ['pol'] })).toThrow('runAtStart names no scheduled job: pol');
  });

  it('runs a cron job on its minutes, in UTC', async () => {
    // Prepare
    scheduler = startScheduler({ jobs: [job('five', 'cron(*/5 * * * ? *)')], runJob: recordRun(), log });

    // Act
    await vi.advanceTimersByTimeAsync(10 * MINUTE);

    // Assess
    expect(runs).toEqual([['five', '2026-11-24T10:05:00.000Z'], ['five', '2026-11-24T10:10:00.000Z']]);
  });

  it('runs each job on its own schedule', async () => {
    // Prepare
    scheduler = startScheduler({ jobs: [job('a', 'rate(2 minutes)'), job('b', 'cron(0/3 * * * ? *)')], runJob: recordRun(), log });

    // Act
    await vi.advanceTimersByTimeAsync(5 * MINUTE);

    // Assess
    expect(runs).toEqual([
      ['b', '2026-11-24T10:03:00.000Z'],
      ['a', '2026-11-24T10:02:30.000Z'],
      ['a', '2026-11-24T10:04:30.000Z'],
    ].sort((x, y) => x[1]!.localeCompare(y[1]!)));
  });

  it('logs a failed run and keeps the schedule', async () => {
    // Prepare
    let calls = 0;
    const runJob = (name: string): Promise<unknown> => {
      calls++;
      if (calls === 1) throw new TypeError('archive unavailable');
      return recordRun()(name);
    };
    scheduler = startScheduler({ jobs: [job('flaky', 'rate(1 minute)')], runJob, log });

    // Act
    await vi.advanceTimersByTimeAsync(2 * MINUTE);

    // Assess
    expect(lines).toEqual([
      '2026-11-24T10:01:30.000Z flaky failed after 0 ms: TypeError: archive unavailable',
      '2026-11-24T10:02:30.000Z flaky finished in 0 ms: {"ok":true}',
    ]);
  });

  it('plans the jobs of shared/jobs.ts by default: the audit export at 00:15 UTC, the health poll every minute', () => {
    // Act
    scheduler = startScheduler({ runJob: recordRun(), log });

    // Assess
    const planned = scheduler.planned();
    expect(planned.map((p) => p.name)).toEqual(JOBS.filter(isScheduledJob).map((j) => j.name));
    expect(planned).toContainEqual({ name: 'audit-export', schedule: 'cron(15 0 * * ? *)', next: new Date('2026-11-25T00:15:00.000Z') });
    expect(planned).toContainEqual({ name: 'health-poll', schedule: 'rate(1 minute)', next: new Date('2026-11-24T10:01:30.000Z') });
  });

  it('leaves event jobs out: EventBridge runs them on their events, nothing here on a clock', async () => {
    // Prepare
    const onAlarm: JobDef = { name: 'on-alarm', description: 'on alarm', eventPattern: { source: ['aws.cloudwatch'] }, timeoutSeconds: 60 };

    // Act
    scheduler = startScheduler({ jobs: [job('tick', 'rate(1 minute)'), onAlarm], runJob: recordRun(), log });
    await vi.advanceTimersByTimeAsync(10 * MINUTE);

    // Assess
    expect(scheduler.planned().map((p) => p.name)).toEqual(['tick']);
    expect(runs.map(([name]) => name).filter((name) => name !== 'tick')).toEqual([]);
    expect(() => startScheduler({ jobs: [onAlarm], runJob: recordRun(), log, runAtStart: ['on-alarm'] })).toThrow(/names no scheduled job: on-alarm/);
  });

  it('waits longer than setTimeout can in steps, without running early', async () => {
    // Prepare
    scheduler = startScheduler({ jobs: [job('new-year', 'cron(0 0 1 JAN ? *)')], runJob: recordRun(), log });

    // Act
    await vi.advanceTimersByTimeAsync(30 * 24 * 60 * MINUTE);
    const early = runs.length;
    await vi.advanceTimersByTimeAsync(8 * 24 * 60 * MINUTE);

    // Assess
    expect(early).toBe(0);
    expect(runs).toEqual([['new-year', '2027-01-01T00:00:00.000Z']]);
  });

  it('says when a schedule has no run left, and does not plan one', () => {
    // Act
    scheduler = startScheduler({ jobs: [job('past', 'cron(0 0 1 JAN ? 2020)')], runJob: recordRun(), log });

    // Assess
    expect(scheduler.planned()).toEqual([{ name: 'past', schedule: 'cron(0 0 1 JAN ? 2020)', next: undefined }]);
    expect(lines).toEqual([
      '2026-11-24T10:00:30.000Z past will not run again: schedule "cron(0 0 1 JAN ? 2020)" has no run after 2026-11-24T10:00:30.000Z',
    ]);
  });

  it('refuses to start with an invalid schedule', () => {
    expect(() => startScheduler({ jobs: [job('bad', 'rate(1 minutes)')], runJob: recordRun(), log })).toThrow(/takes the singular unit/);
  });

  it('stops: no run after stop(), which waits for the run in flight', async () => {
    // Prepare
    let finish: (() => void) | undefined;
    const runJob = async (name: string) => {
      runs.push([name, new Date().toISOString()]);
      await new Promise<void>((resolve) => { finish = resolve; });
    };
    scheduler = startScheduler({ jobs: [job('tick', 'rate(1 minute)')], runJob, log });
    await vi.advanceTimersByTimeAsync(MINUTE);

    // Act
    let stopped = false;
    const stopping = scheduler.stop().then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(MINUTE);
    const stoppedWhileRunning = stopped;
    finish!();
    await stopping;
    await vi.advanceTimersByTimeAsync(5 * MINUTE);

    // Assess
    expect(stoppedWhileRunning).toBe(false);
    expect(runs).toEqual([['tick', '2026-11-24T10:01:30.000Z']]);
  });
});
