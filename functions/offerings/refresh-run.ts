/**
 * A catalog refresh run, in the jobs Lambda (or in-process locally): reads the catalog repository's
 * documents, checks and stores each (refresh.ts), saving progress and what it did per file as it goes
 * (refresh-jobs.ts keeps the run's item).
 */
import type { CatalogRefreshFile, CatalogRefreshJob } from '#schemas/index.ts';
import { recordRunFailure } from '#lib/job-runs';
import { logger } from '#lib/observability';
import { refreshRuns } from './refresh-jobs.ts';
import { refreshCatalog, type RefreshDeps } from './refresh.ts';

/** Files kept in a job's result (progress counts them all), and their size: the job is one table item (400 KB at most). */
export const MAX_JOB_FILES = 500;
export const MAX_JOB_FILE_BYTES = 256 * 1024;

export interface RefreshRunDeps {
  /** Made when the run starts (a missing configuration fails the run, not the caller). */
  readonly refresh: () => RefreshDeps;
}

/**
 * Runs a queued job to its end. A job that is not queued (already run, or running elsewhere) is
 * left alone, so an at-least-once invocation never runs twice.
 */
export async function runRefreshJob(jobId: string, deps: RefreshRunDeps): Promise<CatalogRefreshJob> {
  const job = await refreshRuns.get(jobId);
  const since = job.since;
  if (!refreshRuns.mayRun(job)) return job;
  logger.appendKeys({ catalogRefreshJob: job.id });
  job.status = 'running';
  job.startedAt = new Date().toISOString();
  job.progress = { total: null, checked: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, retired: 0, failed: 0 };
  job.files = [];
  delete job.filesOmitted;
  let fileBytes = 0;
  await refreshRuns.save(job);
  const tick = refreshRuns.progressSaver(job);
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
  await refreshRuns.save(job);
  logger.info('catalog refresh finished', { status: job.status, ...job.progress });
  return job;
}
