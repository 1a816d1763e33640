/**
 * Code changes over signed HTTP through the local runtime and its fake GitHub: a developer of the
 * owning team opens a pull request on core-service's repository raising HikariCP's pool (10 → 15, the
 * demo's AI transcript), with Apollo's GitHub credentials; the branch holds the new file, the audit log
 * the call; a retry with the same Idempotency-Key answers the same pull request; who may not, and the
 * requests GitHub or the body rule out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList, ServiceChange } from '#schemas/index.ts';
import { changeDeps, configureChanges } from '../../functions/services/change-deps.ts';
import { openServiceChange } from '../../functions/services/changes.ts';
import { requireService } from '../../functions/services/services.ts';
import { DEMO_CORE_SERVICE_APPLICATION_YML } from '../fakes/demo-github.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
const CHANGES = '/api/v1/services/core-service/changes';
const APPLICATION_YML = 'src/main/resources/application.yml';
const RAISED = DEMO_CORE_SERVICE_APPLICATION_YML.replace('maximum-pool-size: ${HIKARI_MAX_POOL:10}', 'maximum-pool-size: ${HIKARI_MAX_POOL:15}');
const fake = () => h.runtime.github!.fake;
const errorOf = (body: unknown) => (body as { error: { code: string; message: string; details: Array<{ path: string; message: string }> } }).error;

beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  // core-service belongs to platform; the local developer is in payments: they join platform here.
  expect((await h.client('admin').send('PUT', '/api/v1/teams/platform/members/developer@apollo.local', { body: {} })).status).toBe(201);
});
afterAll(async () => { await h.close(); });

describe('POST /api/v1/services/{id}/changes', () => {
  let opened: ServiceChange;

  it('opens a pull request on the service\'s repository: one commit on a new branch with the file\'s new content', async () => {
    // Prepare
    expect(RAISED).not.toBe(DEMO_CORE_SERVICE_APPLICATION_YML);
    expect(fake().fileAt('core-service', APPLICATION_YML)).toBe(DEMO_CORE_SERVICE_APPLICATION_YML);
    const pullsBefore = fake().pullRequests('core-service').length;

    // Act
    const res = await h.client('developer').send('POST', CHANGES, {
      idempotencyKey: 'change-pool-size-0001',
      body: {
        title: 'fix(core): increase HikariCP pool size to 15',
        description: 'Connection pool exhaustion in prod: 10 of 10 connections busy.',
        files: [{ path: APPLICATION_YML, content: RAISED }],
      },
    });

    // Assess: the answer
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    opened = res.body as ServiceChange;
    const pr = fake().pullRequests('core-service').at(-1)!;
    expect(opened).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      service: 'core-service',
      repository: 'apollo-demo/core-service',
      branch: `apollo/change-${opened.id.slice(-8).toLowerCase()}`,
      baseBranch: 'main',
      pullRequest: { number: pr.number, url: `${fake().url}/apollo-demo/core-service/pull/${pr.number}`, state: 'open' },
      commit: fake().branchHead('core-service', opened.branch),
      files: [{ path: APPLICATION_YML, action: 'updated' }],
      createdBy: 'developer@apollo.local',
      createdAt: expect.any(String),
      source: 'user',
    });
    // Assess: GitHub's side
    expect(fake().pullRequests('core-service')).toHaveLength(pullsBefore + 1);
    expect(pr).toMatchObject({ title: 'fix(core): increase HikariCP pool size to 15', state: 'open', head: { ref: opened.branch, sha: opened.commit }, base: { ref: 'main' } });
    expect(pr.body).toBe(`Connection pool exhaustion in prod: 10 of 10 connections busy.\n\n---\n\nOpened through Apollo by developer@apollo.local. Apollo change ${opened.id}.`);
    expect(fake().fileAt('core-service', APPLICATION_YML, opened.branch)).toBe(RAISED);
    expect(fake().fileAt('core-service', APPLICATION_YML)).toBe(DEMO_CORE_SERVICE_APPLICATION_YML);
    const [commit, parent] = fake().commitLog('core-service', opened.branch);
    expect(commit).toMatchObject({ sha: opened.commit, message: `fix(core): increase HikariCP pool size to 15\n\nApollo-Change: ${opened.id}`, parents: [fake().headOf('core-service')] });
    expect(parent!.sha).toBe(fake().headOf('core-service'));
  });

  it('records the call in the audit log, on the service', async () => {
    const audit = (await h.client('admin').call<AuditList>('GET', '/api/v1/audit', { query: { resourceId: 'core-service', resourceType: 'service' } })).body;
    const entries = audit.items.filter((e) => e.action === 'services.changes.create');
    expect(entries.map((e) => [e.actor, e.actorType, e.outcome, e.statusCode])).toEqual([['developer@apollo.local', 'user', 'succeeded', 201]]);
    expect(entries[0]!.details).toMatchObject({ id: 'core-service', body: { title: 'fix(core): increase HikariCP pool size to 15', files: [{ path: APPLICATION_YML }] } });
  });

  it('answers a retry with the same Idempotency-Key with the same pull request, and opens no other', async () => {
    // Prepare
    const pulls = fake().pullRequests('core-service').length;
    const body = { title: 'fix(core): increase HikariCP pool size to 15', description: 'Connection pool exhaustion in prod: 10 of 10 connections busy.', files: [{ path: APPLICATION_YML, content: RAISED }] };

    // Act: over HTTP (the idempotency middleware's replay), then past it (the change's own record of the key)
    const retried = await h.client('developer').send('POST', CHANGES, { idempotencyKey: 'change-pool-size-0001', body });
    const recorded = await openServiceChange(await requireService('core-service'), body as never, { principal: 'developer@apollo.local', source: 'user' }, { idempotencyKey: 'change-pool-size-0001' });
    const otherCaller = h.client('admin').send('POST', CHANGES, { idempotencyKey: 'change-pool-size-0001', body });

    // Assess
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(opened);
    expect(recorded).toEqual({ change: opened, replayed: true });
    expect(fake().pullRequests('core-service')).toHaveLength(pulls);
    // The key is the caller's: the same key from someone else is their own change (here: the branch name differs, the content is already proposed but not on main).
    const theirs = await otherCaller;
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    expect((theirs.body as ServiceChange).pullRequest.number).not.toBe(opened.pullRequest.number);
  });

  it('picks up an attempt that stopped after opening its pull request: the retry with the same key answers that one', async () => {
    // Prepare: GitHub is reached, then the Lambda dies before the change is recorded (a 500).
    const real = changeDeps().host;
    const pulls = fake().pullRequests('core-service').length;
    const body = { title: 'Document the pool', files: [{ path: 'docs/pool.md', content: '# Pool\n\n15 connections.\n' }] };
    configureChanges({ host: () => ({ openChange: async (input) => { await real().openChange(input); throw new Error('the Lambda stopped here'); }, resumeChange: (input, marker) => real().resumeChange(input, marker) }) });

    // Act
    let crashed;
    try {
      crashed = await h.client('developer').send('POST', CHANGES, { idempotencyKey: 'change-crash-0001', body });
    } finally {
      configureChanges({ host: real });
    }
    const retried = await h.client('developer').send('POST', CHANGES, { idempotencyKey: 'change-crash-0001', body });

    // Assess
    expect(crashed.status).toBe(500);
    expect(fake().pullRequests('core-service')).toHaveLength(pulls + 1);
    const pr = fake().pullRequests('core-service').at(-1)!;
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.body).toMatchObject({
      branch: pr.head.ref, commit: pr.head.sha, baseBranch: 'main',
      pullRequest: { number: pr.number, url: pr.html_url, state: 'open' }, files: [{ path: 'docs/pool.md', action: 'created' }],
    });
    expect(pr.body).toContain(`Apollo change ${(retried.body as ServiceChange).id}.`);
    expect(fake().pullRequests('core-service')).toHaveLength(pulls + 1);
  });

  it('refuses a viewer (403), and a developer of another team (403: ownership)', async () => {
    const body = { title: 'Touch a file', files: [{ path: 'README.md', content: 'hi\n' }] };
    const viewer = await h.client('viewer').send('POST', CHANGES, { body });
    expect(viewer.status).toBe(403);

    // notification-service belongs to growth; the developer is in payments and platform.
    const other = await h.client('developer').send('POST', '/api/v1/services/notification-service/changes', { body });
    expect(other.status).toBe(403);
    expect(errorOf(other.body).message).toBe('developer@apollo.local is neither the owner nor in team growth and lacks the permission catalog:manage');
  });

  it('refuses paths that leave the repository or are not relative, with each field\'s path (400)', async () => {
    for (const path of ['../etc/passwd', '/etc/passwd', 'src/../../x', 'a//b', '.git/config', 'x'.repeat(257)]) {
      const res = await h.client('developer').send('POST', CHANGES, { body: { title: 'Bad path', files: [{ path: 'ok.txt', delete: true }, { path, content: 'x' }] } });
      expect(res.status, path).toBe(400);
      expect(errorOf(res.body).details.map((d) => d.path), path).toContain('/body/files/1/path');
    }
    const twice = await h.client('developer').send('POST', CHANGES, { body: { title: 'Twice', files: [{ path: 'a.txt', content: 'a' }, { path: 'a.txt', delete: true }] } });
    expect(twice.status).toBe(400);
    expect(errorOf(twice.body).details).toEqual([{ path: '/body/files/1/path', message: 'a.txt is already changed by /files/0' }]);
    const tooMany = await h.client('developer').send('POST', CHANGES, { body: { title: 'Many', files: Array.from({ length: 21 }, (_, i) => ({ path: `f${i}.txt`, content: 'x' })) } });
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany.body).details.map((d) => d.path)).toContain('/body/files');
    const badBranch = await h.client('developer').send('POST', CHANGES, { body: { title: 'Branch', branch: 'feature..x', files: [{ path: 'a.txt', content: 'a' }] } });
    expect(badBranch.status).toBe(400);
    expect(errorOf(badBranch.body).details.map((d) => d.path)).toContain('/body/branch');
  });

  it('answers 400 for a base branch or a file to delete that GitHub does not have, 409 for a branch that exists or nothing to change, and opens nothing', async () => {
    // Prepare
    const pulls = fake().pullRequests('core-service').length;
    const post = (body: Record<string, unknown>) => h.client('developer').send('POST', CHANGES, { body: { title: 'A change', files: [{ path: 'NOTES.md', content: 'notes\n' }], ...body } });

    // Act
    const noBase = await post({ baseBranch: 'release/9' });
    const noFile = await post({ files: [{ path: 'NOTES.md', content: 'notes\n' }, { path: 'docs/missing.md', delete: true }] });
    const branchTaken = await post({ branch: opened.branch });
    const same = await post({ files: [{ path: APPLICATION_YML, content: DEMO_CORE_SERVICE_APPLICATION_YML }] });

    // Assess
    expect(noBase.status).toBe(400);
    expect(errorOf(noBase.body)).toMatchObject({ code: 'ValidationError', message: 'apollo-demo/core-service has no branch release/9', details: [{ path: '/body/baseBranch' }] });
    expect(noFile.status).toBe(400);
    expect(errorOf(noFile.body).details).toEqual([{ path: '/body/files/1/path', message: 'docs/missing.md is not in apollo-demo/core-service at main: there is nothing to delete' }]);
    expect(branchTaken.status).toBe(409);
    expect(errorOf(branchTaken.body).message).toContain(`apollo-demo/core-service already has a branch ${opened.branch}: choose another branch`);
    expect(same.status).toBe(409);
    expect(errorOf(same.body).message).toMatch(/^nothing to change/);
    expect(fake().pullRequests('core-service')).toHaveLength(pulls);
  });

  it('answers 409 for a service with no repository in the catalog, one GitHub does not have, an archived one, or one outside the organisation', async () => {
    // Prepare
    const admin = h.client('admin');
    fake().putRepo({ name: 'retired-repo', archived: true, files: { 'README.md': '# Retired\n' } });
    for (const [name, repository] of [['no-repo-service', undefined], ['ghost-service', 'https://github.com/apollo-demo/no-such-repo'], ['retired-service', 'https://github.com/apollo-demo/retired-repo.git'], ['foreign-service', 'https://github.com/someone-else/core-service']] as const) {
      expect((await admin.send('POST', '/api/v1/services', { body: { name, team: 'platform', ...(repository ? { repository } : {}) } })).status).toBe(201);
    }
    const post = (service: string) => h.client('developer').send('POST', `/api/v1/services/${service}/changes`, { body: { title: 'A change', baseBranch: 'main', files: [{ path: 'a.txt', content: 'a' }] } });

    // Act
    const none = await post('no-repo-service');
    const ghost = await post('ghost-service');
    const retired = await post('retired-service');
    const foreign = await post('foreign-service');

    // Assess
    expect([none.status, errorOf(none.body).message]).toEqual([409, 'service no-repo-service has no repository in the catalog: set its repository (PUT /api/v1/services/no-repo-service) to open a code change']);
    expect([ghost.status, errorOf(ghost.body).message]).toEqual([409, "GitHub has no repository apollo-demo/no-such-repo (or Apollo's GitHub credentials can't see it)"]);
    expect([retired.status, errorOf(retired.body).message]).toEqual([409, 'apollo-demo/retired-repo is archived on GitHub (read-only): unarchive it to change its code']);
    expect([foreign.status, errorOf(foreign.body).message]).toEqual([409, "service foreign-service's repository someone-else/core-service is outside the GitHub organisation apollo-demo that Apollo opens changes in (APOLLO_GITHUB_ORG)"]);
    expect(fake().pullRequests('retired-repo')).toEqual([]);
  });
});
