/**
 * A discovery run, in the jobs Lambda (or in-process locally): scans the organisation's repositories
 * (or the named ones), syncs each apollo.yaml into the catalog, then the dependencies, saving
 * progress as it goes (discovery-jobs.ts keeps the run's item). A sync of the whole organisation then
 * reads the second source, Argo CD's applications (discovery-argocd.ts), whose failure is recorded on
 * the run without failing it.
 */
import type { DiscoveryJob } from '#schemas/index.ts';
import { logger } from '#lib/observability';
import { recordRunFailure } from '#lib/job-runs';
import { GitHubRateLimitedError } from '#lib/github/errors';
import { runArgoCdPass } from './discovery-argocd.ts';
import { ManifestError } from './discovery-manifest.ts';
import { discoveryRuns } from './discovery-jobs.ts';
import type { ApplicationSource, DiscoveryCatalog, RepositorySource, SourceRepository } from './discovery-ports.ts';
import { RepositorySyncError, syncRepository, type RepositoryResult } from './discovery.ts';

export const MAX_JOB_ERRORS = 200;

function recordError(job: DiscoveryJob, repository: string, error: unknown): void {
  job.progress.failed += 1;
  if (job.errors.length >= MAX_JOB_ERRORS) return;
  if (error instanceof ManifestError || error instanceof RepositorySyncError) {
    job.errors.push({ repository, path: error instanceof ManifestError ? 'apollo.yaml' : error.path ?? 'apollo.yaml', code: error.code, message: error.message, details: [...error.details] });
  } else {
    // Not the repository's fault (GitHub answered oddly, the catalog refused): named, not detailed.
    const name = (error as Error | undefined)?.name ?? 'Error';
    const status = (error as { status?: number } | undefined)?.status;
    job.errors.push({ repository, code: name === 'ConflictError' || name === 'PreconditionFailedError' ? 'ConcurrentEdit' : 'SyncFailed', message: status ? `GitHub answered ${status}` : (error as Error).message ?? 'failed', details: [] });
  }
}

export interface RunDeps {
  readonly source: () => RepositorySource;
  readonly catalog: DiscoveryCatalog;
  /** Argo CD's applications (undefined, or answering undefined: no Argo CD). */
  readonly applications?: ApplicationSource;
}

/**
 * Runs a queued job to its end. A job that is not queued (already run, or running elsewhere) is
 * left alone, so an at-least-once invocation never runs twice.
 */
export async function runJob(jobId: string, deps: RunDeps): Promise<DiscoveryJob> {
  const job = await discoveryRuns.get(jobId);
  if (!discoveryRuns.mayRun(job)) return job;
  logger.appendKeys({ discoveryJob: job.id });
  job.status = 'running';
  job.startedAt = new Date().toISOString();
  await discoveryRuns.save(job);
  const tick = discoveryRuns.progressSaver(job);
  try {
    const source = deps.source();
    let repos: SourceRepository[];
    if (job.repositories) {
      repos = [];
      for (const name of job.repositories) {
        const repo = await source.getRepository(name);
        if (repo) repos.push(repo);
        else {
          job.progress.scanned += 1;
          recordError(job, name, new RepositorySyncError(`repository ${name} not found in ${source.org}`, 'RepositoryNotFound'));
        }
      }
      job.progress.total = job.repositories.length;
    } else {
      repos = await source.listRepositories();
      job.progress.total = repos.length;
    }
    await tick(true);
    const synced: RepositoryResult[] = [];
    for (const repo of repos) {
      if (repo.archived) {
        job.progress.skipped += 1;
      } else {
        try {
          const result = await syncRepository(source, deps.catalog, repo);
          job.progress[result.outcome] += 1;
          if (result.drift.length) job.progress.drifted += 1;
          synced.push(result);
        } catch (error) {
          if (error instanceof GitHubRateLimitedError) throw error;
          logger.info('repository not synced', { repository: repo.name, error: (error as Error).message });
          recordError(job, repo.name, error);
        }
      }
      job.progress.scanned += 1;
      await tick();
    }
    // Dependencies last: every service the run registers exists by now.
    for (const result of synced) {
      try {
        if ((await result.applyDependencies?.()) && result.outcome === 'unchanged') {
          job.progress.unchanged -= 1;
          job.progress.updated += 1;
        }
      } catch (error) {
        job.progress[result.outcome] -= 1;
        recordError(job, result.repository, error);
      }
    }
    // Argo CD after the repositories: a service registered by this run is matched too.
    if (!job.repositories && deps.applications) {
      const argocd = await runArgoCdPass(deps.applications, deps.catalog);
      if (argocd) job.argocd = argocd;
    }
    job.status = 'succeeded';
  } catch (error) {
    recordRunFailure(job, error, { log: 'discovery failed', message: 'discovery failed; see the logs' });
  }
  job.finishedAt = new Date().toISOString();
  await discoveryRuns.save(job);
  logger.info('discovery finished', { status: job.status, ...job.progress });
  return job;
}
