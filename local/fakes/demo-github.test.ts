/** The demo organisation's GitOps repository: it agrees with the seeded catalog, has a history to pick from, and outlives a restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubGitOps } from '../../functions/deployments/adapters/github-gitops.ts';
import type { DeployTarget } from '../../functions/deployments/ports.ts';
import { demoDeployments } from '../demo-services.ts';
import { DEMO_GITOPS_REPO, DEMO_ORG, demoGitOpsValues, seedDemoGitOps } from './demo-github.ts';
import { FakeGitHub } from './github-server.ts';

const TOKEN = 'demo-gitops-token';
const NOW = Date.parse('2026-11-20T12:00:00Z');
let fake: FakeGitHub;
let home: string;
const gitops = () => new GitHubGitOps({ repository: `${DEMO_ORG}/${DEMO_GITOPS_REPO}`, baseUrl: fake.url, credentials: { credentials: async () => ({ token: TOKEN }) } });
const targetOf = (service: string, environment: string): DeployTarget => {
  const d = demoDeployments(NOW).find((x) => x.service === service && x.environment === environment)!;
  return { service, environment, cluster: d.cluster, namespace: d.namespace };
};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'apollo-gitops-'));
  fake = await FakeGitHub.start({ org: DEMO_ORG, tokens: [TOKEN] });
  seedDemoGitOps(fake, NOW);
});
afterAll(async () => {
  await fake.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the demo GitOps repository', () => {
  it('says for every service and environment what the seeded catalog says: tag, replicas, and the commit id, author and time that set them', async () => {
    const adapter = gitops();
    const deployments = demoDeployments(NOW);
    const log = fake.commitLog(DEMO_GITOPS_REPO);

    for (const d of deployments) {
      const state = await adapter.read({ service: d.service, environment: d.environment, cluster: d.cluster, namespace: d.namespace });
      expect({ service: d.service, environment: d.environment, imageTag: state.imageTag, replicas: state.replicas }).toEqual({ service: d.service, environment: d.environment, imageTag: d.imageTag, replicas: d.replicas });
      const set = log.find((c) => c.sha === d.gitCommit);
      expect(set, `${d.service}/${d.environment}`).toMatchObject({ message: `deploy ${d.service} ${d.imageTag} to ${d.environment}`, author: { date: d.deployedAt } });
    }
    expect(deployments.length).toBeGreaterThan(30);
    // The history is in time order, newest first.
    const dates = log.map((c) => Date.parse(c.author.date));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  it('has earlier core-service versions to pick from in every environment', async () => {
    const adapter = gitops();
    const tags = async (env: string) => (await adapter.history(targetOf('core-service', env), 10)).map((v) => v.imageTag);

    expect(await tags('prod')).toEqual(['v1.0.3', 'v1.0.1', 'v0.9.2']);
    expect(await tags('staging')).toEqual(['v1.0.4', 'v1.0.3', 'v1.0.1', 'v0.9.2']);
    expect(await tags('dev')).toEqual(['v1.0.5', 'v1.0.4', 'v1.0.3', 'v1.0.2', 'v1.0.1']);
    expect((await adapter.history(targetOf('core-service', 'prod'), 10))[2]).toMatchObject({ message: 'deploy core-service v0.9.2 to prod' });
  });

  it('reads an environment\'s values in process for the simulated Argo CD, at the head or at a revision', async () => {
    const read = demoGitOpsValues(fake);
    const prod = demoDeployments(NOW).find((d) => d.service === 'core-service' && d.environment === 'prod')!;
    const history = await gitops().history(targetOf('core-service', 'prod'), 10);

    expect(await read('core-service', 'prod')).toEqual({ imageTag: 'v1.0.3', replicas: prod.replicas, revision: fake.headOf(DEMO_GITOPS_REPO) });
    expect(await read('core-service', 'prod', history[1]!.commitSha)).toMatchObject({ imageTag: 'v1.0.1', revision: history[1]!.commitSha });
    expect(await read('core-service', 'qa')).toBeUndefined();
  });

  it('keeps deployments\' commits and pull requests across a restart', async () => {
    // Prepare: kept from now on; a commit and an open pull request through the API.
    const file = join(home, 'github-gitops.json');
    fake.keepRepo(DEMO_GITOPS_REPO, file);
    const adapter = gitops();
    const author = { name: 'Dana', email: 'dana@apollo.local' };
    const committed = await adapter.commit({ target: targetOf('core-service', 'staging'), set: { imageTag: 'v1.1.0' }, deploymentId: '01KEEP1', title: 'deploy core-service v1.1.0 to staging', body: '', author });
    const pr = await adapter.openPullRequest({ target: targetOf('core-service', 'prod'), set: { imageTag: 'v1.1.0' }, deploymentId: '01KEEP2', title: 'deploy core-service v1.1.0 to prod', body: '', author });

    // Act: a new fake (a restarted runtime) restores it.
    const restarted = await FakeGitHub.start({ org: DEMO_ORG, tokens: [TOKEN] });
    try {
      const restored = restarted.restoreRepo(DEMO_GITOPS_REPO, file);

      // Assess
      expect(restored).toBe(true);
      expect(restarted.headOf(DEMO_GITOPS_REPO)).toBe(committed.commitSha);
      expect(restarted.fileAt(DEMO_GITOPS_REPO, 'apps/core-service/staging/values.yaml')).toBe(fake.fileAt(DEMO_GITOPS_REPO, 'apps/core-service/staging/values.yaml'));
      expect(restarted.commitLog(DEMO_GITOPS_REPO)).toEqual(fake.commitLog(DEMO_GITOPS_REPO));
      expect(restarted.pullRequests(DEMO_GITOPS_REPO)).toEqual([expect.objectContaining({ number: pr.number, state: 'open', head: expect.objectContaining({ sha: pr.headSha }) })]);
      expect(restarted.branchHead(DEMO_GITOPS_REPO, 'apollo/deploy/01KEEP2')).toBe(pr.headSha);
      expect(restarted.restoreRepo('other', file)).toBe(false);
    } finally {
      await restarted.close();
    }
  });
});
