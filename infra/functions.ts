/**
 * One Lambda per bounded context (ARCHITECTURE.md §2), each made by ApolloFunction from
 * `functions/<context>/handler.ts`, plus the `jobs` Lambda the schedules invoke and the `realtime`
 * Lambda behind the WebSocket API. What each may do to
 * the table follows from the route table (tableAccessOf): a context whose routes only read gets
 * GetItem and Query; one that mutates, audits or keeps idempotency records gets item writes too.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { JobDef } from '#shared/jobs';
import type { ContextDescriptor } from '#lib/context';
import { API_DESCRIPTORS, descriptorOf, JOBS } from '#functions/contexts';
import { ROUTES, type ContextName, type RouteDef } from '#shared/routes';
import { ApolloFunction } from './apollo-function.ts';
import type { ApolloData } from './data.ts';

export const JOBS_FUNCTION = 'jobs';
/** The WebSocket API's Lambda (`$connect`, `$disconnect`, `$default`): not in the REST route table. */
export const REALTIME_FUNCTION = 'realtime';
/** The Lambda a descriptor names: a context of the route table, `jobs` or `realtime`. */
export type ContextFunctionName = ContextName | typeof JOBS_FUNCTION | typeof REALTIME_FUNCTION;
/** A workflow's steps Lambda (infra/workflows.ts): `<context>-<workflow>-steps`. */
export type StepsFunctionName = `${ContextFunctionName}-${string}-steps`;
export type FunctionName = ContextFunctionName | StepsFunctionName;
export type TableAccess = 'read' | 'readWrite' | 'query';

/** What `GET /api/v1/version` reports. */
export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly buildTime: string;
}

export interface FunctionSizing {
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 10 s for API functions; the longest job's timeout for `jobs` */
  readonly timeout?: Duration;
}

export interface FunctionNetwork {
  readonly vpc: IVpc;
  /** @default - the VPC's private subnets with egress */
  readonly subnets?: SubnetSelection;
  readonly securityGroups?: readonly ISecurityGroup[];
  /** The functions placed in the VPC (those that must reach private endpoints). @default - all of them */
  readonly functions?: readonly FunctionName[];
}

export interface ApolloFunctionsProps {
  readonly stage: string;
  readonly data: ApolloData;
  /** The web app's origin, for CORS headers on responses. */
  readonly allowedOrigin: string;
  readonly build: BuildInfo;
  /** @default ROUTES */
  readonly routes?: readonly RouteDef[];
  /** The REST contexts' descriptors. @default API_DESCRIPTORS (every context of the route table) */
  readonly contexts?: readonly ContextDescriptor[];
  /** @default JOBS */
  readonly jobs?: readonly JobDef[];
  /** Overrides of the table access derived from the route table. @default - derived; `readWrite` for jobs (the health poll records health) and realtime (connections and subscriptions) */
  readonly tableAccess?: Partial<Record<FunctionName, TableAccess>>;
  /** @default - 512 MB, 10 s (API), the longest job's timeout (jobs) */
  readonly sizing?: Partial<Record<FunctionName, FunctionSizing>>;
  /** @default - no function in a VPC */
  readonly network?: FunctionNetwork;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /** Where package.json and functions/ are. @default - this repository */
  readonly projectRoot?: string;
}

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * `read` for a context whose routes only read (GETs, and read-only POSTs such as a preview); `readWrite` once one of them mutates, is audited (the
 * intent and outcome are items) or idempotent (Powertools keeps its records in the table).
 */
export function tableAccessOf(context: ContextName, routes: readonly RouteDef[] = ROUTES): TableAccess {
  const writes = (route: RouteDef): boolean => (route.method !== 'GET' && !route.readOnly) || route.audit !== undefined || route.idempotent === true;
  return routes.some((route) => route.context === context && writes(route)) ? 'readWrite' : 'read';
}

export class ApolloFunctions extends Construct {
  /** The API's Lambdas, by context. */
  readonly contexts: ReadonlyMap<ContextName, ApolloFunction>;
  /** Runs the scheduled jobs; receives `{ job: <name> }`. */
  readonly jobs: ApolloFunction;
  /** `$connect`, `$disconnect` and `$default` of the WebSocket API: connections (`CONN#…`) and subscriptions (GSI1 `TOPIC#…`). */
  readonly realtime: ApolloFunction;
  /** Failed asynchronous runs (the jobs Lambda after its retries, and schedule deliveries). */
  readonly deadLetterQueue: Queue;
  /** Every function with the descriptor it was made from. */
  readonly descriptors: ReadonlyMap<ContextDescriptor, ApolloFunction>;
  /** What every Apollo function is told (the table, the stage, the build, the allowed origin); a descriptor's own environment comes on top. */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ApolloFunctionsProps) {
    super(scope, id);
    const routes = props.routes ?? ROUTES;
    const contexts = props.contexts ?? API_DESCRIPTORS;
    const jobs = props.jobs ?? JOBS;
    const root = props.projectRoot ?? PROJECT_ROOT;
    const unknown = routes.filter((route) => !contexts.some((d) => d.name === route.context));
    if (unknown.length) throw new Error(`routes name contexts without a function: ${[...new Set(unknown.map((r) => r.context))].join(', ')}`);
    const inVpc = new Set<string>(props.network?.functions ?? [...contexts.map((d) => d.name), JOBS_FUNCTION, REALTIME_FUNCTION]);

    const environment = {
      TABLE_NAME: props.data.table.tableName,
      APOLLO_RUNTIME: 'aws',
      APOLLO_STAGE: props.stage,
      APOLLO_VERSION: props.build.version,
      APOLLO_COMMIT: props.build.commit,
      APOLLO_BUILD_TIME: props.build.buildTime,
      APOLLO_ALLOWED_ORIGIN: props.allowedOrigin,
    };
    this.environment = environment;
    /** A function from its descriptor: its environment and the files it reads are the descriptor's. */
    const make = (descriptor: ContextDescriptor, extra: Partial<ConstructorParameters<typeof ApolloFunction>[2]>): ApolloFunction => {
      const name = descriptor.name as ContextFunctionName;
      const network = props.network && inVpc.has(name) ? props.network : undefined;
      const fn = new ApolloFunction(this, pascal(name), {
        name,
        functionName: `apollo-${props.stage}-${name}`,
        entry: join(root, 'functions', name, 'handler.ts'),
        projectRoot: root,
        environment: { ...environment, ...descriptor.environment },
        files: descriptor.files,
        logRetention: props.logRetention,
        memorySize: props.sizing?.[name]?.memorySize,
        timeout: props.sizing?.[name]?.timeout,
        vpc: network?.vpc,
        vpcSubnets: network?.subnets,
        securityGroups: network?.securityGroups ? [...network.securityGroups] : undefined,
        ...extra,
      });
      const access = props.tableAccess?.[name]
        ?? (name === JOBS_FUNCTION || name === REALTIME_FUNCTION ? 'readWrite' : tableAccessOf(name, routes));
      if (access === 'readWrite') props.data.grantReadWriteItems(fn);
      else if (access === 'read') props.data.grantReadItems(fn);
      else props.data.grantQuery(fn);
      return fn;
    };

    const byContext = new Map<ContextName, ApolloFunction>();
    for (const descriptor of contexts) byContext.set(descriptor.name as ContextName, make(descriptor, {}));
    this.contexts = byContext;

    this.deadLetterQueue = new Queue(this, 'FailedRuns', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const dlqReason = 'This queue is itself the dead-letter queue (of the jobs Lambda and of its schedule targets); a dead-letter queue behind it would only move the same messages once more.';
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: dlqReason });
    new Alarm(this, 'FailedRunsAlarm', {
      alarmDescription: 'A scheduled job failed after its retries (or could not be delivered): see the FailedRuns queue',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const longestJob = Math.max(60, ...jobs.map((job) => job.timeoutSeconds));
    this.jobs = make(descriptorOf(JOBS_FUNCTION), {
      invocation: 'async',
      deadLetterQueue: this.deadLetterQueue,
      timeout: props.sizing?.jobs?.timeout ?? Duration.seconds(longestJob),
    });

    this.realtime = make(descriptorOf(REALTIME_FUNCTION), {});
    this.descriptors = new Map([...contexts.map((d): [ContextDescriptor, ApolloFunction] => [d, this.of(d.name as ContextName)]),
      [descriptorOf(JOBS_FUNCTION), this.jobs], [descriptorOf(REALTIME_FUNCTION), this.realtime]]);
  }

  /** The function of a context; throws for a context without one. */
  of(context: ContextName): ApolloFunction {
    const fn = this.contexts.get(context);
    if (!fn) throw new Error(`no function for context ${context}`);
    return fn;
  }

  /** Every function, API ones first. */
  get all(): ApolloFunction[] {
    return [...this.contexts.values(), this.jobs, this.realtime];
  }

  /** The functions that serve callers (REST contexts and realtime): they identify callers and publish frames. */
  get callerFacing(): ApolloFunction[] {
    return [...this.contexts.values(), this.realtime];
  }
}

export const pascal = (name: string): string =>
  name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part[0]!.toUpperCase() + part.slice(1)).join('');
