/**
 * What each job of shared/jobs.ts does when it runs, and what its log line says about a run. The job
 * table and this list must not drift: a job without a runner (or the reverse) fails the cold start,
 * not a run at 3 a.m.
 */
import { NotFoundError } from '#shared/errors';
import { JOBS } from '#shared/jobs';
import { healthDeps } from '#functions/services/health/deps';
import { pollHealth } from '#functions/services/health/poller';
import { runDiscoveryJob, summarizeDiscovery } from '#functions/services/discovery-job';
import { runCatalogRefreshJob, summarizeCatalogRefresh } from '#functions/offerings/refresh-job';
import { exportAuditDays } from './audit-export.ts';
import { jobsDeps } from './deps.ts';

export interface JobRunner<T = unknown> {
  /** `event` is the invocation's input: `{ job }`, plus what the job takes (e.g. discovery's `jobId`). */
  run(event: Readonly<Record<string, unknown>>): Promise<T>;
  /** Counts, not contents. */
  summarize(result: T): Record<string, unknown>;
}

const runner = <T>(r: JobRunner<T>): JobRunner => r as JobRunner;

const RUNNERS: Readonly<Record<string, JobRunner>> = {
  'discovery-sync': runner({
    run: (event) => runDiscoveryJob(event),
    summarize: summarizeDiscovery,
  }),
  'catalog-refresh': runner({
    run: (event) => runCatalogRefreshJob(event),
    summarize: summarizeCatalogRefresh,
  }),
  'audit-export': runner({
    run: () => exportAuditDays(jobsDeps().archive),
    summarize: (r) => ({ exportedDays: r.exported.map((d) => d.day), entries: r.exported.reduce((n, d) => n + d.count, 0), skippedDays: r.skipped.length }),
  }),
  'health-poll': runner({
    run: () => pollHealth(healthDeps()),
    summarize: (r) => ({
      environments: r.environments, checked: r.checked, recorded: r.recorded, unchanged: r.unchanged, skipped: r.skipped,
      ...r.byStatus, changes: r.changes.length, failures: r.failures.length,
    }),
  }),
};

const missing = JOBS.filter((j) => !Object.hasOwn(RUNNERS, j.name)).map((j) => j.name);
const extra = Object.keys(RUNNERS).filter((name) => !JOBS.some((j) => j.name === name));
if (missing.length || extra.length) throw new Error(`jobs without a runner [${missing.join(', ')}], runners without a job [${extra.join(', ')}]`);

export function jobRunner(name: string): JobRunner {
  const found = Object.hasOwn(RUNNERS, name) ? RUNNERS[name] : undefined;
  if (!found) throw new NotFoundError(`no job named "${name}"; the jobs are ${JOBS.map((j) => j.name).join(', ')}`, { details: [{ path: '/job', message: 'unknown job' }] });
  return found;
}
