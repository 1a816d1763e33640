/** The Argo CD adapter against the local SIMULATED Argo CD (the same API subset, pods rolled in memory). */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedArgoCd, type SimulatedValues } from '#local/fakes/argocd-server';
import type { DeployTarget, RolloutExpectation, RolloutPhase, RolloutStatus } from '../ports.ts';
import { ArgoCdApplications, ArgoCdError, ArgoCdRollout, argoCdOptionsFromEnv, parseName, serviceImageTag, type ArgoCdOptions } from './argocd.ts';
import { checkTemplate } from './kubernetes-deployment.ts';

const TOKEN = 'argocd-token-for-the-simulator';
const IMAGE = 'registry.local-fake.test/core-service';
const git = new Map<string, SimulatedValues>();
const revision = (): string => randomBytes(20).toString('hex');

/** A commit to the GitOps repository: the environment's values change, at a new revision. */
function commit(service: string, environment: string, change: Omit<SimulatedValues, 'revision'>): string {
  const sha = revision();
  git.set(`${service}/${environment}`, { ...git.get(`${service}/${environment}`), ...change, revision: sha });
  return sha;
}

let sim: SimulatedArgoCd;
/** While set, the simulator's Git reads wait for it: its sync operation stays Running. */
let gate: Promise<void> | undefined;
let options: ArgoCdOptions;
const staging: DeployTarget = { service: 'core-service', environment: 'staging', cluster: 'local-staging', namespace: 'platform' };
const prod: DeployTarget = { service: 'core-service', environment: 'prod', cluster: 'local-prod', namespace: 'platform' };
const dev: DeployTarget = { service: 'core-service', environment: 'dev', cluster: 'local-dev', namespace: 'platform' };

beforeAll(async () => {
  for (const env of ['staging', 'prod', 'dev']) commit('core-service', env, { imageTag: 'v1.0.0', replicas: 3 });
  commit('billing-service', 'prod', { imageTag: 'v7.1.0', replicas: 2 });
  sim = await SimulatedArgoCd.start({
    token: TOKEN,
    podMs: 30,
    pollMs: 0,
    readValues: async (service, environment) => {
      await gate;
      return git.get(`${service}/${environment}`);
    },
    applications: [
      { service: 'core-service', environment: 'staging', namespace: 'platform' },
      { service: 'core-service', environment: 'prod', namespace: 'platform' },
      { service: 'core-service', environment: 'dev', namespace: 'platform' },
      // Made by hand, without Apollo's labels: discovery reads its name.
      { service: 'billing-service', environment: 'prod', namespace: 'payments', cluster: 'prod-eks', labels: {} },
    ],
  });
  options = { baseUrl: sim.url, token: () => Promise.resolve(TOKEN), tokenSource: 'the integration secret argocd_token', kind: 'SIMULATED Argo CD (local)' };
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await sim.idle();
});

/** Asks for the status until it leaves pending/progressing; answers every phase seen and the last status. */
async function follow(rollout: ArgoCdRollout, target: DeployTarget, expect: RolloutExpectation): Promise<{ phases: RolloutPhase[]; last: RolloutStatus }> {
  const phases: RolloutPhase[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await rollout.status(target, expect);
    if (phases.at(-1) !== status.phase) phases.push(status.phase);
    if (!['pending', 'progressing'].includes(status.phase) || Date.now() > deadline) return { phases, last: status };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ArgoCdRollout against the simulated Argo CD', () => {
  it('syncs a commit and follows it from progressing to healthy, with the new image on every pod', async () => {
    // Prepare
    const rollout = new ArgoCdRollout(options);
    const sha = commit('core-service', 'staging', { imageTag: 'v1.4.2' });
    const before = await rollout.status(staging, { revision: sha, imageTag: 'v1.4.2' });

    // Act
    await rollout.sync(staging, sha);
    const { phases, last } = await follow(rollout, staging, { revision: sha, imageTag: 'v1.4.2' });

    // Assess
    expect(before.phase).toBe('pending');
    expect(before.message).toMatch(/^Argo CD has not applied [0-9a-f]{7} to core-service-staging yet/);
    expect(phases).toContain('progressing');
    expect(phases.at(-1)).toBe('healthy');
    expect(last).toEqual({
      phase: 'healthy',
      message: `core-service-staging is Synced and Healthy at ${sha.slice(0, 7)} with ${IMAGE}:v1.4.2; 3 of 3 pods updated, 3 ready`,
      revision: sha,
      images: [`${IMAGE}:v1.4.2`],
      desiredReplicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
    });
    expect(sim.application('core-service-staging')!.pods.map((p) => [p.image, p.ready])).toEqual([[`${IMAGE}:v1.4.2`, true], [`${IMAGE}:v1.4.2`, true], [`${IMAGE}:v1.4.2`, true]]);
  });

  it('reports progress with pod counts while pods are replaced', async () => {
    // Prepare
    const rollout = new ArgoCdRollout(options);
    const sha = commit('core-service', 'staging', { imageTag: 'v1.4.3' });

    sim.podMs = 80;

    // Act
    await rollout.sync(staging, sha);
    const seen: RolloutStatus[] = [];
    try {
      for (let status = await rollout.status(staging, { revision: sha, imageTag: 'v1.4.3' }); status.phase !== 'healthy'; status = await rollout.status(staging, { revision: sha, imageTag: 'v1.4.3' })) {
        seen.push(status);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    } finally {
      sim.podMs = 30;
    }

    // Assess
    const progressing = seen.filter((s) => s.phase === 'progressing' && s.updatedReplicas !== undefined);
    expect(progressing.length).toBeGreaterThan(0);
    expect(progressing.some((s) => s.updatedReplicas! < 3)).toBe(true);
    for (const s of progressing) expect(s.message).toMatch(/\d of 3 pods updated, \d ready/);
    // Old and new images side by side mid-rollout, as Argo CD's summary lists them.
    expect(progressing.some((s) => s.images!.length === 2)).toBe(true);
  });

  it('reports degraded when the new pods never become ready (a rollout told to fail), the old pods still serving', async () => {
    // Prepare
    const rollout = new ArgoCdRollout(options);
    sim.failNext(1, { application: 'core-service-prod' });
    const sha = commit('core-service', 'prod', { imageTag: 'v2.0.0-broken' });

    // Act
    await rollout.sync(prod, sha);
    const { last } = await follow(rollout, prod, { revision: sha, imageTag: 'v2.0.0-broken' });

    // Assess
    expect(last.phase).toBe('degraded');
    // Argo CD's health, or the live Deployment read a moment later, says so.
    expect(last.message).toMatch(/^(Argo CD says core-service-prod is Degraded: Deployment "core-service" exceeded its progress deadline|core-service-prod is Progressing, but Deployment core-service exceeded its progress deadline)/);
    expect(last.revision).toBe(sha);
    expect(last.images).toEqual([`${IMAGE}:v1.0.0`, `${IMAGE}:v2.0.0-broken`]);
    expect(sim.application('core-service-prod')!.pods.filter((p) => p.ready).map((p) => p.image)).toEqual([`${IMAGE}:v1.0.0`, `${IMAGE}:v1.0.0`, `${IMAGE}:v1.0.0`]);

    // A fixed commit rolls over it.
    const fixed = commit('core-service', 'prod', { imageTag: 'v2.0.1' });
    await rollout.sync(prod, fixed);
    expect((await follow(rollout, prod, { revision: fixed, imageTag: 'v2.0.1' })).last.phase).toBe('healthy');
  });

  it('reports failed when the sync operation of the commit fails', async () => {
    // Prepare
    const rollout = new ArgoCdRollout(options);
    sim.failNext(1, { application: 'core-service-dev', what: 'sync' });
    const sha = commit('core-service', 'dev', { imageTag: 'v9.9.9' });

    // Act
    await rollout.sync(dev, sha);
    const { last } = await follow(rollout, dev, { revision: sha, imageTag: 'v9.9.9' });

    // Assess
    expect(last.phase).toBe('failed');
    expect(last.message).toMatch(new RegExp(`^Argo CD's sync of core-service-dev to ${sha.slice(0, 7)} ended Failed: one or more objects failed to apply`));
  });

  it('takes a sync while another operation runs as asked, not as an error', async () => {
    // Prepare
    const rollout = new ArgoCdRollout(options);
    const sha = commit('core-service', 'dev', { imageTag: 'v1.0.1' });

    let release = (): void => {};
    gate = new Promise((resolve) => { release = resolve; });
    const requests = sim.requests.length;

    // Act
    await rollout.sync(dev, sha);
    const again = rollout.sync(dev, sha);

    // Assess
    await expect(again).resolves.toBeUndefined();
    expect(sim.application('core-service-dev')!.operation!.phase).toBe('Running');
    expect(sim.requests.slice(requests)).toEqual(['POST /api/v1/applications/core-service-dev/sync', 'POST /api/v1/applications/core-service-dev/sync']);
    gate = undefined;
    release();
    expect((await follow(rollout, dev, { revision: sha, imageTag: 'v1.0.1' })).last.phase).toBe('healthy');
  });

  it('holds a scale to the replica count asked', async () => {
    // Prepare
    const rollout = new ArgoCdRollout(options);
    const sha = commit('core-service', 'dev', { replicas: 5 });

    // Act
    await rollout.sync(dev, sha);
    const { last } = await follow(rollout, dev, { revision: sha, replicas: 5 });

    // Assess
    expect(last).toMatchObject({ phase: 'healthy', desiredReplicas: 5, updatedReplicas: 5, readyReplicas: 5 });
  });

  it('restarts through the restart resource action and answers the time it set', async () => {
    // Prepare
    const rollout = new ArgoCdRollout(options);
    const head = git.get('core-service/staging')!.revision;
    const requests = sim.requests.length;

    // Act
    const { restartedAt } = await rollout.restart(staging, '01JDEPLOYMENT0000000000001');
    const { phases, last } = await follow(rollout, staging, { revision: head, restartedAt });

    // Assess
    expect(restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(sim.requests.slice(requests, requests + 2)).toEqual([
      'POST /api/v1/applications/core-service-staging/resource/actions/v2',
      'GET /api/v1/applications/core-service-staging/resource?namespace=platform&resourceName=core-service&version=v1&group=apps&kind=Deployment',
    ]);
    expect(phases).toContain('progressing');
    expect(last.phase).toBe('healthy');
    expect(sim.deploymentDoc(sim.application('core-service-staging')!)!.spec!.template!.metadata!.annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': restartedAt });
  });

  it('follows a restart with no revision to expect (a restart commits nothing), as the workflow asks', async () => {
    const rollout = new ArgoCdRollout(options);

    const { restartedAt } = await rollout.restart(dev, '01JDEPLOYMENT0000000000009');
    const { phases, last } = await follow(rollout, dev, { revision: '', restartedAt });

    expect(phases).toEqual(['progressing', 'healthy']);
    expect(last.message).toMatch(/^core-service-dev is Synced and Healthy at [0-9a-f]{7}; \d of \d pods updated, \d ready$/);
  });

  it('restarts through the deprecated action endpoint on an Argo CD without v2 (before 3.1)', async () => {
    // Prepare
    sim.resourceActionsV2 = false;
    const rollout = new ArgoCdRollout(options);
    const requests = sim.requests.length;

    try {
      // Act
      const first = await rollout.restart(prod, '01JDEPLOYMENT0000000000002');
      await sim.idle();
      const second = await rollout.restart(prod, '01JDEPLOYMENT0000000000003');

      // Assess
      expect(first.restartedAt).toMatch(/Z$/);
      expect(second.restartedAt).toMatch(/Z$/);
      expect(sim.requests.slice(requests).filter((r) => r.startsWith('POST'))).toEqual([
        'POST /api/v1/applications/core-service-prod/resource/actions/v2',
        'POST /api/v1/applications/core-service-prod/resource/actions?namespace=platform&resourceName=core-service&version=v1&group=apps&kind=Deployment',
        // Remembered: v2 is not asked again.
        'POST /api/v1/applications/core-service-prod/resource/actions?namespace=platform&resourceName=core-service&version=v1&group=apps&kind=Deployment',
      ]);
    } finally {
      sim.resourceActionsV2 = true;
    }
  });

  it('refuses with a non-retryable error naming Argo CD when the token is wrong (401)', async () => {
    // Prepare
    const rollout = new ArgoCdRollout({ ...options, token: 'not-the-token' });

    // Act
    const failure = await rollout.status(staging, { revision: 'abc' }).catch((e: unknown) => e);

    // Assess
    expect(failure).toBeInstanceOf(ArgoCdError);
    expect(failure).toMatchObject({ code: 'argocd-unauthorized', retryable: false, status: 401 });
    expect((failure as Error).message).toBe(`Argo CD at ${sim.url} refused the token (401: invalid session: token signature is invalid (SIMULATED Argo CD)) reading application core-service-staging: check the integration secret argocd_token (an expired, revoked or wrong token?)`);
  });

  it('says when there is no token at all, without calling Argo CD', async () => {
    const rollout = new ArgoCdRollout({ ...options, token: () => Promise.resolve(undefined) });

    await expect(rollout.sync(staging, 'abc')).rejects.toMatchObject({ code: 'argocd-not-configured', retryable: false, message: 'no Argo CD token: set the integration secret argocd_token to an Argo CD account\'s API token' });
  });

  it('refuses an application Argo CD does not know (403, as Argo CD hides whether it exists)', async () => {
    const rollout = new ArgoCdRollout(options);

    const failure = await rollout.status({ ...staging, service: 'ghost-service' }, { revision: 'abc' }).catch((e: unknown) => e);

    expect(failure).toMatchObject({ code: 'argocd-forbidden', retryable: false, status: 403 });
    expect((failure as Error).message).toContain('answered 403: permission denied reading application ghost-service-staging');
  });

  it('says a 5xx and an unreachable Argo CD are worth retrying', async () => {
    // Prepare
    sim.failNext(1, { what: 'api' });
    const port = await closedPort();

    // Act
    const unavailable = await new ArgoCdRollout(options).status(staging, { revision: 'abc' }).catch((e: unknown) => e);
    const unreachable = await new ArgoCdRollout({ ...options, baseUrl: `http://127.0.0.1:${port}` }).sync(staging, 'abc').catch((e: unknown) => e);

    // Assess
    expect(unavailable).toMatchObject({ code: 'argocd-unavailable', retryable: true, status: 503 });
    expect((unavailable as Error).message).toContain('answered 503');
    expect(unreachable).toMatchObject({ code: 'argocd-unavailable', retryable: true, message: `could not reach Argo CD at http://127.0.0.1:${port}: connection refused` });
  });

  it('says when the address answers something other than Argo CD (not JSON)', async () => {
    const rollout = new ArgoCdRollout({ ...options, fetch: () => Promise.resolve(new Response('<html>Sign in</html>', { status: 200, headers: { 'content-type': 'text/html' } })) });

    await expect(rollout.status(staging, { revision: 'abc' })).rejects.toMatchObject({ code: 'argocd-invalid-response', retryable: false });
  });
});

describe('ArgoCdApplications against the simulated Argo CD', () => {
  it('lists applications with their service and environment, from labels or else from the name', async () => {
    // Act
    const apps = await new ArgoCdApplications(options).listApplications();

    // Assess
    const billing = apps.find((a) => a.name === 'billing-service-prod');
    expect(billing).toEqual({
      name: 'billing-service-prod', service: 'billing-service', environment: 'prod', cluster: 'prod-eks', namespace: 'payments',
      imageTags: ['v7.1.0'], imageTag: 'v7.1.0', revision: git.get('billing-service/prod')!.revision, health: 'Healthy', sync: 'Synced',
    });
    expect(apps.map((a) => [a.name, a.service, a.environment]).sort()).toEqual([
      ['billing-service-prod', 'billing-service', 'prod'],
      ['core-service-dev', 'core-service', 'dev'],
      ['core-service-prod', 'core-service', 'prod'],
      ['core-service-staging', 'core-service', 'staging'],
    ]);
  });

  it("says which tag the service runs: its own image's, and none while two tags run (a rollout) or no image is tagged", () => {
    const own = 'registry.example/team/core-service';
    expect(serviceImageTag([`docker.io/istio/proxyv2:1.20.0`, `${own}:v1.4.2`], 'core-service')).toBe('v1.4.2');
    expect(serviceImageTag([`${own}:v1.4.2@sha256:${'a'.repeat(64)}`, `${own}:v1.4.2`], 'core-service')).toBe('v1.4.2');
    expect(serviceImageTag([`${own}:v1.4.1`, `${own}:v1.4.2`], 'core-service')).toBeUndefined();
    // Not named after the service: all of its images, when they agree.
    expect(serviceImageTag(['registry.example/app:v3', 'registry.example/worker:v3'], 'core-service')).toBe('v3');
    expect(serviceImageTag(['registry.example/app:v3', 'docker.io/istio/proxyv2:1.20.0'], 'core-service')).toBeUndefined();
    expect(serviceImageTag([own, 'localhost:5000/core-service'], 'core-service')).toBeUndefined();
    expect(serviceImageTag([], 'core-service')).toBeUndefined();
  });

  it('lists only what a label selector picks', async () => {
    const apps = await new ArgoCdApplications({ ...options, labelSelector: 'apollo.dev/environment=prod' }).listApplications();

    expect(apps.map((a) => a.name)).toEqual(['core-service-prod']);
  });
});

describe('Argo CD configuration and names', () => {
  it('reads the URL, the token secret and the templates from the environment', async () => {
    // Prepare
    const secrets = { kind: 'local secrets (in memory)', get: (name: string) => Promise.resolve(name === 'argo_ci' ? TOKEN : undefined) };

    // Act
    const none = argoCdOptionsFromEnv({}, secrets);
    const set = argoCdOptionsFromEnv({ APOLLO_ARGOCD_URL: sim.url, APOLLO_ARGOCD_TOKEN_SECRET: 'argo_ci', APOLLO_ARGOCD_APP: '{environment}-{service}', APOLLO_ARGOCD_SIMULATED: '1' }, secrets)!;
    const apps = await new ArgoCdApplications({ ...set, appNameTemplate: '{service}-{environment}' }).listApplications();

    // Assess
    expect(none).toBeUndefined();
    expect(set).toMatchObject({ baseUrl: sim.url, tokenSource: 'the integration secret argo_ci (local secrets (in memory))', appNameTemplate: '{environment}-{service}', deploymentNameTemplate: '{service}', kind: `SIMULATED Argo CD (local, ${sim.url})` });
    expect(new ArgoCdRollout(set).kind).toBe(`SIMULATED Argo CD (local, ${sim.url})`);
    expect(new ArgoCdRollout({ ...set, kind: undefined }).kind).toBe(`Argo CD ${sim.url}`);
    expect(apps).toHaveLength(4);
  });

  it('refuses a template with an unknown placeholder or without {service}, and a base URL that is not http(s)', () => {
    expect(() => checkTemplate('{service}-{env}', 'APOLLO_ARGOCD_APP')).toThrow("APOLLO_ARGOCD_APP '{service}-{env}' has unknown placeholder {env}: use {service}, {environment}, {cluster}, {namespace}");
    expect(() => checkTemplate('{environment}', 'APOLLO_ARGOCD_APP')).toThrow("APOLLO_ARGOCD_APP '{environment}' must contain {service}");
    expect(() => new ArgoCdRollout({ ...options, baseUrl: 'ftp://argocd' })).toThrow('APOLLO_ARGOCD_URL must be an http(s) URL, not ftp:');
    expect(() => new ArgoCdRollout({ ...options, baseUrl: 'argocd.corp' })).toThrow("APOLLO_ARGOCD_URL 'argocd.corp' is not a URL");
  });

  it('parses a name by its template, the service taking as much as it can', () => {
    expect(parseName('{service}-{environment}', 'core-service-prod')).toEqual({ service: 'core-service', environment: 'prod' });
    expect(parseName('{environment}.{service}', 'prod.core-service')).toEqual({ environment: 'prod', service: 'core-service' });
    expect(parseName('apps-{cluster}-{service}-{environment}', 'apps-eks1-web-dev')).toEqual({ cluster: 'eks1', service: 'web', environment: 'dev' });
    expect(parseName('{service}-{environment}', 'standalone')).toBeUndefined();
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
