/**
 * A scheduled job's definition: what CDK makes an EventBridge schedule of and the local scheduler
 * runs. Each context declares its jobs in its descriptor (functions/<context>/context.ts; all of
 * them: functions/contexts.ts); each runs in the `jobs` Lambda, which receives `{ job: <name> }`.
 */
export interface JobDef {
  readonly name: string;
  readonly description: string;
  /** An EventBridge schedule expression: `rate(5 minutes)` or `cron(min hour dom month dow year)`, UTC. */
  readonly schedule: string;
  readonly timeoutSeconds: number;
}
