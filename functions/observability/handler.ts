/** The observability context: service logs and log queries (secrets masked), metrics, PromQL, traces, deep links; each kind of read rate-limited per caller. */
import { createApiHandler, json } from '#lib/http';
import { idempotency } from '#lib/idempotency';
import validators from '#schemas/validators/observability.gen.cjs';
import { getLogQuery, startLogQuery, stopLogQuery } from './log-queries.ts';
import { observabilityDeeplink } from './deeplinks.ts';
import { queryMetrics } from './metrics-query.ts';
import { takeAllowance } from './rate-limit.ts';
import { readServiceMetrics } from './service-metrics.ts';
import { serviceLogs } from './service-logs.ts';
import { listTraces, readTrace } from './traces.ts';

export const handler = createApiHandler('observability', {
  'POST /api/v1/logs/query': async (req) => {
    const query = await startLogQuery(req.body, req.identity.principal);
    req.audit.resourceId = query.id;
    return json(202, query);
  },
  'GET /api/v1/logs/query/{id}': async (req) => json(200, await getLogQuery(req.params.id, req.identity.principal)),
  'DELETE /api/v1/logs/query/{id}': async (req) => json(200, await stopLogQuery(req.params.id, req.identity.principal)),
  'GET /api/v1/logs/services/{id}': async (req) => json(200, await serviceLogs(req.params.id, req.query, req.identity.principal)),
  'GET /api/v1/logs/trace/{traceId}': async (req) => {
    await takeAllowance('traces', req.identity.principal);
    return json(200, await readTrace(req.params.traceId));
  },
  'GET /api/v1/logs/traces/services/{id}': async (req) => {
    await takeAllowance('traces', req.identity.principal);
    return json(200, await listTraces(req.params.id, req.query));
  },
  'GET /api/v1/metrics/services/{id}': async (req) => {
    await takeAllowance('metrics', req.identity.principal);
    return json(200, await readServiceMetrics(req.params.id, req.query));
  },
  'POST /api/v1/metrics/query': async (req) => {
    await takeAllowance('metrics', req.identity.principal);
    req.audit.resourceId = 'promql';
    return json(200, await queryMetrics(req.body));
  },
  'GET /api/v1/observability/deeplink': async (req) => json(200, await observabilityDeeplink(req.query)),
}, { validators, idempotency });
