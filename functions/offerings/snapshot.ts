/**
 * The offerings snapshot: every current offering, read with one paginated Query of GSI1 `OFFERS`
 * (never a Scan), cached in this Lambda container with its search index. Lists and search answer
 * from it; one offering's page reads the table (readOffering).
 *
 * Staleness as for the service catalog's snapshot (functions/services/snapshot.ts): younger than
 * APOLLO_OFFERINGS_SNAPSHOT_TTL_MS (default 10 s) it is used as is; older, it still answers while one
 * refresh runs in the background, up to APOLLO_OFFERINGS_SNAPSHOT_MAX_STALE_MS (default 5 min), after
 * which a request waits. This container's own writes (a catalog refresh run here) apply at once.
 */
import MiniSearch from 'minisearch';
import { logger } from '#lib/observability';
import { listCurrentPage, onCurrentWrite, type OfferingRecord } from './store.ts';

export interface SearchDoc { id: string; name: string; description: string; tags: string; category: string; owner: string }

/** Position in the catalog's order: category, name, id. */
export type OrderKey = readonly [string, string, string];
export const orderKeyOf = (record: OfferingRecord): OrderKey => [record.document.metadata.category, record.document.metadata.name, record.id];

export function compareOrderKeys(a: OrderKey, b: OrderKey): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

const toDoc = (record: OfferingRecord): SearchDoc => ({
  id: record.id,
  name: record.document.metadata.name,
  description: record.document.metadata.description,
  tags: (record.document.metadata.tags ?? []).join(' '),
  category: record.document.metadata.category,
  owner: record.source.ownerTeam,
});

export const SEARCH_FIELDS = ['name', 'description', 'tags', 'category', 'owner'] as const;

export function newIndex(): MiniSearch<SearchDoc> {
  return new MiniSearch<SearchDoc>({
    fields: [...SEARCH_FIELDS],
    idField: 'id',
    searchOptions: { boost: { name: 3, tags: 2, category: 1.5 }, fuzzy: 0.2, prefix: true },
  });
}

export class OfferingSnapshot {
  readonly records = new Map<string, OfferingRecord>();
  readonly index = newIndex();
  private order: OfferingRecord[] | undefined;

  /** `at`: when the Query that built it started (ISO). */
  constructor(readonly at: string, records: Iterable<OfferingRecord> = []) {
    for (const record of records) this.records.set(record.id, record);
    this.index.addAll([...this.records.values()].map(toDoc));
  }

  get size(): number {
    return this.records.size;
  }

  get(id: string): OfferingRecord | undefined {
    return this.records.get(id);
  }

  /** Applies a write unless the snapshot holds a newer one. */
  apply(record: OfferingRecord): void {
    const known = this.records.get(record.id);
    if (known && known.updatedAt > record.updatedAt) return;
    this.records.set(record.id, record);
    if (this.index.has(record.id)) this.index.replace(toDoc(record));
    else this.index.add(toDoc(record));
    this.order = undefined;
  }

  /** Every offering by category, name and id (computed once per snapshot state). */
  sorted(): readonly OfferingRecord[] {
    this.order ??= [...this.records.values()].sort((a, b) => compareOrderKeys(orderKeyOf(a), orderKeyOf(b)));
    return this.order;
  }
}

const number = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number of milliseconds, not ${raw}`);
  return value;
};

export const SNAPSHOT_TTL_MS = number('APOLLO_OFFERINGS_SNAPSHOT_TTL_MS', 10_000);
export const SNAPSHOT_MAX_STALE_MS = number('APOLLO_OFFERINGS_SNAPSHOT_MAX_STALE_MS', 300_000);

export async function buildSnapshot(): Promise<OfferingSnapshot> {
  const at = new Date().toISOString();
  const records: OfferingRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listCurrentPage(1000, cursor);
    records.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return new OfferingSnapshot(at, records);
}

let current: { snapshot: OfferingSnapshot; loadedAt: number } | undefined;
let loading: Promise<OfferingSnapshot> | undefined;
const ownWrites = new Map<string, { record: OfferingRecord; at: number }>();

function refresh(): Promise<OfferingSnapshot> {
  const startedAt = Date.now();
  loading ??= buildSnapshot()
    .then((snapshot) => {
      for (const [id, write] of ownWrites) {
        if (write.at < startedAt - 1_000) ownWrites.delete(id);
        else snapshot.apply(write.record);
      }
      current = { snapshot, loadedAt: Date.now() };
      return snapshot;
    })
    .finally(() => { loading = undefined; });
  return loading;
}

/** The container's snapshot, refreshed as the staleness rules above say. */
export async function offeringSnapshot(): Promise<OfferingSnapshot> {
  if (!current) return refresh();
  const age = Date.now() - current.loadedAt;
  if (age < SNAPSHOT_TTL_MS) return current.snapshot;
  if (age < SNAPSHOT_MAX_STALE_MS) {
    refresh().catch((error: unknown) => logger.warn('offerings snapshot refresh failed', { error: error as Error }));
    return current.snapshot;
  }
  return refresh();
}

onCurrentWrite((record) => {
  ownWrites.set(record.id, { record, at: Date.now() });
  current?.snapshot.apply(record);
});

/** Forgets the cached snapshot: the next read builds a new one (tests, benchmarks). */
export function dropOfferingSnapshot(): void {
  current = undefined;
}
