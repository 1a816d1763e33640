import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EksClusterReader, eksToken } from './eks-cluster.ts';

const CREDENTIALS = { accessKeyId: 'AKIAHEALTHJOBEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'FQoGZXIvYXdzEXAMPLE' };
const REGION = 'eu-west-1';

/** A self-signed certificate for 127.0.0.1 (the cluster's CA, as DescribeCluster returns it) and its key. */
function selfSigned(cn: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'apollo-eks-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * What the EKS authenticator checks of a bearer token, written from the SigV4 specification rather
 * than with the signer under test: the presigned GetCallerIdentity URL, signed for this cluster.
 */
function verifyToken(token: string, cluster: string): string | undefined {
  if (!token.startsWith('k8s-aws-v1.')) return 'no k8s-aws-v1. prefix';
  const encoded = token.slice('k8s-aws-v1.'.length);
  if (encoded.includes('=')) return 'padded';
  const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  const q = url.searchParams;
  if (url.host !== `sts.${REGION}.amazonaws.com` || url.pathname !== '/') return `wrong endpoint ${url.host}${url.pathname}`;
  if (q.get('Action') !== 'GetCallerIdentity' || q.get('Version') !== '2011-06-15') return 'not GetCallerIdentity';
  if (q.get('X-Amz-Expires') !== '60') return `expires ${q.get('X-Amz-Expires')}`;
  if (q.get('X-Amz-SignedHeaders') !== 'host;x-k8s-aws-id') return `signed headers ${q.get('X-Amz-SignedHeaders')}`;
  if (q.get('X-Amz-Security-Token') !== CREDENTIALS.sessionToken) return 'no session token';
  const [keyId, date, region, service, terminator] = q.get('X-Amz-Credential')!.split('/');
  if (keyId !== CREDENTIALS.accessKeyId || region !== REGION || service !== 'sts' || terminator !== 'aws4_request') return 'wrong credential scope';
  const amzDate = q.get('X-Amz-Date')!;
  const canonicalQuery = [...q.entries()].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = ['GET', '/', canonicalQuery, `host:${url.host}\nx-k8s-aws-id:${cluster}\n`, 'host;x-k8s-aws-id', createHash('sha256').update('').digest('hex')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/sts/aws4_request`, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date!), region!), 'sts'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === q.get('X-Amz-Signature') ? undefined : 'bad signature';
}

interface FakeCluster { readonly server: Server; readonly url: string; readonly requests: Array<{ path: string; tokenProblem?: string }> }

/** A Kubernetes API on loopback over HTTPS: Deployments by `<namespace>/<name>`. */
async function fakeKubernetes(tls: { cert: string; key: string }, cluster: string, deployments: Record<string, unknown>, delayMs = 0): Promise<FakeCluster> {
  const requests: FakeCluster['requests'] = [];
  const server = createServer(tls, (req, res) => {
    const tokenProblem = verifyToken((req.headers.authorization ?? '').replace(/^Bearer /, ''), cluster);
    requests.push({ path: req.url ?? '', tokenProblem });
    const answer = () => {
      if (tokenProblem) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","code":401,"reason":"Unauthorized"}');
      const match = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/.exec(req.url ?? '');
      const found = match ? deployments[`${match[1]}/${match[2]}`] : undefined;
      if (found === 'forbidden') return res.writeHead(403, { 'content-type': 'application/json' }).end('{"kind":"Status","code":403,"reason":"Forbidden"}');
      if (!found) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404,"reason":"NotFound"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found));
    };
    if (delayMs) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const close = (server: Server) => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });

const deployment = (replicas: number | undefined, readyReplicas: number | undefined) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'core-service', namespace: 'payments' },
  spec: replicas === undefined ? {} : { replicas }, status: readyReplicas === undefined ? { replicas: replicas ?? 1 } : { replicas, readyReplicas },
});

const clusterCa = selfSigned('fake-eks-ca');
const strangerTls = selfSigned('someone-else');
const eks = mockClient(EKSClient);
let api: FakeCluster;
let reader: EksClusterReader;

const describeAnswer = (endpoint: string, ca = clusterCa.cert) => ({ cluster: { name: 'apollo-prod', status: 'ACTIVE' as const, endpoint, certificateAuthority: { data: Buffer.from(ca).toString('base64') } } });
const target = { serviceId: 'core-service', environment: 'prod', cluster: 'apollo-prod', namespace: 'payments', replicas: 3 };

beforeAll(async () => {
  api = await fakeKubernetes(clusterCa, 'apollo-prod', {
    'payments/core-service': deployment(3, 2),
    'payments/billing-service': deployment(undefined, undefined),
    'secure/core-service': 'forbidden',
  });
});

afterAll(async () => {
  await close(api.server);
  eks.restore();
});

beforeEach(() => {
  eks.reset();
  eks.on(DescribeClusterCommand, { name: 'apollo-prod' }).resolves(describeAnswer(api.url));
  reader = new EksClusterReader({ eks: new EKSClient({ region: REGION }), credentials: CREDENTIALS, region: REGION });
  api.requests.length = 0;
});

afterEach(() => {
  eks.reset();
});

describe('eksToken', () => {
  it('is the presigned STS GetCallerIdentity URL for the cluster, base64url without padding, as aws eks get-token makes it', async () => {
    // Act
    const token = await eksToken('apollo-prod', REGION, CREDENTIALS, new Date('2026-11-25T20:00:00Z'));

    // Assess
    expect(verifyToken(token, 'apollo-prod')).toBeUndefined();
    expect(verifyToken(token, 'another-cluster')).toBe('bad signature');
    const url = new URL(Buffer.from(token.slice(11), 'base64url').toString());
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261125T200000Z');
  });
});

describe('EksClusterReader', () => {
  it('reads ready and desired replicas of the service’s Deployment over TLS trusting the cluster CA, with a valid token', async () => {
    // Act
    const seen = await reader.readiness(target, 3_000);

    // Assess
    expect(seen).toEqual({ outcome: 'deployment', readyReplicas: 2, desiredReplicas: 3, simulated: false });
    expect(api.requests).toEqual([{ path: '/apis/apps/v1/namespaces/payments/deployments/core-service', tokenProblem: undefined }]);
  });

  it('asks EKS for the cluster once per container', async () => {
    // Act
    await reader.readiness(target, 3_000);
    await reader.readiness({ ...target, serviceId: 'billing-service' }, 3_000);

    // Assess
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(1);
  });

  it('takes Kubernetes defaults: no spec.replicas is 1 desired, no readyReplicas is none ready', async () => {
    expect(await reader.readiness({ ...target, serviceId: 'billing-service' }, 3_000)).toEqual({ outcome: 'deployment', readyReplicas: 0, desiredReplicas: 1, simulated: false });
  });

  it.each([
    ['a Deployment that does not exist', { serviceId: 'search-service' }, 'no Deployment search-service in namespace payments of apollo-prod'],
    ['a namespace the role may not read', { namespace: 'secure' }, 'Kubernetes API of apollo-prod forbids reading deployments in secure (403)'],
  ])('explains %s', async (_what, change, error) => {
    expect(await reader.readiness({ ...target, ...change }, 3_000)).toEqual({ outcome: 'error', error, simulated: false });
  });

  it('refuses an API server whose certificate the cluster CA did not sign', async () => {
    // Prepare
    const impostor = await fakeKubernetes(strangerTls, 'apollo-prod', { 'payments/core-service': deployment(3, 3) });
    eks.on(DescribeClusterCommand, { name: 'apollo-prod' }).resolves(describeAnswer(impostor.url));

    // Act
    const seen = await reader.readiness(target, 3_000).finally(() => close(impostor.server));

    // Assess
    expect(seen).toEqual({ outcome: 'error', error: 'Kubernetes API of apollo-prod: self-signed TLS certificate', simulated: false });
    expect(impostor.requests).toEqual([]);
  });

  it('gives up on a Kubernetes API slower than the check’s timeout', async () => {
    // Prepare
    const slow = await fakeKubernetes(clusterCa, 'apollo-prod', { 'payments/core-service': deployment(3, 3) }, 1_500);
    eks.on(DescribeClusterCommand, { name: 'apollo-prod' }).resolves(describeAnswer(slow.url));

    // Act: a timer started after the check and due 1 ms after its timeout fires after the check's own
    // deadline (Node runs timers in the order they fall due, however late the machine runs them), so
    // the check has answered by then if it gave up at its timeout.
    const checking = reader.readiness(target, 300);
    const pastTheTimeout = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 301));
    const first = await Promise.race([checking, pastTheTimeout]);
    await checking.finally(() => close(slow.server));

    // Assess
    expect(first).toEqual({ outcome: 'error', error: 'Kubernetes API of apollo-prod timed out after 300 ms', simulated: false });
  });

  it('reports a cluster that has no API endpoint yet, and asks again next time', async () => {
    // Prepare
    eks.on(DescribeClusterCommand, { name: 'new-eks' }).resolves({ cluster: { name: 'new-eks', status: 'CREATING' } });

    // Act
    const first = await reader.readiness({ ...target, cluster: 'new-eks' }, 3_000);
    await reader.readiness({ ...target, cluster: 'new-eks' }, 3_000);

    // Assess
    expect(first).toEqual({ outcome: 'error', error: 'EKS cluster new-eks has no API endpoint yet (status CREATING)', simulated: false });
    expect(eks.commandCalls(DescribeClusterCommand, { name: 'new-eks' })).toHaveLength(2);
  });

  it('reports a cluster EKS does not know, and asks again next time rather than caching the failure', async () => {
    // Prepare
    eks.on(DescribeClusterCommand, { name: 'gone' }).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: gone.', $metadata: {} }));

    // Act
    const first = await reader.readiness({ ...target, cluster: 'gone' }, 3_000);
    await reader.readiness({ ...target, cluster: 'gone' }, 3_000);

    // Assess
    expect(first).toEqual({ outcome: 'error', error: 'EKS DescribeCluster gone: ResourceNotFoundException', simulated: false });
    expect(eks.commandCalls(DescribeClusterCommand, { name: 'gone' })).toHaveLength(2);
  });
});
