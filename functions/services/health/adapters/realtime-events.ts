/**
 * Health changes go live on topic `service:<id>` (shared/topics.ts: `services:read`), event
 * `service.health`, so an open service page updates without polling.
 */
import { publish } from '#lib/realtime';
import type { HealthChange, HealthEvents } from '../ports.ts';

export const HEALTH_EVENT = 'service.health';

export const serviceTopic = (serviceId: string): string => `service:${serviceId}`;

export class RealtimeHealthEvents implements HealthEvents {
  async changed(change: HealthChange): Promise<void> {
    await publish(serviceTopic(change.serviceId), HEALTH_EVENT, {
      serviceId: change.serviceId,
      environment: change.environment,
      previous: change.previous,
      health: change.health,
      ...(change.serviceStatus ? { serviceHealthStatus: change.serviceStatus } : {}),
    });
  }
}
