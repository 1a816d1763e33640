/**
 * The jobs Lambda: runs every context's scheduled jobs (and the runs the API hands over). Its own job
 * is the audit export.
 */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'jobs',
  summary: 'Runs the scheduled jobs of every context, and the runs the API hands over',
  heavy: [{
    what: 'every run: GitHub (Octokit), the YAML parser, the apollo.yaml and Schema v2.0 validators, S3 (the audit export), EKS (the health poll)',
    neededBy: 'no request path: the schedules and the runs a request hands over (asynchronous invocations)',
  }],
  jobs: [
    {
      name: 'audit-export',
      description: 'Copies each closed day of audit entries to the audit bucket (Object Lock, 7 years)',
      schedule: 'cron(15 0 * * ? *)',
      timeoutSeconds: 300,
      bindings: ['audit-archive'],
      run: async () => {
        const [{ exportAuditDays }, { jobsDeps }] = await Promise.all([import('./audit-export.ts'), import('./deps.ts')]);
        const r = await exportAuditDays(jobsDeps().archive);
        return { result: r, summary: { exportedDays: r.exported.map((d) => d.day), entries: r.exported.reduce((n, d) => n + d.count, 0), skippedDays: r.skipped.length } };
      },
    },
  ],
  local: async (runtime) => {
    // The audit archive is a directory under APOLLO_HOME (tests keep no archive).
    if (!runtime.home) return;
    const [{ configureJobs }, { localAuditArchive }] = await Promise.all([import('./deps.ts'), import('./adapters/file-audit-archive.ts')]);
    configureJobs({ archive: localAuditArchive(runtime.home) });
    return [`Audit export: a LOCAL directory (${runtime.home}/audit-archive) stands in for the Object Lock bucket`];
  },
};
