/**
 * Invokes the very handler modules Lambda runs, in this process. Each module is imported once (its
 * cold start), then called with a Lambda-shaped context and a timeout: a context's
 * `functions/<name>/handler.ts` with the integration timeout (invoke), or any entry CDK bundles, such
 * as a workflow's steps module, with that function's own timeout (invokeEntry).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { withLoggerScope } from '#lib/observability';

export const INTEGRATION_TIMEOUT_MS = 29_000;

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;
const modules = new Map<string, Promise<AnyHandler>>();

/** `functions/<name>/handler.ts`: the entry CDK bundles for the same function. */
export function handlerPath(name: string): string {
  return new URL(`../functions/${name}/handler.ts`, import.meta.url).pathname;
}

function load(path: string): Promise<AnyHandler> {
  let handler = modules.get(path);
  if (!handler) {
    handler = import(path).then((m: { handler: AnyHandler }) => m.handler);
    modules.set(path, handler);
  }
  return handler;
}

export class InvocationTimeoutError extends Error {}

/**
 * Wraps every invocation from inside its logger scope: `run` is the handler's call. The bench's cost model
 * (bench/cost-meter.ts) times each one and tells apart what each reads, writes and logs.
 */
export type InvocationObserver = (name: string, event: unknown, run: () => Promise<unknown>) => Promise<unknown>;
let observer: InvocationObserver | undefined;

/** Sets (or, with undefined, removes) the one observer of invocations. */
export function observeInvocations(next: InvocationObserver | undefined): void {
  observer = next;
}

export async function invoke(name: string, event: unknown, timeoutMs = INTEGRATION_TIMEOUT_MS): Promise<unknown> {
  return invokeModule(handlerPath(name), name, event, timeoutMs);
}

/**
 * Invokes the `handler` of `entry` (relative to the project root, e.g. `functions/requests/steps.ts`)
 * as the function `name` (e.g. `requests-fulfillment-steps`), with that function's timeout.
 */
export async function invokeEntry(entry: string, name: string, event: unknown, timeoutMs: number): Promise<unknown> {
  return invokeModule(new URL(`../${entry}`, import.meta.url).pathname, name, event, timeoutMs);
}

async function invokeModule(path: string, name: string, event: unknown, timeoutMs: number): Promise<unknown> {
  const handler = await load(path);
  const deadline = Date.now() + timeoutMs;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `apollo-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:apollo-local-${name}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/apollo-local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } as Context;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      // Each invocation logs as its own function, with its own keys (one process runs them all).
      withLoggerScope(`apollo-${name}`, () => (observer ? observer(name, event, () => handler(event, context)) : handler(event, context))),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new InvocationTimeoutError(`${name} timed out`)), timeoutMs); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
