/** The GitHub GitOps adapter against the fake GitHub over real HTTP: what lands in the repository, and what is answered. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../../local/fakes/github-server.ts';
import type { DeployTarget, GitOpsChangeRequest } from '../ports.ts';
import { applyChange, GitHubGitOps, GitOpsError, readGitOpsSettings, type GitHubGitOpsOptions } from './github-gitops.ts';

const TOKEN = 't0ken-gitops';
const REPO = 'gitops';
const STAGING: DeployTarget = { service: 'core-service', environment: 'staging', cluster: 'eks-staging', namespace: 'platform' };
const PROD: DeployTarget = { ...STAGING, environment: 'prod', cluster: 'eks-prod-us-east-1' };
const STAGING_PATH = 'apps/core-service/staging/values.yaml';
const PROD_PATH = 'apps/core-service/prod/values.yaml';
const valuesFile = (env: string, tag: string, replicas: number) => `# core-service in ${env} (Helm values)
image:
  repository: registry.apollo-demo.example/platform/core-service
  tag: ${tag}   # set by Apollo's deployments
  pullPolicy: IfNotPresent
replicaCount: ${replicas}
podAnnotations: {}
resources:
  requests: { cpu: "1", memory: 2Gi }
`;
const BASE_ENV = { APOLLO_RUNTIME: 'local', TABLE_NAME: 'apollo', AWS_REGION: 'us-east-1' };
const DANA = { name: 'Dana Developer', email: 'dana@apollo.local' };

let fake: FakeGitHub;
let ids = 0;
const nextId = () => `01JDEPLOY${String(++ids).padStart(4, '0')}`;

const adapter = (more: Partial<GitHubGitOpsOptions> = {}) => new GitHubGitOps({
  repository: `apollo-demo/${REPO}`, baseUrl: fake.url, credentials: { credentials: async () => ({ token: TOKEN }) }, label: 'LOCAL FAKE', ...more,
});
const change = (target: DeployTarget, set: GitOpsChangeRequest['set'], deploymentId = nextId()): GitOpsChangeRequest => ({
  target, set, deploymentId, title: `deploy core-service ${set.imageTag ?? ''} to ${target.environment}`.replace('  ', ' '),
  body: `Requested by ${DANA.email} in Apollo.\nhttps://apollo.local/deployments/${deploymentId}`, author: DANA,
});
const trailerCommits = (deploymentId: string, ref?: string) => fake.commitLog(REPO, ref).filter((c) => c.message.split('\n').includes(`Apollo-Deployment: ${deploymentId}`));

beforeAll(async () => {
  fake = await FakeGitHub.start({
    org: 'apollo-demo', tokens: [TOKEN],
    repos: [{ name: REPO, files: { [STAGING_PATH]: valuesFile('staging', 'v1.0.4', 2), [PROD_PATH]: valuesFile('prod', 'v1.0.3', 3), 'README.md': '# GitOps\n' } }],
  });
});
afterAll(async () => { await fake.close(); });

/** A proxy in front of the fake that runs `before` ahead of each request it forwards (another writer's commit, say) and notes each answer. */
async function proxied(before: (method: string, path: string) => void): Promise<{ url: string; answers: string[]; close: () => Promise<void> }> {
  const answers: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = req.url ?? '/';
        before(req.method ?? 'GET', path);
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)).map(([k, v]) => [k, String(v)]));
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const answer = await fetch(`${fake.url}${path}`, { method: req.method, headers, ...(body ? { body } : {}) });
        const text = Buffer.from(await answer.arrayBuffer());
        answers.push(`${req.method} ${decodeURIComponent(path.split('?')[0]!)} ${answer.status}`);
        res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k))));
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, answers, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('GitHubGitOps: reading', () => {
  it('reads the environment\'s values file on the default branch at its head; a missing one is gitops-missing', async () => {
    const gitops = adapter();

    const state = await gitops.read(STAGING);
    const missing = await gitops.read({ ...STAGING, environment: 'dev' }).catch((e: unknown) => e);

    expect(gitops.kind).toBe('GitHub apollo-demo/gitops (LOCAL FAKE)');
    expect(state).toEqual({ path: STAGING_PATH, imageTag: 'v1.0.4', replicas: 2, commitSha: fake.headOf(REPO) });
    expect(missing).toBeInstanceOf(GitOpsError);
    expect(missing).toMatchObject({ code: 'gitops-missing', message: expect.stringContaining('apps/core-service/dev/values.yaml') });
    expect(gitops.commitUrl('abc123')).toBe(`${fake.url}/apollo-demo/gitops/commit/abc123`);
  });
});

describe('GitHubGitOps: committing to the default branch', () => {
  it('commits the new tag in place (comments and every other line kept) with the title, body, trailer and the person as author', async () => {
    // Prepare
    const gitops = adapter();
    const request = change(STAGING, { imageTag: 'v1.1.0' });
    const before = fake.fileAt(REPO, STAGING_PATH)!;

    // Act
    const result = await gitops.commit(request);

    // Assess: what the repository holds.
    expect(fake.fileAt(REPO, STAGING_PATH)).toBe(before.replace('tag: v1.0.4   #', 'tag: v1.1.0   #'));
    const [head] = fake.commitLog(REPO);
    expect(head).toEqual({
      sha: result.commitSha,
      message: `deploy core-service v1.1.0 to staging\n\nRequested by dana@apollo.local in Apollo.\nhttps://apollo.local/deployments/${request.deploymentId}\n\nApollo-Deployment: ${request.deploymentId}`,
      author: { ...DANA, date: expect.any(String) },
      parents: [expect.stringMatching(/^[0-9a-f]{40}$/)],
    });
    // … and what was answered.
    expect(result).toEqual({
      commitSha: fake.headOf(REPO), path: STAGING_PATH, created: true, changed: true,
      diff: [
        `--- a/${STAGING_PATH}`, `+++ b/${STAGING_PATH}`, '@@ -1,7 +1,7 @@',
        ' # core-service in staging (Helm values)', ' image:', '   repository: registry.apollo-demo.example/platform/core-service',
        '-  tag: v1.0.4   # set by Apollo\'s deployments', '+  tag: v1.1.0   # set by Apollo\'s deployments',
        '   pullPolicy: IfNotPresent', ' replicaCount: 2', ' podAnnotations: {}', '',
      ].join('\n'),
    });
    expect((await gitops.read(STAGING)).imageTag).toBe('v1.1.0');
  });

  it('answers the commit it made when the same deployment commits again (created=false): one commit, not two', async () => {
    const gitops = adapter();
    const request = change(STAGING, { imageTag: 'v1.1.1' });
    const first = await gitops.commit(request);
    const head = fake.headOf(REPO);

    const again = await gitops.commit(request);

    expect(again).toEqual({ ...first, created: false });
    expect(fake.headOf(REPO)).toBe(head);
    expect(trailerCommits(request.deploymentId).map((c) => c.sha)).toEqual([first.commitSha]);
  });

  it('commits nothing when the file already says so (changed=false, the head read)', async () => {
    const gitops = adapter();
    const head = fake.headOf(REPO);

    const result = await gitops.commit(change(STAGING, { imageTag: 'v1.1.1', replicas: 2 }));

    expect(result).toEqual({ commitSha: head, path: STAGING_PATH, diff: '', created: false, changed: false });
    expect(fake.headOf(REPO)).toBe(head);
  });

  it('scales and restarts: replicaCount in place, the restart annotation added to podAnnotations (quoted)', async () => {
    const gitops = adapter();

    await gitops.commit(change(STAGING, { replicas: 4 }));
    const restart = await gitops.commit(change(STAGING, { restartedAt: '2026-11-02T10:00:00.000Z' }));

    expect(fake.fileAt(REPO, STAGING_PATH)).toContain('\nreplicaCount: 4\npodAnnotations: { apollo.dev/restartedAt: "2026-11-02T10:00:00.000Z" }\n');
    expect(fake.fileAt(REPO, STAGING_PATH)).toContain("tag: v1.1.1   # set by Apollo's deployments");
    expect(restart.diff).toContain('+podAnnotations: { apollo.dev/restartedAt: "2026-11-02T10:00:00.000Z" }');
    expect(await gitops.read(STAGING)).toMatchObject({ replicas: 4, restartedAt: '2026-11-02T10:00:00.000Z' });
  });

  it('reads the file again and re-applies the change when someone else committed to it in between (409)', async () => {
    // Prepare: another writer changes replicaCount just before Apollo's first write lands.
    let raced = false;
    const proxy = await proxied((method, path) => {
      if (method === 'PUT' && path.includes('/contents/') && !raced) {
        raced = true;
        fake.commit(REPO, STAGING_PATH, fake.fileAt(REPO, STAGING_PATH)!.replace('replicaCount: 4', 'replicaCount: 5'), { message: 'scale by hand' });
      }
    });
    try {
      const gitops = adapter({ baseUrl: proxy.url });

      // Act
      const result = await gitops.commit(change(STAGING, { imageTag: 'v1.2.0' }));

      // Assess: both changes are in; Apollo's is one commit on top of the other writer's.
      expect(proxy.answers.filter((a) => a.startsWith('PUT'))).toEqual([`PUT /repos/apollo-demo/gitops/contents/${STAGING_PATH} 409`, `PUT /repos/apollo-demo/gitops/contents/${STAGING_PATH} 200`]);
      expect(fake.fileAt(REPO, STAGING_PATH)).toMatch(/tag: v1\.2\.0 .*\n[\s\S]*replicaCount: 5\n/);
      expect(fake.commitLog(REPO).slice(0, 2).map((c) => c.message.split('\n')[0])).toEqual(['deploy core-service v1.2.0 to staging', 'scale by hand']);
      expect(result).toMatchObject({ created: true, changed: true, commitSha: fake.headOf(REPO) });
    } finally {
      await proxy.close();
    }
  });

  it('gives up with gitops-conflict when the file changes under every attempt', async () => {
    let n = 0;
    const proxy = await proxied((method, path) => {
      if (method === 'PUT' && path.includes('/contents/')) fake.commit(REPO, STAGING_PATH, `${fake.fileAt(REPO, STAGING_PATH)!}# edit ${++n}\n`);
    });
    try {
      const error = await adapter({ baseUrl: proxy.url, maxAttempts: 3 }).commit(change(STAGING, { imageTag: 'v9.9.9' })).catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'GitOpsError', code: 'gitops-conflict' });
      expect(proxy.answers.filter((a) => a.startsWith('PUT')).map((a) => a.slice(-3))).toEqual(['409', '409', '409']);
      expect(fake.fileAt(REPO, STAGING_PATH)).not.toContain('v9.9.9');
    } finally {
      await proxy.close();
    }
  });

  it('refuses what it cannot write before calling GitHub: no change, a bad tag, a target that would leave the path', async () => {
    const gitops = adapter();
    const before = fake.requests.length;
    const errors = await Promise.all([
      gitops.commit(change(STAGING, {})), gitops.commit(change(STAGING, { imageTag: 'v1 ; rm' })), gitops.commit(change(STAGING, { replicas: -1 })),
      gitops.commit(change({ ...STAGING, service: '../secrets' }, { imageTag: 'v1' })),
    ].map((p) => p.catch((e: unknown) => e)));
    expect(errors.map((e) => (e as GitOpsError).code)).toEqual(['gitops-invalid', 'gitops-invalid', 'gitops-invalid', 'gitops-invalid']);
    expect(fake.requests.length).toBe(before);
  });
});

describe('GitHubGitOps: production through a pull request', () => {
  it('opens a pull request from apollo/deploy/<id> with the change, reuses it when asked again, squash-merges it with the trailer and deletes the branch', async () => {
    // Prepare
    const gitops = adapter();
    const request = change(PROD, { imageTag: 'v1.1.1' });
    const branch = `apollo/deploy/${request.deploymentId}`;
    const base = fake.headOf(REPO)!;

    // Act: open twice, merge twice.
    const opened = await gitops.openPullRequest(request);
    const again = await gitops.openPullRequest(request);
    const prodBeforeMerge = fake.fileAt(REPO, PROD_PATH);
    const merged = await gitops.mergePullRequest(opened.number, request.deploymentId);
    const mergedAgain = await gitops.mergePullRequest(opened.number, request.deploymentId);

    // Assess: the pull request and its branch's one commit.
    const [pr] = fake.pullRequests(REPO).filter((p) => p.number === opened.number);
    expect(opened).toEqual({
      number: pr!.number, url: `${fake.url}/apollo-demo/gitops/pull/${pr!.number}`, path: PROD_PATH, headSha: pr!.head.sha, created: true, changed: true,
      diff: expect.stringContaining('-  tag: v1.0.3   # set by Apollo\'s deployments\n+  tag: v1.1.1   # set by Apollo\'s deployments\n'),
    });
    expect(again).toEqual({ ...opened, created: false });
    expect(pr).toMatchObject({ title: 'deploy core-service v1.1.1 to prod', head: { ref: branch }, base: { ref: 'main' }, body: expect.stringMatching(new RegExp(`\\n\\nApollo-Deployment: ${request.deploymentId}$`)) });
    expect(trailerCommits(request.deploymentId, opened.headSha)).toEqual([expect.objectContaining({ sha: opened.headSha, author: expect.objectContaining(DANA), parents: [base] })]);
    expect(prodBeforeMerge).toContain('tag: v1.0.3');
    // The merge: one new commit on main, carrying the trailer; the branch is gone; merging again answers the same commit.
    expect(merged).toEqual({ commitSha: fake.headOf(REPO) });
    expect(mergedAgain).toEqual(merged);
    expect(fake.commitLog(REPO)[0]).toMatchObject({ sha: merged.commitSha, parents: [base], message: expect.stringMatching(new RegExp(`^deploy core-service v1\\.1\\.1 to prod \\(#${opened.number}\\)\\n[\\s\\S]*\\nApollo-Deployment: ${request.deploymentId}$`)) });
    expect(fake.fileAt(REPO, PROD_PATH)).toContain('tag: v1.1.1');
    expect(fake.branchHead(REPO, branch)).toBeUndefined();
    expect(fake.pullRequests(REPO).find((p) => p.number === opened.number)).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: merged.commitSha });
    // The deployment's trailer is on main now: a commit step run again for it finds it.
    expect(await gitops.commit(request)).toMatchObject({ commitSha: merged.commitSha, created: false, changed: true });
  });

  it('finishes what an attempt stopped after its branch commit: opens the pull request without a second commit', async () => {
    // Prepare: the branch and the deployment's commit on it, no pull request.
    const gitops = adapter();
    const request = change(PROD, { imageTag: 'v1.2.0' });
    const branch = `apollo/deploy/${request.deploymentId}`;
    fake.commit(REPO, 'README.md', '# GitOps repository\n');
    await fetch(`${fake.url}/repos/apollo-demo/${REPO}/git/refs`, { method: 'POST', headers: { authorization: `token ${TOKEN}` }, body: JSON.stringify({ ref: `refs/heads/${branch}`, sha: fake.headOf(REPO) }) });
    const made = fake.commit(REPO, PROD_PATH, fake.fileAt(REPO, PROD_PATH)!.replace('v1.1.1', 'v1.2.0'), { branch, message: `deploy\n\nApollo-Deployment: ${request.deploymentId}` });

    // Act
    const opened = await gitops.openPullRequest(request);

    // Assess
    expect(opened).toMatchObject({ headSha: made, created: true, changed: true, diff: expect.stringContaining('+  tag: v1.2.0') });
    expect(fake.branchHead(REPO, branch)).toBe(made);
    expect(fake.pullRequests(REPO).filter((p) => p.head.ref === branch)).toHaveLength(1);
  });

  it('opens nothing when production already says so (changed=false, no branch, no pull request)', async () => {
    const gitops = adapter();
    const request = change(PROD, { imageTag: 'v1.1.1' });
    const pulls = fake.pullRequests(REPO).length;

    const result = await gitops.openPullRequest(request);

    expect(result).toEqual({ number: 0, url: '', path: PROD_PATH, diff: '', headSha: fake.headOf(REPO), created: false, changed: false });
    expect(fake.branchHead(REPO, `apollo/deploy/${request.deploymentId}`)).toBeUndefined();
    expect(fake.pullRequests(REPO)).toHaveLength(pulls);
  });

  it('closes a rejected one with a comment and deletes its branch; closing again changes nothing; it cannot be merged after', async () => {
    // Prepare
    const gitops = adapter();
    const request = change(PROD, { imageTag: 'v2.0.0' });
    const { number } = await gitops.openPullRequest(request);

    // Act
    await gitops.closePullRequest(number, 'Rejected in Apollo by admin@apollo.local: not during the freeze.');
    await gitops.closePullRequest(number, 'Rejected in Apollo by admin@apollo.local: not during the freeze.');
    const merge = await gitops.mergePullRequest(number, request.deploymentId).catch((e: unknown) => e);

    // Assess
    expect(fake.pullRequests(REPO).find((p) => p.number === number)).toMatchObject({ state: 'closed', merged: false });
    expect(fake.pullComments(REPO, number)).toEqual(['Rejected in Apollo by admin@apollo.local: not during the freeze.']);
    expect(fake.branchHead(REPO, `apollo/deploy/${request.deploymentId}`)).toBeUndefined();
    expect(fake.fileAt(REPO, PROD_PATH)).not.toContain('v2.0.0');
    expect(merge).toMatchObject({ name: 'GitOpsError', code: 'gitops-pr-closed' });
  });

  it('does not merge a pull request whose change conflicts with the default branch (gitops-not-mergeable)', async () => {
    const gitops = adapter();
    const request = change(PROD, { imageTag: 'v3.0.0' });
    const { number } = await gitops.openPullRequest(request);
    fake.commit(REPO, PROD_PATH, fake.fileAt(REPO, PROD_PATH)!.replace(/tag: \S+/, 'tag: v2.9.9-hotfix'), { message: 'hotfix by hand' });

    const error = await gitops.mergePullRequest(number, request.deploymentId).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'GitOpsError', code: 'gitops-not-mergeable' });
    expect(fake.fileAt(REPO, PROD_PATH)).toContain('tag: v2.9.9-hotfix');
    await gitops.closePullRequest(number, 'superseded');
  });
});

describe('GitHubGitOps: history', () => {
  const DEV: DeployTarget = { ...STAGING, environment: 'dev', cluster: 'eks-dev' };
  const DEV_PATH = 'apps/core-service/dev/values.yaml';
  const shas: Record<string, string> = {};

  beforeAll(() => {
    const put = (tag: string, replicas: number, message: string, day: number) =>
      fake.commit(REPO, DEV_PATH, valuesFile('dev', tag, replicas), { message, author: { name: `dev${day}`, email: `dev${day}@apollo.local`, date: `2026-10-${String(day).padStart(2, '0')}T09:00:00Z` } });
    shas.v1 = put('v1.0.1', 1, 'deploy core-service v1.0.1 to dev', 1);
    shas.v2 = put('v1.0.2', 1, 'deploy core-service v1.0.2 to dev', 2);
    put('v1.0.2', 2, 'scale core-service to 2 in dev', 3);
    fake.commit(REPO, 'README.md', '# GitOps (dev notes)\n');
    shas.v3 = put('v1.0.3', 2, 'deploy core-service v1.0.3 to dev\n\nApollo-Deployment: 01JOLD', 4);
    put('v1.0.3', 1, 'scale core-service to 1 in dev', 5);
    shas.v2again = put('v1.0.2', 1, 'roll back core-service to v1.0.2 in dev', 6);
  });

  it('lists the tags the file has had, newest first, each from the commit that set it (scale commits folded in)', async () => {
    const versions = await adapter().history(DEV, 10);

    expect(versions).toEqual([
      { imageTag: 'v1.0.2', commitSha: shas.v2again, at: '2026-10-06T09:00:00Z', author: 'dev6', message: 'roll back core-service to v1.0.2 in dev' },
      { imageTag: 'v1.0.3', commitSha: shas.v3, at: '2026-10-04T09:00:00Z', author: 'dev4', message: 'deploy core-service v1.0.3 to dev' },
      { imageTag: 'v1.0.2', commitSha: shas.v2, at: '2026-10-02T09:00:00Z', author: 'dev2', message: 'deploy core-service v1.0.2 to dev' },
      { imageTag: 'v1.0.1', commitSha: shas.v1, at: '2026-10-01T09:00:00Z', author: 'dev1', message: 'deploy core-service v1.0.1 to dev' },
    ]);
  });

  it('stops at the limit and within its call budget', async () => {
    const before = fake.requests.length;
    const two = await adapter().history(DEV, 2);
    const calls = fake.requests.length - before;
    const cut = await adapter({ historyCalls: 3 }).history(DEV, 10);

    expect(two.map((v) => v.imageTag)).toEqual(['v1.0.2', 'v1.0.3']);
    // The repository (once), the commit list, and one file read per commit until the third run began.
    expect(calls).toBe(1 + 1 + 4);
    // Cut short, the last tag is as far as it got: the newest commit seen with it, not necessarily the one that set it.
    expect(cut.map((v) => [v.imageTag, v.message])).toEqual([['v1.0.2', 'roll back core-service to v1.0.2 in dev'], ['v1.0.3', 'scale core-service to 1 in dev']]);
  });
});

describe('the values file edit', () => {
  it('keeps every other byte; quotes a tag YAML would read as a number; adds what is missing', () => {
    const text = 'image:\n  tag: "v1"  # quoted stays quoted\n# a comment\nreplicaCount:   3\n';
    expect(applyChange(text, { imageTag: 'v2' }, 'f')).toBe('image:\n  tag: "v2"  # quoted stays quoted\n# a comment\nreplicaCount:   3\n');
    expect(applyChange('image:\n  tag: v1\n', { imageTag: '1.10' }, 'f')).toBe('image:\n  tag: "1.10"\n');
    expect(applyChange("image:\n  tag: 'v1'\n", { imageTag: 'v2' }, 'f')).toBe("image:\n  tag: 'v2'\n");
    expect(applyChange('replicaCount: 1\n', { imageTag: 'v3' }, 'f')).toBe('replicaCount: 1\nimage:\n  tag: v3\n');
    expect(applyChange('podAnnotations:\n', { restartedAt: '2026-11-02T10:00:00Z' }, 'f')).toBe('podAnnotations:\n  apollo.dev/restartedAt: "2026-11-02T10:00:00Z"\n');
    expect(applyChange('', { replicas: 2 }, 'f')).toBe('replicaCount: 2\n');
  });

  it('inserts a missing key as a line of its mapping, at the mapping\'s indentation, or as an entry of a flow mapping', () => {
    const at = '2026-11-02T10:00:00Z';
    expect(applyChange('podAnnotations:\n    team: "platform"   # who\nresources: {}\n', { restartedAt: at }, 'f'))
      .toBe(`podAnnotations:\n    team: "platform"   # who\n    apollo.dev/restartedAt: "${at}"\nresources: {}\n`);
    expect(applyChange('podAnnotations: { team: platform }  # kept\n', { restartedAt: at }, 'f')).toBe(`podAnnotations: { team: platform, apollo.dev/restartedAt: "${at}" }  # kept\n`);
    expect(applyChange('image:\n  repository: nginx\n# the end', { imageTag: 'v2', replicas: 3 }, 'f')).toBe('image:\n  repository: nginx\n  tag: v2\nreplicaCount: 3\n# the end');
  });

  it('refuses a file that is not a YAML mapping', () => {
    expect(() => applyChange('a: [\n', { replicas: 1 }, 'f')).toThrow(expect.objectContaining({ code: 'gitops-invalid' }));
    expect(() => applyChange('- a\n', { replicas: 1 }, 'f')).toThrow(expect.objectContaining({ code: 'gitops-invalid' }));
    expect(() => applyChange('image: nginx\n', { imageTag: 'v1' }, 'f')).toThrow(expect.objectContaining({ code: 'gitops-invalid' }));
  });
});

describe('readGitOpsSettings', () => {
  it('reads the repository, the path template (default apps/{service}/{environment}/values.yaml) and GitHub\'s API', () => {
    expect(readGitOpsSettings({ APOLLO_GITOPS_REPO: 'acme/deploys', ...BASE_ENV })).toEqual({
      repository: 'acme/deploys', pathTemplate: 'apps/{service}/{environment}/values.yaml', apiUrl: 'https://api.github.com', maxWaitMs: 60_000,
    });
    expect(readGitOpsSettings({ APOLLO_GITOPS_REPO: 'acme/deploys', APOLLO_GITOPS_PATH: 'envs/{environment}/{service}.yaml', APOLLO_GITHUB_API_URL: 'https://ghe.acme.dev/api/v3', ...BASE_ENV }))
      .toMatchObject({ pathTemplate: 'envs/{environment}/{service}.yaml', apiUrl: 'https://ghe.acme.dev/api/v3' });
  });

  it('says what to set when it is missing or wrong', () => {
    expect(() => readGitOpsSettings({ ...BASE_ENV })).toThrow(/set APOLLO_GITOPS_REPO/);
    expect(() => readGitOpsSettings({ APOLLO_GITOPS_REPO: 'just-a-name', ...BASE_ENV })).toThrow(/owner\/name/);
    expect(() => readGitOpsSettings({ APOLLO_GITOPS_REPO: 'a/b', APOLLO_GITOPS_PATH: 'apps/{service}/values.yaml', ...BASE_ENV })).toThrow(/\{environment\}/);
    expect(() => readGitOpsSettings({ APOLLO_GITOPS_REPO: 'a/b', APOLLO_GITOPS_PATH: '../{service}/{environment}.yaml', ...BASE_ENV })).toThrow(/relative path/);
  });

  it('links commits on github.com, or on a GitHub Enterprise host', () => {
    const credentials = { credentials: async () => ({ token: 'x' }) };
    expect(new GitHubGitOps({ repository: 'acme/deploys', baseUrl: 'https://api.github.com', credentials }).commitUrl('abc')).toBe('https://github.com/acme/deploys/commit/abc');
    expect(new GitHubGitOps({ repository: 'acme/deploys', baseUrl: 'https://ghe.acme.dev/api/v3/', credentials }).commitUrl('abc')).toBe('https://ghe.acme.dev/acme/deploys/commit/abc');
  });
});
