/**
 * Catalog refresh jobs: a run's item, its progress and, per file, what it did; published live on
 * `catalog-refresh:<id>`.
 *   job   PK CATALOGREFRESH#<id>  SK META   GSI1 CATALOGREFRESHES / <id>   (ids are ULIDs: the list is by time)
 * The run is the job item's only writer once started; progress is written at most every
 * PROGRESS_EVERY_MS and always at the end, so a large catalog doesn't cost a write per file.
 */
import { monotonicFactory } from 'ulidx';
import type { CatalogRefreshFile, CatalogRefreshJob } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { GitHubNotConfiguredError, GitHubRateLimitedError } from '#lib/github/errors';
import { logger } from '#lib/observability';
import { publish } from '#lib/realtime';
import { getItem, putItem, putNew, queryPage, type Item, type Page } from '#lib/table';
import { refreshCatalog, type RefreshDeps } from './refresh.ts';

const ulid = monotonicFactory();
export const PROGRESS_EVERY_MS = 500;
/** Files kept in a job's result (progress counts them all), and their size: the job is one table item (400 KB at most). */
export const MAX_JOB_FILES = 500;
export const MAX_JOB_FILE_BYTES = 256 * 1024;
/** A job still `running` after this long was cut off (Lambda's 15-minute limit) and may run again. */
export const STALE_RUNNING_MS = 16 * 60_000;

export const refreshTopic = (jobId: string): string => `catalog-refresh:${jobId}`;
export const REFRESH_EVENT = 'catalog-refresh.progress';

const jobKey = (id: string) => ({ PK: `CATALOGREFRESH#${id}`, SK: 'META' });
const LIST_PARTITION = 'CATALOGREFRESHES';
type JobItem = Item & CatalogRefreshJob;

function toJob(item: JobItem): CatalogRefreshJob {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _e, ...job } = item;
  return job as CatalogRefreshJob;
}

export interface NewRefreshJob {
  readonly trigger: CatalogRefreshJob['trigger'];
  readonly repo: string;
  readonly directory: string;
  readonly requestedBy: string;
  readonly paths?: readonly string[];
  /** Only what changed since this commit (a push whose file lists GitHub left out). */
  readonly since?: string;
}

export async function createRefreshJob(input: NewRefreshJob): Promise<CatalogRefreshJob> {
  const at = new Date().toISOString();
  const job: CatalogRefreshJob = {
    id: ulid(),
    status: 'queued',
    trigger: input.trigger,
    repo: input.repo,
    directory: input.directory,
    ...(input.paths ? { paths: [...input.paths] } : {}),
    ...(input.since ? { since: input.since } : {}),
    requestedBy: input.requestedBy,
    createdAt: at,
    updatedAt: at,
    progress: { total: null, checked: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, retired: 0, failed: 0 },
    files: [],
  };
  await putNew({ ...jobKey(job.id), GSI1PK: LIST_PARTITION, GSI1SK: job.id, entity: 'catalog-refresh-job', ...job }, `catalog refresh job ${job.id} exists`);
  return job;
}

export async function getRefreshJob(id: string): Promise<CatalogRefreshJob> {
  const item = await getItem<JobItem>(jobKey(id), { consistent: true });
  if (!item) throw new NotFoundError(`catalog refresh job ${id} not found`);
  return toJob(item);
}

export async function listRefreshJobs(limit: number, cursor?: string): Promise<Page<CatalogRefreshJob>> {
  const page = await queryPage<JobItem>({ index: 'GSI1', partition: LIST_PARTITION, limit, cursor, newestFirst: true });
  return { items: page.items.map(toJob), nextCursor: page.nextCursor };
}

const sameScope = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  (a === undefined && b === undefined) || (a !== undefined && b !== undefined && [...a].sort().join('\n') === [...b].sort().join('\n'));

/**
 * A queued or running job over the same files (or the whole directory) of the same repository, if
 * any: a second "refresh now" while one runs joins it instead of reading the repository twice. One Query.
 */
export async function findActiveRefreshJob(repo: string, paths: readonly string[] | undefined): Promise<CatalogRefreshJob | undefined> {
  const page = await queryPage<JobItem>({ index: 'GSI1', partition: LIST_PARTITION, limit: 20, newestFirst: true });
  return page.items.map(toJob).find((job) => (job.status === 'queued' || job.status === 'running')
    && job.repo === repo
    && Date.now() - Date.parse(job.updatedAt) < STALE_RUNNING_MS
    && sameScope(job.paths, paths));
}

async function save(job: CatalogRefreshJob): Promise<void> {
  job.updatedAt = new Date().toISOString();
  await putItem({ ...jobKey(job.id), GSI1PK: LIST_PARTITION, GSI1SK: job.id, entity: 'catalog-refresh-job', ...job });
  await publish(refreshTopic(job.id), REFRESH_EVENT, job);
}

export interface RefreshRunDeps {
  /** Made when the run starts (a missing configuration fails the run, not the caller). */
  readonly refresh: () => RefreshDeps;
}

/**
 * Runs a queued job to its end. A job that is not queued (already run, or running elsewhere) is
 * left alone, so an at-least-once invocation never runs twice.
 */
export async function runRefreshJob(jobId: string, deps: RefreshRunDeps): Promise<CatalogRefreshJob> {
  const job = await getRefreshJob(jobId);
  const since = job.since;
  const stale = job.status === 'running' && Date.now() - Date.parse(job.updatedAt) > STALE_RUNNING_MS;
  if (job.status !== 'queued' && !stale) return job;
  logger.appendKeys({ catalogRefreshJob: job.id });
  job.status = 'running';
  job.startedAt = new Date().toISOString();
  job.progress = { total: null, checked: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, retired: 0, failed: 0 };
  job.files = [];
  delete job.filesOmitted;
  let fileBytes = 0;
  await save(job);
  let lastSave = Date.now();
  const tick = async (force = false) => {
    if (!force && Date.now() - lastSave < PROGRESS_EVERY_MS) return;
    lastSave = Date.now();
    await save(job);
  };
  try {
    const refresh = deps.refresh();
    await refreshCatalog(refresh, { ...(job.paths ? { paths: job.paths } : {}), ...(since ? { since } : {}) }, {
      started: async ({ branch, commit, total, codeowners }) => {
        Object.assign(job, { branch, commit, codeowners });
        job.progress.total = total;
        await tick(true);
      },
      file: async (result: CatalogRefreshFile) => {
        job.progress.checked += 1;
        job.progress[result.outcome] += 1;
        if (result.outcome !== 'unchanged' || result.message) {
          const bytes = Buffer.byteLength(JSON.stringify(result));
          if (job.files.length < MAX_JOB_FILES && fileBytes + bytes <= MAX_JOB_FILE_BYTES) {
            job.files.push(result);
            fileBytes += bytes;
          } else {
            job.filesOmitted = (job.filesOmitted ?? 0) + 1;
          }
        }
        await tick();
      },
    });
    // The total was counted before the run knew which offerings were renamed rather than removed.
    job.progress.total = job.progress.checked;
    job.status = 'succeeded';
  } catch (error) {
    if (error instanceof GitHubRateLimitedError) {
      job.status = 'rate-limited';
      job.rateLimitResetAt = error.resetAt.toISOString();
      job.error = error.message;
    } else {
      logger.error('catalog refresh failed', { error: error as Error });
      job.status = 'failed';
      const status = (error as { status?: number }).status;
      job.error = error instanceof GitHubNotConfiguredError ? error.message : status ? `GitHub answered ${status}` : 'the catalog refresh failed; see the logs';
    }
  }
  job.finishedAt = new Date().toISOString();
  await save(job);
  logger.info('catalog refresh finished', { status: job.status, ...job.progress });
  return job;
}
