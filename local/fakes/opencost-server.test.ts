import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_OPENCOST_LABEL, startFakeOpenCost, type FakeOpenCost, type FakeOpenCostOptions } from './opencost-server.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const CLUSTER = 'eks-prod-us-east-1';
const OPTIONS: FakeOpenCostOptions = {
  clusters: {
    [CLUSTER]: [
      { namespace: 'payments', workload: 'core-service', cpuRequest: 2, cpuUsed: 1.2, ramRequestGiB: 4, ramUsedGiB: 3, pvGiB: 20, labels: { app_kubernetes_io_name: 'core-service' } },
      { namespace: 'payments', workload: 'ledger', kind: 'statefulset', cpuRequest: 1, cpuUsed: 0.5, ramRequestGiB: 2, ramUsedGiB: 1.5 },
      { namespace: 'kube-system', workload: '', cpuRequest: 0.1, cpuUsed: 0.05, ramRequestGiB: 0.25, ramUsedGiB: 0.2 },
    ],
  },
  now: () => NOW,
};

const started: FakeOpenCost[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.close()));
});
async function start(options: FakeOpenCostOptions = OPTIONS): Promise<FakeOpenCost> {
  const fake = await startFakeOpenCost(options);
  started.push(fake);
  return fake;
}

async function get(fake: FakeOpenCost, path: string, query: Record<string, string>): Promise<{ status: number; label: string | null; body: { code: number; status?: string; message?: string; data: Array<Record<string, Record<string, unknown>>> } }> {
  const response = await fetch(`${fake.clusterUrl(CLUSTER)}${path}?${new URLSearchParams(query)}`);
  return { status: response.status, label: response.headers.get('x-apollo-fake'), body: await response.json() as never };
}

const DAILY = { window: '2026-11-18T00:00:00Z,2026-11-20T00:00:00Z', step: '1d', accumulate: 'false', aggregate: 'namespace,controller', includeIdle: 'true', shareIdle: 'false', includeAggregatedMetadata: 'true' };

describe('the LOCAL FAKE OpenCost', () => {
  it('answers the allocation API in OpenCost\'s shape: one set per step, keys as OpenCost aggregates them, idle apart', async () => {
    const fake = await start();

    const { status, label, body } = await get(fake, '/allocation/compute', DAILY);

    expect(status).toBe(200);
    expect(label).toBe(FAKE_OPENCOST_LABEL);
    expect(body.code).toBe(200);
    expect(body.status).toBe('success');
    expect(body.data).toHaveLength(2);
    expect(Object.keys(body.data[0]!).sort()).toEqual(['__idle__', 'kube-system/__unallocated__', 'payments/deployment:core-service', 'payments/statefulset:ledger']);
    expect(body.data[1]!['payments/deployment:core-service']).toEqual({
      name: 'payments/deployment:core-service',
      properties: { cluster: CLUSTER, namespace: 'payments', controller: 'core-service', controllerKind: 'deployment', labels: { app_kubernetes_io_name: 'core-service' }, namespaceLabels: { kubernetes_io_metadata_name: 'payments' } },
      window: { start: '2026-11-19T00:00:00Z', end: '2026-11-20T00:00:00Z' },
      start: '2026-11-19T00:00:00Z',
      end: '2026-11-20T00:00:00Z',
      minutes: 1440,
      cpuCoreRequestAverage: 2,
      cpuCoreUsageAverage: 1.2,
      cpuCoreHours: 48,
      cpuCost: 1.51733,
      cpuEfficiency: 0.6,
      gpuCount: 0,
      gpuHours: 0,
      gpuCost: 0,
      networkCost: 0,
      loadBalancerCost: 0,
      pvBytes: 20 * 1024 ** 3,
      pvByteHours: 20 * 1024 ** 3 * 24,
      pvCost: 0.0263,
      pvs: { [`${CLUSTER}/pvc-payments-core-service`]: { byteHours: 20 * 1024 ** 3 * 24, cost: 0.0263 } },
      ramByteRequestAverage: 4 * 1024 ** 3,
      ramByteUsageAverage: 3 * 1024 ** 3,
      ramByteHours: 96 * 1024 ** 3,
      ramCost: 0.40675,
      ramEfficiency: 0.75,
      externalCost: 0,
      sharedCost: 0,
      totalCost: 1.95038,
      totalEfficiency: 0.63171,
    });
    const idle = body.data[1]!.__idle__!;
    expect(idle).toMatchObject({ name: '__idle__', properties: { cluster: CLUSTER }, cpuCoreRequestAverage: 0 });
    const allocated = Object.values(body.data[1]!).filter((a) => a.name !== '__idle__').reduce((s, a) => s + (a.totalCost as number), 0);
    expect((idle.totalCost as number) / (allocated + (idle.totalCost as number))).toBeCloseTo(0.22, 4);
  });

  it('is deterministic: two fakes at the same time answer the same bytes', async () => {
    const [a, b] = [await start(), await start()];

    const [one, two] = await Promise.all([get(a, '/allocation/compute', DAILY), get(b, '/allocation/compute', DAILY)]);

    expect(JSON.stringify(one.body)).toBe(JSON.stringify(two.body));
    expect(one.body.data[0]!['payments/deployment:core-service']!.totalCost).toBe(one.body.data[1]!['payments/deployment:core-service']!.totalCost);
  });

  it('keeps 15 days: older steps are empty, the oldest and the current day partial, the future empty', async () => {
    const fake = await start();

    const { body } = await get(fake, '/allocation/compute', { ...DAILY, window: '2026-11-01T00:00:00Z,2026-11-22T00:00:00Z' });

    expect(body.data).toHaveLength(21);
    const hours = body.data.map((set) => ((set['payments/deployment:core-service']?.minutes as number | undefined) ?? 0) / 60);
    // 15 days before 2026-11-20T12:00Z is 2026-11-05T12:00Z.
    expect(hours).toEqual([0, 0, 0, 0, 12, ...Array(14).fill(24), 12, 0]);
    expect(body.data[4]!['payments/deployment:core-service']).toMatchObject({ start: '2026-11-05T12:00:00Z', end: '2026-11-06T00:00:00Z', cpuCost: 0.75866 });
    expect(body.data[20]).toEqual({});
  });

  it('includes idle only when asked on OpenCost\'s paths, and unless refused on Kubecost\'s', async () => {
    const fake = await start();
    const { includeIdle: _includeIdle, ...withoutIdle } = DAILY;

    const opencost = await get(fake, '/allocation', withoutIdle);
    const kubecost = await get(fake, '/model/allocation', withoutIdle);
    const kubecostNoIdle = await get(fake, '/model/allocation', { ...withoutIdle, idle: 'false' });

    expect(Object.keys(opencost.body.data[0]!)).not.toContain('__idle__');
    expect(Object.keys(kubecost.body.data[0]!)).toContain('__idle__');
    expect(Object.keys(kubecostNoIdle.body.data[0]!)).not.toContain('__idle__');
  });

  it('shares idle into the workloads when asked, and drops aggregated labels unless asked', async () => {
    const fake = await start();

    const { body } = await get(fake, '/allocation/compute', { ...DAILY, shareIdle: 'true', includeAggregatedMetadata: 'false' });

    const core = body.data[0]!['payments/deployment:core-service']!;
    expect(Object.keys(body.data[0]!)).not.toContain('__idle__');
    expect(core.cpuCost as number).toBeGreaterThan(1.51733);
    expect(core.properties).not.toHaveProperty('labels');
  });

  it('aggregates by namespace and accumulates over the window', async () => {
    const fake = await start();

    const { body } = await get(fake, '/allocation/compute', { ...DAILY, aggregate: 'namespace', accumulate: 'true', includeIdle: 'false' });

    expect(body.data).toHaveLength(1);
    expect(Object.keys(body.data[0]!).sort()).toEqual(['kube-system', 'payments']);
    expect(body.data[0]!.payments).toMatchObject({
      window: { start: '2026-11-18T00:00:00Z', end: '2026-11-20T00:00:00Z' },
      properties: { cluster: CLUSTER, namespace: 'payments' },
      cpuCoreRequestAverage: 3,
      cpuCost: 2 * (1.51733 + 0.75866),
      minutes: 4 * 1440,
    });
  });

  it('serves every cluster under its own prefix and refuses others, a bad window, and failures and delays on request', async () => {
    const fake = await start();

    const unknown = await fetch(`${fake.url}/clusters/gke-elsewhere/allocation/compute?window=1d`);
    const badWindow = await get(fake, '/allocation/compute', { window: 'fortnight' });
    fake.failNext(CLUSTER, { status: 200, body: { code: 400, message: 'Error: nope' } });
    const failed = await get(fake, '/allocation/compute', DAILY);
    const after = await get(fake, '/allocation/compute', DAILY);
    fake.delay(CLUSTER, 150);
    const began = Date.now();
    await get(fake, '/allocation/compute', DAILY);

    expect(fake.endpoints).toEqual({ [CLUSTER]: `${fake.url}/clusters/${CLUSTER}` });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-apollo-fake')).toBe(FAKE_OPENCOST_LABEL);
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.message).toMatch(/^Error: Invalid 'window' parameter/);
    expect(failed.body).toEqual({ code: 400, message: 'Error: nope' });
    expect(after.body.code).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect(fake.requests.map((r) => `${r.cluster} ${r.path}`)).toEqual([
      'gke-elsewhere /allocation/compute', `${CLUSTER} /allocation/compute`, `${CLUSTER} /allocation/compute`, `${CLUSTER} /allocation/compute`, `${CLUSTER} /allocation/compute`,
    ]);
  });
});
