/**
 * Ready replicas from the real cluster: the cluster's API endpoint and CA from EKS DescribeCluster
 * (cached per container), then `GET /apis/apps/v1/namespaces/<ns>/deployments/<service>` on the
 * Kubernetes API over TLS pinned to that CA, authenticated as the jobs Lambda's IAM role with the
 * token `aws eks get-token` makes: a presigned STS GetCallerIdentity URL that signs the header
 * `x-k8s-aws-id: <cluster>`, base64url without padding, prefixed `k8s-aws-v1.` (both from `#lib/eks-auth`,
 * which the deployments' Kubernetes rollout uses too).
 *
 * The role needs `eks:DescribeCluster` (infra) and, in each cluster, an access entry whose
 * Kubernetes group may `get` Deployments (infra/DEPLOY.md, "Health checks").
 */
import { request as httpsRequest } from 'node:https';
import type { ClusterReader, HealthTarget } from '../ports.ts';
import type { KubernetesObservation } from '../rules.ts';
import { EksClusterAccess, EksClusterUnavailableError, type EksClusterAccessOptions } from '#lib/eks-auth';
import { networkError } from '#lib/network-errors';

export { eksToken } from '#lib/eks-auth';

const MAX_BODY_BYTES = 1024 * 1024;

export interface EksClusterReaderOptions extends EksClusterAccessOptions {
  /** @default endpoint, CA and token from `#lib/eks-auth`, cached per reader */
  readonly access?: Pick<EksClusterAccess, 'access' | 'token'>;
}

class KubernetesApiError extends Error {}

interface DeploymentDoc {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; replicas?: number };
}

function explainStatus(status: number, target: { serviceId: string; namespace: string; cluster: string }): string {
  switch (status) {
    case 401: return `Kubernetes API of ${target.cluster} refused the token (401): give the jobs role an access entry`;
    case 403: return `Kubernetes API of ${target.cluster} forbids reading deployments in ${target.namespace} (403)`;
    case 404: return `no Deployment ${target.serviceId} in namespace ${target.namespace} of ${target.cluster}`;
    default: return `Kubernetes API of ${target.cluster} answered ${status}`;
  }
}

export class EksClusterReader implements ClusterReader {
  private readonly access: Pick<EksClusterAccess, 'access' | 'token'>;

  constructor(options: EksClusterReaderOptions = {}) {
    this.access = options.access ?? new EksClusterAccess(options);
  }

  async readiness(target: HealthTarget & { cluster: string }, timeoutMs: number): Promise<KubernetesObservation> {
    const namespace = target.namespace || 'default';
    try {
      const deadline = AbortSignal.timeout(timeoutMs);
      const [access, token] = await Promise.all([this.access.access(target.cluster), this.access.token(target.cluster)]);
      const url = new URL(`/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(target.serviceId)}`, access.endpoint);
      const { status, body } = await getJson(url, { authorization: `Bearer ${token}`, accept: 'application/json' }, access.ca, deadline);
      if (status !== 200) return { outcome: 'error', error: explainStatus(status, { serviceId: target.serviceId, namespace, cluster: target.cluster }), simulated: false };
      const doc = JSON.parse(body) as DeploymentDoc;
      return {
        outcome: 'deployment',
        // Kubernetes defaults an unset spec.replicas to 1 and omits readyReplicas when none are ready.
        desiredReplicas: doc.spec?.replicas ?? 1,
        readyReplicas: doc.status?.readyReplicas ?? 0,
        simulated: false,
      };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
        return { outcome: 'error', error: `Kubernetes API of ${target.cluster} timed out after ${timeoutMs} ms`, simulated: false };
      }
      if (error instanceof KubernetesApiError || error instanceof EksClusterUnavailableError || error instanceof SyntaxError) return { outcome: 'error', error: error.message.slice(0, 200), simulated: false };
      const name = (error as { name?: string }).name ?? '';
      if (/Exception$|NotFound/.test(name)) return { outcome: 'error', error: `EKS DescribeCluster ${target.cluster}: ${name}`, simulated: false };
      return { outcome: 'error', error: `Kubernetes API of ${target.cluster}: ${networkError({ cause: error })}`, simulated: false };
    }
  }
}

/** One HTTPS GET trusting only `ca`; the body capped at 1 MB. */
function getJson(url: URL, headers: Record<string, string>, ca: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'GET', headers, ca, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new KubernetesApiError('Kubernetes API answer too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
