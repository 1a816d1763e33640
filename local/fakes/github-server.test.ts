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
