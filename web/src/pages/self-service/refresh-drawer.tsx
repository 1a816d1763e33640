/**
 * The catalog refresh for admins (catalog:manage): refresh the offerings from the catalog repository
 * now, follow the run live on `catalog-refresh:<id>`, and read past runs with, per file, what was
 * stored, what is invalid (errors with paths and lines; the last good version still served) and what
 * was retired because its file is gone.
 */
import '../../components/catalog.css';
import { Button, Callout, Classes, Drawer, HTMLTable, NonIdealState, Spinner, Tag, type Intent } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { CatalogRefreshFile, CatalogRefreshJob } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { JobHead, JobProblems, JobProgress } from '../../components/job-card.tsx';
import { JOB_STATUS_INTENT, jobFinished, showStartedJob, useJobList, type JobFeed } from '../../lib/live-jobs.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';

const OUTCOME_INTENT: Record<CatalogRefreshFile['outcome'], Intent> = {
  created: 'success', updated: 'primary', unchanged: 'none', invalid: 'danger', retired: 'warning', failed: 'danger',
};

const TRIGGER: Record<CatalogRefreshJob['trigger'], string> = { manual: 'by', schedule: 'scheduled run', webhook: 'GitHub push' };

const FEED: JobFeed<CatalogRefreshJob> = {
  queryKey: ['catalog-refresh', 'jobs'],
  list: 'GET /api/v1/catalog-refresh/jobs',
  topic: 'catalog-refresh',
  onFinished: (job, client) => {
    void client.invalidateQueries({ queryKey: ['offerings'] });
    const p = job.progress;
    toast({ intent: JOB_STATUS_INTENT[job.status], message: `Catalog refresh ${job.status}: ${p.created} created, ${p.updated} updated, ${p.invalid} invalid, ${p.retired} retired` });
  },
};

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
  const [open, setOpen] = useState(!jobFinished(job) || problems > 0);
  const scope = job.paths?.length ? job.paths.join(', ') : `${job.repo} ${job.directory}/`;
  return (
    <div className="apollo-job" data-testid="refresh-job" data-status={job.status}>
      <JobHead job={job} scope={scope} byline={job.trigger === 'manual' ? `by ${job.requestedBy}` : TRIGGER[job.trigger]}>
        {job.commit ? ` · ${job.branch ?? ''}@${job.commit.slice(0, 7)}` : ''}
      </JobHead>
      <JobProgress job={job} done={p.checked} total={p.total} />
      <div className={`${Classes.TEXT_MUTED} apollo-small`}>
        {p.total === null ? 'listing files…' : `${p.checked} of ${p.total} files`} · {p.created} created · {p.updated} updated · {p.unchanged} unchanged · {p.invalid} invalid · {p.retired} retired · {p.failed} failed
      </div>
      <JobProblems job={job} again="refresh again" />
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
  const { jobs, items } = useJobList(FEED, isOpen);
  const refresh = useMutation({
    mutationFn: async () => api.read('POST /api/v1/catalog/refresh', { body: {} }),
    onSuccess: ({ job }) => showStartedJob(client, FEED, job),
  });
  const busy = items.some((j) => !jobFinished(j) && !j.paths?.length);
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
