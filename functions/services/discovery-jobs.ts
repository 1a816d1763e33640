/**
 * Discovery jobs: a run's item, its progress and its outcome, published live on `discovery:<id>`
 * (functions/lib/job-runs.ts keeps them: PK DISCOVERY#<id>, listed on GSI1 DISCOVERIES). Progress is
 * saved at most every PROGRESS_EVERY_MS and always at the end, so a large organisation doesn't cost
 * a write per repository.
 */
import type { DiscoveryJob } from '#schemas/index.ts';
import { RunStore, sameScope } from '#lib/job-runs';
import type { Page } from '#lib/table';

export const discoveryTopic = (jobId: string): string => `discovery:${jobId}`;
export const DISCOVERY_EVENT = 'discovery.progress';

/** The runs' items (discovery-run.ts saves a run's progress through it). */
export const discoveryRuns = new RunStore<DiscoveryJob>({
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
    id: discoveryRuns.newId(),
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
  return discoveryRuns.create(job);
}

export const getJob = (id: string): Promise<DiscoveryJob> => discoveryRuns.get(id);

export const listJobs = (limit: number, cursor?: string): Promise<Page<DiscoveryJob>> => discoveryRuns.list(limit, cursor);

/**
 * A queued or running job over the same repositories (or the whole organisation), if any: a second
 * "sync now" while one runs joins it instead of scanning the organisation twice. One Query.
 */
export const findActiveJob = (repositories: readonly string[] | undefined): Promise<DiscoveryJob | undefined> =>
  discoveryRuns.findActive((job) => sameScope(job.repositories, repositories));
