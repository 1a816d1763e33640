/**
 * Discovery jobs: a run's item, its progress and its outcome, published live on `discovery:<id>`.
 *   job   PK DISCOVERY#<id>  SK META   GSI1 DISCOVERIES / <id>   (ids are ULIDs: the list is by time)
 * The run is the job item's only writer once started; progress is written at most every
 * PROGRESS_EVERY_MS and always at the end, so a large organisation doesn't cost a write per repository.
 */
import { monotonicFactory } from 'ulidx';
import type { DiscoveryJob } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { logger } from '#lib/observability';
import { publish } from '#lib/realtime';
import { getItem, putItem, putNew, queryPage, type Item, type Page } from '#lib/table';
import { GitHubNotConfiguredError, GitHubRateLimitedError } from '#lib/github/errors';
import { ManifestError } from './discovery-manifest.ts';
import type { DiscoveryCatalog, RepositorySource, SourceRepository } from './discovery-ports.ts';
import { RepositorySyncError, syncRepository, type RepositoryResult } from './discovery.ts';

const ulid = monotonicFactory();
export const PROGRESS_EVERY_MS = 500;
export const MAX_JOB_ERRORS = 200;
/** A job still `running` after this long was cut off (Lambda's 15-minute limit) and may run again. */
export const STALE_RUNNING_MS = 16 * 60_000;

export const discoveryTopic = (jobId: string): string => `discovery:${jobId}`;
export const DISCOVERY_EVENT = 'discovery.progress';

const jobKey = (id: string) => ({ PK: `DISCOVERY#${id}`, SK: 'META' });
type JobItem = Item & DiscoveryJob;

function toJob(item: JobItem): DiscoveryJob {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, entity: _e, ...job } = item;
  return job as DiscoveryJob;
}

export interface NewJob {
  readonly trigger: DiscoveryJob['trigger'];
  readonly org: string;
  readonly requestedBy: string;
  readonly repositories?: readonly string[];
}

export async function createJob(input: NewJob): Promise<DiscoveryJob> {
  const at = new Date().toISOString();
  const job: DiscoveryJob = {
    id: ulid(),
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
  await putNew({ ...jobKey(job.id), GSI1PK: 'DISCOVERIES', GSI1SK: job.id, entity: 'discovery-job', ...job }, `discovery job ${job.id} exists`);
  return job;
}

export async function getJob(id: string): Promise<DiscoveryJob> {
  const item = await getItem<JobItem>(jobKey(id), { consistent: true });
  if (!item) throw new NotFoundError(`discovery job ${id} not found`);
  return toJob(item);
}

export async function listJobs(limit: number, cursor?: string): Promise<Page<DiscoveryJob>> {
  const page = await queryPage<JobItem>({ index: 'GSI1', partition: 'DISCOVERIES', limit, cursor, newestFirst: true });
  return { items: page.items.map(toJob), nextCursor: page.nextCursor };
}

const sameScope = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  (a === undefined && b === undefined) || (a !== undefined && b !== undefined && [...a].sort().join('\n') === [...b].sort().join('\n'));

/**
 * A queued or running job over the same repositories (or the whole organisation), if any: a second
 * "sync now" while one runs joins it instead of scanning the organisation twice. One Query.
 */
export async function findActiveJob(repositories: readonly string[] | undefined): Promise<DiscoveryJob | undefined> {
  const page = await queryPage<JobItem>({ index: 'GSI1', partition: 'DISCOVERIES', limit: 20, newestFirst: true });
  return page.items.map(toJob).find((job) => (job.status === 'queued' || job.status === 'running')
    && Date.now() - Date.parse(job.updatedAt) < STALE_RUNNING_MS
    && sameScope(job.repositories, repositories));
}

async function save(job: DiscoveryJob): Promise<void> {
  job.updatedAt = new Date().toISOString();
  await putItem({ ...jobKey(job.id), GSI1PK: 'DISCOVERIES', GSI1SK: job.id, entity: 'discovery-job', ...job });
  await publish(discoveryTopic(job.id), DISCOVERY_EVENT, job);
}

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
  const job = await getJob(jobId);
  const stale = job.status === 'running' && Date.now() - Date.parse(job.updatedAt) > STALE_RUNNING_MS;
  if (job.status !== 'queued' && !stale) return job;
  logger.appendKeys({ discoveryJob: job.id });
  job.status = 'running';
  job.startedAt = new Date().toISOString();
  await save(job);
  let lastSave = Date.now();
  const tick = async (force = false) => {
    if (!force && Date.now() - lastSave < PROGRESS_EVERY_MS) return;
    lastSave = Date.now();
    await save(job);
  };
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
    if (error instanceof GitHubRateLimitedError) {
      job.status = 'rate-limited';
      job.rateLimitResetAt = error.resetAt.toISOString();
      job.error = error.message;
    } else {
      logger.error('discovery failed', { error: error as Error });
      job.status = 'failed';
      job.error = error instanceof GitHubNotConfiguredError ? error.message : (error as { status?: number }).status ? `GitHub answered ${(error as { status: number }).status}` : 'discovery failed; see the logs';
    }
  }
  job.finishedAt = new Date().toISOString();
  await save(job);
  logger.info('discovery finished', { status: job.status, ...job.progress });
  return job;
}
