/**
 * Discovery for admins (catalog:manage): start a sync of the GitHub organisation's apollo.yaml
 * manifests, follow it live on `discovery:<id>`, and read past runs with each repository's errors and
 * what the run read from Argo CD (its counts, the applications of unregistered services, its error).
 */
import { Button, Callout, Classes, Drawer, HTMLTable, NonIdealState, Spinner } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { DiscoveryJob } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { JobHead, JobProblems, JobProgress } from '../../components/job-card.tsx';
import { JOB_STATUS_INTENT, jobFinished, showStartedJob, useJobList, type JobFeed } from '../../lib/live-jobs.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';

const FEED: JobFeed<DiscoveryJob> = {
  queryKey: ['discovery', 'jobs'],
  list: 'GET /api/v1/discovery/jobs',
  topic: 'discovery',
  onFinished: (job, client) => {
    void client.invalidateQueries({ queryKey: ['services'] });
    toast({ intent: JOB_STATUS_INTENT[job.status], message: `Discovery ${job.status}: ${job.progress.created} created, ${job.progress.updated} updated, ${job.progress.failed} failed` });
  },
};

/** The Argo CD part of a run: what its applications matched and changed, and those of services the catalog lacks. */
function ArgoCdPart({ argocd }: { argocd: NonNullable<DiscoveryJob['argocd']> }) {
  const problems = argocd.unregisteredApplications.length + argocd.errors.length;
  const [open, setOpen] = useState(argocd.errors.length > 0);
  return (
    <>
      {argocd.error ? (
        <Callout intent="warning" compact icon="warning-sign" data-testid="discovery-argocd-error">Argo CD could not be read: {argocd.error}. The repositories were synced all the same.</Callout>
      ) : (
        <div className={`${Classes.TEXT_MUTED} apollo-small`} title={argocd.source} data-testid="discovery-argocd">
          Argo CD: {argocd.applications} applications · {argocd.matched} matched · {argocd.created} environments created · {argocd.updated} updated · {argocd.unchanged} unchanged · {argocd.unregistered} unregistered{argocd.failed ? ` · ${argocd.failed} failed` : ''}
        </div>
      )}
      {problems > 0 && (
        <>
          <Button variant="minimal" size="small" icon={open ? 'chevron-down' : 'chevron-right'}
            text={[argocd.unregistered ? `${argocd.unregistered} ${argocd.unregistered === 1 ? 'application' : 'applications'} of unregistered services` : '', argocd.errors.length ? `${argocd.errors.length} Argo CD ${argocd.errors.length === 1 ? 'problem' : 'problems'}` : ''].filter(Boolean).join(' · ')}
            onClick={() => setOpen(!open)} />
          {open && (
            <HTMLTable compact className="apollo-table apollo-job-errors" data-testid="discovery-argocd-applications">
              <thead><tr><th>Application</th><th>Service</th><th>Environment</th></tr></thead>
              <tbody>
                {argocd.errors.map((e, i) => (
                  <tr key={`error-${e.application}-${i}`}><td className="apollo-mono">{e.application}</td><td colSpan={2}>{e.message}</td></tr>
                ))}
                {argocd.unregisteredApplications.map((a) => (
                  <tr key={a.application}><td className="apollo-mono">{a.application}</td><td className="apollo-mono">{a.service} <span className={Classes.TEXT_MUTED}>(not registered)</span></td><td>{a.environment}</td></tr>
                ))}
              </tbody>
            </HTMLTable>
          )}
        </>
      )}
    </>
  );
}

function JobCard({ job }: { job: DiscoveryJob }) {
  const p = job.progress;
  const [open, setOpen] = useState(!jobFinished(job) || job.errors.length > 0);
  const scope = job.repositories?.length ? job.repositories.join(', ') : `all of ${job.org}`;
  return (
    <div className="apollo-job" data-testid="discovery-job" data-status={job.status}>
      <JobHead job={job} scope={scope} byline={job.trigger === 'manual' ? `by ${job.requestedBy}` : job.trigger === 'schedule' ? 'hourly run' : 'GitHub push'} />
      <JobProgress job={job} done={p.scanned} total={p.total} />
      <div className={`${Classes.TEXT_MUTED} apollo-small`}>
        {p.total === null ? 'listing repositories…' : `${p.scanned} of ${p.total} repositories`} · {p.created} created · {p.updated} updated · {p.unchanged} unchanged · {p.skipped} without apollo.yaml · {p.failed} failed{p.drifted ? ` · ${p.drifted} with drift` : ''}
      </div>
      {job.argocd && <ArgoCdPart argocd={job.argocd} />}
      <JobProblems job={job} again="run the sync again" />
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
                      {/* The message ends with its details after a colon; above their list, its headline is enough. */}
                      {e.details?.length ? e.message.split(': ')[0] : e.message}
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
  const { jobs, items } = useJobList(FEED, isOpen);
  const sync = useMutation({
    mutationFn: async () => api.read('POST /api/v1/discovery/sync', { body: {} }),
    onSuccess: ({ job }) => showStartedJob(client, FEED, job),
  });
  const busy = items.some((j) => !jobFinished(j) && !j.repositories?.length);
  return (
    <Drawer isOpen={isOpen} onClose={onClose} title="Discovery from apollo.yaml" icon="git-repo" size="640px" className="apollo-drawer" data-testid="discovery-drawer">
      <div className={Classes.DRAWER_BODY}>
        <div className={Classes.DIALOG_BODY}>
          <p>
            A sync reads <code>apollo.yaml</code> at the root of every repository in the organisation and creates or updates
            their services. A value someone edited by hand is kept and shown as drift. It also runs every hour and when
            GitHub reports a push that touches a manifest.
          </p>
          <p>
            Where Argo CD is configured, a sync of the whole organisation then reads its applications: each service of the
            catalog gets the environments Argo CD deploys it to and the image tag it runs there. Applications of services
            the catalog does not have are listed, not registered.
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
