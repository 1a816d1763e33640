/**
 * Invokes the very handler modules Lambda runs, in this process. Each context's module is imported
 * once (its cold start), then called with a Lambda-shaped context and the integration timeout.
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

function load(name: string): Promise<AnyHandler> {
  let handler = modules.get(name);
  if (!handler) {
    handler = import(handlerPath(name)).then((m: { handler: AnyHandler }) => m.handler);
    modules.set(name, handler);
  }
  return handler;
}

export class InvocationTimeoutError extends Error {}

export async function invoke(name: string, event: unknown, timeoutMs = INTEGRATION_TIMEOUT_MS): Promise<unknown> {
  const handler = await load(name);
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
      withLoggerScope(`apollo-${name}`, () => handler(event, context)),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new InvocationTimeoutError(`${name} timed out`)), timeoutMs); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
