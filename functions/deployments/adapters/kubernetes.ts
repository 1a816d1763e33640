/**
 * The rollout port for clusters without Argo CD: the Kubernetes API of the environment's EKS cluster
 * (endpoint and CA from DescribeCluster, the bearer token `aws eks get-token` makes: functions/lib/eks-auth.ts),
 * over HTTPS trusting only the cluster's CA.
 *
 * - `sync` does nothing: the cluster's GitOps controller (Flux, or an Argo CD Apollo does not talk to)
 *   applies Git on its own schedule; the kind says so.
 * - `status`: `GET /apis/apps/v1/namespaces/{ns}/deployments/{name}` read as `kubectl rollout status` reads it
 *   (kubernetes-deployment.ts); pending while the Deployment does not say the expected image tag, replica
 *   count or restart yet, or does not exist yet. Kubernetes knows no Git revision: the expectation's
 *   revision is not checked.
 * - `restart`: a strategic-merge PATCH of the pod template's `kubectl.kubernetes.io/restartedAt` (what
 *   `kubectl rollout restart` does) with `apollo.dev/restart: <deployment id>` beside it, so a restart step
 *   that runs again finds its own restart instead of making a second one.
 *
 * The Deployment's name is the service's unless APOLLO_K8S_DEPLOYMENT_NAME says otherwise (`{service}`,
 * `{environment}`, `{cluster}`, `{namespace}`). The role needs `eks:DescribeCluster` and, in each cluster,
 * an access entry whose group may get and patch Deployments.
 *
 * Failures are KubernetesRolloutError: 401/403/404 and other 4xx are not retryable; 408/425/429/5xx,
 * network errors, timeouts and throttled or failing AWS calls are.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EKSClient } from '@aws-sdk/client-eks';
import { EksClusterAccess, EksClusterUnavailableError } from '#lib/eks-auth';
import { networkError } from '#lib/network-errors';
import type { DeployTarget, RolloutExpectation, RolloutPort, RolloutStatus } from '../ports.ts';
import { checkTemplate, DEFAULT_DEPLOYMENT_NAME_TEMPLATE, DEPLOYMENT_NAME_ENV, readDeployment, renderName, RESTART_ID_ANNOTATION, RESTARTED_AT_ANNOTATION, type DeploymentDoc } from './kubernetes-deployment.ts';

export const KUBERNETES_KIND = 'Kubernetes API of the EKS clusters (no Argo CD: the cluster\'s GitOps controller applies Git, sync is a no-op)';
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export type KubernetesErrorCode =
  | 'eks-cluster-not-found' | 'eks-denied' | 'eks-unavailable'
  | 'kubernetes-unauthorized' | 'kubernetes-forbidden' | 'kubernetes-not-found' | 'kubernetes-rejected' | 'kubernetes-unavailable' | 'kubernetes-invalid-response';

/** A call to EKS or a cluster's Kubernetes API that failed; `retryable` says whether the same call later could succeed. */
export class KubernetesRolloutError extends Error {
  override readonly name = 'KubernetesRolloutError';
  constructor(readonly code: KubernetesErrorCode, message: string, readonly retryable: boolean, readonly status?: number, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

export interface KubernetesRequest {
  readonly method: 'GET' | 'PATCH';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The cluster CA (PEM): the only one trusted. */
  readonly ca?: string;
  readonly signal: AbortSignal;
}

/** Sends one request; rejects on no answer. */
export type KubernetesSend = (request: KubernetesRequest) => Promise<{ readonly status: number; readonly body: string }>;

export interface KubernetesRolloutOptions {
  /** The clusters' endpoints, CAs and tokens. @default EKS DescribeCluster and the EKS client's credentials */
  readonly access?: Pick<EksClusterAccess, 'access' | 'token'>;
  /** When `access` is not given. */
  readonly eks?: EKSClient;
  /** @default node:https trusting only the cluster CA (node:http for an `http:` endpoint: a test's fake) */
  readonly send?: KubernetesSend;
  /** @default `{service}` */
  readonly deploymentNameTemplate?: string;
  /** Per call. @default 10 s */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  readonly kind?: string;
}

/** The options from the environment (the Deployment name template). */
export function kubernetesOptionsFromEnv(env: NodeJS.ProcessEnv): KubernetesRolloutOptions {
  return { deploymentNameTemplate: env[DEPLOYMENT_NAME_ENV]?.trim() || DEFAULT_DEPLOYMENT_NAME_TEMPLATE };
}

export const nodeKubernetesSend: KubernetesSend = (request) =>
  new Promise((resolve, reject) => {
    const send = request.url.protocol === 'http:' ? httpRequest : httpsRequest;
    const headers = { ...request.headers, ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }) };
    const req = send(request.url, { method: request.method, headers, signal: request.signal, ...(request.ca ? { ca: request.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`the answer is over ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });

const retryableStatus = (status: number): boolean => status === 408 || status === 425 || status === 429 || status >= 500;

export class KubernetesRollout implements RolloutPort {
  readonly kind: string;
  private readonly access: Pick<EksClusterAccess, 'access' | 'token'>;
  private readonly send: KubernetesSend;
  private readonly template: string;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(options: KubernetesRolloutOptions = {}) {
    this.access = options.access ?? new EksClusterAccess(options.eks ? { eks: options.eks } : {});
    this.send = options.send ?? nodeKubernetesSend;
    this.template = options.deploymentNameTemplate ?? DEFAULT_DEPLOYMENT_NAME_TEMPLATE;
    checkTemplate(this.template, `the Deployment name template (${DEPLOYMENT_NAME_ENV})`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
    this.kind = options.kind ?? KUBERNETES_KIND;
  }

  /** Nothing to ask: the cluster's GitOps controller applies the commit by itself. */
  async sync(_target: DeployTarget, _revision: string): Promise<void> {}

  async status(target: DeployTarget, expect: RolloutExpectation): Promise<RolloutStatus> {
    const name = renderName(this.template, target);
    const answer = await this.call(target, 'GET', name);
    if (answer.status === 404) {
      return { phase: 'pending', message: `no Deployment ${name} in namespace ${target.namespace} of EKS cluster ${target.cluster} yet (the GitOps controller has not created it)` };
    }
    if (answer.status !== 200) throw this.failure(answer, target, name, 'get');
    const reading = readDeployment(this.parse(answer.body, target, name), expect, name);
    return {
      phase: reading.phase,
      message: reading.message,
      images: reading.images,
      desiredReplicas: reading.desiredReplicas,
      updatedReplicas: reading.updatedReplicas,
      readyReplicas: reading.readyReplicas,
    };
  }

  async restart(target: DeployTarget, deploymentId: string): Promise<{ readonly restartedAt: string }> {
    const name = renderName(this.template, target);
    const current = await this.call(target, 'GET', name);
    if (current.status !== 200) throw this.failure(current, target, name, 'get');
    const annotations = this.parse(current.body, target, name).spec?.template?.metadata?.annotations ?? {};
    const earlier = annotations[RESTARTED_AT_ANNOTATION];
    // This deployment restarted it already (a step that ran again): that restart, not a second one.
    if (annotations[RESTART_ID_ANNOTATION] === deploymentId && earlier) return { restartedAt: earlier };

    // As `kubectl rollout restart` writes it (RFC 3339, whole seconds).
    const restartedAt = new Date(Math.floor(this.now().getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const patch = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt, [RESTART_ID_ANNOTATION]: deploymentId } } } } };
    const answer = await this.call(target, 'PATCH', name, JSON.stringify(patch));
    if (answer.status !== 200) throw this.failure(answer, target, name, 'patch');
    return { restartedAt: this.parse(answer.body, target, name).spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] ?? restartedAt };
  }

  private async call(target: DeployTarget, method: 'GET' | 'PATCH', name: string, body?: string): Promise<{ status: number; body: string }> {
    const [access, token] = await this.clusterAccess(target.cluster);
    const url = new URL(`/apis/apps/v1/namespaces/${encodeURIComponent(target.namespace || 'default')}/deployments/${encodeURIComponent(name)}`, access.endpoint);
    try {
      return await this.send({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/strategic-merge-patch+json' }) },
        ...(body === undefined ? {} : { body }),
        ca: access.ca,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const errorName = (error as Error)?.name;
      if (errorName === 'TimeoutError' || errorName === 'AbortError') {
        throw new KubernetesRolloutError('kubernetes-unavailable', `the Kubernetes API of EKS cluster ${target.cluster} did not answer within ${this.timeoutMs / 1000} s`, true, undefined, { cause: error });
      }
      throw new KubernetesRolloutError('kubernetes-unavailable', `could not reach the Kubernetes API of EKS cluster ${target.cluster}: ${networkError(error)}`, true, undefined, { cause: error });
    }
  }

  private async clusterAccess(cluster: string): Promise<[{ endpoint: string; ca: string }, string]> {
    try {
      return await Promise.all([this.access.access(cluster), this.access.token(cluster)]);
    } catch (error) {
      throw eksFailure(error, cluster);
    }
  }

  private parse(body: string, target: DeployTarget, name: string): DeploymentDoc {
    try {
      return JSON.parse(body) as DeploymentDoc;
    } catch (error) {
      throw new KubernetesRolloutError('kubernetes-invalid-response', `the Kubernetes API of EKS cluster ${target.cluster} answered something that is not JSON for Deployment ${target.namespace}/${name}`, false, 200, { cause: error });
    }
  }

  private failure(answer: { status: number; body: string }, target: DeployTarget, name: string, verb: 'get' | 'patch'): KubernetesRolloutError {
    const { status } = answer;
    const said = statusMessage(answer.body);
    const where = `EKS cluster ${target.cluster}`;
    const deployment = `Deployment ${name} in namespace ${target.namespace}`;
    if (status === 401) return new KubernetesRolloutError('kubernetes-unauthorized', `the Kubernetes API of ${where} refused Apollo's token (401): give Apollo's IAM role an access entry in the cluster`, false, status);
    if (status === 403) return new KubernetesRolloutError('kubernetes-forbidden', `the Kubernetes API of ${where} forbids Apollo to ${verb} ${deployment} (403${said ? `: ${said}` : ''}): its access entry's group needs get and patch on deployments`, false, status);
    if (status === 404) return new KubernetesRolloutError('kubernetes-not-found', `no ${deployment} of ${where}`, false, status);
    if (retryableStatus(status)) return new KubernetesRolloutError('kubernetes-unavailable', `the Kubernetes API of ${where} answered ${status}${said ? `: ${said}` : ''} to ${verb} ${deployment}`, true, status);
    return new KubernetesRolloutError('kubernetes-rejected', `the Kubernetes API of ${where} refused to ${verb} ${deployment} (${status}${said ? `: ${said}` : ''})`, false, status);
  }
}

/** A Kubernetes `Status` object's message, or the body's start. */
function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 300);
  } catch {
    // not JSON
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** DescribeCluster's or the signer's failure as a KubernetesRolloutError. */
function eksFailure(error: unknown, cluster: string): KubernetesRolloutError {
  if (error instanceof KubernetesRolloutError) return error;
  if (error instanceof EksClusterUnavailableError) return new KubernetesRolloutError('eks-unavailable', error.message, error.retryable, undefined, { cause: error });
  const e = error as { name?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  if (name === 'ResourceNotFoundException') return new KubernetesRolloutError('eks-cluster-not-found', `EKS has no cluster named ${cluster} (in Apollo's region): check the environment's cluster in the catalog`, false, 404, { cause: error });
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || e.$metadata?.httpStatusCode === 403) {
    return new KubernetesRolloutError('eks-denied', `EKS refused DescribeCluster ${cluster} (${name}): Apollo's role needs eks:DescribeCluster`, false, 403, { cause: error });
  }
  const status = e.$metadata?.httpStatusCode;
  const retryable = Boolean(e.$retryable) || status === undefined || retryableStatus(status) || /Throttl|ServerException|ServiceUnavailable/.test(name);
  return new KubernetesRolloutError('eks-unavailable', `EKS DescribeCluster ${cluster} failed (${name}${e.message ? `: ${e.message.slice(0, 200)}` : ''})`, retryable, status, { cause: error });
}
