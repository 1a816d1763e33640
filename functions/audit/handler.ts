/** The audit context: searching and reading the audit log (admins). Writing it is `#lib/audit-log`. */
import { createApiHandler, json } from '#lib/http';
import validators from '#schemas/validators/audit.gen.cjs';
import { exportEntries, searchRequestAudit, toCsv } from './requests.ts';
import { getEntry, searchAudit } from './search.ts';

export const handler = createApiHandler('audit', {
  'GET /api/v1/audit': async (req) => json(200, await searchAudit(req.query)),
  'GET /api/v1/audit/requests': async (req) => json(200, await searchRequestAudit(req.query)),
  'GET /api/v1/audit/requests/export': async (req) => {
    const format = req.query.format ?? 'csv';
    const { entries, truncated } = await exportEntries(req.query);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return {
      status: 200,
      body: format === 'csv' ? toCsv(entries) : `${JSON.stringify({ items: entries, truncated }, null, 2)}\n`,
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
        'content-disposition': `attachment; filename="apollo-request-audit-${stamp}.${format}"`,
        'x-apollo-entries': String(entries.length),
        'x-apollo-truncated': String(truncated),
      },
    };
  },
  'GET /api/v1/audit/{id}': async (req) => json(200, await getEntry(req.params.id)),
}, { validators });
