/** A session's replay (GET /api/v1/ai/audit) as the drawer's rows, and as the file it exports. */
import type { Intent } from '@blueprintjs/core';
import type { AiReplay } from '../../../../schemas/types.gen.ts';
import { formatSize } from './terminal-render.ts';

export type ReplayItem = AiReplay['items'][number];

interface RowBase {
  readonly seq: number;
  readonly at: string;
  readonly turnId: string;
  /** 1 for the session's first turn. */
  readonly turn: number;
  /** The first row of its turn (the drawer names the turn above it). */
  readonly firstOfTurn: boolean;
}

export type ReplayRow =
  | RowBase & { readonly kind: 'message'; readonly by: string | null; readonly text: string }
  /** The model's words (a block of its answer). */
  | RowBase & { readonly kind: 'answer'; readonly text: string }
  | RowBase & {
    readonly kind: 'tool_call'; readonly name: string; readonly callId: string | null; readonly argumentsText: string;
    readonly risk: { readonly label: string; readonly intent: Intent } | null;
    readonly status: { readonly label: string; readonly intent: Intent } | null;
    readonly reason: string | null;
  }
  | RowBase & {
    readonly kind: 'tool_result'; readonly name: string; readonly callId: string | null; readonly ok: boolean;
    /** `1.2 KB`, or null when the size was not kept. */
    readonly size: string | null; readonly truncated: boolean; readonly preview: string | null; readonly error: string | null;
  }
  /** A decision on a change: approved (by whom), rejected, or run as typed with no approval needed. */
  | RowBase & {
    readonly kind: 'action'; readonly name: string; readonly actionId: string | null; readonly summary: string;
    readonly decision: { readonly label: string; readonly intent: Intent }; readonly by: string | null; readonly note: string | null;
  };

const DECISION_LOOK: Readonly<Record<string, { label: string; intent: Intent }>> = {
  approved: { label: 'approved', intent: 'success' },
  rejected: { label: 'rejected', intent: 'danger' },
  approval_not_required: { label: 'no approval needed', intent: 'none' },
};

/** Reads are harmless, changes to config or safe mutations ask for care, production and infrastructure changes for more. */
const RISK_INTENT: Readonly<Record<string, Intent>> = {
  read: 'none', analysis: 'none', safe_mutation: 'warning', config: 'warning', prod_mutation: 'danger', infrastructure: 'danger',
};

/** A call's status as the replay tells it: `running` when it was made means it was let through. */
const STATUS_LOOK: Readonly<Record<string, { label: string; intent: Intent }>> = {
  running: { label: 'allowed', intent: 'success' },
  refused: { label: 'refused', intent: 'danger' },
  pending_approval: { label: 'waits for approval', intent: 'warning' },
};

/** The items in seq order as rows: turns numbered, arguments pretty-printed, a result named after its call when it lacks a name. */
export function replayRows(items: readonly ReplayItem[]): ReplayRow[] {
  const sorted = [...items].sort((a, b) => a.seq - b.seq);
  const callNames = new Map<string, string>();
  const turns = new Map<string, number>();
  return sorted.map((item) => {
    const firstOfTurn = !turns.has(item.turnId);
    if (firstOfTurn) turns.set(item.turnId, turns.size + 1);
    const base: RowBase = { seq: item.seq, at: item.at, turnId: item.turnId, turn: turns.get(item.turnId)!, firstOfTurn };
    if (item.kind === 'message') return { ...base, kind: 'message', by: item.by ?? null, text: item.text ?? '' };
    if (item.kind === 'answer') return { ...base, kind: 'answer', text: item.text ?? '' };
    if (item.kind === 'tool_call') {
      if (item.callId && item.name) callNames.set(item.callId, item.name);
      return {
        ...base, kind: 'tool_call', name: item.name ?? 'tool', callId: item.callId ?? null,
        argumentsText: JSON.stringify(item.arguments ?? {}, null, 2),
        risk: item.risk ? { label: item.risk.replace(/_/g, ' '), intent: RISK_INTENT[item.risk] ?? 'none' } : null,
        status: item.status ? STATUS_LOOK[item.status] ?? { label: item.status, intent: 'none' } : null,
        reason: item.reason ?? null,
      };
    }
    if (item.kind === 'action') {
      return {
        ...base, kind: 'action', name: item.name ?? 'action', actionId: item.actionId ?? null, summary: item.summary ?? '',
        decision: DECISION_LOOK[item.status ?? ''] ?? { label: item.status ?? 'decided', intent: 'none' }, by: item.by ?? null, note: item.note ?? null,
      };
    }
    return {
      ...base, kind: 'tool_result', name: item.name ?? (item.callId ? callNames.get(item.callId) : undefined) ?? 'tool', callId: item.callId ?? null,
      ok: item.ok === true, size: item.size === undefined ? null : formatSize(item.size), truncated: item.truncated === true,
      preview: item.preview ? item.preview : null, error: item.error ?? null,
    };
  });
}

/** `apollo-ai-session-<id>.json` (an id with characters a file name should not hold has them replaced). */
export const replayFileName = (sessionId: string): string => `apollo-ai-session-${sessionId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;

/** The exported file: the replay as the API answered it, indented. */
export const replayJson = (replay: AiReplay): string => `${JSON.stringify(replay, null, 2)}\n`;
