/** The parts every background run's card shares (discovery syncs, catalog refreshes). */
import { Callout, Classes, ProgressBar, Spinner, Tag } from '@blueprintjs/core';
import type { ReactNode } from 'react';
import { formatAgo, formatTime } from '../lib/format.ts';
import { JOB_STATUS_INTENT, jobFinished, type Job } from '../lib/live-jobs.ts';

interface CardJob extends Job {
  readonly createdAt: string;
  readonly error?: string | null;
  readonly rateLimitResetAt?: string | null;
}

/** Status, what the run covers, who or what started it and when (then `children`, e.g. the commit read). */
export function JobHead({ job, scope, byline, children }: { job: CardJob; scope: string; byline: string; children?: ReactNode }) {
  return (
    <div className="apollo-job-head">
      <Tag intent={JOB_STATUS_INTENT[job.status]} minimal={jobFinished(job)} icon={jobFinished(job) ? undefined : <Spinner size={12} />}>{job.status}</Tag>
      <span className="apollo-cell-strong">{scope}</span>
      <span className={Classes.TEXT_MUTED} title={formatTime(job.createdAt)}>
        {byline} · {formatAgo(job.createdAt)}
        {children}
      </span>
    </div>
  );
}

/** The progress bar while the run goes (indeterminate until it knows how much there is). */
export function JobProgress({ job, done, total }: { job: Job; done: number; total: number | null }) {
  return jobFinished(job) ? null : <ProgressBar intent="primary" value={total ? done / total : undefined} className="apollo-job-progress" />;
}

/** Why the run failed, and when GitHub's rate limit lets it be run `again`. */
export function JobProblems({ job, again }: { job: CardJob; again: string }) {
  return (
    <>
      {job.error && <Callout intent="danger" compact className="apollo-job-error">{job.error}</Callout>}
      {job.status === 'rate-limited' && job.rateLimitResetAt && <Callout intent="warning" compact>GitHub's rate limit resets {formatAgo(job.rateLimitResetAt)}; {again} after that.</Callout>}
    </>
  );
}
