/**
 * A session's printed frames, shared by the terminal (which writes them), the tool panel and the header (which read
 * them): `append` for frames that came in order, `replay` when the whole transcript is printed again.
 */
import type { AiFrame } from '../../../../schemas/types.gen.ts';

export type FeedEvent = { kind: 'append' | 'replay'; frames: readonly AiFrame[] };

export class FrameFeed {
  private list: readonly AiFrame[] = [];
  private count = 0;
  private readonly listeners = new Set<(event: FeedEvent) => void>();

  get frames(): readonly AiFrame[] { return this.list; }
  /** Changes with every append or replay (for useSyncExternalStore). */
  get version(): number { return this.count; }

  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  append(frames: readonly AiFrame[]): void {
    if (frames.length === 0) return;
    this.list = [...this.list, ...frames];
    this.emit({ kind: 'append', frames });
  }

  replay(frames: readonly AiFrame[]): void {
    this.list = [...frames];
    this.emit({ kind: 'replay', frames });
  }

  private emit(event: FeedEvent): void {
    this.count += 1;
    for (const listener of this.listeners) listener(event);
  }
}
