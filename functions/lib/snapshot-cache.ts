/**
 * A whole-table snapshot cached in this Lambda container, shared by the service catalog
 * (functions/services/snapshot.ts) and the offerings catalog (functions/offerings/snapshot.ts).
 *
 * Staleness: a snapshot younger than `ttlMs` is used as is; an older one still answers while one
 * refresh runs in the background, up to `maxStaleMs`, after which a request waits for the refresh.
 * This container's own writes are applied at once (and re-applied over a refresh that read before
 * them), so a caller reads their own change back; a change made through another container shows
 * within the TTL (or at that container's first request after a quiet period).
 */
import { logger } from './observability.ts';
import type { Page } from './table.ts';

/** What the cache needs from a snapshot: applying a write it may not have read yet. */
export interface AppliesWrites<R> {
  apply(record: R): void;
}

export interface SnapshotCacheOptions<S extends AppliesWrites<R>, R extends { readonly id: string }> {
  /** Named in the log line of a failed background refresh, e.g. 'catalog snapshot'. */
  readonly name: string;
  readonly ttlMs: number;
  readonly maxStaleMs: number;
  /** One page of the table's records (a Query, never a Scan). */
  readonly listPage: (limit: number, cursor?: string) => Promise<Page<R>>;
  /** Builds the snapshot from every record; `at` is when the read started (ISO). */
  readonly create: (at: string, records: R[]) => S;
}

/** How long an own write is re-applied over a refresh that started after it (clock skew within the container). */
const OWN_WRITE_GRACE_MS = 1_000;
const PAGE_SIZE = 1000;

/** A duration in milliseconds from env, failing fast at cold start when it is not one. */
export function millisFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number of milliseconds, not ${raw}`);
  return value;
}

export class SnapshotCache<S extends AppliesWrites<R>, R extends { readonly id: string }> {
  private current: { snapshot: S; loadedAt: number } | undefined;
  private loading: Promise<S> | undefined;
  /** This container's recent writes, re-applied over a snapshot whose Query may have read past them. */
  private readonly ownWrites = new Map<string, { record: R; at: number }>();

  constructor(private readonly options: SnapshotCacheOptions<S, R>) {}

  /** Reads every page into a new snapshot (no caching). */
  async build(): Promise<S> {
    const at = new Date().toISOString();
    const records: R[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.listPage(PAGE_SIZE, cursor);
      records.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return this.options.create(at, records);
  }

  /** The container's snapshot, refreshed as the staleness rules above say. */
  async get(): Promise<S> {
    if (!this.current) return this.refresh();
    const age = Date.now() - this.current.loadedAt;
    if (age < this.options.ttlMs) return this.current.snapshot;
    if (age < this.options.maxStaleMs) {
      this.refresh().catch((error: unknown) => logger.warn(`${this.options.name} refresh failed`, { error: error as Error }));
      return this.current.snapshot;
    }
    return this.refresh();
  }

  /** Applies this container's own write to its snapshot, so the writer reads it back at once. */
  noteWrite(record: R): void {
    this.ownWrites.set(record.id, { record, at: Date.now() });
    this.current?.snapshot.apply(record);
  }

  /** Forgets the cached snapshot: the next read builds a new one (tests, benchmarks). */
  drop(): void {
    this.current = undefined;
  }

  private refresh(): Promise<S> {
    const startedAt = Date.now();
    this.loading ??= this.build()
      .then((snapshot) => {
        for (const [id, write] of this.ownWrites) {
          if (write.at < startedAt - OWN_WRITE_GRACE_MS) this.ownWrites.delete(id);
          else snapshot.apply(write.record);
        }
        this.current = { snapshot, loadedAt: Date.now() };
        return snapshot;
      })
      .finally(() => { this.loading = undefined; });
    return this.loading;
  }
}
