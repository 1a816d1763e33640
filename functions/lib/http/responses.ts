/** Turning results and errors into API Gateway proxy results. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApolloError, MethodNotAllowedError, STATUS_BY_ERROR, type ErrorBody } from '#shared/errors';
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

/** The status a thrown error answers with: its name's, or 500 for anything unnamed. */
export const statusOf = (error: unknown): number => (error instanceof ApolloError ? STATUS_BY_ERROR.get(error.code) ?? 500 : 500);

export function errorResult(error: unknown, requestId: string): APIGatewayProxyResult {
  const status = statusOf(error);
  let body: ErrorBody = { error: { code: 'InternalError', message: 'internal error', details: [] }, requestId };
  if (error instanceof ApolloError && (status < 500 || status === 503)) {
    body = { error: { code: error.code, message: error.message, details: [...error.details] }, requestId };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error instanceof MethodNotAllowedError) headers.allow = error.details.map((d) => d.message).join(', ');
  const retryAfter = error instanceof ApolloError ? error.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  else if (status === 503 || status === 429) headers['retry-after'] = '5';
  return { statusCode: status, headers, body: JSON.stringify(body) };
}
