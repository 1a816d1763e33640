/**
 * What a context declares about itself, in its own `functions/<context>/context.ts`: the AWS
 * permissions and settings its Lambda needs beyond what its routes imply, files shipped beside its
 * bundle, its jobs (on a schedule or on an event), the realtime topics it publishes, and its local
 * adapters. Infra, the local runtime, the job runner and the tests loop over the descriptors
 * (functions/contexts.ts); none of them names a context.
 *
 * A descriptor is read by the CDK app too: it imports types only, and implementations lazily.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { JobDef } from '#shared/jobs';

/**
 * Stack resources a function can be bound to. Each binding is one function in infra/bindings.ts
 * (permissions and the environment variables that name the resource); a context picks by name.
 */
export type Binding =
  /** `APOLLO_API_NAME` and CloudWatch GetMetricData: the API's own request metrics. */
  | 'api-metrics'
  /** Where the GitHub organisation is (`APOLLO_GITHUB_SECRET`, `…_ORG`, `…_API_URL`), without reading the secret. */
  | 'github-settings'
  /** `github-settings` and read access to the GitHub credentials secret. */
  | 'github-credentials'
  /** The self-service catalog's repository and directory (`APOLLO_CATALOG_REPO`, `…_PATH`). */
  | 'catalog-repository'
  /** Hands work to the jobs Lambda (asynchronous invoke; `APOLLO_JOBS_FUNCTION`). */
  | 'job-dispatch'
  /** Changes web users' groups in the Cognito user pool. */
  | 'user-admin'
  /** Writes closed audit days to the audit bucket (`APOLLO_AUDIT_BUCKET`). */
  | 'audit-archive'
  /** Reads the EKS clusters' endpoints (DescribeCluster) for the health poll. */
  | 'eks-clusters'
  /** Reads the secrets actions name as {{secrets.<name>}} (`APOLLO_INTEGRATION_SECRETS_PREFIX`: Secrets Manager ids under it). */
  | 'integration-secrets'
  /** Puts each notification on the account's default EventBridge bus too (`APOLLO_NOTIFICATION_BUS`). */
  | 'notification-events'
  /**
   * The deployments' settings and the GitOps repository they commit to: `APOLLO_GITOPS_REPO`, `…_PATH`,
   * `…_PROD_MODE`, `APOLLO_ARGOCD_URL`, `APOLLO_WEB_URL`, with `github-credentials`.
   */
  | 'gitops-repository'
  /**
   * `gitops-repository`, and what a rollout is driven and read through: Argo CD's token (the integration
   * secret `argocd_token`, as `integration-secrets`), else the environments' EKS clusters (`eks-clusters`).
   */
  | 'deployment-targets'
  /**
   * Calls Apollo's own REST routes as a person (the AI console's approved actions; functions/lib/on-behalf.ts):
   * lambda:InvokeFunction on the REST contexts' functions, `APOLLO_API_FUNCTION_PREFIX` and `APOLLO_ACCOUNT_ID`.
   */
  | 'apollo-api-invoke'
  /**
   * The secrets' stores: sts:AssumeRole (with SourceIdentity) on the stack's secrets role (Secrets Manager on
   * `apollo/*`) and on the environments' own roles; `APOLLO_SECRETS_ROLE_ARN`, `APOLLO_SECRETS_ENVIRONMENTS`.
   */
  | 'secrets-stores'
  /** Reads AWS Cost Explorer (ce:Get*: costs, forecasts, anomalies, coverage, recommendations; billed per request). */
  | 'cost-explorer'
  /** Apollo's public base URL (`APOLLO_PUBLIC_URL`: the REST API's), given to outside systems that send it webhooks. */
  | 'public-url'
  /**
   * The egress guard's allowlist (`APOLLO_EGRESS_ALLOW`: CIDRs, host names, URL prefixes, #lib/egress): the private
   * addresses a request's actions and the health poll may call (an endpoint inside the VPC), refused otherwise.
   */
  | 'egress-allow'
  /**
   * Reads the catalog services' log groups (`APOLLO_LOG_GROUP_TEMPLATE`) and Apollo's own
   * (`APOLLO_OWN_LOG_GROUP_PREFIX`): Logs Insights queries and FilterLogEvents under their prefixes only.
   */
  | 'logs-read'
  /**
   * Reads the services' metrics (CloudWatch GetMetricData, or the Prometheus / AMP canary analysis reads) and
   * traces (X-Ray), and knows the consoles deep links open (Grafana, Jaeger, Axiom).
   */
  | 'telemetry-read'
  /**
   * The AI console's model: the provider and model names (`APOLLO_AI_PROVIDER`, `APOLLO_AI_MODEL*`), and read
   * access to the Anthropic API key's secret (`APOLLO_ANTHROPIC_KEY_SECRET_ARN`) or Bedrock's InvokeModel.
   */
  | 'ai-model';

/**
 * A Step Functions state machine a context runs (ARCHITECTURE.md §4). Infra deploys its ASL file with
 * `DefinitionBody.fromFile`, substituting `${StepsFunctionArn}` with a steps Lambda made from `steps`;
 * the context's API Lambda may start, stop, describe and resume its executions (env
 * `APOLLO_WORKFLOW_<NAME>_ARN`, NAME upper-cased with `-` → `_`). The local runtime runs the same file
 * with aws-local-stepfunctions, calling the steps module in this process.
 */
export interface ContextWorkflow {
  /** e.g. `fulfillment`: the file is `state-machines/<name>.asl.json`, the steps Lambda `<context>-<name>-steps`. */
  readonly name: string;
  readonly summary: string;
  /** The steps Lambda's entry, relative to the project root (exports `handler(event: StepEvent)`). */
  readonly steps: string;
  /** The steps Lambda's timeout (a step is short: it starts or collects outside work, never waits for it). @default 60 */
  readonly stepTimeoutSeconds?: number;
  /** What the steps Lambda is bound to. */
  readonly bindings?: readonly Binding[];
  /** Environment variables with fixed values for the steps Lambda. */
  readonly environment?: Readonly<Record<string, string>>;
  /** What the steps Lambda carries beyond the weight budget, and which step needs it (as a context's `heavy`). */
  readonly heavy?: ReadonlyArray<{ readonly what: string; readonly neededBy: string }>;
  /** The steps Lambda starts executions of this workflow itself (a failed canary's rollback is a deployment of its own). */
  readonly startsItself?: boolean;
}

/** What a run of a job gives: its result (the invocation's answer) and what its log line says. */
export interface JobOutcome {
  readonly result: unknown;
  /** Counts, not contents. */
  readonly summary: Readonly<Record<string, unknown>>;
}

/**
 * A job of a context: what runs it (a schedule: EventBridge in AWS, the local scheduler on a laptop; or an
 * event pattern: an EventBridge rule in AWS only) and its run.
 */
export type ContextJob = JobDef & ContextJobRun;

interface ContextJobRun {
  /** What the jobs Lambda must be bound to for this job. */
  readonly bindings?: readonly Binding[];
  /** `npm start` runs it once right away too (e.g. health, rather than a minute of "unknown"); scheduled jobs only. */
  readonly runAtLocalStart?: boolean;
  /**
   * `event` is the invocation's input: `{ job }`, plus what the job takes (e.g. discovery's `jobId`; an event
   * job's `event`, the EventBridge event that matched). Implementations are imported here, lazily, so that
   * reading the descriptor stays cheap.
   */
  run(event: Readonly<Record<string, unknown>>): Promise<JobOutcome>;
}

/** What the local runtime offers a context's local adapters (`npm start` and the integration tests). */
export interface LocalRuntime {
  /** The runtime's base URL (its port is known: the hooks run once it listens). */
  readonly url: string;
  /** Where data lives across restarts; undefined in tests (all in memory). */
  readonly home: string | undefined;
  /** The gateway's per-route request metrics, rendered as Prometheus text. */
  renderMetrics(): Promise<string>;
  /** The simulated state of a demo environment (`npm start` has no cluster): up, and replicas not ready. */
  targetState(service: string, env: string): { readonly up: boolean; readonly missingReplicas: number } | undefined;
  /** Wraps the health poll's HTTP probe so the demo environments' health checks reach this runtime's targets. */
  targetsProbe<P>(inner: P): P;
  /** The local fake GitHub when it serves (discovery and the catalog refresh point at it). */
  readonly fakeGitHub: { readonly url: string } | undefined;
  /** The LOCAL FAKE OpenCost: each demo cluster's base URL (the costs context's Kubernetes allocation). */
  readonly fakeOpenCost: { readonly endpoints: Readonly<Record<string, string>> } | undefined;
  /** Invokes a REST context's handler in this process with an API Gateway event (the AI console's actions, as in AWS a Lambda Invoke). */
  invokeApi(context: string, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
}

export interface ContextDescriptor {
  /** The Lambda: a context of the route table (`functions/<name>/handler.ts`), `jobs` or `realtime`. */
  readonly name: string;
  /** One line: what the context is for (docs, the local runtime's banner). */
  readonly summary: string;
  /** Stack resources the Lambda is bound to (infra/bindings.ts). */
  readonly bindings?: readonly Binding[];
  /** Environment variables with fixed values. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Files read at run time, shipped beside the bundle: name in the asset → path in the project. */
  readonly files?: Readonly<Record<string, string>>;
  /** Its jobs (scheduled, or run by an EventBridge event), run by the jobs Lambda. */
  readonly jobs?: readonly ContextJob[];
  /**
   * What its bundle carries beyond the weight budget (2× the bare-client baseline's bytes, 1.5× its
   * cold import; `npm run bench` section 2b) and which of its routes needs it. A Lambda over budget
   * without a reason here fails the bench: move what only a job needs to the jobs Lambda instead.
   */
  readonly heavy?: ReadonlyArray<{ readonly what: string; readonly neededBy: string }>;
  /** Other contexts' workflows whose waiting states this Lambda resumes (SendTaskSuccess/Failure: a webhook waking an action). */
  readonly resumes?: readonly string[];
  /** Other contexts' workflows this Lambda starts executions of (StartExecution only: a webhook starting a deployment). */
  readonly starts?: readonly string[];
  /** State machines it runs (Step Functions in AWS, aws-local-stepfunctions locally). */
  readonly workflows?: readonly ContextWorkflow[];
  /** Realtime topic kinds it publishes (shared/topics.ts). */
  readonly topics?: readonly string[];
  /**
   * Swaps in the local adapters, once the local runtime listens and before it serves a request.
   * Answers the lines `npm start` prints about them (what is local, or a fake, and where).
   */
  local?(runtime: LocalRuntime): Promise<readonly string[] | void>;
}
