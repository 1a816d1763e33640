/**
 * The jobs context's adapters: AWS ones by default; the local runtime and `npm run job` swap in
 * their own (`configureJobs`) before the first run.
 */
import type { AuditArchive } from './ports.ts';
import { S3AuditArchive } from './adapters/s3-audit-archive.ts';
import { readJobsConfig, type JobsConfig } from './config.ts';

export interface JobsDeps {
  readonly config: JobsConfig;
  readonly archive: AuditArchive;
}

let deps: JobsDeps | undefined;

export function jobsDeps(): JobsDeps {
  if (!deps) {
    const config = readJobsConfig();
    deps = { config, archive: new S3AuditArchive(config.auditBucket) };
  }
  return deps;
}

export function configureJobs(overrides: Partial<Omit<JobsDeps, 'config'>>): void {
  deps = { ...jobsDeps(), ...overrides };
}
