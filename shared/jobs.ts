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
  {
    name: 'health-poll',
    description: 'Checks every environment’s health endpoint and Kubernetes ready replicas; records changes and a 5-minute heartbeat (24 h history)',
    schedule: 'rate(1 minute)',
    // Checks stop starting after 45 s (APOLLO_HEALTH_BUDGET_MS); the last ones end within their 3 s timeout.
    timeoutSeconds: 55,
  },
  {
    name: 'discovery-sync',
    description: 'Scans the GitHub organisation for apollo.yaml manifests and registers or updates their services (also runs the syncs started by the API and the GitHub webhook)',
    schedule: 'rate(1 hour)',
    // A large organisation at GitHub's rate: the run records progress, so a cut-off run is visible.
    timeoutSeconds: 900,
  },
  {
    name: 'catalog-refresh',
    description: 'Refreshes the self-service offerings from the catalog repository: every document checked, valid ones stored, invalid ones reported with the last good version kept, removed files retired (also runs the refreshes started by the API and the GitHub push webhook)',
    // A backstop for a lost webhook delivery: files whose blob is unchanged are not read again.
    schedule: 'rate(1 hour)',
    timeoutSeconds: 900,
  },
];

export function jobNamed(name: string): JobDef | undefined {
  return JOBS.find((job) => job.name === name);
}
