/**
 * What other contexts may use of the audit context: the only module of it they import
 * (`#functions/audit/public`; functions/contexts.test.ts holds every context to that).
 */
// The audit export (jobs) writes entries as GET /api/v1/audit/{id} shows them.
export { toEntry } from './search.ts';
// The secrets context's audit trail (GET /api/v1/secrets/audit) is the log's entries about secrets.
export { searchAudit } from './search.ts';
