/**
 * A session's frames, live: its transcript (GET) printed first, then the frames of the topic ai:<id> with a greater
 * seq, each once; frames that came while the transcript was read wait for it. After a reconnect, a gap in the seqs or
 * a turn's end the session is read again and, when it holds frames the terminal missed, printed again whole
 * (frame-log.ts says why).
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { AiAction, AiFrame, AiSession, AiSessionDetail } from '../../../../schemas/types.gen.ts';
import { useOnReconnect, useThrottledInvalidate, useTopics } from '../../lib/live-requests.ts';
import { actionsOfFrames, callsWithDecisions, mergeActions } from './ai-actions.ts';
import { aiSessionKey } from './ai-queries.ts';
import { FrameFeed } from './frame-feed.ts';
import { asFrame, framesAfter, initialFrames, isLossyGap, maxSeq, replaysLossyTurn, resync, statusAfter, withToolFrame, type ToolCallView } from './frame-log.ts';

export interface SessionStream {
  readonly feed: FrameFeed;
  readonly status: { session: 'active' | 'terminated'; turn: 'idle' | 'running' };
  readonly toolCalls: readonly ToolCallView[];
  /** Every change the session proposed (the session's list, then its action frames; latest per id), oldest first. */
  readonly actions: readonly AiAction[];
  /** From usage frames that carry the session's totals; null until one came (the session's own usage stands). */
  readonly liveUsage: { inputTokens: number; outputTokens: number } | null;
}

export function useSessionStream(id: string, detail: AiSessionDetail | undefined): SessionStream {
  const client = useQueryClient();
  const resyncSoon = useThrottledInvalidate(1_000);
  // The page is keyed by the session id: one feed for its life.
  const [feed] = useState(() => new FrameFeed());
  const lastSeq = useRef<number | null>(null);
  const buffered = useRef<AiFrame[]>([]);
  /** A turn whose frames may have been lost (see isLossyGap). */
  const lossyTurn = useRef<string | null>(null);
  const [liveUsage, setLiveUsage] = useState<SessionStream['liveUsage']>(null);

  const live = (frame: AiFrame) => {
    if (frame.type === 'usage' && frame.sessionInputTokens !== undefined && frame.sessionOutputTokens !== undefined) {
      setLiveUsage({ inputTokens: frame.sessionInputTokens, outputTokens: frame.sessionOutputTokens });
    }
    // The header's turn count, tool calls and status come from the session: read it again when a turn ends.
    if (frame.type === 'end' || frame.type === 'terminated' || (frame.type === 'turn' && frame.status === 'ended')) {
      void client.invalidateQueries({ queryKey: aiSessionKey(id) });
      void client.invalidateQueries({ queryKey: ['ai', 'sessions', 'mine'] });
      // Today's usage against the budgets moved with the turn.
      void client.invalidateQueries({ queryKey: ['ai', 'users'] });
    }
  };

  useTopics([`ai:${id}`], (event) => {
    const frame = asFrame(event.event, event.data);
    if (!frame) return;
    if (lastSeq.current === null) {
      buffered.current.push(frame);
      return;
    }
    const next = framesAfter([frame], lastSeq.current);
    if (next.length === 0) return;
    // A gap: frames sent before this connection joined the topic's subscribers, or lost. The session read again
    // says; a gap inside a turn prints the turn again from the transcript once it has ended (isLossyGap).
    if (isLossyGap(frame, lastSeq.current)) lossyTurn.current = frame.turnId;
    if (frame.seq > lastSeq.current + 1) resyncSoon(aiSessionKey(id));
    lastSeq.current = frame.seq;
    feed.append(next);
    live(frame);
  });

  // The first read prints the transcript and what came meanwhile; a later read (a turn ended, a gap, a reconnect)
  // prints it again whole only when it holds frames the terminal missed.
  useEffect(() => {
    if (!detail) return;
    if (lastSeq.current === null) {
      const first = initialFrames(detail.transcript, buffered.current);
      buffered.current = [];
      lastSeq.current = first.lastSeq;
      feed.replay(first.frames);
      return;
    }
    const plan = resync(detail.transcript, lastSeq.current);
    const lossy = replaysLossyTurn(detail.transcript, lastSeq.current, lossyTurn.current);
    if (plan.kind === 'replay' || lossy) {
      lossyTurn.current = null;
      lastSeq.current = Math.max(lastSeq.current, maxSeq(detail.transcript));
      feed.replay(framesAfter(detail.transcript, -1));
    }
  }, [detail, feed]);

  useOnReconnect(() => { if (lastSeq.current !== null) void client.invalidateQueries({ queryKey: aiSessionKey(id) }); });

  const subscribe = useCallback((cb: () => void) => feed.subscribe(cb), [feed]);
  const version = useSyncExternalStore(subscribe, () => feed.version);
  const derived = useMemo(() => {
    let status: SessionStream['status'] = { session: 'active', turn: 'idle' };
    let toolCalls: readonly ToolCallView[] = [];
    for (const frame of feed.frames) {
      status = statusAfter(status, frame);
      toolCalls = withToolFrame(toolCalls, frame);
    }
    return { status, toolCalls, actionFrames: actionsOfFrames(feed.frames) };
  }, [feed, version]);
  const actions = useMemo(() => mergeActions(detail?.actions ?? [], derived.actionFrames), [detail?.actions, derived.actionFrames]);
  const status = detail?.status === 'terminated' ? { session: 'terminated' as const, turn: 'idle' as const } : derived.status;
  const toolCalls = useMemo(() => callsWithDecisions(derived.toolCalls, actions), [derived.toolCalls, actions]);
  return { feed, status, toolCalls, actions, liveUsage };
}

/** The header's usage: the session's, with live totals when a usage frame brought newer ones. */
export const shownUsage = (session: AiSession, live: SessionStream['liveUsage']): AiSession['usage'] =>
  live && live.inputTokens + live.outputTokens >= session.usage.inputTokens + session.usage.outputTokens ? { ...session.usage, ...live } : session.usage;
