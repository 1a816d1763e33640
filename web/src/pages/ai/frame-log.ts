/**
 * Which frames the terminal still has to print: a session's frames are ordered by seq, the transcript (GET) and the
 * realtime topic (ai:<id>) overlap, and frames sent while the connection was down never arrive. Each frame is printed
 * once, in seq order; a gap seen after a reconnect replays the transcript (its text blocks are joined, so printing
 * only "the missing ones" could print half a block twice).
 */
import type { AiFrame } from '../../../../schemas/types.gen.ts';

/** Frames after `lastSeq`, each seq once (the first seen), in seq order. */
export function framesAfter(frames: readonly AiFrame[], lastSeq: number): AiFrame[] {
  const seen = new Set<number>();
  const out: AiFrame[] = [];
  for (const frame of frames) {
    if (frame.seq <= lastSeq || seen.has(frame.seq)) continue;
    seen.add(frame.seq);
    out.push(frame);
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export const maxSeq = (frames: readonly AiFrame[], floor = -1): number => frames.reduce((m, f) => Math.max(m, f.seq), floor);

/**
 * The first print of a session: its transcript, then the frames that came on the topic while it was read (those the
 * transcript already holds left out: a kept text block has the seq of its last delta). The session's own lastSeq is
 * not used: it is a counter that turns reserve seqs from in blocks, ahead of the frames sent.
 */
export function initialFrames(transcript: readonly AiFrame[], buffered: readonly AiFrame[]): { frames: AiFrame[]; lastSeq: number } {
  const replay = framesAfter(transcript, -1);
  const upTo = maxSeq(replay);
  const live = framesAfter(buffered, upTo);
  return { frames: [...replay, ...live], lastSeq: maxSeq(live, upTo) };
}

/** What to do with the session read again after a reconnect. */
export type Resync = { kind: 'none' } | { kind: 'replay'; frames: AiFrame[]; lastSeq: number };

/** Replays when the transcript holds a frame past the last one printed (deltas of a block still streaming are not kept yet). */
export function resync(transcript: readonly AiFrame[], renderedLastSeq: number): Resync {
  const upTo = maxSeq(transcript);
  if (upTo <= renderedLastSeq) return { kind: 'none' };
  return { kind: 'replay', frames: framesAfter(transcript, -1), lastSeq: Math.max(upTo, renderedLastSeq) };
}

/**
 * A gap in the seqs that may have lost frames: not at a turn's first frame (a turn starts past the seqs its predecessor
 * reserved and did not use). Lost text deltas are in the transcript only once their block ends, joined under the seq of
 * the last delta, which the terminal may already have passed: after such a gap the turn is printed again from the
 * transcript once it has ended there.
 */
export const isLossyGap = (frame: AiFrame, lastSeq: number): boolean => frame.seq > lastSeq + 1 && frame.type !== 'user' && frame.type !== 'turn';

/** The transcript holds the turn's end (its text blocks are all kept by then). */
export const turnEnded = (transcript: readonly AiFrame[], turnId: string): boolean =>
  transcript.some((f) => f.turnId === turnId && (f.type === 'end' || f.type === 'terminated' || (f.type === 'turn' && f.status === 'ended')));

/**
 * A turn that may have lost frames is printed again from this read of the session once the turn has ended there, and
 * only when the read is not older than what the terminal printed: a copy of the session updated in place (an approval's
 * answer, the tools allowed, the outcome) still holds the transcript of its last read, and printing that again would
 * take away frames that came live since (an approval's frames come outside any turn, after a gap in the seqs).
 */
export const replaysLossyTurn = (transcript: readonly AiFrame[], printedLastSeq: number, turnId: string | null): boolean =>
  turnId !== null && maxSeq(transcript) >= printedLastSeq && turnEnded(transcript, turnId);

/** A realtime event's data as a frame, or null when it is not one (the topic carries only ai.frame, but check). */
export function asFrame(event: string, data: unknown): AiFrame | null {
  if (event !== 'ai.frame' || typeof data !== 'object' || data === null) return null;
  const f = data as { type?: unknown; seq?: unknown; turnId?: unknown };
  return typeof f.type === 'string' && typeof f.seq === 'number' && Number.isInteger(f.seq) ? (data as AiFrame) : null;
}

/** The console's status from a frame: `terminated` is final; a turn runs from its user/turn-started frame to its end. */
export function statusAfter(status: { session: 'active' | 'terminated'; turn: 'idle' | 'running' }, frame: AiFrame): { session: 'active' | 'terminated'; turn: 'idle' | 'running' } {
  if (frame.type === 'terminated') return { session: 'terminated', turn: 'idle' };
  if (frame.type === 'end' || (frame.type === 'turn' && frame.status === 'ended')) return { ...status, turn: 'idle' };
  if (frame.type === 'user' || (frame.type === 'turn' && frame.status === 'started')) return { ...status, turn: 'running' };
  return status;
}

/** One tool call as the side panel lists it: the call and, once it came, its result. */
export interface ToolCallView {
  readonly callId: string;
  readonly name: string;
  readonly risk: string;
  readonly arguments: Record<string, unknown>;
  /** running (no result yet), refused, pending_approval (a change waiting for its Approve), ok, failed. */
  readonly status: 'running' | 'refused' | 'pending_approval' | 'ok' | 'failed';
  readonly reason?: string | undefined;
  /** The pending action a change's call became (pending_approval). */
  readonly actionId?: string | undefined;
  readonly result?: { readonly size: number; readonly truncated: boolean; readonly preview: string; readonly error?: string | undefined } | undefined;
  readonly seq: number;
}

/**
 * Adds a frame to the tool calls' list: a tool_call adds one, a tool_result completes the latest call with its callId
 * still waiting (running, or a change waiting for its approval; a command's fixed plan may give all its calls one
 * callId), others leave it.
 */
export function withToolFrame(calls: readonly ToolCallView[], frame: AiFrame): readonly ToolCallView[] {
  if (frame.type === 'tool_call') {
    if (calls.some((c) => c.seq === frame.seq)) return calls;
    return [...calls, { callId: frame.callId, name: frame.name, risk: frame.risk, arguments: frame.arguments, status: frame.status, reason: frame.reason, actionId: frame.actionId, seq: frame.seq }];
  }
  if (frame.type === 'tool_result') {
    const result = { size: frame.size, truncated: frame.truncated, preview: frame.preview, error: frame.error };
    const status = frame.ok ? 'ok' as const : 'failed' as const;
    // A change's result comes once it was approved: its call waited for that, not running.
    const waiting = calls.findLastIndex((c) => c.callId === frame.callId && (c.status === 'running' || c.status === 'pending_approval') && c.seq < frame.seq);
    if (waiting < 0) {
      if (calls.some((c) => c.seq === frame.seq)) return calls;
      return [...calls, { callId: frame.callId, name: frame.name, risk: '', arguments: {}, status, result, seq: frame.seq }];
    }
    return calls.map((c, i) => (i === waiting ? { ...c, status, result } : c));
  }
  return calls;
}
