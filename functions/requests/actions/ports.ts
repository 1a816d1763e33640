/**
 * The action executors' port (ARCHITECTURE.md §4: an action is start → wait → collect). Part 1 has the
 * synchronous kinds, REST and webhook: their start is the whole call, so the workflow's wait is empty
 * and collect reads the outputs the start recorded. Terraform, GitHub and JIRA (part 2) start here and
 * are resumed by their webhooks.
 */
import type { GithubWorkflowAction, JiraAction, RestAction, TerraformAction, WebhookAction } from '#schemas/index.ts';
import type { VariableContext } from '#shared/variables/index';

export type SynchronousAction = RestAction | WebhookAction;

export interface ActionRun {
  readonly requestId: string;
  readonly action: SynchronousAction;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** `<requestId>/<actionId>/<generation>`: sent as `Idempotency-Key` (REST) and `X-Apollo-Delivery` (webhook). */
  readonly idempotencyKey: string;
  /** Everything but secrets: the request's fields, metadata, request, user, team, system, env, earlier outputs, approval. */
  readonly variables: Omit<VariableContext, 'secrets'>;
  /** The attempt's time limit (from the action's `timeout`; default 30 s). */
  readonly timeoutMs: number;
  /** Earlier actions' sensitive outputs by action id: their values are masked wherever this action would show them. */
  readonly sensitiveOutputs?: Readonly<Record<string, readonly string[]>>;
}

export type ActionLogSeverity = 'debug' | 'info' | 'warn' | 'error';

export interface ActionLogLine {
  readonly severity: ActionLogSeverity;
  /** Never a secret: values from {{secrets.*}}, secret fields and sensitive outputs are masked. */
  readonly message: string;
}

export interface ActionResult {
  readonly outcome: 'succeeded' | 'failed';
  /** Whether another attempt could succeed: network errors, timeouts, 408/425/429/5xx, an open circuit. Not 4xx, not a template error. */
  readonly retryable: boolean;
  /** What was sent, rendered with secrets and secret fields masked (the request page shows it): method, url, headers (auth masked), body. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The action's declared outputs by name (read by JSON pointer from the response); sensitive ones listed in `sensitive`. */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly sensitive: readonly string[];
  /** The HTTP status answered, when there was an answer. */
  readonly status?: number;
  /**
   * `template`, `egress-refused`, `secrets-unavailable`, `network`, `timeout`, `http-status`, `circuit-open`,
   * `oauth-token`, `missing-output`, `invalid-response`, `response-too-large`, `internal`.
   */
  readonly error?: { readonly code: string; readonly message: string };
  /** When a retryable failure says how long to wait: the target's Retry-After, or until an open circuit half-opens. */
  readonly retryAfterMs?: number;
  readonly durationMs: number;
  readonly logs: readonly ActionLogLine[];
}

export interface ActionExecutor {
  execute(run: ActionRun): Promise<ActionResult>;
}

/** Secrets that actions name as {{secrets.<name>}}: Secrets Manager in AWS, a file under $APOLLO_HOME locally. */
export interface IntegrationSecrets {
  readonly kind: string;
  get(name: string): Promise<string | undefined>;
}

// ---------------------------------------------------------------- actions that run elsewhere (requests part 2)


/**
 * Terraform runs, GitHub workflow runs and JIRA tickets run outside Apollo: start → wait → collect
 * (ARCHITECTURE.md §4). The workflow waits in a callback state; a webhook from the system only wakes it
 * (`wakeExternal` in functions/requests/public.ts), and `check` then asks the system where the run is — the
 * system, not the webhook's body, is the truth. With no webhook the wait times out every `pollSeconds` and
 * `check` runs anyway (polling).
 */
export type AsyncAction = TerraformAction | GithubWorkflowAction | JiraAction;
export type ExternalSystem = 'terraform' | 'github' | 'jira';

/** What an outside run started: enough to find it again (correlate a webhook, check, collect, cancel). */
export interface ExternalRef {
  readonly system: ExternalSystem;
  /** The id the system's webhooks name: a Terraform run id (`run-…`), a GitHub workflow run id, a JIRA issue key. */
  readonly id: string;
  /** Where a person sees it. */
  readonly url?: string;
  /** What check/collect/cancel need besides the id (host, workspace id, owner/repo, JIRA instance). */
  readonly details?: Readonly<Record<string, string | number>>;
}

export interface AsyncRun extends Omit<ActionRun, 'action'> {
  readonly action: AsyncAction;
}

export interface StartResult {
  /** `started`: wait for it; `succeeded`: nothing to wait for (a GitHub dispatch with waitForCompletion false); `failed`: not started. */
  readonly outcome: 'started' | 'succeeded' | 'failed';
  readonly retryable: boolean;
  readonly ref?: ExternalRef;
  /** What was sent, secrets masked. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly error?: { readonly code: string; readonly message: string };
  /** When a retryable failure says how long to wait: the system's Retry-After, or until an open circuit half-opens. */
  readonly retryAfterMs?: number;
  readonly durationMs: number;
  readonly logs: readonly ActionLogLine[];
  /** Seconds between checks when no webhook wakes the wait (default 30). */
  readonly pollSeconds?: number;
}

export interface CheckResult {
  readonly state: 'running' | 'succeeded' | 'failed';
  /** Where it is, in words: "planning", "applying", "in_progress", "In Review". */
  readonly message?: string;
  /** When failed: whether another attempt could succeed. */
  readonly retryable?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  /** New lines since the last check (e.g. JIRA comments), secrets masked. */
  readonly logs?: readonly ActionLogLine[];
  /** The ref with updated details to keep for the next check (e.g. the last comment seen); absent: unchanged. */
  readonly ref?: ExternalRef;
}

export interface CollectResult {
  /** The action's declared outputs (by JSON pointer into the run's result: Terraform outputs, the workflow run, the issue). */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly sensitive: readonly string[];
  /** A declared output missing: the action fails (not retryable). */
  readonly error?: { readonly code: string; readonly message: string };
  readonly logs: readonly ActionLogLine[];
}

export interface AsyncActionExecutor {
  start(run: AsyncRun): Promise<StartResult>;
  check(run: AsyncRun, ref: ExternalRef): Promise<CheckResult>;
  collect(run: AsyncRun, ref: ExternalRef): Promise<CollectResult>;
  /** Stops a run still going (a cancelled request), best effort: discard/cancel the Terraform run, cancel the workflow run. */
  cancel(run: AsyncRun, ref: ExternalRef): Promise<void>;
}

/** A verified webhook about an outside run: the webhooks context hands it to `wakeExternal`. */
export interface ExternalEvent {
  readonly system: ExternalSystem;
  /** The run's id as in ExternalRef.id. */
  readonly id: string;
  /** The delivery's id (redeliveries repeat it). */
  readonly delivery: string;
  /** What the event says, for the log only (check asks the system). */
  readonly summary?: string;
}
