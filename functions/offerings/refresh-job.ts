/**
 * The `catalog-refresh` job (functions/jobs): a run handed over by `POST /api/v1/catalog/refresh` or
 * the GitHub push webhook (`{ job, jobId }`), or the hourly full refresh (`{ job }`: a job is created
 * here; it catches what a lost webhook delivery missed). Without a catalog repository configured the
 * scheduled run does nothing and says so (no failed run, no DLQ).
 */
import type { CatalogRefreshJob } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { GitHubNotConfiguredError } from '#lib/github/errors';
import { RUN_ID } from '#lib/job-runs';
import { catalogRepoName } from './refresh-config.ts';
import { catalogRefreshDeps, refreshDeps } from './refresh-deps.ts';
import { createRefreshJob, findActiveRefreshJob, runRefreshJob } from './refresh-jobs.ts';

export type RefreshJobResult = { readonly skipped: string } | CatalogRefreshJob;

export async function runCatalogRefreshJob(event: { readonly jobId?: unknown }): Promise<RefreshJobResult> {
  if (event.jobId !== undefined && (typeof event.jobId !== 'string' || !RUN_ID.test(event.jobId))) {
    throw new ValidationError('jobId must be a catalog refresh job id (a ULID)', { details: [{ path: '/jobId', message: 'not a job id' }] });
  }
  let deps;
  try {
    deps = catalogRefreshDeps();
  } catch (error) {
    if (error instanceof GitHubNotConfiguredError && event.jobId === undefined) return { skipped: error.message };
    throw error;
  }
  const repo = catalogRepoName(deps.config);
  if (event.jobId === undefined) {
    // The hourly run leaves a full refresh already under way alone.
    const active = await findActiveRefreshJob(repo, undefined);
    if (active) return { skipped: `catalog refresh job ${active.id} is already ${active.status}` };
  }
  const jobId = event.jobId ?? (await createRefreshJob({ trigger: 'schedule', repo, directory: deps.config.directory, requestedBy: 'system:schedule' })).id;
  return runRefreshJob(jobId, { refresh: refreshDeps });
}

export function summarizeCatalogRefresh(result: RefreshJobResult): Record<string, unknown> {
  return 'skipped' in result ? { skipped: result.skipped } : { jobId: result.id, status: result.status, ...result.progress };
}
