/** Write-ahead audit on mutating routes: no intent recorded, no mutation (503); the outcome after. */
import type { MiddlewareObj } from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApolloError, ServiceUnavailableError } from '#shared/errors';
import type { AuditSpec } from '#shared/routes';
import { auditLog } from '../audit-log.ts';
import { logger, metrics, redact } from '../observability.ts';
import type { ApiRequest, Event } from './request.ts';
import { namedError, statusOf } from './responses.ts';

/** The body without the fields the route never records (each present one says `[omitted]`). */
function omitted(body: unknown, fields: readonly string[] | undefined): unknown {
  if (!fields?.length || !body || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fields.includes(k) ? '[omitted]' : v]));
}

/** A string field of the body (the id a create names), if there is one. */
function bodyField(body: unknown, field: string | undefined): string | undefined {
  const value = field && body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** What the audit entry records of the request: path parameters and the body, secrets redacted by key. */
function auditDetails(req: ApiRequest, spec: AuditSpec): Record<string, unknown> {
  const details: Record<string, unknown> = { ...req.params };
  if (req.body !== undefined) details.body = redact(omitted(req.body, spec.omitBodyFields));
  if (req.ifMatch !== undefined) details.ifMatch = req.ifMatch;
  return details;
}

export const audited = (spec: AuditSpec): MiddlewareObj<Event, APIGatewayProxyResult> => {
  const finish = async (event: Event, entry: { id: string; details: Record<string, unknown> } | undefined, statusCode: number, errorCode?: string) => {
    if (!entry) return;
    const { resourceId, details: learned } = event.apollo!.audit;
    try {
      await auditLog.recordOutcome(entry.id, {
        outcome: statusCode < 400 ? 'succeeded' : 'failed',
        statusCode,
        errorCode,
        resource: resourceId && !spec.resourceIdParam ? { type: spec.resourceType, id: resourceId } : undefined,
        // What the handler learned (set even when it then failed) joins what the intent recorded.
        ...(learned && Object.keys(learned).length ? { details: { ...entry.details, ...(redact(learned) as Record<string, unknown>) } } : {}),
      });
    } catch (error) {
      // The mutation's result stands; the entry stays `pending`, which says exactly that.
      logger.error('audit outcome not recorded', { error: error as Error, auditId: entry.id });
      metrics.addMetric('AuditOutcomeFailures', MetricUnit.Count, 1);
    }
  };
  const entries = new WeakMap<object, { id: string; details: Record<string, unknown> }>();
  return {
    before: async (request) => {
      const req = request.event.apollo!;
      const details = auditDetails(req, spec);
      let id: string;
      try {
        id = await auditLog.recordIntent({
          actor: req.identity.principal,
          actorType: req.identity.kind === 'webhook' ? 'system' : req.onBehalf ? 'ai' : 'user',
          ...(req.onBehalf ? { aiSessionId: req.onBehalf.aiSessionId } : {}),
          actorRole: req.identity.role ?? undefined,
          action: spec.action,
          resourceType: spec.resourceType,
          resourceId: spec.resourceIdParam ? req.params[spec.resourceIdParam] : bodyField(req.body, spec.resourceIdBodyField),
          details,
          sourceIp: req.identity.sourceIp,
          userAgent: req.identity.userAgent,
          requestId: req.requestId,
        });
      } catch (error) {
        logger.error('audit intent not recorded; refusing the mutation', { error: error as Error });
        metrics.addMetric('AuditIntentFailures', MetricUnit.Count, 1);
        throw new ServiceUnavailableError('the audit log is unavailable, so nothing was changed; retry shortly', { cause: error });
      }
      entries.set(request.event, { id, details });
    },
    after: async (request) => finish(request.event, entries.get(request.event), request.response?.statusCode ?? 200),
    onError: async (request) => {
      const error = namedError(request.error);
      await finish(request.event, entries.get(request.event), statusOf(error), error instanceof ApolloError ? error.code : 'InternalError');
    },
  };
};
