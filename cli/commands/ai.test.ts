/**
 * `apollo ai` against the local runtime in-process (signed HTTP, the session's frames over a real WebSocket), with
 * the LOCAL FAKE Anthropic server as the model: at a terminal, the model's proposed change is shown and put to
 * "Approve? [y/N]"; y runs it once (a deployment record made by the AI, as the operator), n rejects it (nothing
 * runs). Without a terminal nothing is approved: the change is left pending (exit 6), then decided by its id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiAction, AiSessionDetail, DeploymentList } from '#schemas/index.ts';
import { AnthropicModel } from '#functions/ai/adapters/anthropic-model';
import { readModelConfig } from '#functions/ai/adapters/model-config';
import { configureAi } from '#functions/ai/deps';
import { FakeAnthropic } from '../../local/fakes/anthropic-server.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';

const OPERATOR = 'operator@apollo.local';
let c: CliHarness;
let fake: FakeAnthropic;

beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
  fake = await FakeAnthropic.start({ apiKey: 'test-key', deltaDelayMs: 1 });
  configureAi({ model: AnthropicModel.fromConfig(readModelConfig({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, APOLLO_AI_MODEL: 'claude-test' })!) });
  // New users start in the console's sandbox (read-only); an AI admin lets the operator change things.
  await setSandbox(false);
}, 60_000);
afterAll(async () => {
  configureAi({ model: undefined });
  await fake.close();
  await c.close();
});

/** An AI admin puts the operator in the sandbox or lifts it, with the CLI's `ai sandbox`. */
async function setSandbox(enabled: boolean): Promise<void> {
  const run = await c.run(['ai', 'sandbox', OPERATOR, enabled ? '--restore' : '--lift', '--reason', enabled ? 'test: read-only again' : 'test: trained on the console', '-o', 'json'], { role: 'admin' });
  expect(run.code, run.stderr).toBe(EXIT.ok);
  expectRouteShape('PUT', `/api/v1/ai/users/${OPERATOR}/sandbox`, run.json());
  expect(run.json()).toMatchObject({ principal: OPERATOR, sandbox: { enabled } });
}

async function scales(): Promise<DeploymentList['items']> {
  return (await c.h.client('admin').request('GET /api/v1/deployments/history', { query: { service: 'core-service', environment: 'prod', operation: 'scale', limit: 50 } })).body.items;
}

async function sessionOf(id: string): Promise<AiSessionDetail> {
  return (await c.h.client('operator').request('GET /api/v1/ai/sessions/{id}', { params: { id } })).body;
}

/** The session id the banner names. */
const sessionIdIn = (stderr: string): string => /AI session ([0-9A-HJKMNP-TV-Z]{26})/.exec(stderr)![1]!;

/** The model's next turn: it reads the situation and proposes a prod scale (a change that needs an approval). */
function modelProposesScale(replicas: number): void {
  fake.script([
    { blocks: [{ text: 'The pool is exhausted; more replicas will help. ' }, { toolUse: { name: 'scale_service', input: { service: 'core-service', environment: 'prod', replicas } } }], stopReason: 'tool_use' },
  ]);
}

describe('apollo ai at a terminal', () => {
  it('streams the model\'s answer, shows the change it proposes exactly, and rejects it on n: nothing runs', async () => {
    const before = await scales();
    modelProposesScale(6);
    const run = await c.run(['ai', '--service', 'core-service', '--env', 'prod'], { role: 'operator', tty: true, stdin: 'add capacity to core-service in prod\nn\n/exit\n' });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    // The text as the model streamed it, on stdout; the prompts and what the turn did on stderr.
    expect(run.stdout).toContain('The pool is exhausted; more replicas will help.');
    expect(run.stderr).toContain('apollo> ');
    expect(run.stderr).toMatch(/▸ scale_service \{"service":"core-service","environment":"prod","replicas":6\} \[prod_mutation\] awaiting approval/);
    expect(run.stderr).toContain('‖ Needs your approval: Scale core-service in prod to 6 replicas');
    expect(run.stderr).toMatch(/calls\s+POST \/api\/v1\/services\/\{id\}\/scale as operator@apollo\.local/);
    expect(run.stderr).toMatch(/needs\s+deployments:create:prod/);
    expect(run.stderr).toMatch(/arguments\s+\{\n\s+"service": "core-service",\n\s+"environment": "prod",\n\s+"replicas": 6\n\s+\}/);
    expect(run.stderr).toContain('Approve? [y/N] ');
    expect(run.stderr).toContain('Scale core-service in prod to 6 replicas: rejected by operator@apollo.local; it did not run');
    const id = sessionIdIn(run.stderr);
    expect(run.stderr).toContain(`resume it with apollo ai --session ${id}`);

    const session = await sessionOf(id);
    expect(session.actions).toMatchObject([{ tool: 'scale_service', origin: 'model', status: 'rejected', decidedBy: OPERATOR, arguments: { replicas: 6 } }]);
    // Leaving keeps the session: it is not terminated.
    expect(session.status).toBe('active');
    expect((await scales()).length).toBe(before.length);
  });

  it('runs the change once when the answer is y, as the operator through the scale route', async () => {
    const before = await scales();
    modelProposesScale(5);
    const run = await c.run(['ai', '--service', 'core-service', '--env', 'prod'], { role: 'operator', tty: true, stdin: 'add capacity to core-service in prod\ny\n' });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stderr).toContain('Approve? [y/N] ');
    expect(run.stderr).toMatch(/✓ Scale core-service in prod to 5 replicas: deployment \w+ created; it waits for another operator's approval/);

    const session = await sessionOf(sessionIdIn(run.stderr));
    expect(session.actions).toHaveLength(1);
    const action = session.actions[0]!;
    expect(action).toMatchObject({ status: 'executed', decidedBy: OPERATOR, result: { ok: true, resource: { type: 'deployment' } } });
    const after = await scales();
    expect(after.length).toBe(before.length + 1);
    const record = after.find((d) => d.id === action.result!.resource!.id)!;
    expect(record).toMatchObject({ operation: 'scale', replicas: 5, initiatedBy: OPERATOR, initiatedVia: 'ai' });
    // Production's own gate holds it for a second operator: cancel it so prod is free again.
    expect((await c.h.client('admin').send('POST', `/api/v1/deployments/${record.id}/cancel`, { body: { reason: 'test: free prod' } })).status).toBe(200);
  });
});

describe('apollo ai --message at a terminal', () => {
  it('asks about the change a built-in command proposes, and exits 0 once it is decided', async () => {
    const run = await c.run(['ai', '--service', 'core-service', '--env', 'prod', '-m', 'scale prod core-service 2'], { role: 'operator', tty: true, stdin: 'n\n' });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toContain('■ scale');
    expect(run.stderr).toContain('Approve? [y/N] ');
    expect(run.stderr).not.toContain('apollo> ');
    const actions = (await sessionOf(sessionIdIn(run.stderr))).actions;
    expect(actions).toMatchObject([{ origin: 'command', status: 'rejected', arguments: { replicas: 2 } }]);
  });
});

describe('apollo ai without a terminal', () => {
  let sessionId: string;
  let pending: AiAction;

  it('runs a built-in command with --message, and prints the session as the API answers it with -o json', async () => {
    // The model adds its words to the command's findings (unscripted, the fake proposes a pull request).
    fake.script([{ blocks: [{ text: 'Start with debug prod core-service.' }], stopReason: 'end_turn' }]);
    const run = await c.run(['ai', '--service', 'core-service', '--env', 'prod', '-m', 'help', '-o', 'json'], { role: 'operator' });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const detail = run.json<AiSessionDetail>();
    expectRouteShape('GET', `/api/v1/ai/sessions/${detail.id}`, detail);
    expect(detail).toMatchObject({ owner: OPERATOR, target: { service: 'core-service', environment: 'prod' }, commands: ['help'] });
    expect(detail.transcript.some((f) => f.type === 'findings')).toBe(true);
    expect(detail.transcript.at(-1)).toMatchObject({ type: 'end' });
  });

  it('prints the findings as a table and leaves a proposed change pending: never approved without a terminal (exit 6)', async () => {
    const run = await c.run(['ai', '--service', 'core-service', '--env', 'prod', '-m', 'scale prod core-service 4'], { role: 'operator' });
    expect(run.code, run.stderr).toBe(EXIT.policy);
    expect(run.stdout).toContain('■ scale');
    expect(run.stderr).toContain('‖ Needs your approval: Scale core-service in prod to 4 replicas');
    expect(run.stderr).toContain('none is given without a terminal');
    expect(run.stderr).not.toContain('Approve? [y/N]');
    sessionId = sessionIdIn(run.stderr);
    pending = (await sessionOf(sessionId)).actions[0]!;
    expect(pending).toMatchObject({ status: 'pending', origin: 'command', arguments: { replicas: 4 } });
    expect(run.stderr).toContain(`apollo ai --session ${sessionId} --approve ${pending.id}`);
  });

  it('decides a pending action by its id: --reject prints the API\'s action, and a second decision is a conflict (exit 5)', async () => {
    const before = await scales();
    const rejected = await c.run(['ai', '--session', sessionId, '--reject', pending.id, '--note', 'not now', '-o', 'json'], { role: 'operator' });
    expect(rejected.code, rejected.stderr).toBe(EXIT.ok);
    expectRouteShape('POST', `/api/v1/ai/sessions/${sessionId}/reject`, rejected.json());
    expect(rejected.json()).toMatchObject({ id: pending.id, status: 'rejected', note: 'not now', decidedBy: OPERATOR });
    const again = await c.run(['ai', '--session', sessionId, '--approve', pending.id], { role: 'operator' });
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toContain('used once');
    expect((await scales()).length).toBe(before.length);
  });

  it('reads piped lines as messages, without prompts', async () => {
    fake.script([{ blocks: [{ text: 'Core-service looks healthy.' }], stopReason: 'end_turn' }]);
    const run = await c.run(['ai', '--session', sessionId], { role: 'operator', stdin: 'how is core-service?\n' });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toContain('Core-service looks healthy.');
    expect(run.stderr).not.toContain('apollo> ');
    expect(run.stderr).toContain(`Resumed AI session ${sessionId}`);
  });

  it('exits with the class of what went wrong: not found 4, bad input 2, refused by role 6, a terminated session 5', async () => {
    const missing = await c.run(['ai', '--session', '01JAAAAAAAAAAAAAAAAAAAAAAA', '-m', 'hi'], { role: 'operator' });
    expect(missing.code).toBe(EXIT.notFound);
    const badService = await c.run(['ai', '--service', 'Bad_Name', '-m', 'hi'], { role: 'operator' });
    expect(badService.code).toBe(EXIT.usage);
    expect(badService.stderr).toContain('/body/target/service');
    const both = await c.run(['ai', '--session', sessionId, '--service', 'core-service'], { role: 'operator' });
    expect(both.code).toBe(EXIT.usage);
    const orphanApprove = await c.run(['ai', '--approve', pending.id], { role: 'operator' });
    expect(orphanApprove.code).toBe(EXIT.usage);
    // A viewer's role may not open a session at all (IAM's AccessDenied: refused by policy).
    const viewer = await c.run(['ai', '-m', 'hi'], { role: 'viewer' });
    expect(viewer.code).toBe(EXIT.policy);
    expect(viewer.stderr).toContain('AccessDenied');

    // Apollo's policy: the owner back in the console's sandbox may not have a change run (exit 6).
    const proposed = await c.run(['ai', '--session', sessionId, '-m', 'scale prod core-service 3'], { role: 'operator' });
    expect(proposed.code, proposed.stderr).toBe(EXIT.policy);
    const waiting = (await sessionOf(sessionId)).actions.find((a) => a.status === 'pending')!;
    await setSandbox(true);
    try {
      const refused = await c.run(['ai', '--session', sessionId, '--approve', waiting.id], { role: 'operator' });
      expect(refused.code).toBe(EXIT.policy);
      expect(refused.stderr).toContain('sandbox');
      // A one-shot change the sandbox refuses outright is policy too (exit 6), not a quiet 0.
      const sandboxed = await c.run(['ai', '--service', 'core-service', '--env', 'staging', '-m', 'scale staging core-service 3'], { role: 'operator' });
      expect(sandboxed.code, sandboxed.stderr).toBe(EXIT.policy);
      expect(sandboxed.stderr).toContain('error: refused:');
      const users = await c.run(['ai', 'users'], { role: 'admin' });
      expect(users.stdout).toMatch(new RegExp(`^${OPERATOR.replace(/\./g, '\\.')}\\s+yes\\s`, 'm'));
      expect((await c.run(['ai', 'sandbox', OPERATOR, '--lift', '--reason', 'mine'], { role: 'operator' })).code).toBe(EXIT.policy);
      expect((await c.run(['ai', 'sandbox', OPERATOR, '--reason', 'which?'], { role: 'admin' })).code).toBe(EXIT.usage);
    } finally {
      await setSandbox(false);
    }

    // Resumed at a terminal, it asks first about the change still waiting (n rejects it); /terminate ends it for good.
    const terminate = await c.run(['ai', '--session', sessionId], { role: 'operator', tty: true, stdin: 'n\n/terminate\ny\n' });
    expect(terminate.code, terminate.stderr).toBe(EXIT.ok);
    expect(terminate.stderr).toContain('Scale core-service in prod to 3 replicas: rejected by operator@apollo.local');
    expect(terminate.stderr).toContain(`terminated AI session ${sessionId}`);
    expect((await sessionOf(sessionId)).status).toBe('terminated');
    const after = await c.run(['ai', '--session', sessionId, '-m', 'hello?'], { role: 'operator' });
    expect(after.code).toBe(EXIT.conflict);
    expect(after.stderr).toContain('takes no more messages');

    const help = await c.run(['ai', '--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('Approve? [y/N]');
  });
});
