/**
 * What a Kubernetes Deployment (apps/v1) says of its rollout, read the way `kubectl rollout status`
 * reads it: the controller has seen the latest spec (`status.observedGeneration >= metadata.generation`),
 * every desired replica runs the new template and is available, no old replica is left, and a
 * `Progressing` condition with reason `ProgressDeadlineExceeded` means the rollout failed. The
 * Kubernetes adapter reads the Deployment from the cluster; the Argo CD adapter reads the same
 * manifest through Argo CD (`GET /api/v1/applications/{name}/resource`).
 */
import type { DeployTarget, RolloutExpectation, RolloutPhase } from '../ports.ts';

/** The Deployment's name in a service's namespace, as a template of the target (Argo CD and Kubernetes alike). */
export const DEPLOYMENT_NAME_ENV = 'APOLLO_K8S_DEPLOYMENT_NAME';
export const DEFAULT_DEPLOYMENT_NAME_TEMPLATE = '{service}';
const PLACEHOLDERS = ['service', 'environment', 'cluster', 'namespace'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Checks a name template (validated at cold start): `{service}` required, only the known placeholders. */
export function checkTemplate(template: string, what: string): void {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`${what} '${template}' has unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{${p}}`).join(', ')}: use {service}, {environment}, {cluster}, {namespace}`);
  if (!template.includes('{service}')) throw new Error(`${what} '${template}' must contain {service}`);
}

/** A name made by a template from the target. */
export const renderName = (template: string, target: DeployTarget): string =>
  template.replace(/\{(service|environment|cluster|namespace)\}/g, (_, key: Placeholder) => target[key]);

/** Set by `kubectl rollout restart` and Argo CD's `restart` action on the pod template. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Set beside it by Apollo's own restart: the deployment that asked (a restart that runs again finds it). */
export const RESTART_ID_ANNOTATION = 'apollo.dev/restart';

interface Container {
  readonly name?: string;
  readonly image?: string;
}

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

/** The part of an apps/v1 Deployment read here. */
export interface DeploymentDoc {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly generation?: number; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: {
    readonly replicas?: number;
    readonly paused?: boolean;
    readonly template?: {
      readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
      readonly spec?: { readonly containers?: readonly Container[]; readonly initContainers?: readonly Container[] };
    };
  };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly unavailableReplicas?: number;
    readonly conditions?: readonly Condition[];
  };
}

export interface DeploymentReading {
  readonly phase: RolloutPhase;
  readonly message: string;
  readonly images: readonly string[];
  readonly desiredReplicas: number;
  readonly updatedReplicas: number;
  readonly readyReplicas: number;
}

/**
 * The tag of an image reference: `registry:5000/team/app:v1.4.2@sha256:…` → `v1.4.2`; none (only a
 * digest, or no tag: `latest` by convention, not said) → undefined.
 */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(colon + 1) || undefined : undefined;
}

/** Whether one of the images is tagged `tag`. */
export const hasImageTag = (images: readonly string[], tag: string): boolean => images.some((image) => imageTag(image) === tag);

/** The template's container images, in order (init containers not included: they are not what a deployment changes). */
export const deploymentImages = (doc: DeploymentDoc): string[] =>
  (doc.spec?.template?.spec?.containers ?? []).map((c) => c.image).filter((i): i is string => typeof i === 'string' && i !== '');

/** Two ISO times the same to the second (Argo CD's restart action writes whole seconds). */
export function sameOrLaterRestart(live: string | undefined, expected: string): boolean {
  if (!live) return false;
  if (live === expected) return true;
  const a = Date.parse(live);
  const b = Date.parse(expected);
  return Number.isFinite(a) && Number.isFinite(b) && a >= Math.floor(b / 1000) * 1000;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Where the rollout of `doc` is against what the deployment expects: `pending` while the Deployment's
 * spec does not say it yet (another image, replica count or restart: the GitOps controller has not
 * applied the commit), then `progressing` → `healthy`; `failed` past its progress deadline; `degraded`
 * when the controller cannot create pods (a `ReplicaFailure` condition: quota, admission).
 */
export function readDeployment(doc: DeploymentDoc, expect: Omit<RolloutExpectation, 'revision'>, name: string): DeploymentReading {
  const images = deploymentImages(doc);
  const desired = doc.spec?.replicas ?? 1; // Kubernetes defaults an unset spec.replicas to 1.
  const status = doc.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  const counts = { images, desiredReplicas: desired, updatedReplicas: updated, readyReplicas: ready };
  const restartedAt = doc.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];

  if (expect.imageTag !== undefined && !hasImageTag(images, expect.imageTag)) {
    return { ...counts, phase: 'pending', message: `Deployment ${name} runs ${images.join(', ') || 'no image'}, not the tag ${expect.imageTag} yet` };
  }
  if (expect.replicas !== undefined && desired !== expect.replicas) {
    return { ...counts, phase: 'pending', message: `Deployment ${name} asks for ${desired} replicas, not ${expect.replicas} yet` };
  }
  if (expect.restartedAt !== undefined && !sameOrLaterRestart(restartedAt, expect.restartedAt)) {
    return { ...counts, phase: 'pending', message: `Deployment ${name} has not been restarted at ${expect.restartedAt} yet` };
  }

  const generation = doc.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? 0;
  if (observed < generation) return { ...counts, phase: 'progressing', message: `waiting for the Deployment controller to see ${name}'s new spec` };

  const conditions = status.conditions ?? [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { ...counts, phase: 'failed', message: `Deployment ${name} exceeded its progress deadline: ${progressing.message ?? 'the new pods did not become available'} (${updated} of ${desired} updated, ${ready} ready)` };
  }
  const replicaFailure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure) {
    return { ...counts, phase: 'degraded', message: `Deployment ${name} cannot create pods: ${replicaFailure.message ?? replicaFailure.reason ?? 'ReplicaFailure'}` };
  }

  const line = `${updated} of ${plural(desired, 'pod')} updated, ${ready} ready`;
  if (doc.spec?.paused) return { ...counts, phase: 'progressing', message: `${line}; the Deployment is paused (it will not go on until resumed)` };
  if (updated < desired) return { ...counts, phase: 'progressing', message: line };
  if (total > updated) return { ...counts, phase: 'progressing', message: `${line}; ${plural(total - updated, 'old pod')} terminating` };
  if (available < updated) return { ...counts, phase: 'progressing', message: `${line}; ${available} of ${updated} available` };
  return { ...counts, phase: 'healthy', message: line };
}
