/**
 * The `discovery-sync` job (functions/jobs): a run handed over by `POST /api/v1/discovery/sync` or
 * the GitHub webhook (`{ job, jobId }`), or the hourly full sync (`{ job }`: a job is created here).
 * Without discovery configured the scheduled run does nothing and says so (no failed run, no DLQ).
 */
import type { DiscoveryJob } from '#schemas/index.ts';
import { runHandedOverOrScheduled, summarizeRun, type JobRunResult } from '#lib/job-runs';
import { argoCdCounts } from './discovery-argocd.ts';
import { discoveryDeps } from './discovery-deps.ts';
import { createJob, findActiveJob } from './discovery-jobs.ts';
import { runJob } from './discovery-run.ts';

export type DiscoveryJobResult = JobRunResult<DiscoveryJob>;

export const runDiscoveryJob = (event: { readonly jobId?: unknown }): Promise<DiscoveryJobResult> => runHandedOverOrScheduled(event, {
  name: 'discovery job',
  deps: discoveryDeps,
  // The hourly run leaves a full sync already under way alone.
  active: () => findActiveJob(undefined),
  create: (deps) => createJob({ trigger: 'schedule', org: deps.config.org, requestedBy: 'system:schedule' }),
  run: (jobId, deps) => runJob(jobId, { source: () => deps.source, catalog: deps.catalog, applications: deps.applications }),
});

export const summarizeDiscovery = (result: DiscoveryJobResult): Record<string, unknown> => ({
  ...summarizeRun(result),
  ...('argocd' in result && result.argocd ? { argocd: argoCdCounts(result.argocd) } : {}),
});
