import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../functions/requests/actions/test-server.ts';
import { FAKE_JIRA_TITLE, FakeJira } from './jira-server.ts';

const EMAIL = 'bot@example.com';
const TOKEN = 'fake-jira-token';
const SECRET = 'hook-secret';
const AUTH = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;

let fake: FakeJira;
let receiver: TestServer;
let answer = 200;

beforeAll(async () => {
  receiver = await startTestServer();
  receiver.route('POST', '/api/v1/webhooks/jira', () => ({ status: answer, body: { ok: answer < 300 } }));
  fake = await FakeJira.start({ email: EMAIL, apiToken: TOKEN, webhookSecret: SECRET, webhookUrl: `${receiver.url}/api/v1/webhooks/jira`, webhookRetryMs: 5 });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(() => {
  answer = 200;
  receiver.received.length = 0;
});

// A JSON answer read loosely: the assertions say its shape.
async function api(method: string, path: string, body?: unknown, auth = AUTH): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${fake.url}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const doc = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

async function create(fields: Record<string, unknown> = {}): Promise<string> {
  const res = await api('POST', '/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'Grant access', description: doc('please'), labels: ['apollo'], ...fields } });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

describe('the fake JIRA API', () => {
  it('wants basic auth with the configured email and token', async () => {
    expect(await api('GET', '/rest/api/3/issue/OPS-1', undefined, '')).toEqual({ status: 401, body: { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} } });
    expect((await api('GET', '/rest/api/3/issue/OPS-1', undefined, `Basic ${Buffer.from(`${EMAIL}:nope`).toString('base64')}`)).status).toBe(401);
  });

  it('creates an issue (201 {id,key,self}) and answers it with its fields, or only those asked for', async () => {
    // Act
    const created = await api('POST', '/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'Grant access', description: doc('please'), priority: { name: 'High' }, labels: ['apollo', 'x'], components: [{ name: 'IAM' }], assignee: { accountId: 'acc-1' }, customfield_10031: '2026-12-31' } });
    const full = await api('GET', `/rest/api/3/issue/${created.body.key}`);
    const some = await api('GET', `/rest/api/3/issue/${created.body.key}?fields=status,resolution`);

    // Assess
    expect(created).toEqual({ status: 201, body: { id: expect.stringMatching(/^\d+$/), key: expect.stringMatching(/^OPS-\d+$/), self: `${fake.url}/rest/api/3/issue/${created.body.id}` } });
    expect(full.body.fields).toMatchObject({ summary: 'Grant access', description: doc('please'), priority: { name: 'High' }, labels: ['apollo', 'x'], components: [{ name: 'IAM' }], assignee: { accountId: 'acc-1' }, customfield_10031: '2026-12-31', resolution: null, status: { name: 'To Do', statusCategory: { key: 'new' } } });
    expect(some.body).toMatchObject({ id: created.body.id, key: created.body.key, fields: { status: { name: 'To Do', statusCategory: { key: 'new', name: 'To Do' } }, resolution: null } });
    expect(Object.keys(some.body.fields)).toEqual(['status', 'resolution']);
  });

  it('refuses what JIRA refuses, as JIRA words it (400 {errorMessages, errors})', async () => {
    const res = await api('POST', '/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'a\nb', description: 'plain text', labels: ['two words'], priority: { name: 'Urgent' }, reporter: { id: 'x' } } });
    expect(res).toEqual({
      status: 400,
      body: {
        errorMessages: [],
        errors: {
          summary: 'The summary is invalid because it contains newline characters.',
          description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
          labels: "The label 'two words' contains spaces which is invalid.",
          priority: 'Specify the Priority (name) in the string format: one of Highest, High, Medium, Low, Lowest',
          reporter: "Field 'reporter' cannot be set. It is not on the appropriate screen, or unknown.",
        },
      },
    });
    expect((await api('POST', '/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' } } })).body.errors).toEqual({ summary: 'You must specify a summary of the issue.' });
  });

  it('searches by JQL (labels, project, status, ORDER BY), refuses an unbounded query, and the old search is gone (410)', async () => {
    // Prepare
    const a = await create({ labels: ['apollo-search-1'] });
    const b = await create({ labels: ['apollo-search-1', 'other'] });
    await create({ labels: ['apollo-search-2'] });

    // Act
    const byLabel = await api('POST', '/rest/api/3/search/jql', { jql: 'labels = "apollo-search-1" ORDER BY created ASC', fields: ['key', 'status'] });
    const combined = await api('GET', `/rest/api/3/search/jql?jql=${encodeURIComponent('project = OPS AND labels in (other) AND status = "To Do"')}`);
    const unbounded = await api('POST', '/rest/api/3/search/jql', { jql: 'ORDER BY created' });
    const unknown = await api('POST', '/rest/api/3/search/jql', { jql: 'reporter = me' });
    const old = await api('POST', '/rest/api/3/search', { jql: 'labels = x' });

    // Assess
    expect(byLabel.status).toBe(200);
    expect(byLabel.body.issues.map((i: { key: string }) => i.key)).toEqual([a, b]);
    expect(byLabel.body.issues[0]).toMatchObject({ key: a, fields: { status: { name: 'To Do' } } });
    expect(byLabel.body.isLast).toBe(true);
    expect(combined.body.issues.map((i: { key: string; fields: object }) => [i.key, i.fields])).toEqual([[b, {}]]);
    expect(unbounded).toEqual({ status: 400, body: { errorMessages: ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.'], errors: {} } });
    expect(unknown.body.errorMessages).toEqual(["Field 'reporter' does not exist or you do not have permission to view it."]);
    expect(old.status).toBe(410);
  });

  it('adds and lists comments (ADF, ordered by created either way, paged)', async () => {
    // Prepare
    const key = await create();

    // Act
    const first = await api('POST', `/rest/api/3/issue/${key}/comment`, { body: doc('one') });
    await api('POST', `/rest/api/3/issue/${key}/comment`, { body: doc('two') });
    const plain = await api('POST', `/rest/api/3/issue/${key}/comment`, { body: 'three' });
    const ascending = await api('GET', `/rest/api/3/issue/${key}/comment?orderBy=created`);
    const page = await api('GET', `/rest/api/3/issue/${key}/comment?orderBy=-created&startAt=1&maxResults=1`);

    // Assess
    expect(first).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^\d+$/), body: doc('one'), author: { displayName: 'Apollo (local fake account)' } } });
    expect(plain.status).toBe(400);
    expect(ascending.body).toMatchObject({ startAt: 0, total: 2, comments: [{ body: doc('one') }, { body: doc('two') }] });
    expect(page.body).toMatchObject({ startAt: 1, maxResults: 1, total: 2, comments: [{ body: doc('one') }] });
  });

  it("moves an issue through its transitions: To Do → In Progress → Done, or Won't Do, each with its resolution", async () => {
    // Prepare
    const key = await create();

    // Act
    const listed = await api('GET', `/rest/api/3/issue/${key}/transitions`);
    const start = await api('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: '21' } });
    const same = await api('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: '21' } });
    const done = await api('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: '31' } });
    const afterDone = await api('GET', `/rest/api/3/issue/${key}?fields=status,resolution`);
    await api('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: '41' } });
    const afterWontDo = await api('GET', `/rest/api/3/issue/${key}?fields=status,resolution`);

    // Assess
    expect(listed.body.transitions.map((t: { id: string; name: string; to: { statusCategory: { key: string } } }) => [t.id, t.name, t.to.statusCategory.key])).toEqual([['21', 'In Progress', 'indeterminate'], ['31', 'Done', 'done'], ['41', "Won't Do", 'done']]);
    expect(start.status).toBe(204);
    expect(same).toEqual({ status: 400, body: { errorMessages: ["Transition id '21' is not valid for this issue."], errors: {} } });
    expect(done.status).toBe(204);
    expect(afterDone.body.fields).toMatchObject({ status: { name: 'Done', statusCategory: { key: 'done' } }, resolution: { name: 'Done' } });
    expect(afterWontDo.body.fields).toMatchObject({ status: { name: "Won't Do", statusCategory: { key: 'done' } }, resolution: { name: "Won't Do" } });
  });
});

describe('the fake JIRA webhooks', () => {
  it('signs each event (X-Hub-Signature over the body) and names it (X-Atlassian-Webhook-Identifier)', async () => {
    // Prepare
    const key = await create();

    // Act
    fake.addComment(key, 'on it');
    fake.transition(key, 'Done');
    await fake.settled();

    // Assess
    const got = receiver.received.map((r) => ({ body: JSON.parse(r.body) as { webhookEvent: string; issue_event_type_name: string; issue: { key: string }; changelog?: unknown; comment?: unknown }, headers: r.headers, raw: r.body }));
    expect(got.map((g) => [g.body.webhookEvent, g.body.issue_event_type_name, g.body.issue.key])).toEqual([
      ['jira:issue_created', 'issue_created', key],
      ['comment_created', 'issue_commented', key],
      ['jira:issue_updated', 'issue_generic', key],
    ]);
    for (const g of got) {
      expect(g.headers['x-hub-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(g.raw).digest('hex')}`);
      expect(g.headers['x-atlassian-webhook-identifier']).toMatch(/^fake-/);
      expect(g.headers['x-atlassian-webhook-retry']).toBeUndefined();
    }
    expect(new Set(got.map((g) => g.headers['x-atlassian-webhook-identifier'])).size).toBe(3);
    expect(got[1]!.body.comment).toMatchObject({ body: { type: 'doc' }, author: { displayName: 'Local Fulfiller' } });
    expect(got[2]!.body.changelog).toMatchObject({ items: [{ field: 'status', fromString: 'To Do', toString: 'Done' }, { field: 'resolution', fromString: null, toString: 'Done' }] });
  });

  it('retries a delivery that got a 5xx with the same identifier, and redelivers on demand', async () => {
    // Prepare
    answer = 503;

    // Act
    const key = await create();
    await fake.settled();
    answer = 200;
    const delivery = fake.deliveries.at(-1)!;
    await fake.redeliver(delivery.identifier);

    // Assess
    expect(delivery).toMatchObject({ key, event: 'jira:issue_created', attempts: 4, status: 200 });
    expect(receiver.received.map((r) => [r.headers['x-atlassian-webhook-identifier'], r.headers['x-atlassian-webhook-retry']])).toEqual([
      [delivery.identifier, undefined], [delivery.identifier, '1'], [delivery.identifier, '2'], [delivery.identifier, '3'],
    ]);
  });
});

describe('the fake JIRA page', () => {
  it('lists the tickets with forms, and its forms comment and move them (303 back)', async () => {
    // Prepare
    const key = await create({ summary: 'Page <b>ticket</b>' });

    // Act
    const page = await fetch(`${fake.url}/`);
    const html = await page.text();
    const comment = await fetch(`${fake.url}/_control/issues/${key}/comment`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: fake.url }, body: 'text=Done+on+my+side' });
    const resolve = await fetch(`${fake.url}/_control/issues/${key}/transition`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'transition=41&back=browse' });
    const elsewhere = await fetch(`${fake.url}/_control/issues/${key}/transition`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, body: 'transition=31' });
    const browse = await (await fetch(`${fake.url}/browse/${key}`)).text();
    const state = await (await fetch(`${fake.url}/_control/state`)).json() as { counters: { issuesCreated: number } };

    // Assess
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toContain(`<title>${FAKE_JIRA_TITLE}</title>`);
    expect(html).toContain('LOCAL FAKE');
    expect(html).toContain(`Page &lt;b&gt;ticket&lt;/b&gt;`);
    expect(html).toContain(`action="/_control/issues/${key}/comment"`);
    expect(html).toContain("Resolve: Won't Do");
    expect([comment.status, comment.headers.get('location')]).toEqual([303, `/#${key}`]);
    expect([resolve.status, resolve.headers.get('location')]).toEqual([303, `/browse/${key}`]);
    expect(elsewhere.status).toBe(403);
    expect(fake.issue(key)).toMatchObject({ status: "Won't Do", resolution: "Won't Do" });
    expect(browse).toContain('Done on my side');
    expect(browse).toContain('Reopen (To Do)');
    expect(state.counters.issuesCreated).toBe(fake.counters.issuesCreated);
  });
});
