import { describe, expect, it } from 'vitest';
import type { AiFrame } from '../../../../schemas/types.gen.ts';
import { asFrame, framesAfter, initialFrames, isLossyGap, replaysLossyTurn, resync, statusAfter, turnEnded, withToolFrame, type ToolCallView } from './frame-log.ts';

const text = (seq: number, t = `t${seq}`): AiFrame => ({ type: 'text', turnId: 'a', seq, text: t });

describe('frames by seq', () => {
  it('keeps frames after the last printed one, each seq once, in order', () => {
    expect(framesAfter([text(5), text(3), text(4), text(4, 'again'), text(2)], 2).map((f) => [f.seq, (f as { text: string }).text])).toEqual([[3, 't3'], [4, 't4'], [5, 't5']]);
    expect(framesAfter([text(1)], 1)).toEqual([]);
  });

  it('prints the transcript, then what came live while it was read and it lacks', () => {
    const { frames, lastSeq } = initialFrames([text(0), text(2)], [text(1), text(2), text(4), text(3)]);
    expect(frames.map((f) => f.seq)).toEqual([0, 2, 3, 4]);
    expect(lastSeq).toBe(4);
  });

  it('prints what comes live when the transcript is empty', () => {
    expect(initialFrames([], [])).toEqual({ frames: [], lastSeq: -1 });
    expect(initialFrames([], [text(8), text(7)])).toEqual({ frames: [text(7), text(8)], lastSeq: 8 });
  });

  it('prints a turn that lost frames again once it ended, never from a read older than what was printed', () => {
    const ended = [text(0), text(1), { type: 'end', turnId: 'a', seq: 2, stopReason: 'end_turn' } as AiFrame];
    expect(replaysLossyTurn(ended, 2, 'a')).toBe(true);
    expect(replaysLossyTurn(ended, 2, null)).toBe(false);
    expect(replaysLossyTurn([text(0), text(1)], 1, 'a')).toBe(false);
    // An approval's frames (seq 400…) came live after the turn ended; the cached read still ends at 2: wait for a new read.
    expect(replaysLossyTurn(ended, 402, 'a')).toBe(false);
    expect(replaysLossyTurn([...ended, { type: 'notice', turnId: 'a', seq: 402, level: 'info', text: 'x' }], 402, 'a')).toBe(true);
  });

  it('after a reconnect: nothing when nothing was missed, the whole transcript again when something was', () => {
    expect(resync([text(0), text(1)], 1)).toEqual({ kind: 'none' });
    // Deltas 2 and 3 of a block still streaming were printed; the transcript keeps them only when the block ends.
    expect(resync([text(0), text(1)], 3)).toEqual({ kind: 'none' });
    expect(resync([text(0), text(1), text(3)], 2)).toEqual({ kind: 'replay', frames: [text(0), text(1), text(3)], lastSeq: 3 });
  });

  it('tells a gap that may have lost text from a new turn starting past reserved seqs', () => {
    expect(isLossyGap(text(9), 5)).toBe(true);
    expect(isLossyGap(text(6), 5)).toBe(false);
    expect(isLossyGap({ type: 'user', turnId: 'b', seq: 30, text: 'hi' }, 12)).toBe(false);
    expect(isLossyGap({ type: 'turn', turnId: 'b', seq: 30, status: 'started' }, 12)).toBe(false);
    expect(turnEnded([text(1), { type: 'end', turnId: 'a', seq: 2, stopReason: 'end_turn' }], 'a')).toBe(true);
    expect(turnEnded([text(1)], 'a')).toBe(false);
  });

  it('reads only ai.frame events that look like frames', () => {
    expect(asFrame('ai.frame', text(1))).toEqual(text(1));
    expect(asFrame('other', text(1))).toBeNull();
    expect(asFrame('ai.frame', { type: 'text', seq: '1' })).toBeNull();
  });
});

describe('the console’s status', () => {
  it('runs a turn from its user frame to its end; a termination is final', () => {
    let s = { session: 'active' as const, turn: 'idle' as const } as { session: 'active' | 'terminated'; turn: 'idle' | 'running' };
    s = statusAfter(s, { type: 'user', turnId: 'a', seq: 0, text: 'hi' });
    expect(s.turn).toBe('running');
    s = statusAfter(s, { type: 'end', turnId: 'a', seq: 1, stopReason: 'end_turn' });
    expect(s.turn).toBe('idle');
    s = statusAfter(s, { type: 'terminated', turnId: 'a', seq: 2, by: 'x' });
    expect(s).toEqual({ session: 'terminated', turn: 'idle' });
  });
});

describe('tool calls for the side panel', () => {
  it('adds a call and completes it with its result', () => {
    let calls = withToolFrame([], { type: 'tool_call', turnId: 'a', seq: 1, callId: 'c1', name: 'logs_search', arguments: { q: 'x' }, risk: 'read', status: 'running' });
    expect(withToolFrame(calls, { type: 'tool_call', turnId: 'a', seq: 1, callId: 'c1', name: 'logs_search', arguments: { q: 'x' }, risk: 'read', status: 'running' })).toBe(calls);
    calls = withToolFrame(calls, { type: 'tool_result', turnId: 'a', seq: 2, callId: 'c1', name: 'logs_search', ok: true, size: 10, truncated: false, preview: '[]' });
    expect(calls[0]).toMatchObject({ status: 'ok', result: { preview: '[]', size: 10 } });
    calls = withToolFrame(calls, { type: 'tool_call', turnId: 'a', seq: 3, callId: 'c2', name: 'deploy', arguments: {}, risk: 'prod_mutation', status: 'refused', reason: 'approval' });
    expect(calls.map((c) => [c.name, c.status])).toEqual([['logs_search', 'ok'], ['deploy', 'refused']]);
    expect(withToolFrame(calls, text(4))).toBe(calls);
  });

  it('completes a change that waited for its approval with the result that came once it ran', () => {
    const frames: AiFrame[] = [
      { type: 'tool_call', turnId: 'a', seq: 6, callId: 'cmd-a-3', name: 'scale_service', arguments: { replicas: 4 }, risk: 'prod_mutation', status: 'pending_approval', actionId: 'a'.repeat(64) },
      { type: 'end', turnId: 'a', seq: 9, stopReason: 'approval_required' },
      { type: 'tool_result', turnId: 'a', seq: 401, callId: 'cmd-a-3', name: 'scale_service', ok: true, size: 87, truncated: false, preview: 'deployment 01JDEP created' },
    ];
    const calls = frames.reduce<readonly ToolCallView[]>((list, f) => withToolFrame(list, f), []);
    expect(calls.map((c) => [c.name, c.status, c.result?.preview])).toEqual([['scale_service', 'ok', 'deployment 01JDEP created']]);
  });

  it('pairs each result with the latest waiting call when a command’s calls share one callId', () => {
    const frames: AiFrame[] = [
      { type: 'tool_call', turnId: 'a', seq: 1, callId: 'cmd-a', name: 'catalog_service', arguments: {}, risk: 'read', status: 'running' },
      { type: 'tool_result', turnId: 'a', seq: 2, callId: 'cmd-a', name: 'catalog_service', ok: true, size: 5, truncated: false, preview: 'one' },
      { type: 'tool_call', turnId: 'a', seq: 3, callId: 'cmd-a', name: 'service_health', arguments: {}, risk: 'read', status: 'running' },
      { type: 'tool_result', turnId: 'a', seq: 4, callId: 'cmd-a', name: 'service_health', ok: false, size: 0, truncated: false, preview: '', error: 'down' },
    ];
    const calls = frames.reduce<readonly ToolCallView[]>((list, f) => withToolFrame(list, f), []);
    expect(calls.map((c) => [c.name, c.status, c.result?.error ?? c.result?.preview])).toEqual([['catalog_service', 'ok', 'one'], ['service_health', 'failed', 'down']]);
  });
});
