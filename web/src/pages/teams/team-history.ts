/** A team's request history filters as the URL holds them (`?status=failed&offering=dns-record`), beside the window's `days`. */
import type { TeamRequestsQuery } from '../../../../schemas/types.gen.ts';
import type { TeamHistoryFilters } from '../analytics/analytics-queries.ts';
import { REQUEST_STATES } from '../requests/request-status.ts';

export function historyFiltersFromSearch(search: string): TeamHistoryFilters {
  const params = new URLSearchParams(search);
  const status = params.get('status');
  const offering = params.get('offering')?.trim();
  return {
    ...(status && (REQUEST_STATES as readonly string[]).includes(status) ? { status: status as TeamRequestsQuery['status'] } : {}),
    ...(offering ? { offering } : {}),
  };
}
