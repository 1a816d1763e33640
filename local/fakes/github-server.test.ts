/** The fake GitHub's Actions: runs on timers, signed workflow_run webhooks, failure injection, run listings. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isValidSignature } from '../../functions/webhooks/github-signature.ts';
import { DEMO_ARCHIVE_SERVICE_WORKFLOW, DEMO_CREATE_SERVICE_WORKFLOW, demoCatalogRepo } from './demo-github.ts';
import { createdMatches, FakeGitHub, parseWorkflow, renderRunName } from './github-server.ts';

const TOKEN = 'fake-token-0123';
const SECRET = 'hook-secret-0123';
let fake: FakeGitHub;
let receiver: Server;
let received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }>;

beforeAll(async () => {
  fake = await FakeGitHub.start({ org: 'apollo-demo', tokens: [TOKEN], repos: [demoCatalogRepo()] });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await fake.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});
beforeEach(() => {
  received = [];
  fake.runTiming = 'manual';
  fake.sendWebhooksTo(undefined);
});

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${fake.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const dispatch = (inputs: Record<string, string>, extra: Record<string, unknown> = { return_run_details: true }) =>
  api('POST', '/repos/apollo-demo/platform-catalog/actions/workflows/create-service.yml/dispatches', { ref: 'main', inputs, ...extra });

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the fake GitHub\'s workflow runs', () => {
  it('run queued → in_progress → completed on timers, each step a signed workflow_run delivery, in order', async () => {
    // Prepare
    fake.runTiming = { queuedMs: 20, inProgressMs: 20 };
    fake.sendWebhooksTo(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, SECRET);

    // Act
    const answer = await dispatch({ name: 'billing', apollo_request: 'req-9/create/1' });
    const { workflow_run_id: id } = await answer.json() as { workflow_run_id: number };
    await until(() => received.length === 3);
    await fake.webhooksSent();

    // Assess
    expect(answer.status).toBe(200);
    const bodies = received.map((r) => JSON.parse(r.body) as { action: string; workflow_run: { id: number; status: string; conclusion: string | null; display_title: string; name: string } });
    expect(bodies.map((b) => [b.action, b.workflow_run.id, b.workflow_run.status, b.workflow_run.conclusion])).toEqual([
      ['requested', id, 'queued', null], ['in_progress', id, 'in_progress', null], ['completed', id, 'completed', 'success'],
    ]);
    expect(bodies[0]!.workflow_run).toMatchObject({ name: 'Create service', display_title: 'Create billing (req-9/create/1)' });
    for (const r of received) {
      expect(r.headers['x-github-event']).toBe('workflow_run');
      expect(isValidSignature(SECRET, r.body, r.headers['x-hub-signature-256'] as string)).toBe(true);
    }
    expect(new Set(received.map((r) => r.headers['x-github-delivery'])).size).toBe(3);
    expect(fake.deliveries.slice(-3).map((d) => [d.action, d.status])).toEqual([['requested', 200], ['in_progress', 200], ['completed', 200]]);
  });

  it('fails the next runs of a workflow when told so over POST /_fail', async () => {
    const armed = await fetch(`${fake.url}/_fail`, { method: 'POST', body: JSON.stringify({ workflow: 'create-service.yml', times: 1 }) });
    const ids: number[] = [];
    for (const name of ['a', 'b']) ids.push((await (await dispatch({ name })).json() as { workflow_run_id: number }).workflow_run_id);
    for (const id of ids) { fake.advanceRun(id); fake.advanceRun(id); }

    expect(await armed.json()).toEqual({ fake: 'LOCAL FAKE GitHub', armed: { workflow: 'create-service.yml', times: 1, conclusion: 'failure' } });
    expect(ids.map((id) => fake.workflowRun(id)!.conclusion)).toEqual(['failure', 'success']);
  });

  it('answers 204 in the no-content mode, lists runs newest first with the event, status and created filters, and cancels once', async () => {
    // Prepare
    fake.dispatchMode = 'no-content';
    const before = new Date(Date.now() - 1000).toISOString();
    const answers = [await dispatch({ name: 'x' }), await dispatch({ name: 'y' })];
    fake.dispatchMode = 'run-details';
    const list = async (query: string) => (await (await api('GET', `/repos/apollo-demo/platform-catalog/actions/workflows/create-service.yml/runs?${query}`)).json()) as { total_count: number; workflow_runs: Array<{ id: number; display_title: string }> };

    // Act
    const recent = await list(`event=workflow_dispatch&created=${encodeURIComponent(`>=${before}`)}&per_page=100`);
    const future = await list(`created=${encodeURIComponent(`>=${new Date(Date.now() + 60_000).toISOString()}`)}`);
    const [newest, older] = recent.workflow_runs;
    const cancelled = await api('POST', `/repos/apollo-demo/platform-catalog/actions/runs/${newest!.id}/cancel`);
    const again = await api('POST', `/repos/apollo-demo/platform-catalog/actions/runs/${newest!.id}/cancel`);
    const queued = await list('status=queued&per_page=100');

    // Assess
    expect(answers.map((a) => a.status)).toEqual([204, 204]);
    expect([newest!.display_title, older!.display_title]).toEqual(['Create y ()', 'Create x ()']);
    expect(future).toEqual({ total_count: 0, workflow_runs: [] });
    expect([cancelled.status, again.status]).toEqual([202, 409]);
    expect(await again.json()).toMatchObject({ message: 'Cannot cancel a workflow run that is completed.' });
    expect(queued.workflow_runs.map((r) => r.id)).toContain(older!.id);
    expect(queued.workflow_runs.map((r) => r.id)).not.toContain(newest!.id);
  });

  it('refuses a dispatch as GitHub does: no workflow_dispatch, undeclared inputs, a missing required one, an unknown workflow', async () => {
    const ci = await api('POST', '/repos/apollo-demo/platform-catalog/actions/workflows/ci.yml/dispatches', { ref: 'main' });
    const unexpected = await dispatch({ name: 'x', colour: 'red' });
    const missing = await dispatch({ team: 'x' });
    const unknown = await api('POST', '/repos/apollo-demo/platform-catalog/actions/workflows/nope.yml/dispatches', { ref: 'main' });

    expect(await Promise.all([ci, unexpected, missing, unknown].map(async (a) => [a.status, ((await a.json()) as { message: string }).message]))).toEqual([
      [422, 'Workflow does not have \'workflow_dispatch\' trigger'],
      [422, 'Unexpected inputs provided: ["colour"]'],
      [422, 'Required input \'name\' not provided'],
      [404, 'Not Found'],
    ]);
  });
});

describe('the fake GitHub\'s pages', () => {
  it('lists its runs, newest first, with name, workflow, inputs, outcome and times; says it is a fake and how to make one fail', async () => {
    // Prepare
    await fetch(`${fake.url}/_fail`, { method: 'POST', body: JSON.stringify({ workflow: 'archive-service.yml', times: 2, conclusion: 'timed_out' }) });
    const answer = await dispatch({ name: 'paged <b>', team: 'payments', apollo_request: 'req-7/create_repo/1' });
    const { workflow_run_id: id, html_url: htmlUrl } = await answer.json() as { workflow_run_id: number; html_url: string };
    fake.advanceRun(id);
    fake.advanceRun(id, 'failure');
    const before = fake.requests.length;

    // Act
    const page = await fetch(`${fake.url}/`);
    const html = await page.text();
    const one = await fetch(htmlUrl);
    const runHtml = await one.text();
    const missing = await fetch(`${fake.url}/apollo-demo/platform-catalog/actions/runs/1`);

    // Assess: a run's html_url is its page here, not a github.com page that does not exist.
    expect(htmlUrl).toBe(`${fake.url}/apollo-demo/platform-catalog/actions/runs/${id}`);
    expect(fake.workflowRun(id)!.html_url).toBe(htmlUrl);
    expect([page.status, page.headers.get('content-type'), page.headers.get('x-apollo-fake')]).toEqual([200, 'text/html; charset=utf-8', 'LOCAL FAKE']);
    expect(html).toContain('<title>Local fake GitHub</title>');
    expect(html).toContain('LOCAL FAKE: not GitHub.');
    const row = /<tr data-run="(\d+)">(.*?)<\/tr>/.exec(html)!;
    expect(row[1]).toBe(String(id));
    expect(row[2]).toContain('<b>Create paged &lt;b&gt; (req-7/create_repo/1)</b>');
    expect(row[2]).toContain('<code>create-service.yml</code>');
    expect(row[2]).toContain('team = <code>payments</code>');
    expect(row[2]).toContain('<b class="failure">completed</b> / <b class="failure">failure</b>');
    expect(row[2]).toMatch(/started \d{4}-\d\d-\d\dT[\d:.]+Z<br>updated \d{4}/);
    expect(html).toContain(`${fake.url}/_fail`);
    expect(html).toContain('the next 2 runs of <code>archive-service.yml</code> end <b>timed_out</b>');
    expect(html).not.toMatch(/<(script|link|img)\b/);
    expect(html).not.toContain(TOKEN);
    expect(one.status).toBe(200);
    expect(runHtml).toContain(`<title>Run ${id} — Local fake GitHub</title>`);
    expect(runHtml).toContain('apollo_request</td><td><code>req-7/create_repo/1</code>');
    expect(missing.status).toBe(404);
    // Pages are not API calls: no token asked, none counted.
    expect(fake.requests.length).toBe(before);
  });
});

describe('workflow files and filters', () => {
  it('reads the demo workflows: dispatchable, named with apollo_request', () => {
    const workflow = parseWorkflow(DEMO_CREATE_SERVICE_WORKFLOW)!;
    expect(workflow).toMatchObject({ name: 'Create service', dispatchable: true });
    expect(renderRunName(workflow.runName!, { name: 'billing', apollo_request: 'k/1' }, {})).toBe('Create billing (k/1)');
    expect(workflow.inputs.get('name')).toEqual({ required: true, hasDefault: false });
    const archive = parseWorkflow(DEMO_ARCHIVE_SERVICE_WORKFLOW)!;
    expect(archive).toMatchObject({ name: 'Archive service', dispatchable: true });
    expect(renderRunName(archive.runName!, { name: 'billing', apollo_request: 'k/2' }, {})).toBe('Archive billing (k/2)');
    expect([...archive.inputs.keys()]).toEqual(['name', 'reason', 'apollo_request']);
    expect(parseWorkflow('on: [push, workflow_dispatch]\n')).toMatchObject({ dispatchable: true, name: '' });
    expect(parseWorkflow('on: push\n')).toMatchObject({ dispatchable: false });
  });

  it('reads GitHub\'s created filter', () => {
    const at = '2026-11-02T10:00:00Z';
    expect([
      createdMatches(at, '>=2026-11-02T10:00:00Z'), createdMatches(at, '>2026-11-02T10:00:00Z'), createdMatches(at, '<=2026-11-02'),
      createdMatches(at, '<2026-11-02'), createdMatches(at, '2026-11-01..2026-11-02'), createdMatches(at, '*..2026-11-01'), createdMatches(at, '2026-11-02'),
    ]).toEqual([true, false, true, false, true, false, true]);
  });
});

describe('the fake GitHub\'s Git writes, branches and pull requests', () => {
  const REPO = '/repos/apollo-demo/gitops';
  const VALUES = 'apps/core-service/staging/values.yaml';
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const read = async (path: string, ref?: string) => {
    const answer = await api('GET', `${REPO}/contents/${path}${ref ? `?ref=${encodeURIComponent(ref)}` : ''}`);
    const body = await answer.json() as { sha: string; content: string };
    return { sha: body.sha, text: Buffer.from(body.content, 'base64').toString('utf8') };
  };
  const json = async <T = Record<string, unknown>>(answer: Response) => ({ status: answer.status, body: await answer.json() as T });

  beforeAll(() => {
    fake.putRepo({ name: 'gitops', files: { [VALUES]: 'image:\n  tag: v1\nreplicaCount: 2\n', 'README.md': '# GitOps\n' } });
  });

  it('creates (201) and updates (200) a file with the blob sha it replaces; a stale sha is 409, none 422, an unknown branch 404', async () => {
    // Prepare
    const before = await read(VALUES);
    const author = { name: 'Dana', email: 'dana@apollo.local' };

    // Act
    const updated = await json<{ content: { path: string; sha: string }; commit: { sha: string; message: string; author: { name: string; email: string }; committer: { name: string }; parents: Array<{ sha: string }> } }>(
      await api('PUT', `${REPO}/contents/${VALUES}`, { message: 'deploy v2\n\nApollo-Deployment: d-1', content: b64('image:\n  tag: v2\nreplicaCount: 2\n'), sha: before.sha, author }));
    const stale = await json(await api('PUT', `${REPO}/contents/${VALUES}`, { message: 'x', content: b64('x'), sha: before.sha }));
    const missing = await json(await api('PUT', `${REPO}/contents/${VALUES}`, { message: 'x', content: b64('x') }));
    const created = await api('PUT', `${REPO}/contents/apps/new/dev/values.yaml`, { message: 'add new', content: b64('replicaCount: 1\n') });
    const noBranch = await json(await api('PUT', `${REPO}/contents/${VALUES}`, { message: 'x', content: b64('x'), sha: before.sha, branch: 'nope' }));

    // Assess
    expect(updated.status).toBe(200);
    expect(updated.body.content).toMatchObject({ path: VALUES, sha: (await read(VALUES)).sha });
    expect(updated.body.commit).toMatchObject({ message: 'deploy v2\n\nApollo-Deployment: d-1', author, committer: { name: 'apollo-demo-bot' } });
    expect((await read(VALUES)).text).toBe('image:\n  tag: v2\nreplicaCount: 2\n');
    expect([stale.status, stale.body.message]).toEqual([409, `${VALUES} does not match ${before.sha}`]);
    expect([missing.status, missing.body.message]).toEqual([422, 'Invalid request.\n\n"sha" wasn\'t supplied.']);
    expect(created.status).toBe(201);
    expect([noBranch.status, noBranch.body.message]).toEqual([404, 'Branch nope not found']);
    expect(fake.headOf('gitops')).toBe((await json<{ commit: { sha: string } }>(created)).body.commit.sha);
  });

  it('lists the commits of a path, newest first, Link-paginated, each with its message, author and parent', async () => {
    // Prepare: two more commits of the file, one of another file.
    const first = fake.commit('gitops', VALUES, 'image:\n  tag: v3\nreplicaCount: 2\n', { message: 'deploy v3', author: { name: 'Op', email: 'op@apollo.local', date: '2026-11-01T10:00:00Z' } });
    fake.commit('gitops', 'README.md', '# GitOps repository\n');
    const second = fake.commit('gitops', VALUES, 'image:\n  tag: v4\nreplicaCount: 2\n', { message: 'deploy v4' });

    // Act
    const page1 = await api('GET', `${REPO}/commits?path=${encodeURIComponent(VALUES)}&per_page=2`);
    const commits = await page1.json() as Array<{ sha: string; commit: { message: string; author: { name: string; date: string } }; parents: Array<{ sha: string }> }>;
    const page2 = await json<Array<{ commit: { message: string } }>>(await api('GET', `${REPO}/commits?path=${encodeURIComponent(VALUES)}&per_page=2&page=2`));
    const unknown = await api('GET', `${REPO}/commits?sha=no-such-branch`);

    // Assess
    expect(commits.map((c) => [c.sha, c.commit.message])).toEqual([[second, 'deploy v4'], [first, 'deploy v3']]);
    expect(commits[1]!.commit.author).toMatchObject({ name: 'Op', date: '2026-11-01T10:00:00Z' });
    expect(commits[0]!.parents).toHaveLength(1);
    expect(page1.headers.get('link')).toContain('rel="next"');
    expect(page2.body.map((c) => c.commit.message)).toEqual(['deploy v2\n\nApollo-Deployment: d-1', 'Initial commit']);
    expect(unknown.status).toBe(404);
  });

  it('creates (201), reads and deletes (204) a branch; an existing one is 422 "Reference already exists", a missing one 422 on delete', async () => {
    const head = fake.headOf('gitops')!;
    const created = await json<{ ref: string; object: { sha: string } }>(await api('POST', `${REPO}/git/refs`, { ref: 'refs/heads/apollo/deploy/x1', sha: head }));
    const again = await json(await api('POST', `${REPO}/git/refs`, { ref: 'refs/heads/apollo/deploy/x1', sha: head }));
    const badSha = await json(await api('POST', `${REPO}/git/refs`, { ref: 'refs/heads/other', sha: 'f'.repeat(40) }));
    const got = await json<{ ref: string; object: { sha: string } }>(await api('GET', `${REPO}/git/ref/heads/apollo/deploy/x1`));
    const encoded = await api('GET', `${REPO}/git/ref/${encodeURIComponent('heads/apollo/deploy/x1')}`);
    const deleted = await api('DELETE', `${REPO}/git/refs/heads/apollo/deploy/x1`);
    const gone = await api('GET', `${REPO}/git/ref/heads/apollo/deploy/x1`);
    const deletedAgain = await json(await api('DELETE', `${REPO}/git/refs/heads/apollo/deploy/x1`));

    expect([created.status, created.body.ref, created.body.object.sha]).toEqual([201, 'refs/heads/apollo/deploy/x1', head]);
    expect([again.status, again.body.message]).toEqual([422, 'Reference already exists']);
    expect([badSha.status, badSha.body.message]).toEqual([422, 'Object does not exist']);
    expect([got.status, got.body.object.sha, encoded.status]).toEqual([200, head, 200]);
    expect([deleted.status, gone.status]).toEqual([204, 404]);
    expect([deletedAgain.status, deletedAgain.body.message]).toEqual([422, 'Reference does not exist']);
  });

  it('opens a pull request from a branch with a commit, refuses a second for the same head (422), squash-merges it into one new commit, then refuses to merge again (405)', async () => {
    // Prepare: a branch with one commit changing the values file.
    const base = fake.headOf('gitops')!;
    await api('POST', `${REPO}/git/refs`, { ref: 'refs/heads/apollo/deploy/p1', sha: base });
    const file = await read(VALUES, 'apollo/deploy/p1');
    await api('PUT', `${REPO}/contents/${VALUES}`, { message: 'deploy v5', content: b64(file.text.replace('v4', 'v5')), sha: file.sha, branch: 'apollo/deploy/p1', author: { name: 'Dana', email: 'dana@apollo.local' } });
    const empty = await api('POST', `${REPO}/git/refs`, { ref: 'refs/heads/empty', sha: base });

    // Act
    const opened = await json<{ number: number; state: string; head: { ref: string; sha: string }; base: { ref: string }; html_url: string }>(
      await api('POST', `${REPO}/pulls`, { title: 'deploy core-service v5 to staging', head: 'apollo-demo:apollo/deploy/p1', base: 'main', body: 'why\n\nApollo-Deployment: p1' }));
    const twice = await json<{ errors: unknown[] }>(await api('POST', `${REPO}/pulls`, { title: 'again', head: 'apollo/deploy/p1', base: 'main' }));
    const nothing = await json<{ errors: unknown[] }>(await api('POST', `${REPO}/pulls`, { title: 'empty', head: 'empty', base: 'main' }));
    const listed = await json<Array<{ number: number; merged?: boolean }>>(await api('GET', `${REPO}/pulls?head=apollo-demo:apollo/deploy/p1&state=all`));
    const before = await json<{ mergeable: boolean; merged: boolean; commits: number; changed_files: number; additions: number; deletions: number }>(await api('GET', `${REPO}/pulls/${opened.body.number}`));
    const stale = await api('PUT', `${REPO}/pulls/${opened.body.number}/merge`, { merge_method: 'squash', sha: base });
    const merged = await json<{ sha: string; merged: boolean; message: string }>(
      await api('PUT', `${REPO}/pulls/${opened.body.number}/merge`, { merge_method: 'squash', commit_title: 'deploy core-service v5 to staging (#1)', commit_message: 'why\n\nApollo-Deployment: p1', sha: opened.body.head.sha }));
    const again = await json(await api('PUT', `${REPO}/pulls/${opened.body.number}/merge`, { merge_method: 'squash' }));
    const after = await json<{ state: string; merged: boolean; merge_commit_sha: string }>(await api('GET', `${REPO}/pulls/${opened.body.number}`));
    const isMerged = await api('GET', `${REPO}/pulls/${opened.body.number}/merge`);

    // Assess
    expect(opened).toMatchObject({ status: 201, body: { state: 'open', head: { ref: 'apollo/deploy/p1' }, base: { ref: 'main' }, html_url: `${fake.url}/apollo-demo/gitops/pull/${opened.body.number}` } });
    expect(twice).toMatchObject({ status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for apollo-demo:apollo/deploy/p1.' }] } });
    expect(empty.status).toBe(201);
    expect(nothing).toMatchObject({ status: 422, body: { errors: [{ message: 'No commits between main and empty' }] } });
    expect(listed.body.map((p) => p.number)).toEqual([opened.body.number]);
    expect(listed.body[0]).not.toHaveProperty('merged');
    expect(before.body).toMatchObject({ mergeable: true, merged: false, commits: 1, changed_files: 1, additions: 1, deletions: 1 });
    expect(stale.status).toBe(409);
    expect(merged.body).toEqual({ sha: fake.headOf('gitops'), merged: true, message: 'Pull Request successfully merged' });
    expect(fake.commitLog('gitops').slice(0, 2)).toEqual([
      { sha: merged.body.sha, message: 'deploy core-service v5 to staging (#1)\n\nwhy\n\nApollo-Deployment: p1', author: expect.objectContaining({ name: 'Dana' }), parents: [base] },
      expect.objectContaining({ sha: base }),
    ]);
    expect(fake.fileAt('gitops', VALUES)).toContain('tag: v5');
    expect([again.status, again.body.message]).toEqual([405, 'Pull Request is not mergeable']);
    expect(after.body).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: merged.body.sha });
    expect(isMerged.status).toBe(204);
  });

  it('closes a pull request (PATCH), takes a comment (201), and a conflicting one is not mergeable (405)', async () => {
    // Prepare: a branch changing the file, then the default branch changing the same line another way.
    const base = fake.headOf('gitops')!;
    await api('POST', `${REPO}/git/refs`, { ref: 'refs/heads/apollo/deploy/c1', sha: base });
    fake.commit('gitops', VALUES, 'image:\n  tag: v6\nreplicaCount: 2\n', { branch: 'apollo/deploy/c1', message: 'deploy v6' });
    fake.commit('gitops', VALUES, 'image:\n  tag: v7\nreplicaCount: 2\n', { message: 'hotfix v7' });
    const pr = (await json<{ number: number }>(await api('POST', `${REPO}/pulls`, { title: 'deploy v6', head: 'apollo/deploy/c1', base: 'main' }))).body;

    // Act
    const state = await json<{ mergeable: boolean; mergeable_state: string }>(await api('GET', `${REPO}/pulls/${pr.number}`));
    const refused = await api('PUT', `${REPO}/pulls/${pr.number}/merge`, { merge_method: 'squash' });
    const commented = await json<{ body: string; html_url: string }>(await api('POST', `${REPO}/issues/${pr.number}/comments`, { body: 'Rejected in Apollo' }));
    const closed = await json<{ state: string; merged: boolean; closed_at: string | null }>(await api('PATCH', `${REPO}/pulls/${pr.number}`, { state: 'closed' }));
    const deleted = await api('DELETE', `${REPO}/git/refs/heads/apollo/deploy/c1`);
    const reopen = await json(await api('PATCH', `${REPO}/pulls/${pr.number}`, { state: 'open' }));

    // Assess
    expect(state.body).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    expect(refused.status).toBe(405);
    expect(commented).toMatchObject({ status: 201, body: { body: 'Rejected in Apollo', html_url: expect.stringContaining(`/pull/${pr.number}#issuecomment-`) } });
    expect(closed.body).toMatchObject({ state: 'closed', merged: false, closed_at: expect.any(String) });
    expect(deleted.status).toBe(204);
    expect(reopen).toMatchObject({ status: 422, body: { errors: [{ message: 'state cannot be changed. The apollo/deploy/c1 branch has been deleted.' }] } });
    expect(fake.pullComments('gitops', pr.number)).toEqual(['Rejected in Apollo']);
    expect(fake.fileAt('gitops', VALUES)).toContain('tag: v7');
  });

  it('draws the repository\'s pages: branches, pull requests and recent commits; a commit with its diff; a pull request with its commits and comments', async () => {
    // Prepare
    const head = fake.headOf('gitops')!;
    const before = fake.requests.length;

    // Act
    const repoPage = await fetch(`${fake.url}/apollo-demo/gitops`);
    const html = await repoPage.text();
    const commitHtml = await (await fetch(`${fake.url}/apollo-demo/gitops/commit/${head}`)).text();
    const pullHtml = await (await fetch(`${fake.url}/apollo-demo/gitops/pull/1`)).text();
    const missing = await fetch(`${fake.url}/apollo-demo/gitops/pull/99`);

    // Assess
    expect([repoPage.status, repoPage.headers.get('content-type'), repoPage.headers.get('x-apollo-fake')]).toEqual([200, 'text/html; charset=utf-8', 'LOCAL FAKE']);
    expect(html).toContain('<h1>apollo-demo/gitops</h1>');
    expect(html).toMatch(/<tr data-pull="1">.*deploy core-service v5 to staging.*<b class="merged">merged<\/b>/);
    expect(html).toMatch(/<tr data-pull="2">.*deploy v6.*<b class="closed">closed<\/b>/);
    expect(html).toContain(`<tr data-commit="${head}"><td><a href="/apollo-demo/gitops/commit/${head}"><code>${head.slice(0, 7)}</code></a></td><td>hotfix v7</td>`);
    expect(commitHtml).toContain('<h1>hotfix v7</h1>');
    expect(commitHtml).toContain('<span class="del">-  tag: v5</span>\n<span class="add">+  tag: v7</span>');
    expect(pullHtml).toContain('<h1>deploy core-service v5 to staging <small>#1</small></h1>');
    expect(pullHtml).toContain('<span class="add">+  tag: v5</span>');
    expect(pullHtml).toContain('deploy v5</td><td>Dana');
    expect(missing.status).toBe(404);
    expect(fake.requests.length).toBe(before);
  });
});

describe('the fake GitHub\'s Git database API (trees, commits, refs)', () => {
  const REPO = '/repos/apollo-demo/service-repo';
  const json = async <T = Record<string, unknown>>(answer: Response) => ({ status: answer.status, body: await answer.json() as T });

  beforeAll(() => {
    fake.putRepo({ name: 'service-repo', files: { 'src/app.yml': 'pool: 10\n', 'old.txt': 'gone soon\n', 'README.md': '# Service\n' } });
  });

  it('makes a tree on a base (written and deleted files), a commit of it, a branch at the commit, and moves branches only forward unless forced', async () => {
    // Prepare: the base commit's tree, as a client reads it.
    const base = fake.headOf('service-repo')!;
    const baseCommit = await json<{ commit: { tree: { sha: string } } }>(await api('GET', `${REPO}/commits/${base}`));
    const baseTree = baseCommit.body.commit.tree.sha;

    // Act
    const listedBase = await json<{ sha: string; tree: Array<{ path: string; type: string; mode: string }> }>(await api('GET', `${REPO}/git/trees/${baseTree}?recursive=1`));
    const tree = await json<{ sha: string; tree: Array<{ path: string }> }>(await api('POST', `${REPO}/git/trees`, {
      base_tree: baseTree,
      tree: [
        { path: 'src/app.yml', mode: '100644', type: 'blob', content: 'pool: 15\n' },
        { path: 'docs/new.md', mode: '100644', type: 'blob', content: '# New\n' },
        { path: 'old.txt', mode: '100644', type: 'blob', sha: null },
      ],
    }));
    const listed = await json<{ sha: string; tree: Array<{ path: string; type: string }> }>(await api('GET', `${REPO}/git/trees/${tree.body.sha}?recursive=1`));
    const same = await json<{ sha: string }>(await api('POST', `${REPO}/git/trees`, { base_tree: baseTree, tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: '# Service\n' }] }));
    const commit = await json<{ sha: string; message: string; tree: { sha: string }; parents: Array<{ sha: string }> }>(
      await api('POST', `${REPO}/git/commits`, { message: 'Raise the pool', tree: tree.body.sha, parents: [base] }));
    const read = await json<{ sha: string; message: string }>(await api('GET', `${REPO}/git/commits/${commit.body.sha}`));
    const headBefore = fake.headOf('service-repo');
    const branch = await json<{ ref: string; object: { sha: string } }>(await api('POST', `${REPO}/git/refs`, { ref: 'refs/heads/apollo/change-1', sha: commit.body.sha }));
    const noTree = await json<{ message: string }>(await api('POST', `${REPO}/git/commits`, { message: 'x', tree: 'f'.repeat(40), parents: [base] }));
    const noParent = await json<{ message: string }>(await api('POST', `${REPO}/git/commits`, { message: 'x', tree: tree.body.sha, parents: ['e'.repeat(40)] }));
    const badBase = await json<{ message: string }>(await api('POST', `${REPO}/git/trees`, { base_tree: 'd'.repeat(40), tree: [] }));
    const badPath = await json<{ message: string }>(await api('POST', `${REPO}/git/trees`, { tree: [{ path: '../x', mode: '100644', type: 'blob', content: 'x' }] }));

    // Assess
    expect(listedBase.status).toBe(200);
    expect(listedBase.body.sha).toBe(baseTree);
    expect(listedBase.body.tree.filter((e) => e.type === 'blob').map((e) => [e.path, e.mode]).sort()).toEqual([['README.md', '100644'], ['old.txt', '100644'], ['src/app.yml', '100644']]);
    expect(tree.status).toBe(201);
    expect(tree.body.sha).not.toBe(baseTree);
    expect(listed.body.tree.filter((e) => e.type === 'blob').map((e) => e.path).sort()).toEqual(['README.md', 'docs/new.md', 'src/app.yml']);
    expect(same).toMatchObject({ status: 201, body: { sha: baseTree } });
    expect(commit).toMatchObject({ status: 201, body: { message: 'Raise the pool', tree: { sha: tree.body.sha }, parents: [{ sha: base }] } });
    expect(read).toMatchObject({ status: 200, body: { sha: commit.body.sha, message: 'Raise the pool' } });
    expect(headBefore).toBe(base);
    expect(branch).toMatchObject({ status: 201, body: { ref: 'refs/heads/apollo/change-1', object: { sha: commit.body.sha } } });
    expect(fake.fileAt('service-repo', 'src/app.yml', 'apollo/change-1')).toBe('pool: 15\n');
    expect(fake.fileAt('service-repo', 'old.txt', 'apollo/change-1')).toBeUndefined();
    expect(fake.fileAt('service-repo', 'src/app.yml')).toBe('pool: 10\n');
    expect([noTree.status, noTree.body.message]).toEqual([422, 'Tree SHA does not exist']);
    expect([noParent.status, noParent.body.message]).toEqual([422, 'Parent SHA does not exist or is not a commit object']);
    expect(badBase.status).toBe(422);
    expect(badPath.status).toBe(422);
  });

  it('updates a ref: a fast forward moves the default branch (its history too), a rewind is 422 unless forced', async () => {
    // Prepare: a commit on top of main, made through the API.
    const base = fake.headOf('service-repo')!;
    const { commit: { tree: { sha: baseTree } } } = await (await api('GET', `${REPO}/commits/${base}`)).json() as { commit: { tree: { sha: string } } };
    const { sha: tree } = await (await api('POST', `${REPO}/git/trees`, { base_tree: baseTree, tree: [{ path: 'NEWS.md', mode: '100644', type: 'blob', content: 'news\n' }] })).json() as { sha: string };
    const { sha: next } = await (await api('POST', `${REPO}/git/commits`, { message: 'Add news', tree, parents: [base] })).json() as { sha: string };

    // Act
    const forward = await json<{ object: { sha: string } }>(await api('PATCH', `${REPO}/git/refs/heads/main`, { sha: next }));
    const rewind = await json<{ message: string }>(await api('PATCH', `${REPO}/git/refs/heads/main`, { sha: base }));
    const forced = await json<{ object: { sha: string } }>(await api('PATCH', `${REPO}/git/refs/heads/main`, { sha: base, force: true }));
    const missing = await json<{ message: string }>(await api('PATCH', `${REPO}/git/refs/heads/no-such-branch`, { sha: base }));

    // Assess
    expect(forward).toMatchObject({ status: 200, body: { object: { sha: next } } });
    expect([rewind.status, rewind.body.message]).toEqual([422, 'Update is not a fast forward']);
    expect(forced).toMatchObject({ status: 200, body: { object: { sha: base } } });
    expect([missing.status, missing.body.message]).toEqual([422, 'Reference does not exist']);
    expect(fake.headOf('service-repo')).toBe(base);
    expect(fake.commitLog('service-repo').map((c) => c.sha)[0]).toBe(base);
    expect(fake.fileAt('service-repo', 'NEWS.md')).toBeUndefined();
  });
});
