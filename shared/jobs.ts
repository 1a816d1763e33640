/**
 * Scheduled jobs: one source for the EventBridge schedules CDK creates and the local scheduler runs.
 * Each job runs in the `jobs` Lambda (functions/jobs/handler.ts), which receives `{ job: <name> }`.
 */
export interface JobDef {
  readonly name: string;
  readonly description: string;
  /** An EventBridge schedule expression: `rate(5 minutes)` or `cron(min hour dom month dow year)`, UTC. */
  readonly schedule: string;
  readonly timeoutSeconds: number;
}

export const JOBS: readonly JobDef[] = [
  {
    name: 'audit-export',
    description: 'Copies each closed day of audit entries to the audit bucket (Object Lock, 7 years)',
    schedule: 'cron(15 0 * * ? *)',
    timeoutSeconds: 300,
  },
];

export function jobNamed(name: string): JobDef | undefined {
  return JOBS.find((job) => job.name === name);
}
