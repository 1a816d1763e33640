/**
 * A drawer's list of background runs (discovery syncs, catalog refreshes): the pages of recent runs,
 * the runs still going kept up to date from their realtime topics, and a run just started put first.
 */
import type { Intent } from '@blueprintjs/core';
import { useInfiniteQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { RouteKey } from '../../../shared/routes.ts';
import { useServices } from './services-context.ts';

/** The routes that list background runs, newest first. */
export type JobListRoute = Extract<RouteKey, `GET ${string}/jobs`>;

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'rate-limited';

export interface Job {
  readonly id: string;
  readonly status: JobStatus;
}

export interface JobPage<J extends Job> {
  items: J[];
  nextCursor: string | null;
}

type JobPages<J extends Job> = { pages: JobPage<J>[]; pageParams: unknown[] };

export const JOB_STATUS_INTENT: Record<JobStatus, Intent> = {
  queued: 'none', running: 'primary', succeeded: 'success', failed: 'danger', 'rate-limited': 'warning',
};

export const jobFinished = (job: Job): boolean => job.status !== 'queued' && job.status !== 'running';

/** Where a kind of run is listed and followed. Define it once at module scope (it is an effect dependency). */
export interface JobFeed<J extends Job> {
  readonly queryKey: readonly string[];
  /** The route listing the runs (`limit`, `cursor`). */
  readonly list: JobListRoute;
  /** Realtime topic prefix: frames for run `id` arrive on `<topic>:<id>`. */
  readonly topic: string;
  /** Once per frame saying a run ended: re-read what it changed, tell the user. */
  onFinished(job: J, client: QueryClient): void;
}

/** The feed's runs, ten a page, newest first; the running ones follow their topics while `enabled`. */
export function useJobList<J extends Job>(feed: JobFeed<J>, enabled: boolean) {
  const { api } = useServices();
  const jobs = useInfiniteQuery({
    queryKey: feed.queryKey,
    queryFn: ({ pageParam }) => api.read(feed.list, { query: { limit: 10, cursor: pageParam } }) as unknown as Promise<JobPage<J>>,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
  const items = jobs.data?.pages.flatMap((p) => p.items) ?? [];
  useLiveJobs(feed, enabled ? items : []);
  return { jobs, items };
}

/** Keeps the runs that are still going up to date from their realtime topics. */
function useLiveJobs<J extends Job>(feed: JobFeed<J>, jobs: J[]) {
  const { realtime } = useServices();
  const client = useQueryClient();
  const running = jobs.filter((j) => !jobFinished(j)).map((j) => j.id).join(',');
  useEffect(() => {
    if (!running) return undefined;
    const offs = running.split(',').map((id) => realtime.subscribe(`${feed.topic}:${id}`, (frame) => {
      const job = frame.data as unknown as J;
      if (job?.id !== id) return;
      client.setQueryData<JobPages<J>>(feed.queryKey, (data) => data && ({
        ...data,
        pages: data.pages.map((p) => ({ ...p, items: p.items.map((j) => (j.id === id ? job : j)) })),
      }));
      if (jobFinished(job)) feed.onFinished(job, client);
    }));
    // The realtime connection may have missed a frame (reconnecting): read the list again now and then.
    const timer = setInterval(() => void client.invalidateQueries({ queryKey: feed.queryKey }), 10_000);
    return () => { offs.forEach((off) => off()); clearInterval(timer); };
  }, [realtime, client, running, feed]);
}

/** Puts a run the user just started at the top of the list (its frames then keep it current). */
export function showStartedJob<J extends Job>(client: QueryClient, feed: JobFeed<J>, job: J): void {
  client.setQueryData<JobPages<J>>(feed.queryKey, (data) => data && ({
    ...data,
    pages: data.pages.map((p, i) => (i === 0 ? { ...p, items: [job, ...p.items.filter((j) => j.id !== job.id)] } : p)),
  }));
}
