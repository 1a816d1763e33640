/**
 * Issue 15's safeguards and canary analysis through the local runtime on the real ASL, with the GitOps
 * repository, the rollout and the metrics as in-memory doubles of their ports: freezes and their exception
 * (an admin's approval), deployment windows (refused, queued until open, an admin's override), dependency
 * checks (warn; production blocks unless acknowledged), and canary analysis (a failure rolls back with its
 * numbers on the record; pause for a human; a fast rollback skips it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalList, Deployment, DeploymentPreflightResult } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import { configureDeployments } from '../../functions/deployments/deps.ts';
import { claimEnvironment, createDeployment, newDeploymentId, type DeploymentRecord } from '../../functions/deployments/records.ts';
import { runStep } from '../../functions/deployments/step-runner.ts';
import type { MetricsPort, MetricsQuery, VersionMetrics } from '../../functions/deployments/metrics.ts';
import { WEEKDAYS } from '../../functions/deployments/window-time.ts';
import { setEnvironmentHealth } from '../../functions/services/service-health.ts';
import { MemoryGitOps, MemoryRollout } from './deployment-doubles.ts';
import { seedDemoData } from '../seed.ts';
import { setEnv, startHarness, until, type Harness } from './harness.ts';
import { deploymentApi } from './deployment-api.ts';

/** Metrics by version: healthy unless a version is told otherwise. */
class MemoryMetrics implements MetricsPort {
  readonly kind = 'in-memory metrics (test double)';
  readonly byVersion = new Map<string, VersionMetrics>();
  readonly queries: MetricsQuery[] = [];
  async sample(q: MetricsQuery): Promise<VersionMetrics> {
    this.queries.push(q);
    return this.byVersion.get(`${q.service}/${q.version}`) ?? { requests: 600, errorRate: 0.002, p99Ms: 120 };
  }
}

let h: Harness;
const git = new MemoryGitOps();
const rollout = new MemoryRollout(git);
const metrics = new MemoryMetrics();
let restoreEnv: (() => void) | undefined;
const ENV = { APOLLO_DEPLOY_POLL_SECONDS: '1', APOLLO_DEPLOY_ROLLOUT_TIMEOUT_SECONDS: '30', APOLLO_CANARY_INTERVAL_S: '1', APOLLO_CANARY_ITERATIONS: '3', APOLLO_CANARY_THRESHOLD: '2' };

beforeAll(async () => {
  restoreEnv = setEnv(ENV);
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  configureDeployments({ gitops: git, rollout, metrics });
});
afterAll(async () => {
  await h?.close();
  restoreEnv?.();
});

type Err = { error: { message: string; details: Array<{ path: string; message: string }> } };
const { api, get, reaches, tagOf, approveAs } = deploymentApi(() => h);
const preflight = async (role: Role, body: Record<string, unknown>) => (await api<DeploymentPreflightResult>(role, 'POST', '/api/v1/deployments/preflight', { operation: 'deploy', ...body })).body;
const check = (r: DeploymentPreflightResult, safeguard: string) => r.checks.find((c) => c.safeguard === safeguard);
describe('safeguards', () => {
  it('a freeze refuses deploys before and after asking; an exception with a reason waits for an admin; rollback still runs; ending it lets deploys through', async () => {
    expect((await api('operator', 'POST', '/api/v1/deployments/freezes', { reason: 'year end', endsAt: new Date(Date.now() + 3_600_000).toISOString() })).status).toBe(403);
    const bad = await api<Err>('admin', 'POST', '/api/v1/deployments/freezes', { scope: 'team', reason: 'year end', endsAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe('/body/team');
    const freeze = await api<{ id: string; state: string }>('admin', 'POST', '/api/v1/deployments/freezes', { scope: 'team', team: 'platform', environments: ['staging'], reason: 'year-end freeze', endsAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(freeze.status, JSON.stringify(freeze.body)).toBe(201);
    expect(freeze.body.state).toBe('active');

    const pre = await preflight('developer', { service: 'core-service', environment: 'staging', imageTag: 'v4.0.0' });
    expect(pre.allowed).toBe(false);
    expect(check(pre, 'freeze')).toMatchObject({ outcome: 'block', override: 'approval', reason: expect.stringContaining('year-end freeze') });
    // Another team's service and another environment are not frozen.
    expect(check(await preflight('developer', { service: 'notification-service', environment: 'staging', imageTag: 'v4.0.0' }), 'freeze')?.outcome).toBe('pass');
    expect(check(await preflight('developer', { service: 'core-service', environment: 'dev', imageTag: 'v4.0.0' }), 'freeze')?.outcome).toBe('pass');

    const refused = await api<Err>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v4.0.0' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('year-end freeze');
    expect(refused.body.error.details).toContainEqual(expect.objectContaining({ path: '/body/override' }));

    // The exception: asked with a reason, approved by an admin (an operator may not).
    const asked = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v4.0.0', override: { reason: 'security fix CVE-2026-1' } });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body.safeguards?.override).toMatchObject({ reason: 'security fix CVE-2026-1', safeguards: ['freeze'] });
    await reaches(asked.body.id, ['awaiting_approval']);
    const operatorInbox = await api<ApprovalList>('operator', 'GET', '/api/v1/approvals/pending');
    const pending = operatorInbox.body.items.find((a) => a.deployment?.id === asked.body.id);
    if (pending) expect((await api('operator', 'POST', `/api/v1/approvals/${pending.id}/approve`, {})).status).toBe(403);
    expect((await approveAs('admin', asked.body.id)).status).toBe(200);
    const done = await reaches(asked.body.id, ['succeeded', 'failed', 'refused']);
    expect(done.status, done.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
    expect(done.safeguards?.checks?.find((c) => c.safeguard === 'freeze')).toMatchObject({ outcome: 'pass', overridden: expect.stringContaining('exception approved') });

    // Rollback runs through a freeze.
    const back = await api<Deployment>('developer', 'POST', '/api/v1/services/core-service/rollback', { environment: 'staging' });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect((await reaches(back.body.id, ['succeeded', 'failed'])).status).toBe('succeeded');

    // Ended: kept on the list as ended, and deploys pass.
    const ended = await api<{ state: string; endedBy: string }>('admin', 'DELETE', `/api/v1/deployments/freezes/${freeze.body.id}`);
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ state: 'ended', endedBy: 'admin@apollo.local' });
    expect((await api('admin', 'DELETE', `/api/v1/deployments/freezes/${freeze.body.id}`)).status).toBe(409);
    const list = await api<{ items: Array<{ id: string; state: string }> }>('viewer', 'GET', '/api/v1/deployments/freezes');
    expect(list.body.items).toContainEqual(expect.objectContaining({ id: freeze.body.id, state: 'ended' }));
    expect(check(await preflight('developer', { service: 'core-service', environment: 'staging', imageTag: 'v4.0.1' }), 'freeze')?.outcome).toBe('pass');
  }, 60_000);

  it('outside a deployment window a deploy is refused, or queued until the window opens; an admin may override with a reason; restart runs at any time', async () => {
    // A window on a day that is not today (UTC): closed now, opening within the week.
    const today = new Date().getUTCDay();
    const other = WEEKDAYS[(today + 2) % 7]!;
    expect((await api('operator', 'PUT', '/api/v1/deployments/windows/dev', { timezone: 'UTC', slots: [{ days: [other], start: '09:00', end: '17:00' }] })).status).toBe(403);
    const badZone = await api<Err>('admin', 'PUT', '/api/v1/deployments/windows/dev', { timezone: 'Mars/Olympus', slots: [{ days: [other], start: '09:00', end: '17:00' }] });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.details[0]!.path).toBe('/body/timezone');
    const window = await api<{ open: boolean; opensAt: string; summary: string }>('admin', 'PUT', '/api/v1/deployments/windows/dev', { timezone: 'UTC', slots: [{ days: [other], start: '09:00', end: '17:00' }] });
    expect(window.status, JSON.stringify(window.body)).toBe(200);
    expect(window.body.open).toBe(false);
    expect(new Date(window.body.opensAt).getUTCDay()).toBe((today + 2) % 7);
    expect(new Date(window.body.opensAt).getUTCHours()).toBe(9);

    const pre = await preflight('developer', { service: 'billing-service', environment: 'dev', imageTag: 'v5.0.0' });
    expect(check(pre, 'window')).toMatchObject({ outcome: 'block', override: 'queue', opensAt: window.body.opensAt });
    expect(check(await preflight('developer', { service: 'billing-service', environment: 'dev', imageTag: 'v5.0.0', outsideWindow: 'queue' }), 'window')).toMatchObject({ outcome: 'warn', overridden: `queued until ${window.body.opensAt}` });
    const refused = await api<Err>('developer', 'POST', '/api/v1/deployments', { service: 'billing-service', environment: 'dev', imageTag: 'v5.0.0' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('outside the deployment window');
    // Only an admin overrides a window.
    const notAdmin = await api<Err>('operator', 'POST', '/api/v1/deployments', { service: 'billing-service', environment: 'dev', imageTag: 'v5.0.0', override: { reason: 'hotfix' } });
    expect(notAdmin.status).toBe(409);
    expect(notAdmin.body.error.message).toContain('only an admin may override');
    // Restart runs outside the window.
    const restart = await api<Deployment>('developer', 'POST', '/api/v1/services/billing-service/restart', { environment: 'dev' });
    expect(restart.status, JSON.stringify(restart.body)).toBe(201);
    expect((await reaches(restart.body.id, ['succeeded', 'failed'])).status).toBe('succeeded');

    // Queued: it waits, then runs once the window is open (here: the window changed to one open now).
    const queued = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'billing-service', environment: 'dev', imageTag: 'v5.0.0', outsideWindow: 'queue' });
    expect(queued.status, JSON.stringify(queued.body)).toBe(201);
    const waiting = await reaches(queued.body.id, ['queued']);
    expect(waiting).toMatchObject({ stage: 'window', safeguards: { queuedUntil: window.body.opensAt, outsideWindow: 'queue' } });
    expect(waiting.timeline.some((l) => l.message.includes(`it runs at ${window.body.opensAt}`))).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await get(queued.body.id)).status).toBe('queued');
    expect(await tagOf('billing-service', 'dev')).not.toBe('v5.0.0');
    expect((await api('admin', 'PUT', '/api/v1/deployments/windows/dev', { timezone: 'UTC', slots: [{ days: [...WEEKDAYS], start: '00:00', end: '24:00' }] })).status).toBe(200);
    const ran = await reaches(queued.body.id, ['succeeded', 'failed', 'refused'], 30_000);
    expect(ran.status, ran.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
    expect(ran.timeline.some((l) => l.message.startsWith('the window opened'))).toBe(true);
    expect(await tagOf('billing-service', 'dev')).toBe('v5.0.0');

    // An admin's override with a reason runs outside the window, the reason on the record.
    expect((await api('admin', 'PUT', '/api/v1/deployments/windows/dev', { timezone: 'UTC', slots: [{ days: [other], start: '09:00', end: '17:00' }] })).status).toBe(200);
    const overridden = await api<Deployment>('admin', 'POST', '/api/v1/deployments', { service: 'billing-service', environment: 'dev', imageTag: 'v5.0.1', override: { reason: 'payment outage hotfix' } });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(201);
    expect(overridden.body.safeguards?.override).toMatchObject({ reason: 'payment outage hotfix', by: 'admin@apollo.local', safeguards: ['window'] });
    expect((await reaches(overridden.body.id, ['succeeded', 'failed', 'refused'])).status).toBe('succeeded');
    // A queued one can be cancelled while it waits.
    const cancelMe = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'billing-service', environment: 'dev', imageTag: 'v5.0.2', outsideWindow: 'queue' });
    await reaches(cancelMe.body.id, ['queued']);
    expect((await api('developer', 'POST', `/api/v1/deployments/${cancelMe.body.id}/cancel`, { reason: 'not today' })).status).toBe(200);
    expect((await reaches(cancelMe.body.id, ['cancelled', 'succeeded'])).status).toBe('cancelled');
    expect((await api('admin', 'DELETE', '/api/v1/deployments/windows/dev')).status).toBe(204);
    expect((await api('admin', 'DELETE', '/api/v1/deployments/windows/dev')).status).toBe(404);
  }, 90_000);

  it('dependency checks: a runtime dependency down warns outside production; in production an older dependency than the version was verified with blocks unless acknowledged', async () => {
    // notification-service depends on core-service at runtime. Down in dev: a warning there.
    await setEnvironmentHealth('core-service', 'dev', { status: 'down', reason: 'connection refused' });
    const dev = await preflight('developer', { service: 'notification-service', environment: 'dev', imageTag: 'v6.0.0' });
    expect(check(dev, 'dependencies')).toMatchObject({ outcome: 'warn', reason: expect.stringContaining('core-service is down in dev (connection refused)') });
    expect(dev.allowed).toBe(true);
    await setEnvironmentHealth('core-service', 'dev', { status: 'healthy' });

    // v6.0.0 succeeds in staging with core-service at staging's version; prod runs an older core-service.
    const staging = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'notification-service', environment: 'staging', imageTag: 'v6.0.0' });
    const verified = await reaches(staging.body.id, ['succeeded', 'failed']);
    expect(verified.status, verified.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
    const coreStaging = await tagOf('core-service', 'staging');
    const coreProd = await tagOf('core-service', 'prod');
    expect(verified.verifiedWith).toMatchObject({ 'core-service': coreStaging });
    const pre = await preflight('operator', { operation: 'promote', service: 'notification-service', environment: 'prod', imageTag: 'v6.0.0' });
    expect(check(pre, 'dependencies')).toMatchObject({ outcome: 'block', override: 'acknowledge', reason: expect.stringContaining(`core-service runs ${coreProd} in prod, older than ${coreStaging}, which v6.0.0 was verified with in staging`) });
    const refused = await api<Err>('operator', 'POST', '/api/v1/services/notification-service/promote', { from: 'staging', to: 'prod' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toContainEqual(expect.objectContaining({ path: '/body/acknowledge' }));
    const acknowledged = await api<Deployment>('operator', 'POST', '/api/v1/services/notification-service/promote', { from: 'staging', to: 'prod', acknowledge: ['dependencies'] });
    expect(acknowledged.status, JSON.stringify(acknowledged.body)).toBe(201);
    expect(acknowledged.body.safeguards?.acknowledged).toEqual(['dependencies']);
    expect((await api('operator', 'POST', `/api/v1/deployments/${acknowledged.body.id}/cancel`, { reason: 'checked, later' })).status).toBe(200);
    await reaches(acknowledged.body.id, ['cancelled']);
  }, 60_000);
});

describe('canary analysis', () => {
  it('a new version whose error rate is past the limit is rolled back with the numbers on the record; the rollback is fast and the catalog keeps the old version', async () => {
    const before = await tagOf('search-service', 'staging');
    metrics.byVersion.set('search-service/v7.0.0', { requests: 500, errorRate: 0.12, p99Ms: 140 });
    const res = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'search-service', environment: 'staging', imageTag: 'v7.0.0' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const done = await reaches(res.body.id, ['rolled_back', 'succeeded', 'failed']);
    expect(done.status, done.timeline.map((l) => l.message).join(' | ')).toBe('rolled_back');
    // Baseline 0.2 % → limit max(1 %, 0.25 %) = 1 %; two checks at 12 % fail: the threshold (2) is reached.
    expect(done.canary).toMatchObject({ status: 'failed', failedChecks: 2, baseline: { errorRate: 0.002, p99Ms: 120, version: before }, decision: { outcome: 'rolled_back' } });
    expect(done.canary?.checks.map((c) => c.errorRate)).toEqual([0.12, 0.12]);
    expect(done.error).toContain('error rate up to 12.0 % (limit 1.00 %, baseline 0.20 %)');
    // The rollback is asked for right after the record says rolled_back.
    await until(async () => Boolean((await get(res.body.id)).canary?.rollbackDeploymentId), 10_000);
    const rollbackId = (await get(res.body.id)).canary?.rollbackDeploymentId;
    const back = await reaches(rollbackId!, ['succeeded', 'failed']);
    expect(back).toMatchObject({ status: 'succeeded', operation: 'rollback', imageTag: before, rollbackOf: res.body.id, fast: true, canary: { status: 'skipped' } });
    expect(await tagOf('search-service', 'staging')).toBe(before);
    // The analysis read the new version over its intervals and the old one before the deployment.
    expect(metrics.queries.some((q) => q.service === 'search-service' && q.version === before && q.to.getTime() <= Date.parse(done.createdAt) + 5000)).toBe(true);
  }, 60_000);

  it('a healthy canary passes after its checks and the catalog shows the version; a fast rollback skips analysis', async () => {
    const res = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'search-service', environment: 'staging', imageTag: 'v7.1.0' });
    const done = await reaches(res.body.id, ['rolled_back', 'succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.canary).toMatchObject({ status: 'passed', failedChecks: 0, decision: { outcome: 'promoted' } });
    expect(done.canary?.checks).toHaveLength(3);
    expect(done.timeline.some((l) => l.stage === 'analysis' && l.message.startsWith('check 3/3'))).toBe(true);
    const fast = await api<Deployment>('developer', 'POST', '/api/v1/services/search-service/rollback', { environment: 'staging', fast: true, reason: 'incident' });
    const back = await reaches(fast.body.id, ['succeeded', 'failed']);
    expect(back.canary).toMatchObject({ status: 'skipped', skipped: expect.stringContaining('fast rollback') });
  }, 60_000);

  it('a service that pauses failed canaries waits for a human: roll back or promote anyway, by someone allowed', async () => {
    expect((await api('developer', 'PUT', '/api/v1/services/reporting-worker/canary', { onFailure: 'pause' })).status).toBe(403);
    const settings = await api<{ config: { onFailure: string; threshold: number }; overrides: unknown }>('operator', 'PUT', '/api/v1/services/reporting-worker/canary', { onFailure: 'pause', maxP99Ms: 800 });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    expect(settings.body).toMatchObject({ config: { onFailure: 'pause', threshold: 2, maxP99Ms: 800 }, overrides: { onFailure: 'pause', maxP99Ms: 800 } });

    metrics.byVersion.set('reporting-worker/v8.0.0', { requests: 300, errorRate: 0.001, p99Ms: 2400 });
    const res = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'reporting-worker', environment: 'staging', imageTag: 'v8.0.0' });
    const paused = await reaches(res.body.id, ['paused', 'succeeded', 'rolled_back', 'failed']);
    expect(paused.status, paused.timeline.map((l) => l.message).join(' | ')).toBe('paused');
    expect(paused.canary?.decision).toMatchObject({ outcome: 'paused', reason: expect.stringContaining('p99 up to 2400 ms (limit 800 ms') });
    // Someone else's deployment needs the environment's deploy permission: a viewer may not.
    expect((await api('viewer', 'POST', `/api/v1/deployments/${res.body.id}/canary`, { decision: 'rollback', reason: 'too slow' })).status).toBe(403);
    const decided = await api<Deployment>('developer', 'POST', `/api/v1/deployments/${res.body.id}/canary`, { decision: 'rollback', reason: 'too slow' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const done = await reaches(res.body.id, ['rolled_back', 'succeeded']);
    expect(done.canary?.decision).toMatchObject({ outcome: 'rolled_back', by: 'developer@apollo.local' });
    await until(async () => Boolean((await get(res.body.id)).canary?.rollbackDeploymentId), 10_000);
    await reaches((await get(res.body.id)).canary!.rollbackDeploymentId!, ['succeeded']);
    expect((await api('developer', 'POST', `/api/v1/deployments/${res.body.id}/canary`, { decision: 'promote', reason: 'changed my mind' })).status).toBe(409);

    // Promote anyway: it finishes and the catalog shows it.
    metrics.byVersion.set('reporting-worker/v8.0.1', { requests: 300, errorRate: 0.001, p99Ms: 2400 });
    const again = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'reporting-worker', environment: 'staging', imageTag: 'v8.0.1' });
    await reaches(again.body.id, ['paused']);
    expect((await api('developer', 'POST', `/api/v1/deployments/${again.body.id}/canary`, { decision: 'promote', reason: 'batch load, not the version' })).status).toBe(200);
    const promoted = await reaches(again.body.id, ['succeeded', 'rolled_back']);
    expect(promoted.status).toBe('succeeded');
    expect(promoted.canary).toMatchObject({ status: 'passed', decision: { outcome: 'promoted', by: 'developer@apollo.local' } });
    expect(await tagOf('reporting-worker', 'staging')).toBe('v8.0.1');
    expect((await api('operator', 'DELETE', '/api/v1/services/reporting-worker/canary')).status).toBe(204);
  }, 90_000);
});

it('an execution that ended without its steps saying so (stopped, timed out) leaves no deployment under way: it ends failed, saying so, and frees the environment', async () => {
  const createdAt = new Date().toISOString();
  const record: DeploymentRecord = {
    id: newDeploymentId(), operation: 'deploy', service: 'recommendations', environment: 'staging', imageTag: 'v9.9.9', previousImageTag: 'v1.0.0',
    replicas: 1, previousReplicas: 1, fromEnvironment: null, status: 'queued', stage: 'window', initiatedBy: 'developer@apollo.local', initiatedByRole: 'developer',
    initiatedVia: 'api', reason: null, gitCommit: null, createdAt, updatedAt: createdAt, completedAt: null, durationMs: null, error: null,
    production: false, cluster: 'c', namespace: 'n', version: 1,
  };
  await claimEnvironment(record.service, record.environment, record.id);
  await createDeployment(record);
  await runStep({ step: 'execution-ended', execution: record.id, status: 'ABORTED' } as never);
  const ended = await get(record.id);
  expect(ended).toMatchObject({ status: 'failed', error: expect.stringContaining('ended ABORTED at window') });
  // The environment is free again; a second report changes nothing.
  expect(check(await preflight('developer', { service: 'recommendations', environment: 'staging', imageTag: 'v9.9.8' }), 'running')?.outcome).toBe('pass');
  await runStep({ step: 'execution-ended', execution: record.id, status: 'ABORTED' } as never);
  expect((await get(record.id)).timeline.filter((l) => l.message.includes('ended ABORTED'))).toHaveLength(1);
});

it('the preflight of a promote checks the version its source runs (named, or the environment before the target)', async () => {
  const pre = await preflight('operator', { operation: 'promote', service: 'core-service', environment: 'prod' });
  const named = await preflight('operator', { operation: 'promote', service: 'core-service', environment: 'prod', from: 'staging' });
  expect(check(pre, 'environment')?.outcome).toBe('pass');
  expect(check(pre, 'dependencies')).toEqual(check(named, 'dependencies'));
});
