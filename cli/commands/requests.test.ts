/**
 * `apollo requests …` in-process against the local runtime: `submit --wait` prints the request's lines as
 * they happen (its realtime topic) and exits with the outcome; fields are typed from the offering's form;
 * a request that waits for an approval goes on when an operator approves it; retry, cancel and logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from '#schemas/index.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';

let c: CliHarness;
beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
});
afterAll(() => c.close());

const dns = (name: string, environment = 'dev') => ['--field', `environment=${environment}`, '--field', `name=${name}`, '--field', `value=${name}.lb.example.com`, '--field', 'ttl=600'];

describe('apollo requests submit', () => {
  it('--wait follows the request live to completion and exits 0; -o json prints the request as the API shows it', async () => {
    const run = await c.run(['requests', 'submit', 'dns-record', ...dns('cli-wait'), '--wait', '-o', 'json']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const request = run.json<Request>();
    expectRouteShape('GET', `/api/v1/requests/${request.id}`, request);
    expect(request.status).toBe('completed');
    // The form says ttl is an integer: `ttl=600` went as a number.
    expect(request.fields.ttl).toBe(600);
    // Progress lines went to stderr (stdout stays the JSON), in order, each once.
    expect(run.stderr).toContain(`submitted ${request.id}`);
    expect(run.stderr).toMatch(/\[in progress\]/);
    expect(run.stderr).toContain(`completed ${request.id}`);
    const lines = run.stderr.split('\n').filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l));
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });

  it('without --wait prints the request as submitted; a table shows its fields', async () => {
    const run = await c.run(['requests', 'submit', 'dns-record', ...dns('cli-nowait')]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^offering\s+dns-record/m);
    expect(run.stdout).toMatch(/^fields\s+.*name=cli-nowait/m);
  });

  it('refuses bad fields with the field path (exit 2), an unknown offering (exit 4), a bad flag value (exit 2)', async () => {
    const bad = await c.run(['requests', 'submit', 'dns-record', '--field', 'environment=dev', '--field', 'name=Not A Label', '--field', 'value=x']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('/body/fields/name');
    const notNumber = await c.run(['requests', 'submit', 'dns-record', ...dns('cli-ttl').slice(0, 6), '--field', 'ttl=soon']);
    expect(notNumber.code).toBe(EXIT.usage);
    expect(notNumber.stderr).toContain('--field ttl=soon: must be a number');
    const missing = await c.run(['requests', 'submit', 'no-such-offering', '--field', 'a=b']);
    expect(missing.code).toBe(EXIT.notFound);
    const timeout = await c.run(['requests', 'submit', 'dns-record', ...dns('cli-t'), '--wait', '--timeout', 'soon']);
    expect(timeout.code).toBe(EXIT.usage);
  });

  it('--wait on a production request waits for the approval, says who decides, and completes once an operator approves', async () => {
    const waiting = c.run(['requests', 'submit', 'dns-record', ...dns('cli-prod', 'prod'), '--wait', '--timeout', '60s', '-o', 'json']);
    // The operator approves it from the inbox once it is there.
    let approved = false;
    for (let i = 0; i < 200 && !approved; i++) {
      const pending = (await c.h.client('operator').call<{ items: Array<{ id: string; offering: { id: string }; fields: Record<string, unknown> }> }>('GET', '/api/v1/approvals/pending')).body.items
        .find((a) => a.fields.name === 'cli-prod');
      if (pending) {
        expect((await c.h.client('operator').send('POST', `/api/v1/approvals/${pending.id}/approve`, { body: {} })).status).toBe(200);
        approved = true;
      } else await new Promise((r) => setTimeout(r, 100));
    }
    expect(approved).toBe(true);
    const run = await waiting;
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stderr).toContain('[awaiting approval] awaiting approval by the operator role or team platform');
    // Every line once, in the log's order: the approval comes before the work it let through.
    expect(run.stderr.indexOf('approved by operator@apollo.local'), run.stderr).toBeLessThan(run.stderr.indexOf('[completed]'));
    expect(run.json<Request>().status).toBe('completed');
  });

  it('--wait exits 6 when an approver rejects it', async () => {
    const waiting = c.run(['requests', 'submit', 'dns-record', ...dns('cli-rejected', 'prod'), '--wait', '--timeout', '60s']);
    let rejected = false;
    for (let i = 0; i < 200 && !rejected; i++) {
      const pending = (await c.h.client('operator').call<{ items: Array<{ id: string; fields: Record<string, unknown> }> }>('GET', '/api/v1/approvals/pending')).body.items.find((a) => a.fields.name === 'cli-rejected');
      if (pending) {
        expect((await c.h.client('operator').send('POST', `/api/v1/approvals/${pending.id}/reject`, { body: { reason: 'not this week' } })).status).toBe(200);
        rejected = true;
      } else await new Promise((r) => setTimeout(r, 100));
    }
    const run = await waiting;
    expect(run.code, run.stderr).toBe(EXIT.policy);
    expect(run.stderr).toMatch(/error: rejected [0-9A-Z]{26}/);
  });

  it('--wait gives up at --timeout with exit 7, and the request goes on', async () => {
    const run = await c.run(['requests', 'submit', 'dns-record', ...dns('cli-timeout', 'prod'), '--wait', '--timeout', '1s']);
    expect(run.code, run.stderr).toBe(EXIT.timeout);
    expect(run.stderr).toContain('still awaiting approval');
  });
});

describe('apollo requests list|get|logs|retry|cancel', () => {
  it('lists mine (table and json), gets one, prints its log', async () => {
    const list = await c.run(['requests', 'list', '--offering', 'dns-record', '-o', 'json']);
    expect(list.code, list.stderr).toBe(EXIT.ok);
    const page = list.json<{ items: Array<{ id: string; requester: string }> }>();
    expectRouteShape('GET', '/api/v1/requests', page);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((r) => r.requester === 'developer@apollo.local')).toBe(true);
    const table = await c.run(['requests', 'list', '--status', 'completed']);
    expect(table.stdout).toMatch(/^ID\s+OFFERING\s+STATUS\s+PROGRESS\s+REQUESTER\s+TEAM\s+CREATED$/m);

    const id = (await c.run(['requests', 'list', '--status', 'completed', '-o', 'json'])).json<{ items: Array<{ id: string }> }>().items[0]!.id;
    const got = await c.run(['requests', 'get', id, '-o', 'yaml']);
    expect(got.code).toBe(EXIT.ok);
    expect(got.stdout).toContain(`id: ${id}`);
    const logs = await c.run(['requests', 'logs', id]);
    expect(logs.code, logs.stderr).toBe(EXIT.ok);
    expect(logs.stdout).toMatch(/^TIME\s+SEVERITY\s+ACTION\s+MESSAGE$/m);
    // Following, the log is the output: its lines on stdout (JSON lines with -o json), the outcome a note.
    const followed = await c.run(['requests', 'logs', id, '--follow']);
    expect(followed.code, followed.stderr).toBe(EXIT.ok);
    expect(followed.stdout).toMatch(/^\d\d:\d\d:\d\d {2}\[completed\] /m);
    expect(followed.stderr).toContain(`completed ${id}`);
    const jsonLines = await c.run(['requests', 'logs', id, '--follow', '-o', 'json']);
    const entries = jsonLines.stdout.trim().split('\n').map((l) => JSON.parse(l) as { message: string; status?: string });
    expect(entries.at(-1)?.status).toBe('completed');

    const nobody = await c.run(['requests', 'get', '01JDZ6V7Q3M4X8K2N5P9R0T1AB']);
    expect(nobody.code).toBe(EXIT.notFound);
  });

  it('cancel asks for --yes without a terminal, then cancels; retry of a request that did not fail is refused (exit 5)', { timeout: 60_000 }, async () => {
    const submitted = await c.run(['requests', 'submit', 'dns-record', ...dns('cli-cancel', 'prod'), '-o', 'json']);
    const id = submitted.json<Request>().id;
    const unconfirmed = await c.run(['requests', 'cancel', id, '--reason', 'submitted twice']);
    expect(unconfirmed.code).toBe(EXIT.usage);
    expect(unconfirmed.stderr).toContain('pass --yes');
    const noReason = await c.run(['requests', 'cancel', id, '--yes']);
    expect(noReason.code).toBe(EXIT.usage);
    const cancelled = await c.run(['requests', 'cancel', id, '--reason', 'submitted twice', '--yes', '-o', 'json']);
    expect(cancelled.code, cancelled.stderr).toBe(EXIT.ok);
    expect(cancelled.json<Request>().cancel).toMatchObject({ by: 'developer@apollo.local', reason: 'submitted twice' });
    await expect.poll(async () => (await c.run(['requests', 'get', id, '-o', 'json'])).json<Request>().status, { timeout: 30_000 }).toBe('cancelled').catch(async (e) => { throw new Error((await c.run(['requests', 'get', id, '-o', 'json'])).json<Request>().timeline.map((t) => `${t.at} ${t.message}`).join('\n'), { cause: e }); });
    // Safe to retry: cancelling it again answers the same.
    const again = await c.run(['requests', 'cancel', id, '--reason', 'again', '--yes']);
    expect(again.code, again.stderr).toBe(EXIT.ok);

    const done = (await c.run(['requests', 'submit', 'dns-record', ...dns('cli-done'), '--wait', '-o', 'json'])).json<Request>().id;
    const late = await c.run(['requests', 'cancel', done, '--reason', 'too late', '--yes']);
    expect(late.code).toBe(EXIT.conflict);
    const retry = await c.run(['requests', 'retry', done]);
    expect(retry.code).toBe(EXIT.conflict);
  });
});
