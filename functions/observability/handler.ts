/** The observability context: service logs and Logs Insights queries, secrets masked. */
import { createApiHandler, json } from '#lib/http';
import validators from '#schemas/validators/observability.gen.cjs';
import { serviceLogs } from './service-logs.ts';

export const handler = createApiHandler('observability', {
  'GET /api/v1/logs/services/{id}': async (req) => json(200, await serviceLogs(req.params.id, req.query, req.identity.principal)),
}, { validators });
