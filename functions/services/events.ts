/**
 * People's changes to a service go live on its topic `service:<id>` (shared/topics.ts:
 * `services:read`) as event `service.changed`, beside the health job's `service.health`, so a page
 * open elsewhere reloads instead of showing what was true before. Publishing never fails a change.
 */
import type { ApiRequest, ApiResult, UntypedRouteImpl } from '#lib/http';
import { publish } from '#lib/realtime';

export const SERVICE_CHANGED_EVENT = 'service.changed';

export const serviceTopic = (serviceId: string): string => `service:${serviceId}`;

export interface ServiceChanged {
  readonly serviceId: string;
  /** The audited action, e.g. `services.update`. */
  readonly action: string;
  readonly by: string;
  readonly at: string;
}

async function announce(req: ApiRequest, result: ApiResult): Promise<void> {
  const serviceId = req.params.id ?? req.audit.resourceId;
  if (!serviceId || result.status >= 300) return;
  const change: ServiceChanged = { serviceId, action: req.route.audit?.action ?? `${req.route.method} ${req.route.path}`, by: req.identity.principal, at: new Date().toISOString() };
  await publish(serviceTopic(serviceId), SERVICE_CHANGED_EVENT, change);
}

/** Wraps every mutating route of the map so a successful change is announced on the service's topic. */
export function announcingChanges<T extends object>(impls: T): T {
  const wrap = (key: string, impl: UntypedRouteImpl): UntypedRouteImpl => (key.startsWith('GET ') ? impl : async (req) => {
    const result = await impl(req);
    await announce(req, result);
    return result;
  });
  return Object.fromEntries(Object.entries(impls).map(([key, impl]) => [key, wrap(key, impl as UntypedRouteImpl)])) as T;
}
