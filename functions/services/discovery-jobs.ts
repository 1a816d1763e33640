/**
 * Discovery jobs: a run's item, its progress and its outcome, published live on `discovery:<id>`
 * (functions/lib/job-runs.ts keeps them: PK DISCOVERY#<id>, listed on GSI1 DISCOVERIES). Progress is
 * saved at most every PROGRESS_EVERY_MS and always at the end, so a large organisation doesn't cost
 * a write per repository.
 */
import type { DiscoveryJob } from '#schemas/index.ts';
import { logger } from '#lib/observability';
import { recordRunFailure, RunStore, sameScope } from '#lib/job-runs';
import type { Page } from '#lib/table';
import { GitHubRateLimitedError } from '#lib/github/errors';
import { ManifestError } from './discovery-manifest.ts';
import type { DiscoveryCatalog, RepositorySource, SourceRepository } from './discovery-ports.ts';
import { RepositorySyncError, syncRepository, type RepositoryResult } from './discovery.ts';

export const MAX_JOB_ERRORS = 200;

export const discoveryTopic = (jobId: string): string => `discovery:${jobId}`;
export const DISCOVERY_EVENT = 'discovery.progress';

const jobs = new RunStore<DiscoveryJob>({
  name: 'discovery job', keyPrefix: 'DISCOVERY', listPartition: 'DISCOVERIES', entity: 'discovery-job', topic: discoveryTopic, event: DISCOVERY_EVENT,
});

export interface NewJob {
  readonly trigger: DiscoveryJob['trigger'];
  readonly org: string;
  readonly requestedBy: string;
  readonly repositories?: readonly string[];
}

export async function createJob(input: NewJob): Promise<DiscoveryJob> {
  const at = new Date().toISOString();
  const job: DiscoveryJob = {
    id: jobs.newId(),
    status: 'queued',
    trigger: input.trigger,
    org: input.org,
    ...(input.repositories ? { repositories: [...input.repositories] } : {}),
    requestedBy: input.requestedBy,
    createdAt: at,
    updatedAt: at,
    progress: { total: null, scanned: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, drifted: 0 },
    errors: [],
  };
  return jobs.create(job);
}

export const getJob = (id: string): Promise<DiscoveryJob> => jobs.get(id);

export const listJobs = (limit: number, cursor?: string): Promise<Page<DiscoveryJob>> => jobs.list(limit, cursor);

/**
 * A queued or running job over the same repositories (or the whole organisation), if any: a second
 * "sync now" while one runs joins it instead of scanning the organisation twice. One Query.
 */
export const findActiveJob = (repositories: readonly string[] | undefined): Promise<DiscoveryJob | undefined> =>
  jobs.findActive((job) => sameScope(job.repositories, repositories));

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
}

/**
 * Runs a queued job to its end. A job that is not queued (already run, or running elsewhere) is
 * left alone, so an at-least-once invocation never runs twice.
 */
export async function runJob(jobId: string, deps: RunDeps): Promise<DiscoveryJob> {
  const job = await jobs.get(jobId);
  if (!jobs.mayRun(job)) return job;
  logger.appendKeys({ discoveryJob: job.id });
  job.status = 'running';
  job.startedAt = new Date().toISOString();
  await jobs.save(job);
  const tick = jobs.progressSaver(job);
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
    job.status = 'succeeded';
  } catch (error) {
    recordRunFailure(job, error, { log: 'discovery failed', message: 'discovery failed; see the logs' });
  }
  job.finishedAt = new Date().toISOString();
  await jobs.save(job);
  logger.info('discovery finished', { status: job.status, ...job.progress });
  return job;
}
