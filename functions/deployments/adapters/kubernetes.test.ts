/**
 * The Kubernetes rollout adapter against a fake Kubernetes API over HTTPS on loopback (its certificate is
 * the cluster CA DescribeCluster answers, through aws-sdk-client-mock); the fake checks the EKS token the
 * way the cluster's authenticator would read it.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EksClusterAccess } from '#lib/eks-auth';
import { FakeKubernetes } from '#local/fakes/kubernetes-server';
import type { DeployTarget, RolloutExpectation, RolloutPhase, RolloutStatus } from '../ports.ts';
import { KubernetesRollout, KubernetesRolloutError, kubernetesOptionsFromEnv, type KubernetesRolloutOptions } from './kubernetes.ts';

const CREDENTIALS = { accessKeyId: 'AKIADEPLOYEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEPLOYKEY', sessionToken: 'FQoGZXIvYXdzDEPLOYEXAMPLE+/=' };
const REGION = 'eu-west-1';
const CLUSTER = 'staging-eks';
const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/core-service';

/** A self-signed certificate for 127.0.0.1: the cluster's CA as DescribeCluster returns it. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'apollo-k8s-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * Why the EKS authenticator would refuse the token, or undefined: `k8s-aws-v1.` + base64url (no padding) of
 * a presigned STS GetCallerIdentity URL, 60 s, with `x-k8s-aws-id: <cluster>` among the signed headers, and
 * a SigV4 signature recomputed here from the specification (not with the signer under test).
 */
function tokenProblem(token: string): string | undefined {
  if (!token.startsWith('k8s-aws-v1.')) return 'no k8s-aws-v1. prefix';
  const encoded = token.slice('k8s-aws-v1.'.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return 'not base64url without padding';
  const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  const q = url.searchParams;
  if (url.protocol !== 'https:' || url.host !== `sts.${REGION}.amazonaws.com` || url.pathname !== '/') return `not STS: ${url.host}${url.pathname}`;
  if (q.get('Action') !== 'GetCallerIdentity' || q.get('Version') !== '2011-06-15') return 'not GetCallerIdentity';
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'not SigV4';
  if (q.get('X-Amz-Expires') !== '60') return `expires ${q.get('X-Amz-Expires')}`;
  if (q.get('X-Amz-SignedHeaders') !== 'host;x-k8s-aws-id') return `signed headers ${q.get('X-Amz-SignedHeaders')}`;
  if (q.get('X-Amz-Security-Token') !== CREDENTIALS.sessionToken) return 'no session token';
  const [keyId, date, region, service, terminator] = (q.get('X-Amz-Credential') ?? '').split('/');
  if (keyId !== CREDENTIALS.accessKeyId || region !== REGION || service !== 'sts' || terminator !== 'aws4_request') return 'wrong credential scope';
  const canonicalQuery = [...q.entries()].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = ['GET', '/', canonicalQuery, `host:${url.host}\nx-k8s-aws-id:${CLUSTER}\n`, 'host;x-k8s-aws-id', createHash('sha256').update('').digest('hex')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', q.get('X-Amz-Date'), `${date}/${region}/sts/aws4_request`, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date!), region!), 'sts'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === q.get('X-Amz-Signature') ? undefined : 'bad signature (for another cluster?)';
}

const eks = mockClient(EKSClient);
const tls = selfSigned();
let cluster: FakeKubernetes;
const target: DeployTarget = { service: 'core-service', environment: 'staging', cluster: CLUSTER, namespace: 'platform' };

function rollout(options: KubernetesRolloutOptions = {}): KubernetesRollout {
  return new KubernetesRollout({ access: new EksClusterAccess({ eks: new EKSClient({ region: REGION }), credentials: CREDENTIALS, region: REGION }), ...options });
}

beforeAll(async () => {
  cluster = await FakeKubernetes.start({ tls, authenticate: tokenProblem, podMs: 15 });
});
afterAll(async () => {
  await cluster.close();
});
beforeEach(() => {
  eks.reset();
  eks.on(DescribeClusterCommand, { name: CLUSTER }).resolves({ cluster: { name: CLUSTER, status: 'ACTIVE', endpoint: cluster.url, certificateAuthority: { data: Buffer.from(tls.cert).toString('base64') } } });
  eks.on(DescribeClusterCommand, { name: 'ghost-eks' }).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: ghost-eks.', $metadata: { httpStatusCode: 404 } }));
  cluster.put({ namespace: 'platform', name: 'core-service', image: `${IMAGE}:v1.4.1`, replicas: 3 });
});
afterEach(async () => {
  await cluster.idle();
});

async function follow(adapter: KubernetesRollout, expect: RolloutExpectation): Promise<{ phases: RolloutPhase[]; last: RolloutStatus }> {
  const phases: RolloutPhase[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await adapter.status(target, expect);
    if (phases.at(-1) !== status.phase) phases.push(status.phase);
    if (!['pending', 'progressing'].includes(status.phase) || Date.now() > deadline) return { phases, last: status };
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

describe('KubernetesRollout against a fake Kubernetes API (EKS mocked)', () => {
  it('is pending until the GitOps controller applies the image, then follows the rollout to healthy', async () => {
    // Prepare
    const adapter = rollout();
    const expect_ = { revision: 'c0ffee', imageTag: 'v1.4.2' };

    // Act
    await adapter.sync(target, 'c0ffee');
    const before = await adapter.status(target, expect_);
    cluster.applyImage('platform', 'core-service', `${IMAGE}:v1.4.2`);
    const { phases, last } = await follow(adapter, expect_);

    // Assess
    expect(before).toEqual({
      phase: 'pending', message: `Deployment core-service runs ${IMAGE}:v1.4.1, not the tag v1.4.2 yet`,
      images: [`${IMAGE}:v1.4.1`], desiredReplicas: 3, updatedReplicas: 3, readyReplicas: 3,
    });
    expect(phases).toEqual(['progressing', 'healthy']);
    expect(last).toEqual({ phase: 'healthy', message: '3 of 3 pods updated, 3 ready', images: [`${IMAGE}:v1.4.2`], desiredReplicas: 3, updatedReplicas: 3, readyReplicas: 3 });
    // Every call carried a token the authenticator accepts, over TLS pinned to the cluster CA.
    expect(cluster.requests.filter((r) => r.tokenProblem)).toEqual([]);
    expect(cluster.requests.at(-1)).toMatchObject({ method: 'GET', path: '/apis/apps/v1/namespaces/platform/deployments/core-service' });
  });

  it('shows the rollout going pod by pod', async () => {
    const adapter = rollout();
    cluster.podMs = 60;
    cluster.applyImage('platform', 'core-service', `${IMAGE}:v1.5.0`);

    const seen: string[] = [];
    try {
      for (let s = await adapter.status(target, { revision: 'x', imageTag: 'v1.5.0' }); s.phase !== 'healthy'; s = await adapter.status(target, { revision: 'x', imageTag: 'v1.5.0' })) {
        if (seen.at(-1) !== s.message) seen.push(s.message);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      cluster.podMs = 15;
    }

    expect(seen).toEqual(expect.arrayContaining(['1 of 3 pods updated, 3 ready', '2 of 3 pods updated, 3 ready']));
    for (const message of seen) expect(message).toMatch(/^(waiting for the Deployment controller to see core-service's new spec|[0-2] of 3 pods updated, 3 ready)$/);
  });

  it('reports failed when the Deployment passes its progress deadline', async () => {
    const adapter = rollout();
    cluster.failNext('platform', 'core-service');
    cluster.applyImage('platform', 'core-service', `${IMAGE}:v2.0.0-broken`);

    const { last } = await follow(adapter, { revision: 'x', imageTag: 'v2.0.0-broken' });

    expect(last).toEqual({
      phase: 'failed',
      message: 'Deployment core-service exceeded its progress deadline: ReplicaSet "core-service-new" has timed out progressing. (1 of 3 updated, 3 ready)',
      images: [`${IMAGE}:v2.0.0-broken`], desiredReplicas: 3, updatedReplicas: 1, readyReplicas: 3,
    });
  });

  it('restarts with a strategic-merge patch of the rollout annotation, once per deployment id', async () => {
    // Prepare
    const adapter = rollout({ now: () => new Date('2026-12-05T10:11:12.345Z') });

    // Act
    const first = await adapter.restart(target, '01JDEPLOYRESTART000000001');
    const { last } = await follow(adapter, { revision: 'x', restartedAt: first.restartedAt });
    const again = await rollout({ now: () => new Date('2026-12-05T10:20:00Z') }).restart(target, '01JDEPLOYRESTART000000001');
    const other = await rollout({ now: () => new Date('2026-12-05T10:30:00Z') }).restart(target, '01JDEPLOYRESTART000000002');

    // Assess
    expect(first).toEqual({ restartedAt: '2026-12-05T10:11:12Z' });
    expect(last.phase).toBe('healthy');
    expect(again).toEqual(first);
    expect(other).toEqual({ restartedAt: '2026-12-05T10:30:00Z' });
    const patches = cluster.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toEqual([
      { method: 'PATCH', path: '/apis/apps/v1/namespaces/platform/deployments/core-service', contentType: 'application/strategic-merge-patch+json', body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-05T10:11:12Z', 'apollo.dev/restart': '01JDEPLOYRESTART000000001' } } } } } },
      { method: 'PATCH', path: '/apis/apps/v1/namespaces/platform/deployments/core-service', contentType: 'application/strategic-merge-patch+json', body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-05T10:30:00Z', 'apollo.dev/restart': '01JDEPLOYRESTART000000002' } } } } } },
    ]);
    expect(cluster.deployment('platform', 'core-service')!.spec!.template!.metadata!.annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': '2026-12-05T10:30:00Z', 'apollo.dev/restart': '01JDEPLOYRESTART000000002' });
  });

  it('is pending while the Deployment does not exist yet, and a restart of it is refused', async () => {
    const adapter = rollout();
    const newService = { ...target, service: 'brand-new-service' };

    const status = await adapter.status(newService, { revision: 'x', imageTag: 'v1' });
    const restart = await adapter.restart(newService, 'd1').catch((e: unknown) => e);

    expect(status).toEqual({ phase: 'pending', message: 'no Deployment brand-new-service in namespace platform of EKS cluster staging-eks yet (the GitOps controller has not created it)' });
    expect(restart).toMatchObject({ code: 'kubernetes-not-found', retryable: false, message: 'no Deployment brand-new-service in namespace platform of EKS cluster staging-eks' });
  });

  it('names the Deployment by its template', async () => {
    cluster.put({ namespace: 'platform', name: 'core-service-staging', image: `${IMAGE}:v3`, replicas: 1 });
    const adapter = rollout(kubernetesOptionsFromEnv({ APOLLO_K8S_DEPLOYMENT_NAME: '{service}-{environment}' }));

    const status = await adapter.status(target, { revision: 'x', imageTag: 'v3' });

    expect(status.phase).toBe('healthy');
    expect(() => rollout({ deploymentNameTemplate: '{app}' })).toThrow("the Deployment name template (APOLLO_K8S_DEPLOYMENT_NAME) '{app}' has unknown placeholder {app}");
  });

  it('refuses with non-retryable errors when the token or RBAC says no, naming the cluster', async () => {
    // Prepare
    const wrongKeys = rollout({ access: new EksClusterAccess({ eks: new EKSClient({ region: REGION }), credentials: { ...CREDENTIALS, secretAccessKey: 'not-the-key' }, region: REGION }) });
    cluster.forbid('locked');

    // Act
    const unauthorized = await wrongKeys.status(target, { revision: 'x' }).catch((e: unknown) => e);
    const forbidden = await rollout().restart({ ...target, namespace: 'locked' }, 'd1').catch((e: unknown) => e);

    // Assess
    expect(unauthorized).toBeInstanceOf(KubernetesRolloutError);
    expect(unauthorized).toMatchObject({ code: 'kubernetes-unauthorized', retryable: false, status: 401, message: "the Kubernetes API of EKS cluster staging-eks refused Apollo's token (401): give Apollo's IAM role an access entry in the cluster" });
    expect(forbidden).toMatchObject({ code: 'kubernetes-forbidden', retryable: false, status: 403 });
    expect((forbidden as Error).message).toContain('forbids Apollo to get Deployment core-service in namespace locked (403: deployments.apps "core-service" is forbidden');
  });

  it('says an unknown EKS cluster is not worth retrying, and an unreachable API is', async () => {
    // Prepare
    eks.on(DescribeClusterCommand, { name: 'gone-eks' }).resolves({ cluster: { name: 'gone-eks', status: 'ACTIVE', endpoint: 'https://127.0.0.1:1', certificateAuthority: { data: Buffer.from(tls.cert).toString('base64') } } });

    // Act
    const unknown = await rollout().status({ ...target, cluster: 'ghost-eks' }, { revision: 'x' }).catch((e: unknown) => e);
    const unreachable = await rollout().status({ ...target, cluster: 'gone-eks' }, { revision: 'x' }).catch((e: unknown) => e);

    // Assess
    expect(unknown).toMatchObject({ code: 'eks-cluster-not-found', retryable: false, message: "EKS has no cluster named ghost-eks (in Apollo's region): check the environment's cluster in the catalog" });
    expect(unreachable).toMatchObject({ code: 'kubernetes-unavailable', retryable: true, message: 'could not reach the Kubernetes API of EKS cluster gone-eks: connection refused' });
  });

  it('trusts only the cluster CA', async () => {
    // Prepare: DescribeCluster names another CA than the one the API serves.
    const other = selfSigned();
    eks.on(DescribeClusterCommand, { name: CLUSTER }).resolves({ cluster: { name: CLUSTER, status: 'ACTIVE', endpoint: cluster.url, certificateAuthority: { data: Buffer.from(other.cert).toString('base64') } } });

    // Act
    const failure = await rollout().status(target, { revision: 'x' }).catch((e: unknown) => e);

    // Assess
    expect(failure).toMatchObject({ code: 'kubernetes-unavailable' });
    expect((failure as Error).message).toMatch(/^could not reach the Kubernetes API of EKS cluster staging-eks: (self-signed TLS certificate|TLS certificate not trusted)/);
  });

  it('leaves sync to the cluster\'s GitOps controller and says so', async () => {
    const adapter = rollout();
    const calls = cluster.requests.length;

    await adapter.sync(target, 'c0ffee');

    expect(adapter.kind).toBe("Kubernetes API of the EKS clusters (no Argo CD: the cluster's GitOps controller applies Git, sync is a no-op)");
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
    expect(cluster.requests).toHaveLength(calls);
  });
});
