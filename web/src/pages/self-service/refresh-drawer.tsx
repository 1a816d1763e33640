/**
 * The catalog refresh for admins (catalog:manage): refresh the offerings from the catalog repository
 * now, follow the run live on `catalog-refresh:<id>`, and read past runs with, per file, what was
 * stored, what is invalid (errors with paths and lines; the last good version still served) and what
 * was retired because its file is gone.
 */
import '../../components/catalog.css';
import { Button, Callout, Classes, Drawer, HTMLTable, NonIdealState, ProgressBar, Spinner, Tag, type Intent } from '@blueprintjs/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { CatalogRefreshAccepted, CatalogRefreshFile, CatalogRefreshJob, CatalogRefreshJobList } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';

const JOBS_KEY = ['catalog-refresh', 'jobs'] as const;

const STATUS_INTENT: Record<CatalogRefreshJob['status'], Intent> = {
  queued: 'none', running: 'primary', succeeded: 'success', failed: 'danger', 'rate-limited': 'warning',
};

const OUTCOME_INTENT: Record<CatalogRefreshFile['outcome'], Intent> = {
  created: 'success', updated: 'primary', unchanged: 'none', invalid: 'danger', retired: 'warning', failed: 'danger',
};

const finished = (job: CatalogRefreshJob): boolean => job.status !== 'queued' && job.status !== 'running';

const TRIGGER: Record<CatalogRefreshJob['trigger'], string> = { manual: 'by', schedule: 'scheduled run', webhook: 'GitHub push' };

function useRefreshJobs(enabled: boolean) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: JOBS_KEY,
    queryFn: ({ pageParam }) => api.get<CatalogRefreshJobList>('/api/v1/catalog-refresh/jobs', { limit: 10, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
}

/** Keeps the runs still going up to date from their realtime topics; the offerings are read again when one ends. */
function useLiveJobs(jobs: CatalogRefreshJob[]) {
  const { realtime } = useServices();
  const client = useQueryClient();
  const running = jobs.filter((j) => !finished(j)).map((j) => j.id).join(',');
  useEffect(() => {
    if (!running) return undefined;
    const offs = running.split(',').map((id) => realtime.subscribe(`catalog-refresh:${id}`, (frame) => {
      const job = frame.data as unknown as CatalogRefreshJob;
      if (job?.id !== id) return;
      client.setQueryData<{ pages: CatalogRefreshJobList[]; pageParams: unknown[] }>(JOBS_KEY, (data) => data && ({
        ...data,
        pages: data.pages.map((p) => ({ ...p, items: p.items.map((j) => (j.id === id ? job : j)) })),
      }));
      if (finished(job)) {
        void client.invalidateQueries({ queryKey: ['offerings'] });
        const p = job.progress;
        toast({ intent: STATUS_INTENT[job.status], message: `Catalog refresh ${job.status}: ${p.created} created, ${p.updated} updated, ${p.invalid} invalid, ${p.retired} retired` });
      }
    }));
    // The realtime connection may have missed a frame (reconnecting): read the list again now and then.
    const timer = setInterval(() => void client.invalidateQueries({ queryKey: JOBS_KEY }), 10_000);
    return () => { offs.forEach((off) => off()); clearInterval(timer); };
  }, [realtime, client, running]);
}

function FileRow({ file }: { file: CatalogRefreshFile }) {
  return (
    <tr data-testid="refresh-file" data-outcome={file.outcome}>
      <td className="apollo-mono">
        {file.path}
        {file.itemId && <div className={`${Classes.TEXT_MUTED} apollo-small`}>{file.itemId}{file.version ? ` ${file.version}` : ''}</div>}
      </td>
      <td><Tag minimal intent={OUTCOME_INTENT[file.outcome]}>{file.outcome}</Tag></td>
      <td>
        {file.ownerTeam && <div className="apollo-small">owner <strong>{file.ownerTeam}</strong> ({file.ownerSource === 'codeowners' ? 'CODEOWNERS' : 'metadata.owner'})</div>}
        {file.message && <div>{file.message}</div>}
        {file.outcome === 'invalid' && (
          <div className="apollo-small">{file.servingVersion ? `Still serving ${file.servingVersion}, the last good version.` : 'Nothing is served from it.'}</div>
        )}
        {file.errors.length > 0 && (
          <ul className="apollo-job-details">
            {file.errors.map((e, i) => <li key={i}>{e.line ? <span className={Classes.TEXT_MUTED}>line {e.line} </span> : null}<code>{e.path || '/'}</code> {e.message}</li>)}
          </ul>
        )}
        {(file.warnings > 0 || file.hints > 0) && (
          <div className={`${Classes.TEXT_MUTED} apollo-small`}>{file.warnings} {file.warnings === 1 ? 'warning' : 'warnings'}, {file.hints} {file.hints === 1 ? 'hint' : 'hints'}</div>
        )}
      </td>
    </tr>
  );
}

function JobCard({ job }: { job: CatalogRefreshJob }) {
  const p = job.progress;
  const problems = job.files.filter((f) => f.outcome === 'invalid' || f.outcome === 'failed').length;
  const [open, setOpen] = useState(!finished(job) || problems > 0);
  const scope = job.paths?.length ? job.paths.join(', ') : `${job.repo} ${job.directory}/`;
  return (
    <div className="apollo-job" data-testid="refresh-job" data-status={job.status}>
      <div className="apollo-job-head">
        <Tag intent={STATUS_INTENT[job.status]} minimal={finished(job)} icon={finished(job) ? undefined : <Spinner size={12} />}>{job.status}</Tag>
        <span className="apollo-cell-strong">{scope}</span>
        <span className={Classes.TEXT_MUTED} title={formatTime(job.createdAt)}>
          {job.trigger === 'manual' ? `by ${job.requestedBy}` : TRIGGER[job.trigger]} · {formatAgo(job.createdAt)}
          {job.commit ? ` · ${job.branch ?? ''}@${job.commit.slice(0, 7)}` : ''}
        </span>
      </div>
      {!finished(job) && <ProgressBar intent="primary" value={p.total ? p.checked / p.total : undefined} className="apollo-job-progress" />}
      <div className={`${Classes.TEXT_MUTED} apollo-small`}>
        {p.total === null ? 'listing files…' : `${p.checked} of ${p.total} files`} · {p.created} created · {p.updated} updated · {p.unchanged} unchanged · {p.invalid} invalid · {p.retired} retired · {p.failed} failed
      </div>
      {job.error && <Callout intent="danger" compact className="apollo-job-error">{job.error}</Callout>}
      {job.status === 'rate-limited' && job.rateLimitResetAt && <Callout intent="warning" compact>GitHub's rate limit resets {formatAgo(job.rateLimitResetAt)}; refresh again after that.</Callout>}
      {job.codeowners && job.codeowners.problems.length > 0 && (
        <Callout intent="warning" compact>
          {job.codeowners.path} has lines GitHub would not accept: {job.codeowners.problems.map((pr) => `line ${pr.line}: ${pr.message}`).join('; ')}
        </Callout>
      )}
      {job.files.length > 0 && (
        <>
          <Button variant="minimal" size="small" icon={open ? 'chevron-down' : 'chevron-right'} text={`${job.files.length} ${job.files.length === 1 ? 'file' : 'files'} changed or with problems`} onClick={() => setOpen(!open)} />
          {open && (
            <HTMLTable compact className="apollo-table apollo-job-errors" data-testid="refresh-files">
              <thead><tr><th>File</th><th>Outcome</th><th>Details</th></tr></thead>
              <tbody>{job.files.map((f, i) => <FileRow key={`${f.path}-${i}`} file={f} />)}</tbody>
            </HTMLTable>
          )}
          {open && job.filesOmitted && (
            <div className={`${Classes.TEXT_MUTED} apollo-small`}>{job.filesOmitted} more not listed here; each offering's validation report has its errors.</div>
          )}
        </>
      )}
    </div>
  );
}

export function RefreshDrawer({ isOpen, onClose }: { isOpen: boolean; onClose(): void }) {
  const { api, config } = useServices();
  const client = useQueryClient();
  const jobs = useRefreshJobs(isOpen);
  const items = jobs.data?.pages.flatMap((p) => p.items) ?? [];
  useLiveJobs(isOpen ? items : []);
  const refresh = useMutation({
    mutationFn: async () => (await api.call<CatalogRefreshAccepted>('POST', '/api/v1/catalog/refresh', { body: {} })).body,
    onSuccess: ({ job }) => {
      client.setQueryData<{ pages: CatalogRefreshJobList[]; pageParams: unknown[] }>(JOBS_KEY, (data) => data && ({
        ...data,
        pages: data.pages.map((p, i) => (i === 0 ? { ...p, items: [job, ...p.items.filter((j) => j.id !== job.id)] } : p)),
      }));
    },
  });
  const busy = items.some((j) => !finished(j) && !j.paths?.length);
  return (
    <Drawer isOpen={isOpen} onClose={onClose} title="Refresh from the catalog repository" icon="git-repo" size="720px" className="apollo-drawer" data-testid="refresh-drawer">
      <div className={Classes.DRAWER_BODY}>
        <div className={Classes.DIALOG_BODY}>
          <p>
            A refresh reads every offering's YAML file on the catalog repository's default branch and checks it. A valid
            file becomes the offering's current version; an invalid one is listed with its errors while the last good version
            stays on offer; an offering whose file is gone is retired. CODEOWNERS decides the owning team. It also runs every
            hour and when GitHub reports a push that touches the catalog.
          </p>
          {config.mode !== 'aws' && (
            <Callout intent="warning" icon="lab-test" compact className="apollo-job-local" data-testid="refresh-local">
              This is the local runtime: unless you configured a real repository, it reads a <strong>fake GitHub</strong> that
              <code> npm start</code> runs on loopback, whose <code>apollo-demo/platform-catalog</code> holds the examples under
              <code> examples/catalog</code>.
            </Callout>
          )}
          <Button intent="primary" icon="refresh" text={busy ? 'A refresh is running' : 'Refresh now'} loading={refresh.isPending} disabled={busy}
            onClick={() => refresh.mutate()} data-testid="refresh-now" />
          {refresh.isError && <div className="apollo-job-start-error"><ErrorState error={refresh.error} compact /></div>}
          <h4 className="apollo-section-heading">Recent refreshes</h4>
          {jobs.isError ? <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} compact />
            : jobs.isPending ? <Spinner size={24} />
            : items.length === 0 ? <NonIdealState icon="history" title="No refreshes yet" description="Refresh to read the offerings from the catalog repository." />
            : items.map((job) => <JobCard key={job.id} job={job} />)}
          {jobs.hasNextPage && <Button text="Older refreshes" icon="more" loading={jobs.isFetchingNextPage} onClick={() => void jobs.fetchNextPage()} />}
        </div>
      </div>
    </Drawer>
  );
}
