/**
 * `apollo approvals …` against the local runtime in-process: the developer requests a production DNS record (the
 * demo offering's rule asks an operator or the platform team), the operator decides it from the command line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, ApprovalBatchResult, ApprovalList, Request, RequestStatus } from '#schemas/index.ts';
import { until } from '../../local/testing/harness.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';

let c: CliHarness;
let names = 0;

beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
});
afterAll(() => c.close());

/** A request of the developer's waiting for approval: its id and its approval's. */
async function awaitingApproval(): Promise<{ requestId: string; approvalId: string }> {
  const dev = c.h.client('developer');
  const submitted = await dev.call<Request>('POST', '/api/v1/requests', { body: { offeringId: 'dns-record', fields: { environment: 'prod', name: `cli-approval-${++names}`, value: 'lb.example.com' } } });
  const requestId = submitted.body.id;
  await until(async () => (await dev.call<RequestStatus>('GET', `/api/v1/requests/${requestId}/status`)).body.status === 'awaiting_approval', 15_000);
  const request = (await dev.call<Request>('GET', `/api/v1/requests/${requestId}`)).body;
  return { requestId, approvalId: request.approval!.id };
}

const statusOf = async (requestId: string): Promise<string> =>
  (await c.h.client('developer').call<RequestStatus>('GET', `/api/v1/requests/${requestId}/status`)).body.status;

describe('apollo approvals', () => {
  it('lists what waits, with whether you may decide it and why; -o json is the API\'s page', async () => {
    const { requestId, approvalId } = await awaitingApproval();

    const operator = await c.run(['approvals', 'list'], { role: 'operator' });
    expect(operator.code, operator.stderr).toBe(EXIT.ok);
    const [header, ...rows] = operator.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+REQUEST\s+OFFERING\s+REQUESTER\s+TEAM\s+WHY\s+EXPIRES\s+CAN DECIDE$/);
    expect(rows.find((r) => r.startsWith(approvalId))).toMatch(new RegExp(`^${approvalId}\\s+${requestId}\\s+dns-record\\s+developer@apollo\\.local\\s+payments\\s+You may decide it as role:operator, team:platform\\.\\s+in 24h\\s+yes$`));
    expect(operator.stderr).toContain('decide: apollo approvals approve <id>');

    const developer = await c.run(['approvals', 'list'], { role: 'developer' });
    expect(developer.stdout).toMatch(new RegExp(`^${approvalId}\\s.*You requested it: someone else must approve it\\.\\s+in 24h\\s+no$`, 'm'));

    const json = await c.run(['approvals', 'list', '--limit', '50', '-o', 'json'], { role: 'operator' });
    const page = json.json<ApprovalList>();
    expectRouteShape('GET', '/api/v1/approvals/pending', page);
    expect(page.items.find((a) => a.id === approvalId)).toMatchObject({ requestId, canDecide: true });

    // A viewer holds no requests:create: the role's IAM policy refuses the call at the gateway (policy, exit 6).
    const viewer = await c.run(['approvals', 'list'], { role: 'viewer' });
    expect(viewer.code).toBe(EXIT.policy);
    expect(viewer.stderr).toContain('not authorized');
  });

  it('the operator approves (the request goes on); a second decision conflicts (5); the requester may not (6)', async () => {
    const mine = await awaitingApproval();

    const own = await c.run(['approvals', 'approve', mine.approvalId], { role: 'developer' });
    expect(own.code).toBe(EXIT.policy);
    expect(own.stderr).toContain('You requested it: someone else must approve it. (HTTP 403 Forbidden)');

    const approved = await c.run(['approvals', 'approve', mine.approvalId, '--comment', 'checked the zone'], { role: 'operator' });
    expect(approved.code, approved.stderr).toBe(EXIT.ok);
    expect(approved.stderr).toBe(`approved ${mine.approvalId}: request ${mine.requestId} proceeds\n`);
    expect(approved.stdout).toMatch(/^status\s+approved$/m);
    expect(approved.stdout).toMatch(/^decision\s+approved by operator@apollo\.local at \S+: checked the zone$/m);
    await until(async () => ['in_progress', 'completed'].includes(await statusOf(mine.requestId)), 15_000);

    const again = await c.run(['approvals', 'approve', mine.approvalId], { role: 'operator' });
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toContain(`approval ${mine.approvalId} is approved already (HTTP 409 Conflict)`);

    const missing = await c.run(['approvals', 'approve', '01JF3Z8Q9W7ZK2D4M1V6N8P0RA'], { role: 'operator' });
    expect(missing.code).toBe(EXIT.notFound);
  });

  it('rejects with a reason of at least 3 characters (the API\'s rule: exit 2); the request fails with it', async () => {
    const { requestId, approvalId } = await awaitingApproval();

    const noReason = await c.run(['approvals', 'reject', approvalId], { role: 'operator' });
    expect(noReason.code).toBe(EXIT.usage);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
    const short = await c.run(['approvals', 'reject', approvalId, '--reason', 'no'], { role: 'operator' });
    expect(short.code).toBe(EXIT.usage);
    expect(short.stderr).toContain('/body/reason: must NOT have fewer than 3 characters');

    const rejected = await c.run(['approvals', 'reject', approvalId, '--reason', 'use the staging zone', '-o', 'json'], { role: 'operator' });
    expect(rejected.code, rejected.stderr).toBe(EXIT.ok);
    const approval = rejected.json<Approval>();
    expectRouteShape('POST', `/api/v1/approvals/${approvalId}/reject`, approval);
    expect(approval).toMatchObject({ status: 'rejected', decisions: [{ principal: 'operator@apollo.local', decision: 'rejected', comment: 'use the staging zone' }] });
    expect(rejected.stderr).toContain(`rejected ${approvalId}: request ${requestId} fails`);
    await until(async () => (await statusOf(requestId)) === 'failed', 15_000);
  });

  it('decides several at once; one refused does not stop the others, and sets the exit status', async () => {
    const a = await awaitingApproval();
    const b = await awaitingApproval();
    const missing = '01JF3Z8Q9W7ZK2D4M1V6N8P0RB';

    const noReason = await c.run(['approvals', 'decide', '--reject', b.approvalId], { role: 'operator' });
    expect(noReason.code).toBe(EXIT.usage);
    expect(noReason.stderr).toContain('a rejection needs a reason');
    expect((await c.run(['approvals', 'decide'], { role: 'operator' })).code).toBe(EXIT.usage);

    const both = await c.run(['approvals', 'decide', '--approve', a.approvalId, '--approve', missing, '--reject', b.approvalId, '--reason', 'not this week'], { role: 'operator' });
    expect(both.code).toBe(EXIT.notFound);
    const [header, ...rows] = both.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+DECISION\s+STATUS\s+RESULT$/);
    expect(rows).toEqual([
      expect.stringMatching(new RegExp(`^${a.approvalId}\\s+approved\\s+200\\s+approved \\(request ${a.requestId}\\)$`)),
      expect.stringMatching(new RegExp(`^${missing}\\s+approved\\s+404\\s+NotFound: approval ${missing} not found$`)),
      expect.stringMatching(new RegExp(`^${b.approvalId}\\s+rejected\\s+200\\s+rejected \\(request ${b.requestId}\\)$`)),
    ]);
    expect(both.stderr).toContain('1 approved, 1 rejected, 1 refused');
    expect(both.stderr).toContain(`1 of 3 not decided: ${missing}`);

    const c2 = await awaitingApproval();
    const json = await c.run(['approvals', 'decide', '--approve', c2.approvalId, '-o', 'json'], { role: 'operator' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const result = json.json<ApprovalBatchResult>();
    expectRouteShape('POST', '/api/v1/approvals/decide', result);
    expect(result).toMatchObject({ approved: 1, rejected: 0, failed: 0 });
  });

  it('has help with examples on every command', async () => {
    for (const command of ['list', 'approve', 'reject', 'decide']) {
      const help = await c.run(['approvals', command, '--help']);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain(`Examples:\n  $ apollo approvals ${command}`);
    }
  });
});
