/**
 * The synchronous action executors (REST and webhook) behind one entry: the workflow's start task
 * calls `executeAction(run, deps)` and records the result (its `input` is already masked: auth,
 * API-key and signature headers as ••••, secrets and secret fields as preview placeholders, and any
 * secret value that would appear in a log line or an error message replaced by ••••).
 */
import type { ActionExecutor, ActionResult, ActionRun, SynchronousAction } from './ports.ts';
import type { ExecutorDeps } from './attempt.ts';
import { RestExecutor } from './rest.ts';
import { WebhookExecutor } from './webhook.ts';

export type { ActionExecutor, ActionLogLine, ActionResult, ActionRun, IntegrationSecrets, SynchronousAction } from './ports.ts';
export type { ExecutorDeps } from './attempt.ts';
export type { HttpFetch, HttpRequest, HttpResponse } from './http.ts';
export type { EgressAllowlist, Resolve, ResolvedAddress } from './ssrf.ts';
export { EGRESS_ALLOW_ENV, egressAllowFromEnv, parseEgressAllow } from './ssrf.ts';
export { IntegrationBreakers, integrationBreakers } from './breaker.ts';
export { OAuthTokenCache, oauthTokens } from './oauth2.ts';
export { DEFAULT_SIGNATURE_HEADER, DELIVERY_HEADER, TIMESTAMP_HEADER, webhookSignature } from './webhook.ts';

/** The executor for an action's type. */
export function executorFor(action: SynchronousAction, deps: ExecutorDeps): ActionExecutor {
  switch (action.type) {
    case 'rest':
      return new RestExecutor(deps);
    case 'webhook':
      return new WebhookExecutor(deps);
  }
}

/** Runs one attempt of a REST or webhook action. Never throws: a failure is a result (`retryable` says whether to try again). */
export function executeAction(run: ActionRun, deps: ExecutorDeps): Promise<ActionResult> {
  return executorFor(run.action, deps).execute(run);
}
