import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenCost, type FakeOpenCost, type FakeOpenCostWorkload } from '#local/fakes/opencost-server';
import type { WorkloadAllocation } from '../ports.ts';
import { AllocationSourceError, OpenCostSource, parseAllocationEndpoints, toWorkloadAllocation } from './opencost.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const PROD = 'eks-prod-us-east-1';
const STAGING = 'eks-staging-us-east-1';

const PROD_WORKLOADS: readonly FakeOpenCostWorkload[] = [
  { namespace: 'payments', workload: 'core-service', cpuRequest: 2, cpuUsed: 1.2, ramRequestGiB: 4, ramUsedGiB: 3, pvGiB: 20, labels: { app_kubernetes_io_name: 'core-service', team: 'payments' } },
  { namespace: 'payments', workload: 'ledger', kind: 'statefulset', cpuRequest: 1, cpuUsed: 0.5, ramRequestGiB: 2, ramUsedGiB: 1.5 },
  { namespace: 'kube-system', workload: '', cpuRequest: 0.1, cpuUsed: 0.05, ramRequestGiB: 0.25, ramUsedGiB: 0.2 },
];

const GIB = 1024 ** 3;
const range = { start: '2026-11-17', end: '2026-11-20' };

let fake: FakeOpenCost;

beforeAll(async () => {
  fake = await startFakeOpenCost({
    clusters: { [PROD]: PROD_WORKLOADS, [STAGING]: [{ namespace: 'payments', workload: 'core-service', cpuRequest: 0.5, cpuUsed: 0.2, ramRequestGiB: 1, ramUsedGiB: 0.6 }] },
    now: () => NOW,
  });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.delay(PROD, 0);
});

const source = (options: Partial<ConstructorParameters<typeof OpenCostSource>[0]> = {}) => new OpenCostSource({ endpoints: fake.endpoints, ...options });
const find = (rows: readonly WorkloadAllocation[], day: string, workload: string | null, idle = false) =>
  rows.filter((r) => r.start === day && r.workload === workload && r.idle === idle);

describe('OpenCostSource', () => {
  it('asks one daily, namespace-and-controller, idle-apart query and maps every field of a workload', async () => {
    // Prepare
    const opencost = source({ bearerToken: 'proxy-token' });

    // Act
    const rows = await opencost.allocations(PROD, range);

    // Assess
    expect(opencost.simulated).toBe(false);
    expect(opencost.label).toBe('OpenCost allocation API (2 clusters)');
    expect(opencost.clusters).toEqual([PROD, STAGING]);
    expect(fake.requests).toEqual([{
      cluster: PROD,
      path: '/allocation/compute',
      query: {
        window: '2026-11-17T00:00:00Z,2026-11-20T00:00:00Z', step: '1d', accumulate: 'false', aggregate: 'namespace,controller',
        includeIdle: 'true', shareIdle: 'false', idleByNode: 'false', includeAggregatedMetadata: 'true',
      },
      authorization: 'Bearer proxy-token',
    }]);
    // 2 cores × 24 h × $0.031611, 4 GiB × 24 h × $0.004237, 20 GiB × 24 h × $0.00005479452 (rounded to 5 decimals as OpenCost does)
    expect(find(rows, '2026-11-18', 'core-service')).toEqual([{
      cluster: PROD, namespace: 'payments', workload: 'core-service', workloadKind: 'deployment', idle: false,
      start: '2026-11-18', end: '2026-11-19',
      cpuCost: 1.51733, ramCost: 0.40675, pvCost: 0.0263, networkCost: 0, loadBalancerCost: 0, gpuCost: 0, totalCost: 1.95038,
      cpuCoresRequested: 2, cpuCoresUsed: 1.2, ramBytesRequested: 4 * GIB, ramBytesUsed: 3 * GIB,
      labels: { app_kubernetes_io_name: 'core-service', team: 'payments' },
    }]);
    expect(find(rows, '2026-11-18', 'ledger')[0]).toMatchObject({ namespace: 'payments', workloadKind: 'statefulset', labels: {}, cpuCost: 0.75866, ramCost: 0.20338 });
  });

  it('gives a row per workload, unallocated and idle for each day of the range', async () => {
    const rows = await source().allocations(PROD, range);

    expect(rows).toHaveLength(3 * 4);
    expect(rows.map((r) => `${r.start}..${r.end}`).filter((v, i, all) => all.indexOf(v) === i)).toEqual(['2026-11-17..2026-11-18', '2026-11-18..2026-11-19', '2026-11-19..2026-11-20']);
    for (const day of ['2026-11-17', '2026-11-18', '2026-11-19']) {
      const ofDay = rows.filter((r) => r.start === day);
      expect(ofDay.map((r) => [r.namespace, r.workload, r.idle]).sort()).toEqual([
        ['kube-system', null, false],
        ['payments', 'core-service', false],
        ['payments', 'ledger', false],
        [null, null, true],
      ].sort());
    }
  });

  it('keeps idle cost apart, never spread over the workloads', async () => {
    const rows = await source().allocations(PROD, range);

    const [idle] = find(rows, '2026-11-19', null, true);
    expect(idle).toMatchObject({ cluster: PROD, namespace: null, workload: null, workloadKind: null, idle: true, start: '2026-11-19', end: '2026-11-20', labels: {}, cpuCoresRequested: 0 });
    const allocated = rows.filter((r) => r.start === '2026-11-19' && !r.idle).reduce((sum, r) => sum + r.totalCost, 0);
    // The fake's idle is 22 % of the cluster's cost: shared idle would have raised the workloads' costs instead.
    expect(idle!.totalCost / (allocated + idle!.totalCost)).toBeCloseTo(0.22, 4);
    expect(find(rows, '2026-11-19', 'core-service')[0]!.totalCost).toBe(1.95038);
  });

  it('gives pods without a controller as unallocated in their namespace', async () => {
    const rows = await source().allocations(PROD, range);

    expect(find(rows, '2026-11-17', null).filter((r) => !r.idle)).toEqual([expect.objectContaining({ namespace: 'kube-system', workload: null, workloadKind: null, idle: false, cpuCost: 0.07587 })]);
  });

  it('answers nothing for days OpenCost no longer keeps, and a partial today', async () => {
    const old = await source().allocations(PROD, { start: '2026-10-01', end: '2026-10-04' });
    const today = await source().allocations(PROD, { start: '2026-11-20', end: '2026-11-21' });

    expect(old).toEqual([]);
    // 12 of today's 24 hours have passed at NOW.
    expect(find(today, '2026-11-20', 'core-service')[0]).toMatchObject({ cpuCost: 0.75866, cpuCoresRequested: 2 });
  });

  it('asks Kubecost at /model/allocation with its idle flag', async () => {
    const kubecost = source({ kind: 'kubecost', endpoints: { [STAGING]: fake.clusterUrl(STAGING) } });

    const rows = await kubecost.allocations(STAGING, { start: '2026-11-19', end: '2026-11-20' });

    expect(kubecost.label).toBe('Kubecost allocation API (1 cluster)');
    expect(fake.requests.map((r) => [r.path, r.query.idle, r.query.includeIdle])).toEqual([['/model/allocation', 'true', undefined]]);
    expect(rows.map((r) => [r.cluster, r.workload, r.idle])).toEqual([[STAGING, 'core-service', false], [STAGING, null, true]]);
  });

  it('refuses a cluster it has no endpoint for, without asking', async () => {
    await expect(source().allocations('gke-elsewhere', range)).rejects.toThrow('no OpenCost endpoint for the cluster gke-elsewhere (known: eks-prod-us-east-1, eks-staging-us-east-1)');
    expect(fake.requests).toEqual([]);
  });

  it('says which cluster\'s OpenCost answered a 500, and what', async () => {
    fake.failNext(PROD, { status: 500, body: { code: 500, message: 'Error: error computing allocations: prometheus unreachable' } });

    const error = await source().allocations(PROD, range).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AllocationSourceError);
    expect(error).toMatchObject({
      message: 'OpenCost of the cluster eks-prod-us-east-1 answered 500: Error: error computing allocations: prometheus unreachable',
      cluster: PROD, status: 500, retryable: true,
    });
  });

  it('treats a body whose code is not 200 as a failure, even on HTTP 200', async () => {
    fake.failNext(PROD, { status: 200, body: { code: 400, status: 'error', message: "Error: Invalid 'aggregate' parameter" } });

    await expect(source().allocations(PROD, range)).rejects.toMatchObject({
      message: "OpenCost of the cluster eks-prod-us-east-1 answered code 400: Error: Invalid 'aggregate' parameter", status: 400, retryable: false,
    });
  });

  it('names the cluster and URL when OpenCost does not answer in time', async () => {
    fake.delay(PROD, 1_000);

    await expect(source({ timeoutMs: 100 }).allocations(PROD, range)).rejects.toThrow(
      `OpenCost of the cluster ${PROD} at ${fake.url}/clusters/${PROD}/allocation/compute did not answer within 0.1 s`);
  });

  it('names the cluster and URL when nothing listens there', async () => {
    const closed = await startFakeOpenCost({ clusters: { gone: [] } });
    const url = closed.clusterUrl('gone');
    await closed.close();

    await expect(new OpenCostSource({ endpoints: { gone: url } }).allocations('gone', range)).rejects.toThrow(
      new RegExp(`^OpenCost of the cluster gone at ${url.replace(/[.]/g, '\\.')}/allocation/compute could not be reached \\(ECONNREFUSED\\)$`));
  });

  it('rejects a range that ends before it starts, and asks nothing for an empty one', async () => {
    await expect(source().allocations(PROD, { start: '2026-11-20', end: '2026-11-19' })).rejects.toThrow('ends (2026-11-19) before it starts (2026-11-20)');
    await expect(source().allocations(PROD, { start: '2026-11-20', end: '2026-11-20' })).resolves.toEqual([]);
    expect(fake.requests).toEqual([]);
  });
});

describe('toWorkloadAllocation', () => {
  it('reads what an OpenCost omits or nulls: pvs summed, totalCost added up, NaN averages as unknown', () => {
    const row = toWorkloadAllocation('c1', 'web/deployment:frontend', {
      name: 'web/deployment:frontend',
      properties: { namespace: 'web' },
      window: { start: '2026-11-02T00:00:00Z', end: '2026-11-03T00:00:00Z' },
      cpuCost: 1.5, ramCost: null, gpuCost: 0.25, networkCost: 0.1, loadBalancerCost: 0.2,
      pvs: { 'c1/pvc-1': { byteHours: 1, cost: 0.3 }, 'c1/pvc-2': { byteHours: 1, cost: 0.1 } },
      cpuCoreRequestAverage: 1, cpuCoreUsageAverage: null,
    }, '2026-11-01');

    expect(row).toEqual({
      cluster: 'c1', namespace: 'web', workload: 'frontend', workloadKind: 'deployment', idle: false, start: '2026-11-02', end: '2026-11-03',
      cpuCost: 1.5, ramCost: 0, pvCost: 0.4, networkCost: 0.1, loadBalancerCost: 0.2, gpuCost: 0.25, totalCost: 2.45,
      cpuCoresRequested: 1, cpuCoresUsed: null, ramBytesRequested: null, ramBytesUsed: null, labels: {},
    });
  });

  it('reads split idle and merged unallocated keys', () => {
    expect(toWorkloadAllocation('c1', 'c1/__idle__', { totalCost: 3 }, '2026-11-01')).toMatchObject({ idle: true, namespace: null, workload: null, start: '2026-11-01', end: '2026-11-02', totalCost: 3 });
    expect(toWorkloadAllocation('c1', '__unallocated__', { properties: { namespace: 'batch' } }, '2026-11-01')).toMatchObject({ idle: false, namespace: 'batch', workload: null, totalCost: 0 });
    expect(toWorkloadAllocation('c1', '__unmounted__/__unmounted__', { pvCost: 2 }, '2026-11-01')).toMatchObject({ idle: false, namespace: null, workload: null, totalCost: 2 });
  });
});

describe('parseAllocationEndpoints', () => {
  it('reads clusters and kind, and nothing when unset', () => {
    expect(parseAllocationEndpoints({})).toBeUndefined();
    expect(parseAllocationEndpoints({ APOLLO_COSTS_ALLOCATION_URLS: '  ' })).toBeUndefined();
    expect(parseAllocationEndpoints({ APOLLO_COSTS_ALLOCATION_URLS: '{"eks-prod-us-east-1":"http://opencost.opencost.svc:9003/"}' }))
      .toEqual({ endpoints: { 'eks-prod-us-east-1': 'http://opencost.opencost.svc:9003' }, kind: 'opencost' });
    expect(parseAllocationEndpoints({
      APOLLO_COSTS_ALLOCATION_URLS: '{"a":"https://kubecost.example/prefix","b":"http://kubecost-cost-analyzer.kubecost:9090"}',
      APOLLO_COSTS_ALLOCATION_KIND: 'Kubecost',
    })).toEqual({ endpoints: { a: 'https://kubecost.example/prefix', b: 'http://kubecost-cost-analyzer.kubecost:9090' }, kind: 'kubecost' });
  });

  it.each([
    ['not JSON', 'http://opencost:9003', /APOLLO_COSTS_ALLOCATION_URLS must be a JSON object of cluster name → URL/],
    ['an array', '["http://opencost:9003"]', /not an array/],
    ['no cluster', '{}', /names no cluster/],
    ['a URL that is not a string', '{"a":9003}', /the URL of a must be a string/],
    ['not a URL', '{"a":"opencost:9003/x y"}', /the URL of a (is not a URL|must be http\(s\))/],
    ['another scheme', '{"a":"ftp://opencost:9003"}', /the URL of a must be http\(s\), not ftp:/],
    ['credentials', '{"a":"http://user:pw@opencost:9003"}', /must not carry credentials/],
    ['a query', '{"a":"http://opencost:9003/?window=1d"}', /without a query or fragment/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => parseAllocationEndpoints({ APOLLO_COSTS_ALLOCATION_URLS: value })).toThrow(message);
  });

  it('refuses an unknown kind', () => {
    expect(() => parseAllocationEndpoints({ APOLLO_COSTS_ALLOCATION_URLS: '{"a":"http://opencost:9003"}', APOLLO_COSTS_ALLOCATION_KIND: 'cloudability' }))
      .toThrow('APOLLO_COSTS_ALLOCATION_KIND must be opencost or kubecost, not "cloudability"');
  });
});
