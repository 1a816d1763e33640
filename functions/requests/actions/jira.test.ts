import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionOutputs, JiraAction, JiraTicketTemplate } from '#schemas/index.ts';
import { FakeJira } from '../../../local/fakes/jira-server.ts';
import { InMemoryIntegrationSecrets } from '../adapters/local-secrets.ts';
import type { ExecutorDeps } from './attempt.ts';
import { IntegrationBreakers } from './breaker.ts';
import { adfFromText, adfToText, idempotencyLabel, JIRA_URL_ENV, jiraExecutor } from './jira.ts';
import type { AsyncRun, ExternalRef } from './ports.ts';
import { parseEgressAllow } from './ssrf.ts';
import { startTestServer } from './test-server.ts';

const EMAIL = 'bot@example.com';
const TOKEN = 'jira-SECRET-token-123';

let fake: FakeJira;
const saved = { ...process.env };

beforeAll(async () => {
  fake = await FakeJira.start({ email: EMAIL, apiToken: TOKEN, projects: ['OPS', 'SEC'] });
  process.env[JIRA_URL_ENV] = `${fake.url}/`;
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved, { [JIRA_URL_ENV]: `${fake.url}/` });
});

function deps(secrets: Record<string, string> = { jira_email: EMAIL, jira_api_token: TOKEN }): ExecutorDeps {
  return { secrets: new InMemoryIntegrationSecrets(secrets), allow: parseEgressAllow(`${fake.url}/`), breakers: new IntegrationBreakers() };
}

const TEMPLATE: JiraTicketTemplate = {
  project: 'SEC',
  issueType: 'Access Request',
  summary: '{{fields.level | upper}} access for {{request.requester}}',
  description: 'Apollo request {{request.id}} by {{request.requester}}.\n\nAccess: {{fields.level}}\nPassword: {{fields.pw}}',
  priority: 'High',
  labels: ['apollo', 'access {{fields.level}}'],
  components: ['IAM'],
  assignee: '{{fields.assignee}}',
  customFields: { customfield_10031: '{{fields.until}}' },
};

let sequence = 0;
function run(config: Partial<JiraTicketTemplate> = {}, over: Partial<AsyncRun> = {}, outputs?: ActionOutputs): AsyncRun {
  sequence++;
  const action: JiraAction = { id: 'ticket', type: 'jira', config: { ...TEMPLATE, ...config }, ...(outputs ? { outputs } : {}) };
  return {
    requestId: `req-${sequence}`,
    action,
    attempt: 1,
    idempotencyKey: `req-${sequence}/ticket/1`,
    variables: {
      fields: { level: 'admin', pw: 'field-SECRET-pw', assignee: '5b10a2844c20165700ede21g', until: '2026-12-31' },
      secretFields: ['pw'],
      request: { id: `req-${sequence}`, requester: 'ada' },
    },
    timeoutMs: 7 * 24 * 3600 * 1000,
    ...over,
  };
}

describe('JIRA executor: start', () => {
  it('creates the ticket with an ADF description, the labels and the idempotency label, and answers where it is', async () => {
    // Prepare
    const r = run();
    const label = idempotencyLabel(r.idempotencyKey);

    // Act
    const result = await jiraExecutor(deps()).start(r);

    // Assess
    const key = result.ref?.id ?? '';
    expect(result).toMatchObject({ outcome: 'started', retryable: false, pollSeconds: 60, ref: { system: 'jira', id: key, url: `${fake.url}/browse/${key}`, details: {} } });
    expect(key).toMatch(/^SEC-\d+$/);
    const issue = fake.issue(key)!;
    expect(issue).toMatchObject({
      project: 'SEC',
      issueType: 'Access Request',
      summary: 'ADMIN access for ada',
      priority: 'High',
      labels: ['apollo', 'access-admin', label],
      components: ['IAM'],
      assignee: '5b10a2844c20165700ede21g',
      customFields: { customfield_10031: '2026-12-31' },
      status: 'To Do',
    });
    expect(issue.description).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: `Apollo request ${r.requestId} by ada.` }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Access: admin' }, { type: 'hardBreak' }, { type: 'text', text: 'Password: field-SECRET-pw' }] },
      ],
    });
    // The record shows what was sent, with the secret field and the credentials masked.
    expect(result.input).toMatchObject({ method: 'POST', url: `${fake.url}/rest/api/3/issue`, headers: { Authorization: '••••' }, idempotencyLabel: label });
    expect(JSON.stringify(result)).not.toContain('field-SECRET-pw');
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(result.logs.map((l) => l.message)).toEqual([
      'label "access admin" sent as "access-admin" (JIRA labels cannot contain spaces)',
      `created ${key} in ${fake.url}`,
    ]);
  });

  it('reuses the ticket an earlier attempt created (same idempotency key: one issue)', async () => {
    // Prepare
    const r = run();
    const executor = jiraExecutor(deps());
    const before = fake.counters.issuesCreated;

    // Act
    const first = await executor.start(r);
    const second = await executor.start({ ...r, attempt: 2 });
    const other = await executor.start(run());

    // Assess
    expect(second.ref).toEqual(first.ref);
    expect(second.logs.map((l) => l.message)).toEqual([
      'label "access admin" sent as "access-admin" (JIRA labels cannot contain spaces)',
      `${first.ref!.id} already carries the label ${idempotencyLabel(r.idempotencyKey)} (an earlier attempt created it): reusing it`,
    ]);
    expect(other.ref!.id).not.toBe(first.ref!.id);
    expect(fake.counters.issuesCreated - before).toBe(2);
  });

  it('leaves the ticket unassigned when the assignee is an email, saying JIRA Cloud needs an account id', async () => {
    // Prepare
    const r = run({ assignee: 'ada@example.com' });

    // Act
    const result = await jiraExecutor(deps()).start(r);

    // Assess
    expect(fake.issue(result.ref!.id)!.assignee).toBeNull();
    expect(result.logs).toContainEqual({ severity: 'warn', message: 'assignee ada@example.com looks like an email address: JIRA Cloud needs an account id, so the ticket is left unassigned' });
  });

  it('says the credentials were refused (401), naming the secrets, not retryable and without the token', async () => {
    // Act
    const result = await jiraExecutor(deps({ jira_email: EMAIL, jira_api_token: 'wrong-SECRET-token' })).start(run());

    // Assess
    expect(result).toMatchObject({
      outcome: 'failed',
      retryable: false,
      error: { code: 'http-status', message: `JIRA (${fake.url}) answered 401 when asked to search for the ticket by its idempotency label: the credentials were refused; check the integration secrets jira_email (an Atlassian account's email) and jira_api_token (its API token)` },
    });
    expect(JSON.stringify(result)).not.toContain('wrong-SECRET-token');
  });

  it('says what JIRA refused in the issue (400), not retryable', async () => {
    // Act
    const result = await jiraExecutor(deps()).start(run({ project: 'NOPE', priority: undefined, labels: undefined }));

    // Assess
    expect(result).toMatchObject({
      outcome: 'failed',
      retryable: false,
      error: { code: 'http-status', message: `JIRA (${fake.url}) answered 400 when asked to create the Access Request in NOPE: project: Specify a valid project ID or key` },
    });
  });

  it('fails without calling anyone when the instance is not configured, and names what to set', async () => {
    // Prepare
    const requests = fake.requests.length;

    // Act
    const result = await jiraExecutor(deps()).start(run({ instance: 'it-ops' }));

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', retryable: false, error: { code: 'not-configured', message: 'JIRA instance it-ops is not configured: set APOLLO_JIRA_URL_IT_OPS to its base URL (https://<site>.atlassian.net)' } });
    expect(fake.requests.length).toBe(requests);
  });

  it('uses a named instance with its own URL and secrets, and keeps the instance in the ref', async () => {
    // Prepare
    process.env.APOLLO_JIRA_URL_IT_OPS = fake.url;

    // Act
    const result = await jiraExecutor(deps({ jira_it_ops_email: EMAIL, jira_it_ops_api_token: TOKEN })).start(run({ instance: 'it-ops' }));

    // Assess
    expect(result).toMatchObject({ outcome: 'started', ref: { system: 'jira', details: { instance: 'it-ops' } } });
  });

  it("says how long JIRA asked to wait (429 with Retry-After), so the next try is not sooner", async () => {
    // Prepare
    const busy = await startTestServer();
    busy.route('POST', '/rest/api/3/search/jql', () => ({ status: 429, headers: { 'retry-after': '30' }, body: { errorMessages: ['Rate limit exceeded.'] } }));
    process.env.APOLLO_JIRA_URL_BUSY = busy.url;

    try {
      // Act
      const result = await jiraExecutor({ ...deps({ jira_busy_email: EMAIL, jira_busy_api_token: TOKEN }), allow: parseEgressAllow(`${busy.url}/`) }).start(run({ instance: 'busy' }));

      // Assess
      expect(result).toMatchObject({ outcome: 'failed', retryable: true, retryAfterMs: 30_000, error: { code: 'http-status' } });
      expect(result.error!.message).toMatch(/answered 429: .*Rate limit exceeded.*; retry after 30 s \(Retry-After\)$/);
      expect(busy.received).toHaveLength(1);
    } finally {
      await busy.close();
    }
  });

  it('refuses a JIRA the egress guard does not allow', async () => {
    // Act
    const result = await jiraExecutor({ ...deps(), allow: parseEgressAllow('') }).start(run());

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', retryable: false, error: { code: 'egress-refused' } });
  });
});

describe('JIRA executor: check, collect, cancel', () => {
  async function started(config: Partial<JiraTicketTemplate> = {}, outputs?: ActionOutputs): Promise<{ r: AsyncRun; ref: ExternalRef }> {
    const r = run(config, {}, outputs);
    const result = await jiraExecutor(deps()).start(r);
    return { r, ref: result.ref! };
  }

  it('is running with the status name, logs new comments once and remembers the last one, then succeeds when done', async () => {
    // Prepare
    const { r, ref } = await started();
    const executor = jiraExecutor(deps());

    // Act
    const fresh = await executor.check(r, ref);
    fake.transition(ref.id, 'In Progress');
    const c1 = fake.addComment(ref.id, 'Looking at it.\n\nNeed the manager\'s OK.');
    const c2 = fake.addComment(ref.id, 'Approved by **Grace**', { accountId: 'g', displayName: 'Grace' });
    const progress = await executor.check(r, ref);
    const again = await executor.check(r, progress.ref!);
    const c3 = fake.addComment(ref.id, 'Granted.');
    fake.transition(ref.id, 'Done');
    const done = await executor.check(r, progress.ref!);

    // Assess
    expect(fresh).toEqual({ state: 'running', message: 'To Do', logs: [] });
    expect(progress).toEqual({
      state: 'running',
      message: 'In Progress',
      logs: [
        { severity: 'info', message: `Local Fulfiller commented: Looking at it.\n\nNeed the manager's OK.` },
        { severity: 'info', message: `Grace commented: Approved by **Grace**` },
      ],
      ref: { ...ref, details: { lastCommentId: c2.id } },
    });
    expect(Number(c2.id)).toBeGreaterThan(Number(c1.id));
    expect(again).toEqual({ state: 'running', message: 'In Progress', logs: [] });
    expect(done).toEqual({
      state: 'succeeded',
      message: 'Done',
      logs: [{ severity: 'info', message: `Local Fulfiller commented: Granted.` }],
      ref: { ...ref, details: { lastCommentId: c3.id } },
    });
  });

  it("fails, not retryable, when the ticket is resolved as Won't Do", async () => {
    // Prepare
    const { r, ref } = await started();
    fake.addComment(ref.id, 'Not without a ticket from security (you sent field-SECRET-pw in clear).');
    fake.transition(ref.id, "Won't Do");

    // Act
    const result = await jiraExecutor(deps()).check(r, ref);

    // Assess
    expect(result).toEqual({
      state: 'failed',
      retryable: false,
      message: "Won't Do",
      error: { code: 'declined', message: "resolved as Won't Do (status Won't Do): the work was not done" },
      // The secret field's value is masked in what the request shows.
      logs: [{ severity: 'info', message: `Local Fulfiller commented: Not without a ticket from security (you sent •••• in clear).` }],
      ref: { ...ref, details: { lastCommentId: fake.issue(ref.id)!.comments[0]!.id } },
    });
  });

  it('fails on a done ticket resolved as Duplicate, showing the status with its resolution; reopened and done, it succeeds', async () => {
    // Prepare
    const duplicate = await started();
    const fixed = await started();
    fake.transition(duplicate.ref.id, 'Done', undefined, 'Duplicate');
    fake.transition(fixed.ref.id, 'Done', undefined, 'Cannot Reproduce');
    fake.transition(fixed.ref.id, 'In Progress');
    fake.transition(fixed.ref.id, 'Done');

    // Act
    const failed = await jiraExecutor(deps()).check(duplicate.r, duplicate.ref);
    const succeeded = await jiraExecutor(deps()).check(fixed.r, fixed.ref);

    // Assess
    expect(failed).toMatchObject({ state: 'failed', retryable: false, message: 'Done (Duplicate)', error: { code: 'declined', message: 'resolved as Duplicate (status Done): the work was not done' } });
    expect(succeeded).toMatchObject({ state: 'succeeded', message: 'Done' });
  });

  it('keeps waiting when JIRA is down (503), and fails when the ticket is gone (404)', async () => {
    // Prepare
    const { r, ref } = await started();
    fake.failNext(`/rest/api/3/issue/${ref.id}`, 503, 1, 'GET');

    // Act
    const down = await jiraExecutor(deps()).check(r, ref);
    const gone = await jiraExecutor(deps()).check(r, { ...ref, id: 'SEC-9999' });

    // Assess
    expect(down.state).toBe('running');
    expect(down.message).toBeUndefined();
    expect(down.logs?.[0]?.message).toMatch(new RegExp(`^${ref.id} could not be checked: JIRA \\(.*\\) \\(read ${ref.id}\\) answered 503.*; checking again later$`));
    expect(gone).toMatchObject({ state: 'failed', retryable: false, error: { code: 'http-status', message: `JIRA (${fake.url}) answered 404 when asked to read SEC-9999: it does not exist or the account cannot see it: Issue does not exist or you do not have permission to see it.` } });
  });

  it('collects the outputs by JSON pointer into the ticket, and fails on a missing one', async () => {
    // Prepare
    const { r, ref } = await started({}, [{ name: 'key' }, { name: 'link', from: '/url' }, { name: 'status' }, { name: 'resolution' }, { name: 'id' }]);
    fake.transition(ref.id, 'Done');
    const missing = run({}, {}, [{ name: 'assignee' }]);

    // Act
    const result = await jiraExecutor(deps()).collect(r, ref);
    const failed = await jiraExecutor(deps()).collect(missing, ref);

    // Assess
    expect(result).toEqual({
      outputs: { key: ref.id, link: ref.url, status: 'Done', resolution: 'Done', id: fake.issue(ref.id)!.id },
      sensitive: [],
      logs: [{ severity: 'info', message: `outputs: key=${ref.id}, link=${ref.url}, status=Done, resolution=Done, id=${fake.issue(ref.id)!.id}` }],
    });
    expect(failed.error).toEqual({ code: 'missing-output', message: "the ticket lacks the declared output 'assignee' (nothing at /assignee) (it has key, id, url, status, resolution)" });
  });

  it("cancels: a comment saying who cancelled, then the Won't Do transition", async () => {
    // Prepare
    const { r, ref } = await started();
    const cancelling = { ...r, variables: { ...r.variables, request: { ...r.variables.request, cancelledBy: 'grace' } } };

    // Act
    await jiraExecutor(deps()).cancel(cancelling, ref);

    // Assess
    const issue = fake.issue(ref.id)!;
    expect(issue.comments.map((c) => adfToText(c.body))).toEqual([`Cancelled in Apollo by grace: request ${r.requestId} was cancelled, so this ticket is no longer needed.`]);
    expect({ status: issue.status, resolution: issue.resolution }).toEqual({ status: "Won't Do", resolution: "Won't Do" });
  });
});

describe('ADF', () => {
  it('turns text into paragraphs with line breaks and back', () => {
    const doc = adfFromText('one\ntwo\n\n\nthree\n');
    expect(doc).toEqual({ type: 'doc', version: 1, content: [
      { type: 'paragraph', content: [{ type: 'text', text: 'one' }, { type: 'hardBreak' }, { type: 'text', text: 'two' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'three' }] },
    ] });
    expect(adfToText(doc)).toBe('one\ntwo\n\nthree');
    expect(adfToText({ type: 'doc', version: 1, content: [{ type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }] }] }] }, { type: 'paragraph', content: [{ type: 'mention', attrs: { text: '@Grace' } }, { type: 'text', text: ' ok' }] }] })).toBe('- a\n\n@Grace ok');
  });
});
