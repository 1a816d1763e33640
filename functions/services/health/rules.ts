/**
 * The health rules (one place; README "Health"): what one check of an environment means.
 *
 * - down: the health endpoint is unreachable, answers 5xx or times out; or 0 replicas are ready
 *   (of a deployment that wants some).
 * - degraded: the health endpoint answers slower than 2 s, or 4xx (or anything else that is not
 *   2xx); or fewer replicas are ready than desired.
 * - healthy: the health endpoint answers 2xx within 2 s and every desired replica is ready.
 * - unknown: nothing to check (no health endpoint and no cluster), or never checked.
 *
 * The worst finding wins. A Kubernetes answer alone decides when there is no health endpoint; a
 * Kubernetes API that could not be read (no access entry yet, no such Deployment) never makes an
 * environment down or degraded by itself: it is named in the reason and the endpoint decides.
 */
import type { HealthStatus } from '#schemas/index.ts';

export type { HealthStatus };

/** A health endpoint slower than this is degraded. */
export const SLOW_MS = 2_000;

/** What the HTTP probe saw. */
export type HttpObservation =
  | { readonly outcome: 'response'; readonly statusCode: number; readonly latencyMs: number }
  | { readonly outcome: 'timeout'; readonly latencyMs: number }
  | { readonly outcome: 'unreachable'; readonly latencyMs: number; readonly error: string };

/** What the cluster said about the service's Deployment. */
export type KubernetesObservation =
  | { readonly outcome: 'deployment'; readonly readyReplicas: number; readonly desiredReplicas: number; readonly simulated: boolean }
  | { readonly outcome: 'error'; readonly error: string; readonly simulated: boolean };

export interface Observation {
  /** Undefined when the environment has no health endpoint. */
  readonly http?: HttpObservation;
  /** Undefined when the environment names no cluster. */
  readonly kubernetes?: KubernetesObservation;
}

/** One check's verdict, as stored on the environment (schemas/api/environment-health.schema.json). */
export interface HealthVerdict {
  readonly status: HealthStatus;
  readonly reason: string;
  readonly http?: { readonly statusCode?: number; readonly latencyMs: number };
  readonly kubernetes?: { readonly readyReplicas: number; readonly desiredReplicas: number; readonly simulated: boolean };
}

const RANK: Record<HealthStatus, number> = { unknown: 0, healthy: 1, degraded: 2, down: 3 };

/** The worse of two statuses (unknown is the least informative, so anything known beats it). */
export const worse = (a: HealthStatus, b: HealthStatus): HealthStatus => (RANK[b] > RANK[a] ? b : a);

interface Finding { readonly status: HealthStatus; readonly reason: string }

function httpFinding(http: HttpObservation): Finding {
  const ms = Math.round(http.latencyMs);
  switch (http.outcome) {
    case 'timeout':
      return { status: 'down', reason: `health endpoint timed out after ${ms} ms` };
    case 'unreachable':
      return { status: 'down', reason: `health endpoint unreachable: ${http.error}` };
    case 'response': {
      const code = http.statusCode;
      if (code >= 500) return { status: 'down', reason: `health endpoint answered ${code}` };
      if (code < 200 || code >= 300) return { status: 'degraded', reason: `health endpoint answered ${code}` };
      if (http.latencyMs > SLOW_MS) return { status: 'degraded', reason: `health endpoint slow: ${code} in ${ms} ms (over ${SLOW_MS} ms)` };
      return { status: 'healthy', reason: `health endpoint answered ${code} in ${ms} ms` };
    }
  }
}

function kubernetesFinding(k8s: KubernetesObservation): Finding | undefined {
  const simulated = k8s.simulated ? ' (simulated)' : '';
  if (k8s.outcome === 'error') return { status: 'unknown', reason: `replicas not read${simulated}: ${k8s.error}` };
  const { readyReplicas: ready, desiredReplicas: desired } = k8s;
  if (desired === 0) return { status: 'unknown', reason: `deployment scaled to 0 replicas${simulated}` };
  const counted = `${ready} of ${desired} replicas ready${simulated}`;
  if (ready === 0) return { status: 'down', reason: counted };
  if (ready < desired) return { status: 'degraded', reason: counted };
  return { status: 'healthy', reason: counted };
}

/** The verdict of one check. Pure: same observation, same verdict. */
export function assessHealth(observation: Observation): HealthVerdict {
  const findings: Finding[] = [];
  if (observation.http) findings.push(httpFinding(observation.http));
  if (observation.kubernetes) {
    const finding = kubernetesFinding(observation.kubernetes);
    if (finding) findings.push(finding);
  }
  if (!findings.length) return { status: 'unknown', reason: 'no health endpoint or cluster configured' };
  const status = findings.reduce<HealthStatus>((acc, f) => worse(acc, f.status), 'unknown');
  // The findings that decided the status first, then the rest for context.
  const ordered = [...findings.filter((f) => f.status === status), ...findings.filter((f) => f.status !== status)];
  const { http, kubernetes } = observation;
  return {
    status,
    reason: ordered.map((f) => f.reason).join('; ').slice(0, 500),
    ...(http ? { http: http.outcome === 'response' ? { statusCode: http.statusCode, latencyMs: Math.round(http.latencyMs) } : { latencyMs: Math.round(http.latencyMs) } } : {}),
    ...(kubernetes?.outcome === 'deployment'
      ? { kubernetes: { readyReplicas: kubernetes.readyReplicas, desiredReplicas: kubernetes.desiredReplicas, simulated: kubernetes.simulated } }
      : {}),
  };
}
