/**
 * The `catalog-refresh` job (functions/jobs): a run handed over by `POST /api/v1/catalog/refresh` or
 * the GitHub push webhook (`{ job, jobId }`), or the hourly full refresh (`{ job }`: a job is created
 * here; it catches what a lost webhook delivery missed). Without a catalog repository configured the
 * scheduled run does nothing and says so (no failed run, no DLQ).
 */
import type { CatalogRefreshJob } from '#schemas/index.ts';
import { runHandedOverOrScheduled, summarizeRun, type JobRunResult } from '#lib/job-runs';
import { catalogRepoName } from './refresh-config.ts';
import { catalogRefreshDeps, refreshDeps } from './refresh-deps.ts';
import { createRefreshJob, findActiveRefreshJob } from './refresh-jobs.ts';
import { runRefreshJob } from './refresh-run.ts';

export type RefreshJobResult = JobRunResult<CatalogRefreshJob>;

export const runCatalogRefreshJob = (event: { readonly jobId?: unknown }): Promise<RefreshJobResult> => runHandedOverOrScheduled(event, {
  name: 'catalog refresh job',
  deps: catalogRefreshDeps,
  // The hourly run leaves a full refresh already under way alone.
  active: (deps) => findActiveRefreshJob(catalogRepoName(deps.config), undefined),
  create: (deps) => createRefreshJob({ trigger: 'schedule', repo: catalogRepoName(deps.config), directory: deps.config.directory, requestedBy: 'system:schedule' }),
  run: (jobId) => runRefreshJob(jobId, { refresh: refreshDeps }),
});

export const summarizeCatalogRefresh = (result: RefreshJobResult): Record<string, unknown> => summarizeRun(result);
