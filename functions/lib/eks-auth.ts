/**
 * Reaching an EKS cluster's Kubernetes API as the Lambda's IAM role: the API endpoint and CA from
 * DescribeCluster (cached per container), and the bearer token `aws eks get-token` prints — a presigned
 * STS GetCallerIdentity URL (60 s) that signs the header `x-k8s-aws-id: <cluster>`, base64url without
 * padding, prefixed `k8s-aws-v1.` (aws-cli `customizations/eks/get_token.py`).
 *
 * The role needs `eks:DescribeCluster` and, in each cluster, an access entry whose Kubernetes group may
 * do what the caller does (get, patch Deployments).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** The presigned URL's lifetime, as `aws eks get-token`'s (the authenticator accepts the token ~15 min from its date). */
export const EKS_TOKEN_EXPIRES_SECONDS = 60;
/** How long a cluster's endpoint and CA are reused before DescribeCluster is asked again. */
export const CLUSTER_TTL_MS = 30 * 60_000;
/** A token is reused for less than its URL's lifetime. */
const TOKEN_REUSE_MS = 45_000;

export type AwsCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface ClusterAccess {
  /** `https://<id>.<suffix>.<region>.eks.amazonaws.com` */
  readonly endpoint: string;
  /** The cluster CA, PEM. */
  readonly ca: string;
}

/** DescribeCluster answered, but the cluster cannot be reached (not found, no endpoint yet). */
export class EksClusterUnavailableError extends Error {
  override readonly name = 'EksClusterUnavailableError';
  constructor(message: string, readonly retryable: boolean, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** The bearer token for `cluster`, as `aws eks get-token --cluster-name <cluster>` prints it. */
export async function eksToken(cluster: string, region: string, credentials: AwsCredentials, signingDate = new Date()): Promise<string> {
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
  }), { expiresIn: EKS_TOKEN_EXPIRES_SECONDS, signingDate });
  const query = Object.entries(presigned.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(Array.isArray(value) ? value[0] : value))}`)
    .join('&');
  return `${EKS_TOKEN_PREFIX}${Buffer.from(`https://${host}/?${query}`).toString('base64url')}`;
}

export interface EksClusterAccessOptions {
  readonly eks?: EKSClient;
  /** @default the EKS client's credentials (the Lambda's role) */
  readonly credentials?: AwsCredentials;
  /** @default the EKS client's region */
  readonly region?: string;
  readonly now?: () => Date;
}

/** Endpoint, CA and token per cluster, cached per container; a failure is not cached. */
export class EksClusterAccess {
  readonly eks: EKSClient;
  private readonly credentials: AwsCredentials;
  private readonly region?: string;
  private readonly now: () => Date;
  private readonly clusters = new Map<string, { at: number; access: Promise<ClusterAccess> }>();
  private readonly tokens = new Map<string, { at: number; token: Promise<string> }>();

  constructor(options: EksClusterAccessOptions = {}) {
    this.eks = options.eks ?? new EKSClient({ maxAttempts: 2 });
    this.credentials = options.credentials ?? (() => this.eks.config.credentials());
    this.region = options.region;
    this.now = options.now ?? (() => new Date());
  }

  access(cluster: string): Promise<ClusterAccess> {
    const cached = this.clusters.get(cluster);
    const now = this.now().getTime();
    if (cached && now - cached.at < CLUSTER_TTL_MS) return cached.access;
    const access = this.eks.send(new DescribeClusterCommand({ name: cluster })).then(({ cluster: found }) => {
      const endpoint = found?.endpoint;
      const ca = found?.certificateAuthority?.data;
      // CREATING / UPDATING clusters may have no endpoint yet: worth asking again later.
      if (!endpoint || !ca) throw new EksClusterUnavailableError(`EKS cluster ${cluster} has no API endpoint yet (status ${found?.status ?? 'unknown'})`, true);
      return { endpoint, ca: Buffer.from(ca, 'base64').toString('utf8') };
    });
    access.catch(() => this.clusters.delete(cluster));
    this.clusters.set(cluster, { at: now, access });
    return access;
  }

  token(cluster: string): Promise<string> {
    const cached = this.tokens.get(cluster);
    const now = this.now();
    if (cached && now.getTime() - cached.at < TOKEN_REUSE_MS) return cached.token;
    const token = (async () => eksToken(cluster, this.region ?? (await this.eks.config.region()), this.credentials, now))();
    token.catch(() => this.tokens.delete(cluster));
    this.tokens.set(cluster, { at: now.getTime(), token });
    return token;
  }
}
