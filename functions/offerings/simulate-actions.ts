/**
 * One action of the dry run, as its own executor (the requests context's) would start it, stopped before its
 * first outside call: the templates rendered as the fulfilment renders them, the input as the request page
 * would record it (secrets, secret fields and credentials masked by the executor itself), the URL through the
 * executors' egress guard (checked, not called). Secrets are never read: a placeholder stands in for each.
 */
import type { CatalogAction } from '#schemas/index.ts';
import { MASK, render, type VariableContext } from '#shared/variables/index';
import {
  asyncExecutorFor, executeAction, IntegrationBreakers, isAsyncType, OAuthTokenCache, systemResolve,
  type AsyncAction, type GithubWorkflowDeps, type HttpFetch, type Resolve, type SynchronousAction,
} from '#functions/requests/public';

export interface SimulationProblem {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly actionId?: string;
}

export interface ActionPreview {
  /** What would be sent, masked; undefined when the executor could not render it. */
  readonly input?: Record<string, unknown>;
  /** The first outside call it would make (`POST https://…`), not made. */
  readonly wouldCall?: string;
  readonly problems: readonly SimulationProblem[];
  /** A problem that fails the action in a real run (a template error, a refused URL): not retryable. */
  readonly fails?: { readonly code: string; readonly message: string };
}

export interface PreviewOptions {
  /** DNS for the egress guard. @default the system resolver, 3 s at most per name */
  readonly resolve?: Resolve;
  /** The request's idempotency key's prefix, as `<requestId>/<actionId>/<generation>`. */
  readonly requestId: string;
  readonly timeoutMs: number;
}

/** Stands in for every integration secret: long enough that the executors mask it wherever it would show. */
export const SIMULATED_SECRET = 'simulated-secret-value';
/** Hosts of simulated outputs (`https://{{output.x.host}}/…`): public test addresses (RFC 5737), so the guard passes them. */
const SIMULATED_HOST = /^simulated-/;
const LOOKUP_MS = 3_000;

/** Thrown where the executor would make its first outside call. */
class StoppedBeforeCallError extends Error {
  override readonly name = 'StoppedBeforeCallError';
}

const timedResolve = (resolve: Resolve): Resolve => async (host) => {
  if (SIMULATED_HOST.test(host)) return [{ address: '203.0.113.10', family: 4 }];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([resolve(host), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), LOOKUP_MS); })]);
  } finally {
    clearTimeout(timer);
  }
};

/** The call as shown: the placeholder secret and the secret fields' sample values masked (a URL may carry them). */
function masked(text: string, variables: Omit<VariableContext, 'secrets'>): string {
  const secrets = [SIMULATED_SECRET, ...(variables.secretFields ?? []).map((id) => variables.fields?.[id])]
    .filter((v): v is string => typeof v === 'string' && v.length >= 4);
  return secrets.reduce((out, secret) => out.split(secret).join(MASK).split(encodeURIComponent(secret)).join(MASK), text);
}

/** Renders and checks one action (forward or rollback) with the variables the fulfilment would give it. */
export async function previewAction(action: CatalogAction, variables: Omit<VariableContext, 'secrets'>, options: PreviewOptions): Promise<ActionPreview> {
  const problems: SimulationProblem[] = [];
  const add = (severity: SimulationProblem['severity'], code: string, message: string) => problems.push({ severity, code, message, actionId: action.id });

  // The templates first, on their own, for each variable that would not resolve.
  const rendered = render(action.config, { ...variables, secrets: () => SIMULATED_SECRET }, { mode: 'execute' });
  for (const issue of rendered.errors) {
    const missing = issue.variable?.startsWith('output.');
    add('error', missing ? 'missing-output' : 'template', `${issue.message}${issue.where ? ` (at config${issue.where})` : ''}`);
  }

  let called: string | undefined;
  const fetch: HttpFetch = async (request) => {
    called = `${request.method} ${request.url.origin}${request.url.pathname}`;
    throw new StoppedBeforeCallError('a dry run calls nothing');
  };
  const deps: GithubWorkflowDeps = {
    secrets: { kind: 'nothing (a dry run reads no secret)', get: async () => SIMULATED_SECRET },
    fetch,
    resolve: timedResolve(options.resolve ?? systemResolve),
    breakers: new IntegrationBreakers(),
    tokens: new OAuthTokenCache(),
    octokit: async () => {
      called = 'GitHub API';
      throw new StoppedBeforeCallError('a dry run calls nothing');
    },
  };
  const run = {
    requestId: options.requestId, attempt: 1, idempotencyKey: `${options.requestId}/${action.id}/1`,
    variables, timeoutMs: options.timeoutMs, sensitiveOutputs: {},
  };
  let result: { input: Readonly<Record<string, unknown>>; error?: { code: string; message: string } };
  if (isAsyncType(action.type)) {
    const executor = asyncExecutorFor(action.type, deps);
    if (!executor) {
      add('error', 'not-configured', `${action.type} actions have no executor here: the action would wait, then fail at its timeout`);
      return { problems, fails: { code: 'not-configured', message: `no ${action.type} executor` } };
    }
    result = await executor.start({ ...run, action: action as AsyncAction });
  } else {
    result = await executeAction({ ...run, action: action as SynchronousAction }, deps);
  }

  const error = result.error;
  if (error && !called) {
    if (error.code === 'template') {
      if (!rendered.errors.length) add('error', 'template', error.message);
    } else if (error.code === 'egress-refused') {
      add('error', 'egress-refused', `its URL would be refused: ${error.message}`);
    } else if (error.code === 'network') {
      add('error', 'unreachable', `its target cannot be reached from here: ${error.message}`);
    } else {
      add('error', error.code, error.message);
    }
  }
  const fatal = problems.find((p) => p.severity === 'error');
  return {
    input: { ...result.input },
    ...(called ? { wouldCall: masked(called, variables) } : {}),
    problems,
    ...(fatal ? { fails: { code: fatal.code, message: fatal.message } } : {}),
  };
}
