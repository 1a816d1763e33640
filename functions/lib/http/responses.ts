/** Turning results and errors into API Gateway proxy results. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApolloError, MethodNotAllowedError, ServiceUnavailableError, STATUS_BY_ERROR, type ErrorBody } from '#shared/errors';
import type { RouteDef } from '#shared/routes';
import type { ApiResult } from './request.ts';

export function toProxyResult(result: ApiResult, route: RouteDef): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...result.headers };
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  if (typeof result.body === 'string') {
    headers['content-type'] ??= route.produces ?? 'text/plain; charset=utf-8';
    return { statusCode: result.status, headers, body: result.body };
  }
  headers['content-type'] ??= 'application/json';
  return { statusCode: result.status, headers, body: JSON.stringify(result.body) };
}

/** AWS error names that mean "busy" or "slow": when one reaches here the SDK's own retries have run out. */
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'Throttling', 'RequestLimitExceeded']);
const TIMED_OUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** What an error's name says when it is one of those (a workflow step's error is only its name). */
export function transientReason(name: string | undefined): string | undefined {
  if (name && THROTTLED.has(name)) return `AWS is throttling Apollo's requests (${name})`;
  if (name && TIMED_OUT.has(name)) return `a backing service did not answer in time (${name})`;
  return undefined;
}

/**
 * A throttling or timeout error (or an error it caused, such as the idempotency store's) as the 503 it is, with
 * its reason and a Retry-After, never a bare 500: the same call may well succeed in a moment. Anything else as is.
 */
export function namedError(error: unknown): unknown {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof ApolloError) return error;
    const reason = transientReason(e.name);
    if (reason) return new ServiceUnavailableError(`${reason}; retry in a few seconds`, { cause: error, retryAfterSeconds: 2 });
  }
  return error;
}

/** The status a thrown error answers with: its name's, or 500 for anything unnamed. */
export const statusOf = (thrown: unknown): number => {
  const error = namedError(thrown);
  return error instanceof ApolloError ? STATUS_BY_ERROR.get(error.code) ?? 500 : 500;
};

export function errorResult(thrown: unknown, requestId: string): APIGatewayProxyResult {
  const error = namedError(thrown);
  const status = statusOf(error);
  let body: ErrorBody = { error: { code: 'InternalError', message: 'internal error', details: [] }, requestId };
  if (error instanceof ApolloError && (status < 500 || status === 503)) {
    body = { error: { code: error.code, message: error.message, details: [...error.details] }, requestId };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error instanceof MethodNotAllowedError) headers.allow = error.details.map((d) => d.message).join(', ');
  const retryAfter = error instanceof ApolloError ? error.retryAfterSeconds : undefined;
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
  else if (retryAfter === undefined && (status === 503 || status === 429)) headers['retry-after'] = '5';
  return { statusCode: status, headers, body: JSON.stringify(body) };
}
