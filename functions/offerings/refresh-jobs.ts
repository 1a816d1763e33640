/**
 * Catalog refresh jobs: a run's item, its progress and, per file, what it did; published live on
 * `catalog-refresh:<id>` (functions/lib/job-runs.ts keeps them: PK CATALOGREFRESH#<id>, listed on GSI1
 * CATALOGREFRESHES). Progress is saved at most every PROGRESS_EVERY_MS and always at the end, so a
 * large catalog doesn't cost a write per file.
 */
import type { CatalogRefreshJob } from '#schemas/index.ts';
import { RunStore, sameScope } from '#lib/job-runs';
import type { Page } from '#lib/table';

export const refreshTopic = (jobId: string): string => `catalog-refresh:${jobId}`;
export const REFRESH_EVENT = 'catalog-refresh.progress';

/** The runs' items (refresh-run.ts saves a run's progress through it). */
export const refreshRuns = new RunStore<CatalogRefreshJob>({
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
    id: refreshRuns.newId(),
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
  return refreshRuns.create(job);
}

export const getRefreshJob = (id: string): Promise<CatalogRefreshJob> => refreshRuns.get(id);

export const listRefreshJobs = (limit: number, cursor?: string): Promise<Page<CatalogRefreshJob>> => refreshRuns.list(limit, cursor);

/**
 * A queued or running job over the same files (or the whole directory) of the same repository, if
 * any: a second "refresh now" while one runs joins it instead of reading the repository twice. One Query.
 */
export const findActiveRefreshJob = (repo: string, paths: readonly string[] | undefined): Promise<CatalogRefreshJob | undefined> =>
  refreshRuns.findActive((job) => job.repo === repo && sameScope(job.paths, paths));
