/** The SIMULATED Argo CD itself: its API subset, the Git poll, the pod-by-pod rollout, failures and controls. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { ensureArgoCdToken, localArgoCdBanner, SimulatedArgoCd, startLocalArgoCd, type SimulatedPod, type SimulatedValues } from './argocd-server.ts';

const TOKEN = 'simulated-argocd-token';
const IMAGE = 'registry.local-fake.test/orders';
const git = new Map<string, SimulatedValues>();
let revisions = 0;
const commit = (key: string, change: Omit<SimulatedValues, 'revision'>): string => {
  const revision = `${++revisions}`.padStart(40, 'a');
  git.set(key, { ...git.get(key), ...change, revision });
  return revision;
};

let sim: SimulatedArgoCd;
/** While set, reading Git waits for it: an operation stays Running. */
let gate: Promise<void> | undefined;
beforeAll(async () => {
  commit('orders/dev', { imageTag: 'v1', replicas: 2 });
  commit('orders/staging', { imageTag: 'v1', replicas: 3 });
  sim = await SimulatedArgoCd.start({
    token: TOKEN,
    podMs: 25,
    // The tests poll Git themselves (sim.poll()), so nothing syncs behind their back; one test below runs the timer.
    pollMs: 0,
    readValues: async (service, environment) => {
      await gate;
      return git.get(`${service}/${environment}`);
    },
    applications: [
      { service: 'orders', environment: 'dev', namespace: 'shop' },
      { service: 'orders', environment: 'staging', namespace: 'shop' },
      // No values file in Git yet.
      { service: 'orders', environment: 'prod', namespace: 'shop' },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await sim.idle();
});

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/api/v1${path}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type AppJson = { status: { sync: { status: string; revision?: string }; health: { status: string; message?: string }; operationState?: { phase: string; message: string }; summary: { images: string[] }; history: Array<{ revision: string }> } };

describe('the SIMULATED Argo CD', () => {
  it('answers the API only with its bearer token, as Argo CD words it', async () => {
    const missing = await api('GET', '/applications', undefined, null);
    const wrong = await api('GET', '/applications', undefined, 'nope');

    expect(missing).toEqual({ status: 401, body: { error: 'no session information (SIMULATED Argo CD: send Authorization: Bearer <argocd_token>)', code: 16, message: 'no session information (SIMULATED Argo CD: send Authorization: Bearer <argocd_token>)' } });
    expect(wrong.status).toBe(401);
  });

  it('starts with what Git says already running: Synced, Healthy, its pods ready; an app without values is Missing', async () => {
    const dev = (await api('GET', '/applications/orders-dev')).body as unknown as AppJson;
    const prod = (await api('GET', '/applications/orders-prod')).body as unknown as AppJson;

    expect(dev.status.sync).toMatchObject({ status: 'Synced', revision: git.get('orders/dev')!.revision });
    expect(dev.status.health).toEqual({ status: 'Healthy' });
    expect(dev.status.summary.images).toEqual([`${IMAGE}:v1`]);
    expect(dev.status.history.map((h) => h.revision)).toEqual([git.get('orders/dev')!.revision]);
    expect(sim.application('orders-dev')!.pods.map((p) => p.status)).toEqual(['Running', 'Running']);
    expect(prod.status.health).toEqual({ status: 'Missing' });
    expect(prod.status.summary.images).toEqual([]);
  });

  it('polls Git and auto-syncs a change, replacing pods one at a time, never fewer ready than asked', async () => {
    // Prepare
    const sha = commit('orders/staging', { imageTag: 'v2' });
    const app = sim.application('orders-staging')!;
    const snapshots: SimulatedPod[][] = [];
    const healths = new Set<string>();

    // Act
    await sim.poll();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      snapshots.push(app.pods.map((p) => ({ ...p })));
      const json = (await api('GET', '/applications/orders-staging')).body as unknown as AppJson;
      healths.add(json.status.health.status);
      if (json.status.health.status === 'Healthy' && json.status.summary.images.join() === `${IMAGE}:v2`) break;
      await new Promise((resolve) => setTimeout(resolve, 3));
    }

    // Assess
    expect(app.operation).toMatchObject({ phase: 'Succeeded', revision: sha, initiatedBy: { automated: true } });
    expect([...healths]).toEqual(expect.arrayContaining(['Progressing', 'Healthy']));
    for (const pods of snapshots) {
      expect(pods.filter((p) => p.ready).length).toBeGreaterThanOrEqual(3);
      expect(pods.length).toBeLessThanOrEqual(4);
    }
    // Mixed versions mid-rollout.
    expect(snapshots.some((pods) => pods.some((p) => p.image.endsWith(':v1')) && pods.some((p) => p.image.endsWith(':v2') && p.ready))).toBe(true);
    expect(app.pods.map((p) => [p.image, p.ready])).toEqual([[`${IMAGE}:v2`, true], [`${IMAGE}:v2`, true], [`${IMAGE}:v2`, true]]);
  });

  it('refuses a second sync while one runs (400, FailedPrecondition)', async () => {
    let release = (): void => {};
    gate = new Promise((resolve) => { release = resolve; });

    const first = await api('POST', '/applications/orders-dev/sync', {});
    const second = await api('POST', '/applications/orders-dev/sync', {});
    gate = undefined;
    release();

    expect(first.status).toBe(200);
    expect(second).toEqual({ status: 400, body: { error: 'another operation is already in progress', code: 9, message: 'another operation is already in progress' } });
  });

  it('ends a rollout told to fail Degraded: the first new pod crash-loops, the old ones stay', async () => {
    // Prepare
    const control = await fetch(`${sim.url}/_fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ application: 'orders-dev', times: 1 }) });
    commit('orders/dev', { imageTag: 'v3-broken' });

    // Act
    await api('POST', '/applications/orders-dev/sync', {});
    await sim.idle();
    const json = (await api('GET', '/applications/orders-dev')).body as unknown as AppJson;
    const manifest = await api('GET', '/applications/orders-dev/resource?namespace=shop&resourceName=orders&version=v1&group=apps&kind=Deployment');

    // Assess
    expect(control.status).toBe(200);
    expect(json.status.operationState).toMatchObject({ phase: 'Succeeded' });
    expect(json.status.health).toEqual({ status: 'Degraded', message: 'Deployment "orders" exceeded its progress deadline' });
    expect(sim.application('orders-dev')!.pods.map((p) => [p.image.split(':')[1], p.status])).toEqual([['v1', 'Running'], ['v1', 'Running'], ['v3-broken', 'CrashLoopBackOff']]);
    const deployment = JSON.parse(manifest.body.manifest as string) as { status: { conditions: Array<{ type: string; reason: string }> } };
    expect(deployment.status.conditions.find((c) => c.type === 'Progressing')).toMatchObject({ reason: 'ProgressDeadlineExceeded' });

    // The next commit rolls over the crashed pod.
    commit('orders/dev', { imageTag: 'v3' });
    await api('POST', '/applications/orders-dev/sync', {});
    await sim.idle();
    expect(((await api('GET', '/applications/orders-dev')).body as unknown as AppJson).status.health).toEqual({ status: 'Healthy' });
  });

  it('ends a sync told to fail Failed, applying nothing, and does not auto-sync that revision again', async () => {
    // Prepare
    sim.failNext(1, { application: 'orders-staging', what: 'sync' });
    const sha = commit('orders/staging', { imageTag: 'v4' });
    const app = sim.application('orders-staging')!;

    // Act: the poll's auto-sync meets the failure; the next poll leaves that revision alone.
    await sim.poll();
    await sim.idle();
    await sim.poll();
    await sim.idle();
    const json = (await api('GET', '/applications/orders-staging')).body as unknown as AppJson;

    // Assess
    expect(json.status.sync.status).toBe('OutOfSync');
    expect(json.status.operationState).toMatchObject({ phase: 'Failed', message: expect.stringContaining('one or more objects failed to apply') });
    expect(json.status.summary.images).toEqual([`${IMAGE}:v2`]);

    // A sync asked by hand applies it.
    expect((await api('POST', '/applications/orders-staging/sync', { revision: sha })).status).toBe(200);
    await sim.idle();
    expect(app.pods.map((p) => p.image)).toEqual([`${IMAGE}:v4`, `${IMAGE}:v4`, `${IMAGE}:v4`]);
  });

  it('answers 503 to the next API calls when told to', async () => {
    sim.failNext(1, { what: 'api' });

    const failed = await api('GET', '/applications');
    const next = await api('GET', '/applications');

    expect(failed.status).toBe(503);
    expect(next.status).toBe(200);
  });

  it('restarts through both action endpoints, and has no v2 route when playing an older Argo CD', async () => {
    // Prepare
    const query = 'namespace=shop&resourceName=orders&version=v1&group=apps&kind=Deployment';

    // Act
    const v2 = await api('POST', '/applications/orders-dev/resource/actions/v2', { action: 'restart', namespace: 'shop', resourceName: 'orders', version: 'v1', group: 'apps', kind: 'Deployment' });
    await sim.idle();
    sim.resourceActionsV2 = false;
    const gone = await api('POST', '/applications/orders-dev/resource/actions/v2', { action: 'restart', namespace: 'shop', resourceName: 'orders', version: 'v1', group: 'apps', kind: 'Deployment' });
    const v1 = await api('POST', `/applications/orders-dev/resource/actions?${query}`, 'restart');
    const wrongKind = await api('POST', '/applications/orders-dev/resource/actions?namespace=shop&resourceName=orders&version=v1&group=apps&kind=StatefulSet', 'restart');
    sim.resourceActionsV2 = true;

    // Assess
    expect(v2).toEqual({ status: 200, body: {} });
    expect(gone.status).toBe(404);
    expect(v1).toEqual({ status: 200, body: {} });
    expect(wrongKind).toEqual({ status: 403, body: expect.objectContaining({ code: 7, message: 'apps/StatefulSet orders not found as part of application orders-dev' }) });
    expect(sim.application('orders-dev')!.live!.restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('lists applications by label selector, and 403s an unknown one', async () => {
    const all = await api('GET', '/applications');
    const staging = await api('GET', '/applications?selector=apollo.dev/environment%3Dstaging');
    const unknown = await api('GET', '/applications/ghost-dev');

    expect((all.body.items as Array<{ metadata: { name: string } }>).map((a) => a.metadata.name)).toEqual(['orders-dev', 'orders-staging', 'orders-prod']);
    expect((staging.body.items as Array<{ metadata: { name: string } }>).map((a) => a.metadata.name)).toEqual(['orders-staging']);
    expect(unknown).toEqual({ status: 403, body: { error: 'permission denied', code: 7, message: 'permission denied' } });
  });

  it('has a page labelled SIMULATED and LOCAL FAKE with each application, its pods and buttons', async () => {
    const res = await fetch(`${sim.url}/`);
    const html = await res.text();

    expect(res.headers.get('x-apollo-fake')).toBe('LOCAL FAKE');
    expect(html).toContain('SIMULATED Argo CD — LOCAL FAKE: not Argo CD.');
    expect(html).toContain('<b>orders-staging</b>');
    expect(html).toContain(`<code>${IMAGE}:v4</code>`);
    expect(html).toContain('action="/_fail"');
  });

  it('takes the page\'s forms: a sync, a failure (303 back to the page), and refuses a bad control', async () => {
    const form = (path: string, fields: Record<string, string>) => fetch(`${sim.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

    const failed = await form('/_fail', { application: 'orders-prod' });
    const synced = await form('/_sync', { application: 'orders-staging' });
    const bad = await fetch(`${sim.url}/_fail`, { method: 'POST', body: JSON.stringify({ what: 'everything' }) });
    const state = (await (await fetch(`${sim.url}/_state`)).json()) as { pendingFailures: unknown[] };

    expect([failed.status, failed.headers.get('location')]).toEqual([303, '/']);
    expect(synced.status).toBe(303);
    expect(bad.status).toBe(400);
    expect(state.pendingFailures).toEqual([{ what: 'rollout', application: 'orders-prod', remaining: 1 }]);
  });
});

describe('the local runtime\'s simulated Argo CD', () => {
  const saved = { url: process.env.APOLLO_ARGOCD_URL, simulated: process.env.APOLLO_ARGOCD_SIMULATED, podMs: process.env.APOLLO_ARGOCD_SIM_POD_MS };
  afterEach(() => {
    for (const [name, value] of [['APOLLO_ARGOCD_URL', saved.url], ['APOLLO_ARGOCD_SIMULATED', saved.simulated], ['APOLLO_ARGOCD_SIM_POD_MS', saved.podMs]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('keeps its token in the integration secrets, points APOLLO_ARGOCD_URL at itself and takes the pod time from the environment', async () => {
    // Prepare
    delete process.env.APOLLO_ARGOCD_URL;
    process.env.APOLLO_ARGOCD_SIM_POD_MS = '40';
    const home = mkdtempSync(join(tmpdir(), 'apollo-argocd-'));

    try {
      // Act
      const local = (await startLocalArgoCd(home, () => Promise.resolve({ imageTag: 'v1', revision: 'r1' }), [{ service: 'orders', environment: 'dev' }], { pollMs: 0 }))!;
      const again = await ensureArgoCdToken(home);
      await local.close();

      // Assess
      const secrets = JSON.parse(readFileSync(join(home, 'integration-secrets.json'), 'utf8')) as Record<string, string>;
      expect(secrets.argocd_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(again).toBe(secrets.argocd_token);
      expect(process.env.APOLLO_ARGOCD_URL).toBe(local.url);
      expect(process.env.APOLLO_ARGOCD_SIMULATED).toBe('1');
      expect(local.podMs).toBe(40);
      expect(localArgoCdBanner(local)).toBe(`Argo CD: a SIMULATED Argo CD (LOCAL FAKE) at ${local.url}/ (APOLLO_ARGOCD_URL; token argocd_token; 1 applications reading the GitOps repository, one pod every 40 ms; its page shows the pods and how to make a rollout fail)`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('polls Git on its own every pollMs', async () => {
    // Prepare
    let values: SimulatedValues = { imageTag: 'v1', replicas: 1, revision: 'r1' };
    const polling = await SimulatedArgoCd.start({ token: TOKEN, podMs: 5, pollMs: 20, readValues: () => Promise.resolve(values), applications: [{ service: 'orders', environment: 'dev' }] });

    try {
      // Act
      values = { imageTag: 'v2', replicas: 1, revision: 'r2' };
      const deadline = Date.now() + 5_000;
      while (polling.application('orders-dev')!.operation?.phase !== 'Succeeded' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      await polling.idle();

      // Assess
      expect(polling.application('orders-dev')!.operation).toMatchObject({ phase: 'Succeeded', revision: 'r2', initiatedBy: { automated: true } });
      expect(polling.application('orders-dev')!.pods.map((p) => p.image)).toEqual(['registry.local-fake.test/orders:v2']);
    } finally {
      await polling.close();
    }
  });

  it('stays out of the way of a real Argo CD', async () => {
    process.env.APOLLO_ARGOCD_URL = 'https://argocd.corp.example';
    delete process.env.APOLLO_ARGOCD_SIMULATED;

    const local = await startLocalArgoCd(undefined, () => Promise.resolve(undefined), []);

    expect(local).toBeUndefined();
    expect(await memoryIntegrationSecrets.get('argocd_token')).toBeUndefined();
  });
});
