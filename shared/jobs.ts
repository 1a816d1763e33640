/**
 * A job's definition: what CDK makes an EventBridge rule of and the local scheduler runs. Each context
 * declares its jobs in its descriptor (functions/<context>/context.ts; all of them: functions/contexts.ts);
 * each runs in the `jobs` Lambda. A job is one of two kinds:
 *
 * - scheduled (`schedule`): a schedule rule invokes the jobs Lambda with `{ "job": "<name>" }`; the local
 *   scheduler runs it on the same schedule;
 * - event (`eventPattern`): a rule matching the pattern invokes it with `{ "job": "<name>", "event": <the
 *   matched event> }`; nothing runs it locally but a test or a caller of local/scheduler.ts `invokeJob`;
 * - dispatched (`dispatched: true`): no rule; the API hands it work (an asynchronous invocation with
 *   `{ "job": "<name>", "jobId": "<id>" }`, functions/lib/job-dispatch.ts; locally in process), e.g. an AI turn.
 */
interface JobBase {
  readonly name: string;
  readonly description: string;
  readonly timeoutSeconds: number;
}

export interface ScheduledJobDef extends JobBase {
  /** An EventBridge schedule expression: `rate(5 minutes)` or `cron(min hour dom month dow year)`, UTC. */
  readonly schedule: string;
  readonly eventPattern?: never;
  readonly dispatched?: never;
}

/**
 * An EventBridge event pattern as EventBridge reads it (`detail-type`, not CDK's `detailType`): each field
 * lists the values that match, `detail` nests the same way.
 */
export interface JobEventPattern {
  readonly source: readonly string[];
  readonly 'detail-type'?: readonly string[];
  readonly account?: readonly string[];
  readonly region?: readonly string[];
  readonly resources?: readonly string[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface EventJobDef extends JobBase {
  /** The events that run it, one run per event. */
  readonly eventPattern: JobEventPattern;
  readonly schedule?: never;
  readonly dispatched?: never;
}

export interface DispatchedJobDef extends JobBase {
  /** Run only when the API hands it work (no rule, no schedule). */
  readonly dispatched: true;
  readonly schedule?: never;
  readonly eventPattern?: never;
}

export type JobDef = ScheduledJobDef | EventJobDef | DispatchedJobDef;

export const isScheduledJob = <J extends JobDef>(job: J): job is J & ScheduledJobDef => typeof job.schedule === 'string';
export const isEventJob = <J extends JobDef>(job: J): job is J & EventJobDef => job.eventPattern !== undefined;
export const isDispatchedJob = <J extends JobDef>(job: J): job is J & DispatchedJobDef => job.dispatched === true;

/** What starts a job, in a few words (`rate(1 hour)`, `events from aws.cloudwatch`, `dispatched`). */
export const triggerOf = (job: JobDef): string =>
  (isScheduledJob(job) ? job.schedule : isEventJob(job) ? `events from ${job.eventPattern.source.join(', ')}` : 'dispatched by the API');
