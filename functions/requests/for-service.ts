/**
 * The requests fulfilled for a service (an incident's timeline joins them by id): the requests of the
 * service's team created in a window (one index Query, GSI2 `REQTEAM#<team>` by createdAt) whose form named
 * the service (a field whose value is the service's id, as the catalog's service pickers submit it), that
 * completed. Bounded: at most `max` of them.
 */
import { queryAll, type Item } from '#lib/table';
import type { RequestRecord } from './records.ts';

export interface ServiceRequest {
  readonly id: string;
  readonly offering: string;
  readonly requester: string;
  readonly completedAt: string;
  readonly createdAt: string;
}

export async function requestsForService(service: string, team: string, from: string, to: string, max = 200): Promise<ServiceRequest[]> {
  const items = await queryAll<Item & RequestRecord>({ index: 'GSI2', partition: `REQTEAM#${team}`, sortKey: { between: [from, `${to}~`] } }, 2000);
  return items
    .filter((r) => r.SK === 'META' && r.status === 'completed' && r.completedAt && Object.values(r.fields ?? {}).some((v) => v === service))
    .slice(0, max)
    .map((r) => ({ id: r.id, offering: r.offering.name, requester: r.requester, completedAt: r.completedAt!, createdAt: r.createdAt }));
}
