/**
 * The `discovery-sync` job (functions/jobs): a run handed over by `POST /api/v1/discovery/sync` or
 * the GitHub webhook (`{ job, jobId }`), or the hourly full sync (`{ job }`: a job is created here).
 * Without discovery configured the scheduled run does nothing and says so (no failed run, no DLQ).
 */
import type { DiscoveryJob } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { discoveryDeps } from './discovery-deps.ts';
import { GitHubNotConfiguredError } from '#lib/github/errors';
import { RUN_ID } from '#lib/job-runs';
import { createJob, findActiveJob, runJob } from './discovery-jobs.ts';

export type DiscoveryJobResult = { readonly skipped: string } | DiscoveryJob;

export async function runDiscoveryJob(event: { readonly jobId?: unknown }): Promise<DiscoveryJobResult> {
  if (event.jobId !== undefined && (typeof event.jobId !== 'string' || !RUN_ID.test(event.jobId))) {
    throw new ValidationError('jobId must be a discovery job id (a ULID)', { details: [{ path: '/jobId', message: 'not a job id' }] });
  }
  let deps;
  try {
    deps = discoveryDeps();
  } catch (error) {
    if (error instanceof GitHubNotConfiguredError && event.jobId === undefined) return { skipped: error.message };
    throw error;
  }
  if (event.jobId === undefined) {
    // The hourly run leaves a full sync already under way alone.
    const active = await findActiveJob(undefined);
    if (active) return { skipped: `discovery job ${active.id} is already ${active.status}` };
  }
  const jobId = event.jobId ?? (await createJob({ trigger: 'schedule', org: deps.config.org, requestedBy: 'system:schedule' })).id;
  return runJob(jobId, { source: () => deps.source, catalog: deps.catalog });
}

export function summarizeDiscovery(result: DiscoveryJobResult): Record<string, unknown> {
  return 'skipped' in result ? { skipped: result.skipped } : { jobId: result.id, status: result.status, ...result.progress };
}
