import { readBaseConfig, type BaseConfig } from '#lib/config';

export interface JobsConfig extends BaseConfig {
  /** The audit archive bucket (S3, Object Lock); the local runtime uses a directory instead. */
  readonly auditBucket: string;
}

export function readJobsConfig(env: NodeJS.ProcessEnv = process.env): JobsConfig {
  const base = readBaseConfig(env);
  const auditBucket = env.APOLLO_AUDIT_BUCKET ?? '';
  if (base.runtime === 'aws' && !auditBucket) throw new Error('missing environment variable APOLLO_AUDIT_BUCKET');
  return { ...base, auditBucket };
}
