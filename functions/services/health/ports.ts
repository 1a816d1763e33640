/** What the health poller needs from outside. */
import type { HealthVerdict, HttpObservation, KubernetesObservation } from './rules.ts';

/** An environment's last recorded check (schemas/api/environment-health.schema.json). */
export interface RecordedHealth {
  readonly status: string;
  readonly checkedAt?: string;
  readonly reason?: string;
  readonly http?: { readonly statusCode?: number; readonly latencyMs: number };
  readonly kubernetes?: { readonly readyReplicas: number; readonly desiredReplicas: number; readonly simulated: boolean };
}

/** One environment to check, as the catalog holds it. */
export interface HealthTarget {
  readonly serviceId: string;
  readonly environment: string;
  /** The EKS cluster's name; undefined or empty when the environment names none. */
  readonly cluster?: string;
  readonly namespace?: string;
  /** The Deployment's desired replicas as the catalog records them (the simulated cluster uses it). */
  readonly replicas?: number;
  /** The health endpoint's URL; undefined when none is configured. */
  readonly healthCheck?: string;
  /** The last recorded check, if any. */
  readonly health?: RecordedHealth;
}

/** The catalog side: which environments exist, and where a check's verdict goes. */
export interface HealthCatalog {
  /** Every environment of every registered service, page by page (Query, never Scan). */
  targets(): AsyncIterable<readonly HealthTarget[]>;
  /**
   * Records a verdict: the environment's current health, the service's aggregate and a 24 h history
   * sample. Not a user edit: no version bump, no audit entry.
   */
  record(target: HealthTarget, verdict: HealthVerdict, checkedAt: string): Promise<{ serviceStatus?: string } | void>;
  /** A heartbeat of an unchanged environment: a 24 h history sample alone (one small write). */
  heartbeat(target: HealthTarget, verdict: HealthVerdict, checkedAt: string): Promise<void>;
}

/** GETs a health endpoint. Never throws: failures are observations. */
export interface HealthProbe {
  probe(url: string, timeoutMs: number): Promise<HttpObservation>;
}

/** Reads a Deployment's ready and desired replicas. Never throws: failures are observations. */
export interface ClusterReader {
  readiness(target: Required<Pick<HealthTarget, 'serviceId' | 'environment' | 'cluster'>> & HealthTarget, timeoutMs: number): Promise<KubernetesObservation>;
}

/** Tells subscribers (topic `service:<id>`) that an environment's status changed. Never throws. */
export interface HealthEvents {
  changed(event: HealthChange): Promise<void>;
}

export interface HealthChange {
  readonly serviceId: string;
  readonly environment: string;
  readonly previous: string;
  readonly health: HealthVerdict & { readonly checkedAt: string };
  readonly serviceStatus?: string;
}
