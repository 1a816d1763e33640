import { describe, expect, it } from 'vitest';
import type { AiAction, AiFrame } from '../../../../schemas/types.gen.ts';
import { ANSI, INITIAL_RENDER, columnWidths, wrapText, endLine, formatSize, plainText, renderFindings, renderFrame, renderFrames, renderTable, sanitize } from './terminal-render.ts';

const base = { turnId: 't1' };
const render = (frames: AiFrame[], cols = 80) => renderFrames(frames, INITIAL_RENDER, { cols });

describe('a frame as terminal text', () => {
  it('prints what the user sent after the prompt, on a line of its own', () => {
    const out = render([{ ...base, seq: 0, type: 'user', text: 'debug prod core-service' }]);
    expect(plainText(out.text)).toBe('apollo> debug prod core-service\n');
    expect(out.state.atLineStart).toBe(true);
  });

  it('streams text deltas as they come and starts the next frame on a new line', () => {
    const first = renderFrame({ ...base, seq: 1, type: 'text', text: 'The error rate ' }, INITIAL_RENDER, { cols: 80 });
    expect(first.text).toBe('The error rate ');
    expect(first.state.atLineStart).toBe(false);
    const second = renderFrame({ ...base, seq: 2, type: 'text', text: 'rose.\nSince' }, first.state, { cols: 80 });
    expect(second.text).toBe('rose.\r\nSince');
    const call = renderFrame({ ...base, seq: 3, type: 'tool_call', callId: 'c1', name: 'logs_search', arguments: { service: 'core' }, risk: 'read', status: 'running' }, second.state, { cols: 80 });
    expect(call.text.startsWith('\r\n')).toBe(true);
    expect(plainText(first.text + second.text + call.text)).toBe('The error rate rose.\nSince\n▸ tool logs_search {"service":"core"} [read]\n');
  });

  it('prints a running tool call dim cyan and a refused one red with its reason', () => {
    const running = render([{ ...base, seq: 1, type: 'tool_call', callId: 'c1', name: 'logs_search', arguments: { service: 'core-service', level: 'ERROR' }, risk: 'read', status: 'running' }]);
    expect(running.text).toBe(`${ANSI.dim}${ANSI.cyan}▸ tool logs_search {"service":"core-service","level":"ERROR"}${ANSI.reset}${ANSI.dim} [read]${ANSI.reset}\r\n`);
    const refused = render([{ ...base, seq: 1, type: 'tool_call', callId: 'c2', name: 'deploy', arguments: { environment: 'prod' }, risk: 'prod_mutation', status: 'refused', reason: 'needs approval' }]);
    expect(refused.text).toBe(`${ANSI.red}▸ tool deploy {"environment":"prod"} [prod_mutation] refused: needs approval${ANSI.reset}\r\n`);
  });

  it('cuts long arguments to the line', () => {
    const out = render([{ ...base, seq: 1, type: 'tool_call', callId: 'c1', name: 'logs_search', arguments: { query: 'x'.repeat(500) }, risk: 'read', status: 'running' }], 60);
    const line = plainText(out.text).trimEnd();
    expect([...line].length).toBeLessThanOrEqual(60);
    expect(line).toContain('…');
  });

  it('prints a result as its size, or its error, never its preview', () => {
    const ok = render([{ ...base, seq: 2, type: 'tool_result', callId: 'c1', name: 'logs_search', ok: true, size: 2150, truncated: false, preview: 'SECRET-PREVIEW' }]);
    expect(plainText(ok.text)).toBe('  ✓ 2.1 KB\n');
    expect(ok.text).toContain(`${ANSI.green}✓`);
    const cut = render([{ ...base, seq: 2, type: 'tool_result', callId: 'c1', name: 'logs_search', ok: true, size: 812, truncated: true, preview: '' }]);
    expect(plainText(cut.text)).toBe('  ✓ 812 B (truncated)\n');
    const failed = render([{ ...base, seq: 2, type: 'tool_result', callId: 'c1', name: 'logs_search', ok: false, size: 0, truncated: false, preview: '', error: 'timeout' }]);
    expect(failed.text).toBe(`  ${ANSI.red}✗ timeout${ANSI.reset}\r\n`);
  });

  it('prints notices yellow and errors red', () => {
    const notice = render([{ ...base, seq: 1, type: 'notice', level: 'warn', text: 'analysis needs a model' }]);
    expect(notice.text).toBe(`${ANSI.yellow}⚠ analysis needs a model${ANSI.reset}\r\n`);
    const info = render([{ ...base, seq: 1, type: 'notice', level: 'info', text: 'reading logs' }]);
    expect(info.text).toBe(`${ANSI.yellow}ℹ reading logs${ANSI.reset}\r\n`);
    const error = render([{ ...base, seq: 1, type: 'error', code: 'ModelError', message: 'overloaded', retryable: true }]);
    expect(error.text).toBe(`${ANSI.red}✗ ModelError: overloaded (retryable)${ANSI.reset}\r\n`);
  });

  it('ends a turn dim with its stop reason and the tokens of its usage frame', () => {
    const out = render([
      { ...base, seq: 1, type: 'usage', inputTokens: 1234, outputTokens: 567 },
      { ...base, seq: 2, type: 'end', stopReason: 'end_turn' },
    ]);
    expect(out.text).toBe(`${ANSI.dim}— end_turn · 1,234 in / 567 out tokens${ANSI.reset}\r\n\r\n`);
    expect(out.state.usage).toBeNull();
    expect(endLine('no_model', null)).toBe('— no_model');
  });

  it('prints nothing for a turn frame', () => {
    expect(render([{ ...base, seq: 0, type: 'turn', status: 'started', command: 'debug', model: null }]).text).toBe('');
  });

  it('prints a termination as a red banner', () => {
    const out = render([{ ...base, seq: 9, type: 'terminated', by: 'admin@example.com' }]);
    expect(out.text).toContain(ANSI.banner);
    expect(plainText(out.text)).toBe(' ■ Session terminated by admin@example.com ■ \nThe transcript is kept; this session takes no more messages.\n');
  });

  it('removes escape sequences and control characters from model and tool text', () => {
    expect(sanitize('ok\x1b[2J\x1b]0;title\x07 done\x07\r\n')).toBe('ok done\n');
    const out = render([{ ...base, seq: 1, type: 'text', text: 'a\x1b[31mred\x1b[0m\x1bc b' }]);
    expect(out.text).toBe('ared b');
  });
});

describe('approvals in the terminal', () => {
  const action: AiAction = {
    id: 'a'.repeat(64), sessionId: '01JABCDEFGHJKMNPQRSTVWXYZ0', turnId: 't1', callId: 'c1', callIndex: 1,
    tool: 'service_scale', arguments: { service: 'core-service', environment: 'prod', replicas: 4 }, risk: 'prod_mutation',
    summary: 'Scale core-service in prod to 4 replicas', route: 'POST /api/v1/services/{id}/scale', permission: 'deployments:create:prod',
    origin: 'command', status: 'pending', requestedBy: 'operator@apollo.local', createdAt: '2026-12-05T12:00:00.000Z', expiresAt: '2026-12-05T12:15:00.000Z',
    decidedBy: null, decidedAt: null, result: null,
  };
  const line = (a: AiAction) => plainText(render([{ ...base, seq: 5, type: 'action', action: a }]).text);

  it('asks for the Approve beside the terminal while an action waits, with its expiry', () => {
    expect(line(action)).toBe('‖ Needs your approval: Scale core-service in prod to 4 replicas — use Approve beside the terminal (expires 12:15 UTC)\n');
    const own = renderFrames([{ ...base, seq: 5, type: 'action', action }], INITIAL_RENDER, { cols: 80, timeText: () => 'soon' });
    expect(plainText(own.text)).toContain('(expires soon)');
  });

  it('says how a decided action went: executed with the route’s message, failed, rejected, expired', () => {
    const decided = { decidedBy: 'operator@apollo.local', decidedAt: '2026-12-05T12:01:00.000Z' };
    expect(line({ ...action, ...decided, status: 'executed', result: { statusCode: 202, ok: true, message: 'Deployment 01JDEP created', resource: { type: 'deployment', id: '01JDEP', href: '/deployments/01JDEP' } } }))
      .toBe('✓ Scale core-service in prod to 4 replicas: Deployment 01JDEP created\n');
    expect(line({ ...action, ...decided, status: 'executed', result: { statusCode: 201, ok: true, message: 'Scale core-service in prod to 4 replicas: deployment 01JDEP created' } }))
      .toBe('✓ Scale core-service in prod to 4 replicas: deployment 01JDEP created\n');
    expect(line({ ...action, ...decided, status: 'failed', result: { statusCode: 409, ok: false, message: 'prod is frozen', code: 'Conflict' } }))
      .toBe('✗ Scale core-service in prod to 4 replicas failed: prod is frozen\n');
    expect(line({ ...action, ...decided, status: 'rejected', note: 'not now' })).toBe('✗ Scale core-service in prod to 4 replicas: rejected by operator@apollo.local (not now); it did not run\n');
    expect(line({ ...action, status: 'expired' })).toBe('⌛ Scale core-service in prod to 4 replicas: expired before an approval; it did not run\n');
    expect(line({ ...action, ...decided, status: 'executing' })).toBe('▶ Scale core-service in prod to 4 replicas: running, approved by operator@apollo.local\n');
  });

  it('keeps control sequences in a summary or a route’s message out of the terminal', () => {
    const out = render([{ ...base, seq: 5, type: 'action', action: { ...action, summary: 'Scale\x1b[2J it', status: 'executed', result: { statusCode: 200, ok: true, message: 'ok\x1b]0;x\x07' } } }]);
    expect(plainText(out.text)).toBe('✓ Scale it: ok\n');
  });

  it('prints a change waiting for its approval like a call waiting', () => {
    const out = render([{ ...base, seq: 4, type: 'tool_call', callId: 'c1', name: 'service_scale', arguments: { replicas: 4 }, risk: 'prod_mutation', status: 'pending_approval', actionId: 'a'.repeat(64) }]);
    expect(out.text).toBe(`${ANSI.dim}${ANSI.cyan}▸ tool service_scale {"replicas":4}${ANSI.reset}${ANSI.dim} [prod_mutation]${ANSI.reset}${ANSI.yellow} awaiting approval${ANSI.reset}\r\n`);
  });

  it('ends a turn that waits for an approval, or ran out of budget, saying so', () => {
    expect(endLine('approval_required', { input: 10, output: 2 })).toBe('— approval_required: waiting for an approval beside the terminal · 10 in / 2 out tokens');
    expect(endLine('budget', null)).toBe("— budget: the AI budget is spent (this session's or today's): no more model turns until it resets");
  });
});

describe('findings', () => {
  it('draws a table in a box with aligned columns, numbers to the right', () => {
    const lines = renderTable(['service', 'errors', 'p99'], [['core-service', 1234, '812 ms'], ['db', 5, null]], 80).map(plainText);
    expect(lines).toEqual([
      '┌──────────────┬────────┬────────┐',
      '│ service      │ errors │ p99    │',
      '├──────────────┼────────┼────────┤',
      '│ core-service │  1,234 │ 812 ms │',
      '│ db           │      5 │ —      │',
      '└──────────────┴────────┴────────┘',
    ]);
    const widths = new Set(lines.map((l) => [...l].length));
    expect(widths.size).toBe(1);
  });

  it('caps the table to the terminal, cutting the widest column with an ellipsis', () => {
    const lines = renderTable(['message', 'count'], [['x'.repeat(200), 3]], 40).map(plainText);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(40);
    expect(lines[3]).toContain('…');
    expect(columnWidths([['a'.repeat(100)]], 1, 200)).toEqual([48]);
  });

  it('says so when a table has no rows', () => {
    const lines = renderTable(['a', 'b'], [], 80).map(plainText);
    expect(lines[3]).toBe('│ (no rows) │');
  });

  it('colours facts by status: ok green, warn yellow, bad red; aligns the labels', () => {
    const lines = renderFindings({ title: 'debug core-service (prod)', sections: [{ kind: 'facts', title: 'Health', items: [
      { label: 'Error rate', value: '0.1%', status: 'ok' },
      { label: 'p99', value: '1.9 s', status: 'warn' },
      { label: 'Last deploy', value: 'failed', status: 'bad' },
      { label: 'Owner', value: 'platform' },
    ] }, { kind: 'text', title: 'Runbook', text: 'Restart the pods.\nThen check.' }] }, 80);
    expect(lines.map(plainText)).toEqual([
      '■ debug core-service (prod)', '', 'Health',
      '  ● Error rate   0.1%', '  ▲ p99          1.9 s', '  ✗ Last deploy  failed', '    Owner        platform',
      '', 'Runbook', 'Restart the pods.', 'Then check.',
    ]);
    expect(lines[3]).toContain(`${ANSI.green}0.1%`);
    expect(lines[4]).toContain(`${ANSI.yellow}1.9 s`);
    expect(lines[5]).toContain(`${ANSI.red}failed`);
  });

  it('prints a findings frame on lines of its own', () => {
    const out = render([{ ...base, seq: 1, type: 'text', text: 'half' }, { ...base, seq: 2, type: 'findings', findings: { title: 'T', sections: [] } }]);
    expect(plainText(out.text)).toBe('half\n■ T\n\n');
  });
});

describe('sizes', () => {
  it('reads characters as B, KB, MB', () => {
    expect([formatSize(0), formatSize(1023), formatSize(2150), formatSize(3 * 1024 * 1024 + 400_000)]).toEqual(['0 B', '1023 B', '2.1 KB', '3.4 MB']);
  });
});

describe('streamed text at the terminal’s width', () => {
  it('breaks between words, drops the spaces at a break, and carries the column across deltas', () => {
    expect(wrapText('the error rate rose', { col: 0, inWord: false }, 10)).toEqual({ text: 'the error\nrate rose', col: 9, inWord: true });
    const first = wrapText('one two', { col: 0, inWord: false }, 10);
    expect(wrapText(' three', first, 10)).toEqual({ text: '\nthree', col: 5, inWord: true });
    expect(wrapText('a\nbb', { col: 7, inWord: false }, 10)).toEqual({ text: 'a\nbb', col: 2, inWord: true });
  });

  it('never breaks inside a word: one a delta began, or one longer than a line', () => {
    expect(wrapText('rld', { col: 9, inWord: true }, 10).text).toBe('rld');
    expect(wrapText('x'.repeat(25), { col: 0, inWord: false }, 10)).toEqual({ text: 'x'.repeat(25), col: 5, inWord: true });
  });

  it('wraps text frames only when asked (the mirror keeps the text as sent)', () => {
    const frame: AiFrame = { ...base, seq: 1, type: 'text', text: 'alpha beta gamma delta epsilon zeta eta theta' };
    expect(renderFrame(frame, INITIAL_RENDER, { cols: 20 }).text).toBe('alpha beta gamma delta epsilon zeta eta theta');
    expect(renderFrame(frame, INITIAL_RENDER, { cols: 20, wrap: true }).text).toBe('alpha beta gamma\r\ndelta epsilon zeta\r\neta theta');
  });
});
