/**
 * Ready replicas from the real cluster: the cluster's API endpoint and CA from EKS DescribeCluster
 * (cached per container), then `GET /apis/apps/v1/namespaces/<ns>/deployments/<service>` on the
 * Kubernetes API over TLS pinned to that CA, authenticated as the jobs Lambda's IAM role with the
 * token `aws eks get-token` makes: a presigned STS GetCallerIdentity URL that signs the header
 * `x-k8s-aws-id: <cluster>`, base64url without padding, prefixed `k8s-aws-v1.`.
 *
 * The role needs `eks:DescribeCluster` (infra) and, in each cluster, an access entry whose
 * Kubernetes group may `get` Deployments (infra/DEPLOY.md, "Health checks").
 */
import { request as httpsRequest } from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ClusterReader, HealthTarget } from '../ports.ts';
import type { KubernetesObservation } from '../rules.ts';
import { networkError } from '#lib/network-errors';

/** How long a cluster's endpoint and CA are reused before DescribeCluster is asked again. */
export const CLUSTER_TTL_MS = 30 * 60_000;
/** The token's presigned URL lives 60 s (as `aws eks get-token`'s); it is reused for less than that. */
export const TOKEN_EXPIRES_SECONDS = 60;
const TOKEN_REUSE_MS = 45_000;
const MAX_BODY_BYTES = 1024 * 1024;

export interface ClusterAccess {
  /** `https://<id>.<suffix>.<region>.eks.amazonaws.com` */
  readonly endpoint: string;
  /** The cluster CA, PEM. */
  readonly ca: string;
}

export interface EksClusterReaderOptions {
  readonly eks?: EKSClient;
  /** @default the EKS client's credentials (the Lambda's role) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default the EKS client's region */
  readonly region?: string;
  readonly now?: () => Date;
}

/** The bearer token for `cluster`, as `aws eks get-token --cluster-name <cluster>` prints it. */
export async function eksToken(cluster: string, region: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider, signingDate = new Date()): Promise<string> {
  const host = `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({ service: 'sts', region, sha256: Sha256, credentials });
  const presigned = await signer.presign(new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: host,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    // Signed, not hoisted into the query: the authenticator checks the token names this cluster.
    headers: { host, 'x-k8s-aws-id': cluster },
  }), { expiresIn: TOKEN_EXPIRES_SECONDS, signingDate });
  const query = Object.entries(presigned.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(Array.isArray(value) ? value[0] : value))}`)
    .join('&');
  return `k8s-aws-v1.${Buffer.from(`https://${host}/?${query}`).toString('base64url')}`;
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
  private readonly eks: EKSClient;
  private readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  private readonly now: () => Date;
  private readonly region?: string;
  private readonly clusters = new Map<string, { at: number; access: Promise<ClusterAccess> }>();
  private readonly tokens = new Map<string, { at: number; token: Promise<string> }>();

  constructor(options: EksClusterReaderOptions = {}) {
    this.eks = options.eks ?? new EKSClient({ maxAttempts: 2 });
    this.credentials = options.credentials ?? (() => this.eks.config.credentials());
    this.region = options.region;
    this.now = options.now ?? (() => new Date());
  }

  /** The cluster's endpoint and CA, from DescribeCluster once per container (a failure is not cached). */
  access(cluster: string): Promise<ClusterAccess> {
    const cached = this.clusters.get(cluster);
    const now = this.now().getTime();
    if (cached && now - cached.at < CLUSTER_TTL_MS) return cached.access;
    const access = this.eks.send(new DescribeClusterCommand({ name: cluster })).then(({ cluster: found }) => {
      const endpoint = found?.endpoint;
      const ca = found?.certificateAuthority?.data;
      if (!endpoint || !ca) throw new KubernetesApiError(`cluster ${cluster} has no endpoint yet (status ${found?.status ?? 'unknown'})`);
      return { endpoint, ca: Buffer.from(ca, 'base64').toString('utf8') };
    });
    access.catch(() => this.clusters.delete(cluster));
    this.clusters.set(cluster, { at: now, access });
    return access;
  }

  private token(cluster: string): Promise<string> {
    const cached = this.tokens.get(cluster);
    const now = this.now();
    if (cached && now.getTime() - cached.at < TOKEN_REUSE_MS) return cached.token;
    const token = (async () => eksToken(cluster, this.region ?? (await this.eks.config.region()), this.credentials, now))();
    token.catch(() => this.tokens.delete(cluster));
    this.tokens.set(cluster, { at: now.getTime(), token });
    return token;
  }

  async readiness(target: HealthTarget & { cluster: string }, timeoutMs: number): Promise<KubernetesObservation> {
    const namespace = target.namespace || 'default';
    try {
      const deadline = AbortSignal.timeout(timeoutMs);
      const [access, token] = await Promise.all([this.access(target.cluster), this.token(target.cluster)]);
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
      if (error instanceof KubernetesApiError || error instanceof SyntaxError) return { outcome: 'error', error: error.message.slice(0, 200), simulated: false };
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
