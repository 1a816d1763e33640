/**
 * The local runtime's cluster (there is no Kubernetes on a laptop): a Deployment's desired replicas
 * are the catalog's (environment.deployment.replicas) and its ready replicas follow the local health
 * target of the same service and environment (a target that is down has none ready). Everything it
 * reports says `simulated: true`, so the UI can say so.
 */
import type { ClusterReader, HealthTarget } from '../ports.ts';
import type { KubernetesObservation } from '../rules.ts';

/** What the local target of a service's environment is doing now; undefined when it has none. */
export type LocalTargetState = (serviceId: string, environment: string) => { readonly up: boolean; readonly missingReplicas: number } | undefined;

export class SimulatedClusterReader implements ClusterReader {
  constructor(private readonly stateOf: LocalTargetState) {}

  readiness(target: HealthTarget & { cluster: string }): Promise<KubernetesObservation> {
    const desired = target.replicas;
    if (desired === undefined) return Promise.resolve({ outcome: 'error', error: 'no replica count in the catalog to simulate', simulated: true });
    const state = this.stateOf(target.serviceId, target.environment) ?? { up: true, missingReplicas: 0 };
    const ready = state.up ? Math.max(0, desired - state.missingReplicas) : 0;
    return Promise.resolve({ outcome: 'deployment', readyReplicas: ready, desiredReplicas: desired, simulated: true });
  }
}
