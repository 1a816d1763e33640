/**
 * The local stand-in for the EventBridge schedules: runs each scheduled job of shared/jobs.ts on its
 * schedule (UTC), through the same jobs Lambda handler the schedules invoke in AWS. Event jobs are not
 * scheduled: nothing emits their events on a laptop (invokeJob hands one an event). One run of a job at a
 * time: a run that comes due while the previous one is still going is skipped (and logged), as a
 * job must tolerate anyway (EventBridge delivers at least once, not exactly on time).
 */
import { isScheduledJob, type JobDef, type ScheduledJobDef } from '#shared/jobs';
import { JOBS, jobNamed } from '#functions/contexts';
import { nextRun, parseSchedule, type Schedule } from '#shared/schedule';
import { invoke } from './lambda.ts';

/** setTimeout's longest delay (about 24.8 days); a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_RESULT_CHARS = 1_000;

export interface SchedulerOptions {
  /** Runs one job once; its result is logged. */
  readonly runJob: (name: string) => Promise<unknown>;
  /** Default: every job in shared/jobs.ts (its event jobs are left out). */
  readonly jobs?: readonly JobDef[];
  readonly now?: () => Date;
  /** Default: console.log with a `[scheduler]` prefix. */
  readonly log?: (line: string) => void;
  /** Jobs to run once right away as well (e.g. the health poll, so a fresh start shows health in seconds). */
  readonly runAtStart?: readonly string[];
}

export interface PlannedRun {
  readonly name: string;
  readonly schedule: string;
  /** Undefined once the schedule has no further run. */
  readonly next: Date | undefined;
}

export interface Scheduler {
  /** When each job runs next. */
  planned(): PlannedRun[];
  /** Stops scheduling; resolves once the runs in flight have finished. */
  stop(): Promise<void>;
}

/**
 * Runs a job once through the jobs Lambda handler, with the job's own timeout. `input` is the rest of
 * the invocation's input, e.g. an event job's `{ event }` as its EventBridge rule passes it.
 */
export function invokeJob(name: string, input: Readonly<Record<string, unknown>> = {}): Promise<unknown> {
  return invoke('jobs', { ...input, job: name }, (jobNamed(name)?.timeoutSeconds ?? 60) * 1000);
}

function summarize(result: unknown): string {
  const text = JSON.stringify(result) ?? 'no result';
  return text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}…` : text;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(`[scheduler] ${line}`));
  // Parsed up front: a bad expression fails `npm start`, as it would fail `cdk deploy`.
  const jobs = (options.jobs ?? JOBS).filter(isScheduledJob).map((job) => ({ job, schedule: parseSchedule(job.schedule) }));
  const timers = new Map<string, NodeJS.Timeout>();
  const due = new Map<string, Date | undefined>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const arm = (job: ScheduledJobDef, schedule: Schedule, at: Date): void => {
    if (stopped) return;
    due.set(job.name, at);
    const timer = setTimeout(() => {
      if (at.getTime() > now().getTime()) return arm(job, schedule, at);
      plan(job, schedule, at);
      run(job);
    }, Math.min(Math.max(at.getTime() - now().getTime(), 0), MAX_TIMER_MS));
    // The scheduler never keeps the process alive on its own.
    timer.unref();
    timers.set(job.name, timer);
  };

  const plan = (job: ScheduledJobDef, schedule: Schedule, after: Date): void => {
    let at: Date;
    try {
      at = nextRun(schedule, after);
      // After the machine slept past several runs, run once now and carry on from the clock,
      // rather than replaying every missed run.
      if (at.getTime() <= now().getTime()) at = nextRun(schedule, now());
    } catch (error) {
      due.set(job.name, undefined);
      log(`${job.name} will not run again: ${(error as Error).message}`);
      return;
    }
    arm(job, schedule, at);
  };

  const run = (job: ScheduledJobDef): void => {
    if (running.has(job.name)) {
      log(`${job.name} skipped: its previous run is still going`);
      return;
    }
    const started = now().getTime();
    const elapsed = () => `${now().getTime() - started} ms`;
    const done = (async () => {
      try {
        // Deferred a tick, so even a runJob that throws at once settles after `running` records it.
        const result = await Promise.resolve().then(() => options.runJob(job.name));
        log(`${job.name} finished in ${elapsed()}: ${summarize(result)}`);
      } catch (error) {
        const e = error as Error;
        log(`${job.name} failed after ${elapsed()}: ${e.name}: ${e.message}`);
      } finally {
        running.delete(job.name);
      }
    })();
    running.set(job.name, done);
  };

  const atStart = (options.runAtStart ?? []).map((name) => {
    const entry = jobs.find(({ job }) => job.name === name);
    if (!entry) throw new Error(`runAtStart names no scheduled job: ${name}`);
    return entry.job;
  });
  for (const { job, schedule } of jobs) plan(job, schedule, now());
  for (const job of atStart) run(job);

  return {
    planned: () => jobs.map(({ job }) => ({ name: job.name, schedule: job.schedule, next: due.get(job.name) })),
    stop: async () => {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(running.values());
    },
  };
}
