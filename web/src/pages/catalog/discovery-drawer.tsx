/**
 * Discovery for admins (catalog:manage): start a sync of the GitHub organisation's apollo.yaml
 * manifests, follow it live on `discovery:<id>`, and read past runs with each repository's errors.
 */
import { Button, Callout, Classes, Drawer, HTMLTable, NonIdealState, ProgressBar, Spinner, Tag, type Intent } from '@blueprintjs/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { DiscoveryJob, DiscoveryJobList, DiscoverySyncAccepted } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';

const JOBS_KEY = ['discovery', 'jobs'] as const;

const STATUS_INTENT: Record<DiscoveryJob['status'], Intent> = {
  queued: 'none', running: 'primary', succeeded: 'success', failed: 'danger', 'rate-limited': 'warning',
};

const finished = (job: DiscoveryJob): boolean => job.status !== 'queued' && job.status !== 'running';

function useDiscoveryJobs(enabled: boolean) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: JOBS_KEY,
    queryFn: ({ pageParam }) => api.get<DiscoveryJobList>('/api/v1/discovery/jobs', { limit: 10, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
}

/** Keeps the runs that are still going up to date from their realtime topics (and re-reads once they end). */
function useLiveJobs(jobs: DiscoveryJob[]) {
  const { realtime } = useServices();
  const client = useQueryClient();
  const running = jobs.filter((j) => !finished(j)).map((j) => j.id).join(',');
  useEffect(() => {
    if (!running) return undefined;
    const offs = running.split(',').map((id) => realtime.subscribe(`discovery:${id}`, (frame) => {
      const job = frame.data as unknown as DiscoveryJob;
      if (job?.id !== id) return;
      client.setQueryData<{ pages: DiscoveryJobList[]; pageParams: unknown[] }>(JOBS_KEY, (data) => data && ({
        ...data,
        pages: data.pages.map((p) => ({ ...p, items: p.items.map((j) => (j.id === id ? job : j)) })),
      }));
      if (finished(job)) {
        void client.invalidateQueries({ queryKey: ['services'] });
        toast({ intent: STATUS_INTENT[job.status], message: `Discovery ${job.status}: ${job.progress.created} created, ${job.progress.updated} updated, ${job.progress.failed} failed` });
      }
    }));
    // The realtime connection may have missed a frame (reconnecting): read the list again now and then.
    const timer = setInterval(() => void client.invalidateQueries({ queryKey: JOBS_KEY }), 10_000);
    return () => { offs.forEach((off) => off()); clearInterval(timer); };
  }, [realtime, client, running]);
}

function JobCard({ job }: { job: DiscoveryJob }) {
  const p = job.progress;
  const [open, setOpen] = useState(!finished(job) || job.errors.length > 0);
  const scope = job.repositories?.length ? job.repositories.join(', ') : `all of ${job.org}`;
  return (
    <div className="apollo-job" data-testid="discovery-job" data-status={job.status}>
      <div className="apollo-job-head">
        <Tag intent={STATUS_INTENT[job.status]} minimal={finished(job)} icon={finished(job) ? undefined : <Spinner size={12} />}>{job.status}</Tag>
        <span className="apollo-cell-strong">{scope}</span>
        <span className={Classes.TEXT_MUTED} title={formatTime(job.createdAt)}>
          {job.trigger === 'manual' ? `by ${job.requestedBy}` : job.trigger === 'schedule' ? 'hourly run' : 'GitHub push'} · {formatAgo(job.createdAt)}
        </span>
      </div>
      {!finished(job) && <ProgressBar intent="primary" value={p.total ? p.scanned / p.total : undefined} className="apollo-job-progress" />}
      <div className={`${Classes.TEXT_MUTED} apollo-small`}>
        {p.total === null ? 'listing repositories…' : `${p.scanned} of ${p.total} repositories`} · {p.created} created · {p.updated} updated · {p.unchanged} unchanged · {p.skipped} without apollo.yaml · {p.failed} failed{p.drifted ? ` · ${p.drifted} with drift` : ''}
      </div>
      {job.error && <Callout intent="danger" compact className="apollo-job-error">{job.error}</Callout>}
      {job.status === 'rate-limited' && job.rateLimitResetAt && <Callout intent="warning" compact>GitHub's rate limit resets {formatAgo(job.rateLimitResetAt)}; run the sync again after that.</Callout>}
      {job.errors.length > 0 && (
        <>
          <Button variant="minimal" size="small" icon={open ? 'chevron-down' : 'chevron-right'} text={`${job.errors.length} repository ${job.errors.length === 1 ? 'problem' : 'problems'}`} onClick={() => setOpen(!open)} />
          {open && (
            <HTMLTable compact className="apollo-table apollo-job-errors" data-testid="discovery-errors">
              <thead><tr><th>Repository</th><th>Problem</th></tr></thead>
              <tbody>
                {job.errors.map((e, i) => (
                  <tr key={`${e.repository}-${i}`}>
                    <td className="apollo-mono">{e.repository}{e.path && <div className={`${Classes.TEXT_MUTED} apollo-small`}>{e.path}</div>}</td>
                    <td>
                      {e.message}
                      {e.details?.length ? <ul className="apollo-job-details">{e.details.map((d, j) => <li key={j}><code>{d.path || '/'}</code> {d.message}</li>)}</ul> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </HTMLTable>
          )}
        </>
      )}
    </div>
  );
}

export function DiscoveryDrawer({ isOpen, onClose }: { isOpen: boolean; onClose(): void }) {
  const { api, config } = useServices();
  const client = useQueryClient();
  const jobs = useDiscoveryJobs(isOpen);
  const items = jobs.data?.pages.flatMap((p) => p.items) ?? [];
  useLiveJobs(isOpen ? items : []);
  const sync = useMutation({
    mutationFn: async () => (await api.call<DiscoverySyncAccepted>('POST', '/api/v1/discovery/sync', { body: {} })).body,
    onSuccess: ({ job }) => {
      client.setQueryData<{ pages: DiscoveryJobList[]; pageParams: unknown[] }>(JOBS_KEY, (data) => data && ({
        ...data,
        pages: data.pages.map((p, i) => (i === 0 ? { ...p, items: [job, ...p.items.filter((j) => j.id !== job.id)] } : p)),
      }));
    },
  });
  const busy = items.some((j) => !finished(j) && !j.repositories?.length);
  return (
    <Drawer isOpen={isOpen} onClose={onClose} title="Discovery from apollo.yaml" icon="git-repo" size="640px" className="apollo-drawer" data-testid="discovery-drawer">
      <div className={Classes.DRAWER_BODY}>
        <div className={Classes.DIALOG_BODY}>
          <p>
            A sync reads <code>apollo.yaml</code> at the root of every repository in the organisation and creates or updates
            their services. A value someone edited by hand is kept and shown as drift. It also runs every hour and when
            GitHub reports a push that touches a manifest.
          </p>
          {config.mode !== 'aws' && (
            <Callout intent="warning" icon="lab-test" compact className="apollo-job-local" data-testid="discovery-local">
              This is the local runtime: unless you configured a real organisation, it scans a <strong>fake GitHub</strong> that
              <code> npm start</code> runs on loopback, with the demo organisation <code>apollo-demo</code>.
            </Callout>
          )}
          <Button intent="primary" icon="refresh" text={busy ? 'A sync is running' : 'Sync now'} loading={sync.isPending} disabled={busy}
            onClick={() => sync.mutate()} data-testid="discovery-sync" />
          {sync.isError && <div className="apollo-job-start-error"><ErrorState error={sync.error} compact /></div>}
          <h4 className="apollo-section-heading">Recent runs</h4>
          {jobs.isError ? <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} compact />
            : jobs.isPending ? <Spinner size={24} />
            : items.length === 0 ? <NonIdealState icon="history" title="No runs yet" description="Run a sync to import the organisation's manifests." />
            : items.map((job) => <JobCard key={job.id} job={job} />)}
          {jobs.hasNextPage && <Button text="Older runs" icon="more" loading={jobs.isFetchingNextPage} onClick={() => void jobs.fetchNextPage()} />}
        </div>
      </div>
    </Drawer>
  );
}
