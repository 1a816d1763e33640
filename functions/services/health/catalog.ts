/** The catalog as the health poll sees it: the services context's own functions (service-health.ts). */
import { appendEnvironmentSample, listEnvironmentsForHealth, setEnvironmentHealth } from '../service-health.ts';
import type { HealthCatalog, HealthTarget } from './ports.ts';

export class ServiceCatalogHealth implements HealthCatalog {
  async *targets(): AsyncIterable<readonly HealthTarget[]> {
    for await (const page of listEnvironmentsForHealth()) {
      yield page.map(({ serviceId, environment: env }): HealthTarget => ({
        serviceId,
        environment: env.name,
        cluster: env.cluster,
        namespace: env.namespace,
        replicas: env.replicas,
        healthCheck: env.healthCheck,
        health: env.health,
      }));
    }
  }

  async record(target: HealthTarget, verdict: Parameters<HealthCatalog['record']>[1], checkedAt: string): Promise<{ serviceStatus: string }> {
    const { serviceStatus } = await setEnvironmentHealth(target.serviceId, target.environment, { ...verdict, checkedAt });
    return { serviceStatus };
  }

  async heartbeat(target: HealthTarget, verdict: Parameters<HealthCatalog['heartbeat']>[1], checkedAt: string): Promise<void> {
    await appendEnvironmentSample(target.serviceId, target.environment, { ...verdict, checkedAt });
  }
}
