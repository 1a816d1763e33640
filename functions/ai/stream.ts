/**
 * A turn's frames on their way out: each gets the next seq (from blocks reserved in the session's counter)
 * and its time, is posted on the realtime topic `ai:<sessionId>` (event `ai.frame`) in order, and is kept in
 * the transcript. Streamed text is coalesced: deltas are posted at most every APOLLO_AI_FLUSH_MS (≤ ~20 posts
 * a second), each under 24,000 characters (a 32 KB WebSocket frame with its envelope); the transcript keeps a
 * block's joined text once, under the seq of its last delta.
 */
import type { AiFrame } from '#schemas/index.ts';
import { audience, type Audience } from '#lib/realtime';
import { logger } from '#lib/observability';
import { keepFrame, reserveSeqs } from './records.ts';

export const AI_TOPIC = (sessionId: string): string => `ai:${sessionId}`;
export const AI_FRAME = 'ai.frame';

/** The most characters one posted text frame carries. */
const MAX_TEXT = 24_000;
/** Seqs reserved at a time. */
const BLOCK = 200;
/** How long a topic's subscriber list is reused before it is read again (a terminal that subscribes mid-turn joins within this). */
const AUDIENCE_MS = 2_000;

type Unsequenced<F> = F extends AiFrame ? Omit<F, 'seq' | 'at' | 'turnId'> : never;
export type FrameInput = Unsequenced<AiFrame>;

export class FrameStream {
  private nextSeq: number;
  private lastReserved: number;
  private listeners: Audience | undefined;
  private listenersAt = 0;
  private posting: Promise<void> = Promise.resolve();
  private pending = '';
  private block = '';
  private blockSeq = -1;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly sessionId: string,
    readonly turnId: string,
    firstSeq: number,
    reservedThrough: number,
    private readonly flushMs: number,
  ) {
    this.nextSeq = firstSeq;
    this.lastReserved = reservedThrough;
  }

  private async seq(): Promise<number> {
    if (this.nextSeq > this.lastReserved) {
      this.nextSeq = await reserveSeqs(this.sessionId, BLOCK);
      this.lastReserved = this.nextSeq + BLOCK - 1;
    }
    return this.nextSeq++;
  }

  private audience(): Audience {
    if (!this.listeners || Date.now() - this.listenersAt > AUDIENCE_MS) {
      this.listeners = audience(AI_TOPIC(this.sessionId));
      this.listenersAt = Date.now();
    }
    return this.listeners;
  }

  private post(frame: AiFrame): Promise<void> {
    const listeners = this.audience();
    this.posting = this.posting.then(() => listeners.send(AI_FRAME, frame));
    return this.posting;
  }

  /** Posts and keeps one frame (not text: see text()). Answers it as sent. */
  async emit(input: FrameInput): Promise<AiFrame> {
    await this.endBlock();
    const frame = { ...input, turnId: this.turnId, seq: await this.seq(), at: new Date().toISOString() } as AiFrame;
    await keepFrame(this.sessionId, frame);
    void this.post(frame);
    return frame;
  }

  /** Streams a piece of text; posted coalesced, kept whole when its block ends. */
  text(delta: string): void {
    if (this.closed || !delta) return;
    this.pending += delta;
    this.block += delta;
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, this.flushMs);
  }

  /** Posts what text is waiting. */
  async flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    while (this.pending) {
      const text = this.pending.slice(0, MAX_TEXT);
      this.pending = this.pending.slice(text.length);
      const frame: AiFrame = { type: 'text', turnId: this.turnId, seq: await this.seq(), at: new Date().toISOString(), text };
      this.blockSeq = frame.seq;
      void this.post(frame);
    }
  }

  /** Ends a text block: what waits is posted, and the block's whole text is kept under its last seq. */
  async endBlock(): Promise<void> {
    await this.flush();
    if (!this.block) return;
    const text = this.block;
    this.block = '';
    try {
      await keepFrame(this.sessionId, { type: 'text', turnId: this.turnId, seq: this.blockSeq, at: new Date().toISOString(), text });
    } catch (error) {
      logger.warn('ai text block not kept', { sessionId: this.sessionId, error: error as Error });
      throw error;
    }
  }

  /** Ends the stream: the last text kept, every post delivered. Answers the next unused seq's predecessor. */
  async close(): Promise<void> {
    await this.endBlock();
    this.closed = true;
    await this.posting;
  }
}
