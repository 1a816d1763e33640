import { describe, expect, it } from 'vitest';
import type { AiReplay } from '../../../../schemas/types.gen.ts';
import { replayFileName, replayJson, replayRows, type ReplayItem } from './ai-replay.ts';

const AT = '2026-12-05T10:00:00.000Z';

describe('a session replay', () => {
  it('lists messages, answers, calls and results in seq order, turns numbered, a result named after its call', () => {
    // Prepare
    const items: ReplayItem[] = [
      { seq: 3, at: AT, turnId: 't1', kind: 'tool_result', callId: 'c1', ok: true, size: 2048, truncated: true, preview: 'line 1' },
      { seq: 0, at: AT, turnId: 't1', kind: 'message', text: 'debug prod core-service', by: 'dana@example.com' },
      { seq: 2, at: AT, turnId: 't1', kind: 'tool_call', callId: 'c1', name: 'get_logs', arguments: { service: 'core-service', minutes: 15 }, risk: 'read', status: 'running' },
      { seq: 7, at: AT, turnId: 't2', kind: 'tool_call', callId: 'c2', name: 'restart', arguments: {}, risk: 'prod_mutation', status: 'refused', reason: 'not allowed here' },
      { seq: 8, at: AT, turnId: 't2', kind: 'tool_result', callId: 'c2', name: 'restart', ok: false, size: 0, truncated: false, error: 'refused' },
      { seq: 9, at: AT, turnId: 't2', kind: 'answer', text: 'The restart was refused: prod needs an operator.' },
    ];

    // Act
    const rows = replayRows(items);

    // Assess
    expect(rows).toEqual([
      { seq: 0, at: AT, turnId: 't1', turn: 1, firstOfTurn: true, kind: 'message', by: 'dana@example.com', text: 'debug prod core-service' },
      {
        seq: 2, at: AT, turnId: 't1', turn: 1, firstOfTurn: false, kind: 'tool_call', name: 'get_logs', callId: 'c1',
        argumentsText: '{\n  "service": "core-service",\n  "minutes": 15\n}',
        risk: { label: 'read', intent: 'none' }, status: { label: 'allowed', intent: 'success' }, reason: null,
      },
      { seq: 3, at: AT, turnId: 't1', turn: 1, firstOfTurn: false, kind: 'tool_result', name: 'get_logs', callId: 'c1', ok: true, size: '2.0 KB', truncated: true, preview: 'line 1', error: null },
      {
        seq: 7, at: AT, turnId: 't2', turn: 2, firstOfTurn: true, kind: 'tool_call', name: 'restart', callId: 'c2', argumentsText: '{}',
        risk: { label: 'prod mutation', intent: 'danger' }, status: { label: 'refused', intent: 'danger' }, reason: 'not allowed here',
      },
      { seq: 8, at: AT, turnId: 't2', turn: 2, firstOfTurn: false, kind: 'tool_result', name: 'restart', callId: 'c2', ok: false, size: '0 B', truncated: false, preview: null, error: 'refused' },
      { seq: 9, at: AT, turnId: 't2', turn: 2, firstOfTurn: false, kind: 'answer', text: 'The restart was refused: prod needs an operator.' },
    ]);
  });

  it('shows each decision on a change: approved by whom, rejected with its note, typed with no approval needed', () => {
    // Act
    const rows = replayRows([
      { seq: 1, at: AT, turnId: 't', kind: 'tool_call', callId: 'c1', name: 'scale_service', arguments: { replicas: 4 }, risk: 'prod_mutation', status: 'pending_approval' },
      { seq: 5, at: AT, turnId: 't', kind: 'action', actionId: 'a'.repeat(64), callId: 'c1', name: 'scale_service', summary: 'Scale core-service in prod to 4 replicas', status: 'approved', by: 'operator@apollo.local', decidedAt: AT },
      { seq: 6, at: AT, turnId: 't', kind: 'action', name: 'scale_service', summary: 'Scale again', status: 'rejected', by: 'dana@example.com', note: 'not now', decidedAt: AT },
      { seq: 7, at: AT, turnId: 't', kind: 'action', name: 'scale_service', summary: 'Scale staging', status: 'approval_not_required', note: 'typed by dana', decidedAt: null },
    ]);

    // Assess
    expect(rows[0]).toMatchObject({ kind: 'tool_call', status: { label: 'waits for approval', intent: 'warning' } });
    expect(rows.slice(1)).toEqual([
      { seq: 5, at: AT, turnId: 't', turn: 1, firstOfTurn: false, kind: 'action', name: 'scale_service', actionId: 'a'.repeat(64), summary: 'Scale core-service in prod to 4 replicas', decision: { label: 'approved', intent: 'success' }, by: 'operator@apollo.local', note: null },
      { seq: 6, at: AT, turnId: 't', turn: 1, firstOfTurn: false, kind: 'action', name: 'scale_service', actionId: null, summary: 'Scale again', decision: { label: 'rejected', intent: 'danger' }, by: 'dana@example.com', note: 'not now' },
      { seq: 7, at: AT, turnId: 't', turn: 1, firstOfTurn: false, kind: 'action', name: 'scale_service', actionId: null, summary: 'Scale staging', decision: { label: 'no approval needed', intent: 'none' }, by: null, note: 'typed by dana' },
    ]);
  });

  it('shows an unknown risk or status as it came', () => {
    const [row] = replayRows([{ seq: 1, at: AT, turnId: 't', kind: 'tool_call', name: 'x', risk: 'novel', status: 'queued' }]);
    expect(row).toMatchObject({ kind: 'tool_call', argumentsText: '{}', risk: { label: 'novel', intent: 'none' }, status: { label: 'queued', intent: 'none' } });
  });

  it('exports the replay as the API answered it, under the session id', () => {
    const replay = { session: { id: '01JXYZ' }, items: [] } as unknown as AiReplay;
    expect(JSON.parse(replayJson(replay))).toEqual(replay);
    expect(replayFileName('01JXYZ')).toBe('apollo-ai-session-01JXYZ.json');
    expect(replayFileName('../x y')).toBe('apollo-ai-session-.._x_y.json');
  });
});
