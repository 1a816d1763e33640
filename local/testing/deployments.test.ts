/**
 * Deployments through the local runtime on the real ASL (state-machines/deployment.asl.json), with the
 * GitOps repository and the rollout as in-memory doubles of their ports (the GitHub, Argo CD and Kubernetes
 * adapters have their own tests against fakes of the real protocols; deployments-local.test.ts runs this
 * flow on those fakes): deploy, production approval approved / rejected / timed out, promote, one-click
 * rollback, scale, restart, cancel mid-rollout, a failed rollout, one deployment per environment at a time,
 * the permission the environment needs, Idempotency-Key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalList, Deployment, DeploymentList } from '#schemas/index.ts';
import { configureDeployments } from '../../functions/deployments/deps.ts';
import { createDeployment, newDeploymentId, type DeploymentRecord } from '../../functions/deployments/records.ts';
import { readApproval } from '../../functions/requests/approvals.ts';
import { MemoryGitOps, MemoryRollout } from './deployment-doubles.ts';
import { seedDemoData } from '../seed.ts';
import { setEnv, startHarness, until, type Harness } from './harness.ts';
import { deploymentApi } from './deployment-api.ts';

let h: Harness;
const git = new MemoryGitOps();
const rollout = new MemoryRollout(git);
let restoreEnv: (() => void) | undefined;
const ENV = { APOLLO_DEPLOY_POLL_SECONDS: '1', APOLLO_DEPLOY_ROLLOUT_TIMEOUT_SECONDS: '30' };

beforeAll(async () => {
  restoreEnv = setEnv(ENV);
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  configureDeployments({ gitops: git, rollout });
});
afterAll(async () => {
  await h?.close();
  restoreEnv?.();
});

const { api, get, reaches, tagOf, approveAs } = deploymentApi(() => h);

describe('deployments', () => {
  it('a developer deploys a new version to staging: one commit with who and why, the rollout followed, the catalog updated', async () => {
    const res = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v1.1.0', reason: 'ship the ledger fix', initiatedVia: 'ui' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ operation: 'deploy', service: 'core-service', environment: 'staging', imageTag: 'v1.1.0', previousImageTag: 'v1.0.4', initiatedVia: 'ui', approval: { required: false } });
    const done = await reaches(res.body.id, ['succeeded', 'failed']);
    expect(done.status, done.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
    const commit = git.commits.find((c) => c.message.includes(`Apollo-Deployment: ${done.id}`))!;
    expect(commit).toMatchObject({ path: 'apps/core-service/staging/values.yaml', branch: 'main', set: { imageTag: 'v1.1.0' } });
    expect(commit.message).toContain('ship the ledger fix');
    expect(done.gitCommit).toBe(commit.sha);
    expect(rollout.syncs).toContain(commit.sha);
    expect(done.rollout).toMatchObject({ phase: 'healthy', readyReplicas: 3 });
    expect(done.timeline.map((l) => l.stage)).toEqual(expect.arrayContaining(['validate', 'commit', 'sync', 'rollout', 'catalog']));
    expect(await tagOf('core-service', 'staging')).toBe('v1.1.0');
    const inbox = await api<{ items: Array<{ kind: string; link?: string }> }>('developer', 'GET', '/api/v1/me/notifications');
    expect(inbox.body.items).toContainEqual(expect.objectContaining({ kind: 'deployment.succeeded', link: `/deployments/${done.id}` }));
    const hist = await api<DeploymentList>('viewer', 'GET', '/api/v1/deployments/history?service=core-service&environment=staging');
    expect(hist.body.items[0]).toMatchObject({ id: done.id, status: 'succeeded' });
  }, 30_000);

  it('production needs deployments:create:prod: a developer is refused before anything starts', async () => {
    const res = await api<{ error: { message: string } }>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'prod', imageTag: 'v1.1.0' });
    expect(res.status).toBe(403);
    expect(git.pulls).toHaveLength(0);
  });

  it('an operator promotes staging to prod: a pull request waits for another operator or an admin, then merges and rolls out', async () => {
    const res = await api<Deployment>('operator', 'POST', '/api/v1/services/core-service/promote', { from: 'staging', to: 'prod', reason: 'release 42', acknowledge: ['dependencies'] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const waiting = await reaches(res.body.id, ['awaiting_approval']);
    expect(waiting).toMatchObject({ operation: 'promote', imageTag: 'v1.1.0', previousImageTag: 'v1.0.3', fromEnvironment: 'staging', approval: { required: true, status: 'pending' }, gitops: { pullRequest: { number: 1, state: 'open' } } });
    // The requester may not approve their own.
    const mine = await api<ApprovalList>('operator', 'GET', '/api/v1/approvals/pending');
    expect(mine.body.items.find((a) => a.deployment?.id === res.body.id)).toMatchObject({ canDecide: false, kind: 'deployment', deployment: { service: 'core-service', environment: 'prod', imageTag: 'v1.1.0' } });
    expect(await tagOf('core-service', 'prod')).toBe('v1.0.3');
    expect((await approveAs('admin', res.body.id)).status).toBe(200);
    const done = await reaches(res.body.id, ['succeeded', 'failed']);
    expect(done.status, done.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
    expect(done.approval).toMatchObject({ status: 'approved', decidedBy: ['admin@apollo.local'] });
    expect(done.gitops?.pullRequest?.state).toBe('merged');
    expect(await tagOf('core-service', 'prod')).toBe('v1.1.0');
    expect(done.canRollback).toBe(true);
  }, 30_000);

  it('one click rolls prod back to its last known good version, without an approval', async () => {
    const res = await api<Deployment>('operator', 'POST', '/api/v1/services/core-service/rollback', { environment: 'prod' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ operation: 'rollback', imageTag: 'v1.0.3', previousImageTag: 'v1.1.0', approval: { required: false } });
    const done = await reaches(res.body.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(await tagOf('core-service', 'prod')).toBe('v1.0.3');
  }, 30_000);

  it('a rejected approval closes the pull request and ends rejected with the reason', async () => {
    const res = await api<Deployment>('operator', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'prod', imageTag: 'v9.9.9' });
    await reaches(res.body.id, ['awaiting_approval']);
    const inbox = await api<ApprovalList>('admin', 'GET', '/api/v1/approvals/pending');
    const approval = inbox.body.items.find((a) => a.deployment?.id === res.body.id)!;
    expect((await api('admin', 'POST', `/api/v1/approvals/${approval.id}/reject`, { reason: 'not during the sale' })).status).toBe(200);
    const done = await reaches(res.body.id, ['rejected']);
    expect(done.error).toContain('not during the sale');
    expect(done.gitops?.pullRequest?.state).toBe('closed');
    expect(git.pulls.find((p) => p.id === res.body.id)?.state).toBe('closed');
    // Cancelling one that waits for approval closes its pull request and its approval.
    const waiting = await api<Deployment>('operator', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'prod', imageTag: 'v9.9.8' });
    await reaches(waiting.body.id, ['awaiting_approval']);
    expect((await api('operator', 'POST', `/api/v1/deployments/${waiting.body.id}/cancel`, { reason: 'not today' })).status).toBe(200);
    const cancelled = await reaches(waiting.body.id, ['cancelled']);
    expect(cancelled.approval?.status).toBe('cancelled');
    expect(await readApproval(cancelled.approval!.id!, true)).toMatchObject({ status: 'cancelled', endReason: 'the deployment was cancelled by operator@apollo.local: not today' });
    expect(cancelled.gitops?.pullRequest?.state).toBe('closed');
    expect((await api<ApprovalList>('admin', 'GET', '/api/v1/approvals/pending')).body.items.some((a) => a.deployment?.id === waiting.body.id)).toBe(false);
    expect(await tagOf('core-service', 'prod')).toBe('v1.0.3');
  }, 30_000);

  it('an approval nobody decides expires: the deployment ends expired and frees the environment', async () => {
    process.env.APOLLO_DEPLOY_APPROVAL_TIMEOUT_SECONDS = '2';
    try {
      const res = await api<Deployment>('operator', 'POST', '/api/v1/services/core-service/scale', { environment: 'prod', replicas: 7 });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const done = await reaches(res.body.id, ['expired']);
      expect(done.approval?.status).toBe('expired');
      expect(done.gitops?.pullRequest?.state).toBe('closed');
    } finally {
      delete process.env.APOLLO_DEPLOY_APPROVAL_TIMEOUT_SECONDS;
    }
  }, 30_000);

  it('cancel mid-rollout puts Git back and ends cancelled', async () => {
    rollout.hang = true;
    try {
      const res = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'dev', imageTag: 'v2.0.0' });
      await until(async () => (await get(res.body.id)).stage === 'rollout', 15_000);
      const cancelled = await api<Deployment>('developer', 'POST', `/api/v1/deployments/${res.body.id}/cancel`, { reason: 'wrong build' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelling');
      const done = await reaches(res.body.id, ['cancelled']);
      expect(done.gitops?.revertCommit).toBeDefined();
      expect((await git.read({ service: 'core-service', environment: 'dev', cluster: '', namespace: '' })).imageTag).toBe('v1.0.5');
      expect(await tagOf('core-service', 'dev')).toBe('v1.0.5');
    } finally {
      rollout.hang = false;
    }
  }, 30_000);

  it('a rollout that degrades fails the deployment with what the cluster said; the catalog is not changed', async () => {
    rollout.failNext = true;
    const res = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'dev', imageTag: 'v2.0.1' });
    const done = await reaches(res.body.id, ['failed']);
    expect(done.error).toContain('CrashLoopBackOff');
    expect(await tagOf('core-service', 'dev')).toBe('v1.0.5');
    // Git holds the failed tag, the catalog what ran well: the failed deployment offers a rollback, which goes
    // back to the catalog's tag (not to what the last success replaced).
    expect(done.canRollback).toBe(true);
    const back = await api<Deployment>('developer', 'POST', '/api/v1/services/core-service/rollback', { environment: 'dev' });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body).toMatchObject({ operation: 'rollback', imageTag: 'v1.0.5', previousImageTag: 'v2.0.1', rollbackOf: done.id });
    expect((await reaches(back.body.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect((await git.read({ service: 'core-service', environment: 'dev', cluster: '', namespace: '' })).imageTag).toBe('v1.0.5');
    expect((await get(done.id)).canRollback).toBe(false);
  }, 30_000);

  it('one deployment per environment at a time; the same tag again is refused; an Idempotency-Key gives one deployment', async () => {
    rollout.hang = true;
    try {
      const key = 'deploy-once-1';
      const first = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'dev', imageTag: 'v2.1.0' }, key);
      const again = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'dev', imageTag: 'v2.1.0' }, key);
      expect(first.status).toBe(201);
      expect(again.body.id).toBe(first.body.id);
      const other = await api<{ error: { message: string } }>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'dev', imageTag: 'v2.2.0' });
      expect(other.status).toBe(409);
      expect(other.body.error.message).toContain(first.body.id);
      const same = await api<{ error: { message: string } }>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v1.1.0' });
      expect(same.status).toBe(409);
      expect(same.body.error.message).toContain('runs v1.1.0 already');
      expect((await api('developer', 'POST', `/api/v1/deployments/${first.body.id}/cancel`, { reason: 'tidy up' })).status).toBe(200);
      await reaches(first.body.id, ['cancelled']);
    } finally {
      rollout.hang = false;
    }
  }, 30_000);

  it('restart asks the platform for a rolling restart and waits for it; scale commits the replica count', async () => {
    const restart = await api<Deployment>('developer', 'POST', '/api/v1/services/core-service/restart', { environment: 'staging', reason: 'rotated secret' });
    expect(restart.status, JSON.stringify(restart.body)).toBe(201);
    expect((await reaches(restart.body.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect(rollout.restarts.some((r) => r.endsWith(restart.body.id))).toBe(true);
    const scaled = await api<Deployment>('developer', 'POST', '/api/v1/services/core-service/scale', { environment: 'staging', replicas: 4 });
    const done = await reaches(scaled.body.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(git.commits.at(-1)).toMatchObject({ path: 'apps/core-service/staging/values.yaml', set: { replicas: 4 } });
  }, 30_000);

  it('bad input is a 400 with the field path; an unknown service a 404', async () => {
    const bad = await api<{ error: { details: Array<{ path: string }> } }>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: '-bad tag', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['/body/imageTag']));
    const unknown = await api('developer', 'POST', '/api/v1/deployments', { service: 'no-such-service', environment: 'staging', imageTag: 'v1' });
    expect(unknown.status).toBe(404);
  });

  it('history pages with a filter read a bounded number of times: a filter that matches nothing answers a short page and a cursor, not the whole partition', async () => {
    const at = Date.now() - 3_600_000;
    for (let i = 0; i < 60; i++) {
      const createdAt = new Date(at + i * 1000).toISOString();
      const record: DeploymentRecord = {
        id: newDeploymentId(), operation: 'deploy', service: 'history-probe', environment: i % 2 ? 'staging' : 'dev', imageTag: `v0.${i}`, previousImageTag: null,
        replicas: 2, previousReplicas: 2, fromEnvironment: null, status: 'succeeded', stage: 'done', initiatedBy: 'someone@apollo.local', initiatedByRole: 'developer',
        initiatedVia: 'api', reason: null, gitCommit: null, createdAt, updatedAt: createdAt, completedAt: createdAt, durationMs: 1, error: null,
        production: false, cluster: 'c', namespace: 'n', version: 1,
      };
      await createDeployment(record);
    }
    const none = await api<DeploymentList>('viewer', 'GET', '/api/v1/deployments/history?service=history-probe&initiatedBy=nobody&limit=5');
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);
    expect(none.body.nextCursor).not.toBeNull();
    const staging = await api<DeploymentList>('viewer', 'GET', '/api/v1/deployments/history?service=history-probe&environment=staging&limit=10');
    expect(staging.body.items).toHaveLength(10);
    expect(staging.body.items.every((d) => d.environment === 'staging')).toBe(true);
    expect(staging.body.items[0]!.imageTag).toBe('v0.59');
    const next = await api<DeploymentList>('viewer', 'GET', `/api/v1/deployments/history?service=history-probe&environment=staging&limit=10&cursor=${encodeURIComponent(staging.body.nextCursor!)}`);
    expect(next.body.items[0]!.imageTag).toBe('v0.39');
  });

  it('a locked environment refuses deploys and promotes with the reason, before (preflight) and after asking, and inside the workflow; rollback, scale and restart still run', async () => {
    // Lock staging (operators: deployments:policy).
    expect((await api('developer', 'PUT', '/api/v1/services/core-service/environments/staging/lock', { reason: 'database migration' })).status).toBe(403);
    const locked = await api<{ reason: string; blocks: string[] }>('operator', 'PUT', '/api/v1/services/core-service/environments/staging/lock', { reason: 'database migration' });
    expect(locked.status, JSON.stringify(locked.body)).toBe(200);
    expect(locked.body).toMatchObject({ reason: 'database migration', blocks: ['deploy', 'promote'] });
    expect((await api<{ items: Array<{ service: string; environment: string }> }>('viewer', 'GET', '/api/v1/deployments/locks')).body.items).toContainEqual(expect.objectContaining({ service: 'core-service', environment: 'staging' }));
    // Before pressing Deploy.
    const pre = await api<{ allowed: boolean; checks: Array<{ safeguard: string; outcome: string; reason: string }> }>('developer', 'POST', '/api/v1/deployments/preflight', { operation: 'deploy', service: 'core-service', environment: 'staging', imageTag: 'v3.0.0' });
    expect(pre.status).toBe(200);
    expect(pre.body.allowed).toBe(false);
    expect(pre.body.checks.find((c) => c.safeguard === 'lock')).toMatchObject({ outcome: 'block', reason: expect.stringContaining('database migration') });
    const restartPre = await api<{ allowed: boolean }>('developer', 'POST', '/api/v1/deployments/preflight', { operation: 'restart', service: 'core-service', environment: 'staging' });
    expect(restartPre.body.allowed).toBe(true);
    // After pressing it.
    const refused = await api<{ error: { message: string; details: Array<{ path: string }> } }>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v3.0.0' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('locked by operator@apollo.local: database migration');
    expect(refused.body.error.details[0]!.path).toBe('/body/environment');
    // Restart is how trouble ends: it runs.
    const restart = await api<Deployment>('developer', 'POST', '/api/v1/services/core-service/restart', { environment: 'staging' });
    expect(restart.status).toBe(201);
    expect((await reaches(restart.body.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    // Unlocked, it deploys again; unlocking twice is a 404.
    expect((await api('operator', 'DELETE', '/api/v1/services/core-service/environments/staging/lock')).status).toBe(204);
    expect((await api('operator', 'DELETE', '/api/v1/services/core-service/environments/staging/lock')).status).toBe(404);
    expect((await api<{ allowed: boolean }>('developer', 'POST', '/api/v1/deployments/preflight', { operation: 'deploy', service: 'core-service', environment: 'staging', imageTag: 'v3.0.0' })).body.allowed).toBe(true);
  }, 30_000);

  it('a lock placed while a production deployment waits for approval refuses it in the workflow: refused with the reason, its pull request closed', async () => {
    const res = await api<Deployment>('operator', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'prod', imageTag: 'v3.1.0' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await reaches(res.body.id, ['awaiting_approval']);
    expect((await api('admin', 'PUT', '/api/v1/services/core-service/environments/prod/lock', { reason: 'incident drill' })).status).toBe(200);
    expect((await approveAs('admin', res.body.id)).status).toBe(200);
    const done = await reaches(res.body.id, ['refused', 'succeeded', 'failed']);
    expect(done.status, done.timeline.map((l) => l.message).join(' | ')).toBe('refused');
    expect(done.error).toContain('incident drill');
    expect(done.gitops?.pullRequest?.state).toBe('closed');
    expect(await tagOf('core-service', 'prod')).not.toBe('v3.1.0');
    expect((await api('admin', 'DELETE', '/api/v1/services/core-service/environments/prod/lock')).status).toBe(204);
  }, 30_000);
});
