/** The audit context: searching and reading the audit log (admins). Writing it is `#lib/audit-log`. */
import { createApiHandler, json } from '#lib/http';
import validators from '#schemas/validators/audit.gen.cjs';
import { getEntry, searchAudit } from './search.ts';

export const handler = createApiHandler('audit', {
  'GET /api/v1/audit': async (req) => json(200, await searchAudit(req.query)),
  'GET /api/v1/audit/{id}': async (req) => json(200, await getEntry(req.params.id)),
}, { validators });
