/**
 * The rules of the jobs (shared/jobs.ts; every context's: functions/contexts.ts), one EventBridge rule per
 * job on the default bus: a scheduled job's schedule (the local scheduler runs the same list) invokes the
 * jobs Lambda with `{ job: <name> }`; an event job's pattern invokes it with `{ job: <name>, event: <the
 * matched event> }`. A delivery that keeps failing lands in the dead-letter queue, as does a run that
 * fails after Lambda's retries.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule, type EventPattern } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { isDispatchedJob, isScheduledJob, type JobDef, type JobEventPattern } from '#shared/jobs';
import { JOBS } from '#functions/contexts';
import type { ApolloFunction } from './apollo-function.ts';
import { pascal } from './functions.ts';
import { JobEventInput } from './job-event-input.ts';

export interface ApolloJobsProps {
  readonly stage: string;
  /** The jobs Lambda. */
  readonly function: ApolloFunction;
  /** Where events EventBridge could not deliver go. */
  readonly deadLetterQueue: IQueue;
  /** @default JOBS */
  readonly jobs?: readonly JobDef[];
}

const EXPRESSION = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\))$/;

/** CDK's spelling of an EventBridge pattern (`detailType` for `detail-type`). */
function eventPatternOf(pattern: JobEventPattern): EventPattern {
  const list = (values: readonly string[] | undefined) => (values ? [...values] : undefined);
  return {
    source: [...pattern.source],
    detailType: list(pattern['detail-type']),
    account: list(pattern.account),
    region: list(pattern.region),
    resources: list(pattern.resources),
    ...(pattern.detail ? { detail: { ...pattern.detail } } : {}),
  };
}

export class ApolloJobs extends Construct {
  /** The rule of each job, by job name. */
  readonly rules: ReadonlyMap<string, Rule>;

  constructor(scope: Construct, id: string, props: ApolloJobsProps) {
    super(scope, id);
    const jobs = props.jobs ?? JOBS;
    const timeout = props.function.function.timeout?.toSeconds() ?? 3;
    const rules = new Map<string, Rule>();
    for (const job of jobs) {
      // A dispatched job has no rule: the API invokes the jobs Lambda with its work (functions/lib/job-dispatch.ts).
      if (isDispatchedJob(job)) continue;
      if (!/^[a-z][a-z0-9-]{0,40}$/.test(job.name)) throw new Error(`job name ${job.name} must be lowercase letters, digits and dashes`);
      if (rules.has(job.name)) throw new Error(`job ${job.name} is defined twice`);
      if (isScheduledJob(job) && !EXPRESSION.test(job.schedule)) throw new Error(`job ${job.name}: ${job.schedule} is not an EventBridge rate() or cron() expression`);
      if (!isScheduledJob(job) && !job.eventPattern?.source?.length) throw new Error(`job ${job.name} needs a schedule or an event pattern with a source`);
      if (job.timeoutSeconds > timeout) throw new Error(`job ${job.name} needs ${job.timeoutSeconds} s but the jobs function times out after ${timeout} s`);
      rules.set(job.name, new Rule(this, pascal(job.name), {
        ruleName: `apollo-${props.stage}-${job.name}`,
        description: job.description.slice(0, 512),
        ...(isScheduledJob(job) ? { schedule: Schedule.expression(job.schedule) } : { eventPattern: eventPatternOf(job.eventPattern) }),
        targets: [new LambdaFunction(props.function.function, {
          event: isScheduledJob(job) ? RuleTargetInput.fromObject({ job: job.name }) : new JobEventInput(job.name),
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
        })],
      }));
    }
    this.rules = rules;
  }
}
