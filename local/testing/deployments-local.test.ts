/**
 * The Done-when through the local runtime with its real adapters: the GitOps repository on the
 * fake GitHub (apollo-demo/gitops: real commits, a pull request, a squash merge through the GitHub API) and
 * the SIMULATED Argo CD that reads it and rolls the pods. A developer deploys a new core-service to staging,
 * an operator promotes it to prod, an admin approves it in the Approvals inbox, the catalog shows the tag,
 * and one call rolls it back; a rollout the simulator fails ends the deployment failed with its words.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApprovalList, Deployment, DeploymentList, DeploymentVersions, GithubWebhookResult } from '#schemas/index.ts';
import { DEMO_GITOPS_REPO } from '../fakes/demo-github.ts';
import { seedDemoData } from '../seed.ts';
import { deliverGitHub, setEnv, startHarness, until, type Harness } from './harness.ts';
import { deploymentApi } from './deployment-api.ts';

let h: Harness;
const ENV = { APOLLO_DEPLOY_POLL_SECONDS: '1', APOLLO_ARGOCD_SIM_POD_MS: '40', APOLLO_CANARY_INTERVAL_S: '1', APOLLO_CANARY_ITERATIONS: '2', APOLLO_CANARY_THRESHOLD: '2' };
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  restoreEnv = setEnv(ENV);
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => {
  await h?.close();
  restoreEnv?.();
});

const { api, reaches, environment: env } = deploymentApi(() => h);
/** `api` under another name, for the test whose `api` is GitHub's URL. */
const api_ = api;
const environment = async (service: string, name: string) => (await env(service, name))!;
const valuesAt = (env: string): string => h.runtime.github!.fake.fileAt(DEMO_GITOPS_REPO, `apps/core-service/${env}/values.yaml`, h.runtime.github!.fake.headOf(DEMO_GITOPS_REPO)!)!;

it('deploy to staging, promote to prod with an approval, the catalog shows it, one call rolls it back: on the fake GitHub and the simulated Argo CD', async () => {
  // The versions to pick from: the GitOps history and what the other environments run.
  const versions = await api<DeploymentVersions>('developer', 'GET', '/api/v1/deployments/versions?service=core-service&environment=staging');
  expect(versions.status, JSON.stringify(versions.body)).toBe(200);
  expect(versions.body.gitops).toMatchObject({ repository: `apollo-demo/${DEMO_GITOPS_REPO}`, path: 'apps/core-service/staging/values.yaml' });
  expect(versions.body.items.some((v) => v.source === 'gitops-history')).toBe(true);
  const stagingBefore = (await environment('core-service', 'staging')).deployment.imageTag;
  const prodBefore = (await environment('core-service', 'prod')).deployment.imageTag;

  // A developer deploys a new version to staging: one commit on the GitOps repository, Argo CD rolls it.
  const deployed = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v9.1.0', reason: 'the ledger fix' });
  expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
  expect(deployed.body.gitops?.kind).toContain('LOCAL FAKE');
  expect(deployed.body.rollout?.kind).toContain('SIMULATED');
  const staging = await reaches(deployed.body.id, ['succeeded', 'failed']);
  expect(staging.status, staging.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
  expect(valuesAt('staging')).toContain('v9.1.0');
  expect(staging.gitops?.diff).toContain(`-  tag: ${stagingBefore}`);
  expect(staging.rollout).toMatchObject({ phase: 'healthy' });
  expect((await environment('core-service', 'staging')).deployment).toMatchObject({ imageTag: 'v9.1.0', gitCommit: staging.gitCommit });

  // An operator promotes it to prod: a pull request, waiting for an approval by someone else.
  const promoted = await api<Deployment>('operator', 'POST', '/api/v1/services/core-service/promote', { from: 'staging', to: 'prod', reason: 'release 42', acknowledge: ['dependencies'] });
  expect(promoted.status, JSON.stringify(promoted.body)).toBe(201);
  const waiting = await reaches(promoted.body.id, ['awaiting_approval']);
  expect(waiting.gitops?.pullRequest).toMatchObject({ state: 'open' });
  expect(valuesAt('prod')).toContain(prodBefore!);
  const inbox = await api<ApprovalList>('admin', 'GET', '/api/v1/approvals/pending');
  const approval = inbox.body.items.find((a) => a.deployment?.id === promoted.body.id)!;
  expect(approval).toMatchObject({ kind: 'deployment', canDecide: true, deployment: { operation: 'promote', service: 'core-service', environment: 'prod', imageTag: 'v9.1.0', previousImageTag: prodBefore } });
  expect((await api('admin', 'POST', `/api/v1/approvals/${approval.id}/approve`, { comment: 'go' })).status).toBe(200);
  const prod = await reaches(promoted.body.id, ['succeeded', 'failed']);
  expect(prod.status, prod.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
  expect(prod.gitops?.pullRequest?.state).toBe('merged');
  expect(valuesAt('prod')).toContain('v9.1.0');
  expect((await environment('core-service', 'prod')).deployment.imageTag).toBe('v9.1.0');
  expect(h.runtime.argocd!.applications().find((a) => a.name === 'core-service-prod')).toBeDefined();

  // One call rolls prod back to what it ran before.
  const back = await api<Deployment>('operator', 'POST', '/api/v1/services/core-service/rollback', { environment: 'prod' });
  expect(back.status, JSON.stringify(back.body)).toBe(201);
  expect(back.body.imageTag).toBe(prodBefore);
  expect((await reaches(back.body.id, ['succeeded', 'failed'])).status).toBe('succeeded');
  expect((await environment('core-service', 'prod')).deployment.imageTag).toBe(prodBefore);
}, 90_000);

it('a rollout the simulated Argo CD fails ends the deployment failed with what Argo CD said; the catalog keeps the old tag', async () => {
  const before = (await environment('core-service', 'dev')).deployment.imageTag;
  h.runtime.argocd!.failNext(1, { application: 'core-service-dev', what: 'rollout' });
  const res = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'dev', imageTag: 'v9.9.9-broken' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const done = await reaches(res.body.id, ['failed', 'succeeded']);
  expect(done.status).toBe('failed');
  expect(done.error).toMatch(/degraded|Degraded/);
  expect((await environment('core-service', 'dev')).deployment.imageTag).toBe(before);
}, 60_000);

it('a change someone commits straight to the GitOps repository becomes a deployment initiated via gitops, followed to the catalog; Apollo\'s own commits are not counted twice', async () => {
  const fake = h.runtime.github!.fake;
  const path = 'apps/core-service/staging/values.yaml';
  const before = fake.fileAt(DEMO_GITOPS_REPO, path, fake.headOf(DEMO_GITOPS_REPO)!)!;
  const current = (await environment('core-service', 'staging')).deployment.imageTag!;
  const sha = fake.commit(DEMO_GITOPS_REPO, path, before.replace(`tag: ${current}`, 'tag: v7.7.7'), { message: 'Bump core-service staging to v7.7.7 (CI)', author: { name: 'ci-bot', email: 'ci@example.com' } });
  const push = (commits: unknown[], after: string) => ({
    ref: 'refs/heads/main', before: '0'.repeat(40), after,
    repository: { name: DEMO_GITOPS_REPO, full_name: `apollo-demo/${DEMO_GITOPS_REPO}`, default_branch: 'main', owner: { login: 'apollo-demo' } },
    commits, head_commit: { id: after },
  });
  const res = await deliverGitHub(h, 'push', push([{ id: sha, message: 'Bump core-service staging to v7.7.7 (CI)', author: { name: 'ci-bot', email: 'ci@example.com' }, added: [], modified: [path], removed: [] }], sha));
  expect(res.status).toBe(200);
  const body = (await res.json()) as GithubWebhookResult;
  expect(body.action, JSON.stringify(body)).toBe('deployments-recorded');
  const [id] = body.deployments!;
  const done = await reaches(id!, ['succeeded', 'failed']);
  expect(done.status, done.timeline.map((l) => l.message).join(' | ')).toBe('succeeded');
  expect(done).toMatchObject({ initiatedVia: 'gitops', initiatedBy: 'ci@example.com', operation: 'deploy', imageTag: 'v7.7.7', previousImageTag: current, gitCommit: sha });
  expect((await environment('core-service', 'staging')).deployment.imageTag).toBe('v7.7.7');
  const history = await api<DeploymentList>('viewer', 'GET', '/api/v1/deployments/history?service=core-service&environment=staging');
  expect(history.body.items[0]).toMatchObject({ id, initiatedVia: 'gitops' });
  // A push of Apollo's own commit (it carries the trailer) records nothing new.
  const own = await deliverGitHub(h, 'push', push([{ id: done.gitCommit, message: `deploy core-service\n\nApollo-Deployment: ${done.id}`, author: { name: 'apollo' }, modified: [path] }], sha));
  expect(((await own.json()) as GithubWebhookResult).action).toBe('ignored');
}, 60_000);

it('a commit made through the fake GitHub\'s API (as a person or CI would) is pushed to Apollo and followed as a gitops deployment', async () => {
  const fake = h.runtime.github!.fake;
  const path = 'apps/core-service/dev/values.yaml';
  const api = `${fake.url}/repos/apollo-demo/${DEMO_GITOPS_REPO}/contents/${path}`;
  const headers = { authorization: `token ${process.env.APOLLO_GITHUB_TOKEN}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' };
  const file = (await (await fetch(api, { headers })).json()) as { sha: string; content: string };
  const text = Buffer.from(file.content, 'base64').toString('utf8');
  const put = await fetch(api, { method: 'PUT', headers, body: JSON.stringify({ message: 'Hotfix core-service dev to v8.0.1', content: Buffer.from(text.replace(/^(\s*tag:\s*).*$/m, '$1v8.0.1')).toString('base64'), sha: file.sha, author: { name: 'Robin', email: 'robin@example.com' } }) });
  expect(put.status).toBe(200);
  // The catalog is told first, then the record says succeeded: wait for the record.
  const newest = async () => (await api_<DeploymentList>('viewer', 'GET', '/api/v1/deployments/history?service=core-service&environment=dev')).body.items[0];
  await until(async () => (await newest())?.status === 'succeeded', 30_000);
  expect((await environment('core-service', 'dev')).deployment.imageTag).toBe('v8.0.1');
  expect(await newest()).toMatchObject({ initiatedVia: 'gitops', initiatedBy: 'robin@example.com', imageTag: 'v8.0.1', status: 'succeeded' });
}, 60_000);
