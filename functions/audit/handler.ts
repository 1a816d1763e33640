/** The audit context: searching and reading the audit log (admins). Writing it is `#lib/audit-log`. */
import type { AuditQuery } from '#schemas/index.ts';
import { createApiHandler, json, type ApiRequest } from '#lib/http';
import { getEntry, searchAudit } from './search.ts';

export const handler = createApiHandler('audit', {
  'GET /api/v1/audit': async (req: ApiRequest<undefined, AuditQuery>) => json(200, await searchAudit(req.query)),
  'GET /api/v1/audit/{id}': async (req) => json(200, await getEntry(req.params.id!)),
});
