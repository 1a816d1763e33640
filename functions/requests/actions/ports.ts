/**
 * The action executors' port (ARCHITECTURE.md §4: an action is start → wait → collect). Part 1 has the
 * synchronous kinds, REST and webhook: their start is the whole call, so the workflow's wait is empty
 * and collect reads the outputs the start recorded. Terraform, GitHub and JIRA (part 2) start here and
 * are resumed by their webhooks.
 */
import type { RestAction, WebhookAction } from '#schemas/index.ts';
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
