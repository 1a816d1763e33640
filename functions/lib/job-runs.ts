/**
 * Background runs kept as one table item each (discovery syncs, catalog refreshes):
 *   run   PK <keyPrefix>#<id>  SK META   GSI1 <listPartition> / <id>   (ids are ULIDs: the list is by time)
 * Every save is published live on the run's topic. The run is the item's only writer once started;
 * progress is saved at most every PROGRESS_EVERY_MS and always at the end, so a large run doesn't
 * cost a write per step.
 */
import { monotonicFactory } from 'ulidx';
import { NotFoundError, ValidationError } from '#shared/errors';
import { GitHubBadAnswerError, GitHubNotConfiguredError, GitHubRateLimitedError, GitHubTimeoutError } from './github/errors.ts';
import { logger } from './observability.ts';
import { publish } from './realtime.ts';
import { getItem, putItem, putNew, queryPage, type Item, type Page } from './table.ts';

export const PROGRESS_EVERY_MS = 500;
/** A run still `running` after this long was cut off (Lambda's 15-minute limit) and may run again. */
export const STALE_RUNNING_MS = 16 * 60_000;
/** What a run's id looks like (a ULID); a job event naming anything else is refused. */
export const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export interface Run {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'rate-limited';
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  rateLimitResetAt?: string;
}

export interface RunStoreOptions {
  /** In words, for errors: 'discovery job'. */
  readonly name: string;
  readonly keyPrefix: string;
  readonly listPartition: string;
  readonly entity: string;
  /** The realtime topic and event every save is published as. */
  readonly topic: (id: string) => string;
  readonly event: string;
}

const ulid = monotonicFactory();

/** Whether two scopes (lists of names, or undefined for everything) are the same, in any order. */
export const sameScope = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  (a === undefined && b === undefined) || (a !== undefined && b !== undefined && [...a].sort().join('\n') === [...b].sort().join('\n'));

const isStale = (run: Run): boolean => Date.now() - Date.parse(run.updatedAt) > STALE_RUNNING_MS;

export class RunStore<R extends Run> {
  constructor(private readonly options: RunStoreOptions) {}

  /** A new run id: ULIDs, so the list is by time. */
  newId(): string {
    return ulid();
  }

  async create(run: R): Promise<R> {
    await putNew(this.toItem(run), `${this.options.name} ${run.id} exists`);
    return run;
  }

  async get(id: string): Promise<R> {
    const item = await getItem<Item & R>(this.key(id), { consistent: true });
    if (!item) throw new NotFoundError(`${this.options.name} ${id} not found`);
    return this.toRun(item);
  }

  /** Newest first. */
  async list(limit: number, cursor?: string): Promise<Page<R>> {
    const page = await queryPage<Item & R>({ index: 'GSI1', partition: this.options.listPartition, limit, cursor, newestFirst: true });
    return { items: page.items.map((item) => this.toRun(item)), nextCursor: page.nextCursor };
  }

  /** A queued or running (not cut off) run among the 20 newest that `matches`, if any. One Query. */
  async findActive(matches: (run: R) => boolean): Promise<R | undefined> {
    const page = await queryPage<Item & R>({ index: 'GSI1', partition: this.options.listPartition, limit: 20, newestFirst: true });
    return page.items.map((item) => this.toRun(item))
      .find((run) => (run.status === 'queued' || run.status === 'running') && !isStale(run) && matches(run));
  }

  /** Stamps, stores and publishes the run. */
  async save(run: R): Promise<void> {
    run.updatedAt = new Date().toISOString();
    await putItem(this.toItem(run));
    await publish(this.options.topic(run.id), this.options.event, run);
  }

  /** Whether the run is to run now: queued, or running but cut off (already run or running elsewhere: no, so an at-least-once invocation never runs twice). */
  mayRun(run: R): boolean {
    return run.status === 'queued' || (run.status === 'running' && isStale(run));
  }

  /**
   * Ends the runs among the `newest` still queued or running: the local runtime's runs run in its process, so at its
   * start they were lost with the one before (a crash or restart), and a new run would join one of them and never
   * end. Each is failed saying it was interrupted (its progress as last saved); answers them.
   */
  async markInterrupted(why: string, newest = 200): Promise<R[]> {
    const page = await queryPage<Item & R>({ index: 'GSI1', partition: this.options.listPartition, limit: newest, newestFirst: true });
    const lost = page.items.map((item) => this.toRun(item)).filter((run) => run.status === 'queued' || run.status === 'running');
    for (const run of lost) {
      run.error = `interrupted: ${run.status === 'queued' ? 'it never began' : 'its run was lost part-way'} (${why}); start it again`;
      run.status = 'failed';
      run.finishedAt = new Date().toISOString();
      await this.save(run);
    }
    return lost;
  }

  /** Saves the run's progress at most every PROGRESS_EVERY_MS (or now, when `force`d), counting from now. */
  progressSaver(run: R): (force?: boolean) => Promise<void> {
    let lastSave = Date.now();
    return async (force = false) => {
      if (!force && Date.now() - lastSave < PROGRESS_EVERY_MS) return;
      lastSave = Date.now();
      await this.save(run);
    };
  }

  private key(id: string) {
    return { PK: `${this.options.keyPrefix}#${id}`, SK: 'META' };
  }

  private toItem(run: R): Item {
    return { ...this.key(run.id), GSI1PK: this.options.listPartition, GSI1SK: run.id, entity: this.options.entity, ...(run as Run & Item) };
  }

  private toRun(item: Item & R): R {
    const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _e, ...run } = item;
    return run as unknown as R;
  }
}

/**
 * Records why a run stopped: GitHub's rate limit (it may run again after the reset), a missing
 * configuration, a GitHub that did not answer in time or answered garbage (each said as is), GitHub's answer,
 * or else `words.message` (the error itself is logged as `words.log`).
 */
export function recordRunFailure(run: Run, error: unknown, words: { readonly log: string; readonly message: string }): void {
  if (error instanceof GitHubRateLimitedError) {
    run.status = 'rate-limited';
    run.rateLimitResetAt = error.resetAt.toISOString();
    run.error = error.message;
    return;
  }
  logger.error(words.log, { error: error as Error });
  run.status = 'failed';
  const status = (error as { status?: number }).status;
  const said = error instanceof GitHubNotConfiguredError || error instanceof GitHubTimeoutError || error instanceof GitHubBadAnswerError;
  run.error = said ? error.message : status ? `GitHub answered ${status}` : words.message;
}

/** What a jobs-Lambda entry did: the run, or why it did not run one. */
export type JobRunResult<R extends Run> = { readonly skipped: string } | R;

export interface JobEntry<D, R extends Run> {
  /** In words, for errors and skips: 'discovery job'. */
  readonly name: string;
  /** The run's adapters; throws GitHubNotConfiguredError when the integration is not configured. */
  readonly deps: () => D;
  /** A full run already under way, which the scheduled run leaves alone. */
  readonly active: (deps: D) => Promise<R | undefined>;
  /** The scheduled run's job. */
  readonly create: (deps: D) => Promise<R>;
  readonly run: (jobId: string, deps: D) => Promise<R>;
}

/**
 * A jobs-Lambda entry (functions/jobs): a run handed over (`{ jobId }`), or the hourly full run
 * (`{}`: a job is created here; it catches what a lost webhook delivery missed). Without the
 * integration configured the scheduled run does nothing and says so (no failed run, no DLQ), while a
 * handed-over run fails (its job must not look done).
 */
export async function runHandedOverOrScheduled<D, R extends Run>(event: { readonly jobId?: unknown }, entry: JobEntry<D, R>): Promise<JobRunResult<R>> {
  if (event.jobId !== undefined && (typeof event.jobId !== 'string' || !RUN_ID.test(event.jobId))) {
    throw new ValidationError(`jobId must be a ${entry.name} id (a ULID)`, { details: [{ path: '/jobId', message: 'not a job id' }] });
  }
  let deps: D;
  try {
    deps = entry.deps();
  } catch (error) {
    if (error instanceof GitHubNotConfiguredError && event.jobId === undefined) return { skipped: error.message };
    throw error;
  }
  if (event.jobId === undefined) {
    const active = await entry.active(deps);
    if (active) return { skipped: `${entry.name} ${active.id} is already ${active.status}` };
  }
  const jobId = event.jobId ?? (await entry.create(deps)).id;
  return entry.run(jobId, deps);
}

/** The jobs Lambda's log line for an entry's result. */
export function summarizeRun(result: JobRunResult<Run & { progress: object }>): Record<string, unknown> {
  return 'skipped' in result ? { skipped: result.skipped } : { jobId: result.id, status: result.status, ...result.progress };
}
