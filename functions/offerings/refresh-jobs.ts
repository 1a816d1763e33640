/**
 * Catalog refresh jobs: a run's item, its progress and, per file, what it did; published live on
 * `catalog-refresh:<id>` (functions/lib/job-runs.ts keeps them: PK CATALOGREFRESH#<id>, listed on GSI1
 * CATALOGREFRESHES). Progress is saved at most every PROGRESS_EVERY_MS and always at the end, so a
 * large catalog doesn't cost a write per file.
 */
import type { CatalogRefreshFile, CatalogRefreshJob } from '#schemas/index.ts';
import { recordRunFailure, RunStore, sameScope } from '#lib/job-runs';
import { logger } from '#lib/observability';
import type { Page } from '#lib/table';
import { refreshCatalog, type RefreshDeps } from './refresh.ts';

/** Files kept in a job's result (progress counts them all), and their size: the job is one table item (400 KB at most). */
export const MAX_JOB_FILES = 500;
export const MAX_JOB_FILE_BYTES = 256 * 1024;

export const refreshTopic = (jobId: string): string => `catalog-refresh:${jobId}`;
export const REFRESH_EVENT = 'catalog-refresh.progress';

const jobs = new RunStore<CatalogRefreshJob>({
  name: 'catalog refresh job', keyPrefix: 'CATALOGREFRESH', listPartition: 'CATALOGREFRESHES', entity: 'catalog-refresh-job', topic: refreshTopic, event: REFRESH_EVENT,
});

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
    id: jobs.newId(),
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
  return jobs.create(job);
}

export const getRefreshJob = (id: string): Promise<CatalogRefreshJob> => jobs.get(id);

export const listRefreshJobs = (limit: number, cursor?: string): Promise<Page<CatalogRefreshJob>> => jobs.list(limit, cursor);

/**
 * A queued or running job over the same files (or the whole directory) of the same repository, if
 * any: a second "refresh now" while one runs joins it instead of reading the repository twice. One Query.
 */
export const findActiveRefreshJob = (repo: string, paths: readonly string[] | undefined): Promise<CatalogRefreshJob | undefined> =>
  jobs.findActive((job) => job.repo === repo && sameScope(job.paths, paths));

export interface RefreshRunDeps {
  /** Made when the run starts (a missing configuration fails the run, not the caller). */
  readonly refresh: () => RefreshDeps;
}

/**
 * Runs a queued job to its end. A job that is not queued (already run, or running elsewhere) is
 * left alone, so an at-least-once invocation never runs twice.
 */
export async function runRefreshJob(jobId: string, deps: RefreshRunDeps): Promise<CatalogRefreshJob> {
  const job = await jobs.get(jobId);
  const since = job.since;
  if (!jobs.mayRun(job)) return job;
  logger.appendKeys({ catalogRefreshJob: job.id });
  job.status = 'running';
  job.startedAt = new Date().toISOString();
  job.progress = { total: null, checked: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, retired: 0, failed: 0 };
  job.files = [];
  delete job.filesOmitted;
  let fileBytes = 0;
  await jobs.save(job);
  const tick = jobs.progressSaver(job);
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
    recordRunFailure(job, error, { log: 'catalog refresh failed', message: 'the catalog refresh failed; see the logs' });
  }
  job.finishedAt = new Date().toISOString();
  await jobs.save(job);
  logger.info('catalog refresh finished', { status: job.status, ...job.progress });
  return job;
}
