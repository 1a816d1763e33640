/**
 * The catalog snapshot: every service item, read with one paginated Query of GSI2 `SVCS` (never a
 * Scan), cached in this Lambda container. Whole-catalog reads (list filters, search, the transitive
 * dependency graph) answer from it, so their cost does not grow with DynamoDB round trips.
 *
 * Staleness (functions/lib/snapshot-cache.ts): a snapshot younger than APOLLO_CATALOG_SNAPSHOT_TTL_MS
 * (default 10 s) is used as is; an older one still answers while one refresh runs in the background,
 * up to APOLLO_CATALOG_SNAPSHOT_MAX_STALE_MS (default 5 min), after which a request waits for the
 * refresh. This container's own writes (noteServiceWrite) apply at once, so a caller reads their own
 * change back; a change made through another container shows within the TTL.
 */
import MiniSearch from 'minisearch';
import type { HealthStatus } from '#schemas/index.ts';
import { millisFromEnv, SnapshotCache } from '#lib/snapshot-cache';
import { derived } from './shapes.ts';
import { servicesDeps } from './deps.ts';
import type { ServiceRecord } from './ports.ts';

export interface SnapshotDoc { id: string; name: string; displayName: string; description: string; team: string }

/** A service with what lists filter and sort on, computed once per write rather than per request. */
export interface CatalogEntry {
  readonly record: ServiceRecord;
  readonly healthStatus: HealthStatus;
  /** '' when never deployed. */
  readonly lastDeployedAt: string;
  readonly envNames: readonly string[];
  readonly clusters: readonly string[];
  readonly language: string;
}

export type SortKind = 'name:asc' | 'name:desc' | 'lastDeployedAt:asc' | 'lastDeployedAt:desc';
/** A position in a sorted order: the sort value, then the name (unique). */
export type SortKey = readonly [string, string];

export const sortKeyOf = (entry: CatalogEntry, kind: SortKind): SortKey =>
  kind.startsWith('name') ? [entry.record.name, entry.record.name] : [entry.lastDeployedAt, entry.record.name];

/** Compares positions in an order; never-deployed services come last whichever the direction. */
export function compareKeys(kind: SortKind, a: SortKey, b: SortKey): number {
  if (a[0] !== b[0]) {
    if (kind.startsWith('lastDeployedAt') && (a[0] === '' || b[0] === '')) return a[0] === '' ? 1 : -1;
    return (a[0] < b[0] ? -1 : 1) * (kind.endsWith(':desc') ? -1 : 1);
  }
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function entryOf(record: ServiceRecord): CatalogEntry {
  const { healthStatus, lastDeployedAt } = derived(record);
  const envs = Object.values(record.envs);
  return {
    record,
    healthStatus,
    lastDeployedAt: lastDeployedAt ?? '',
    envNames: envs.map((e) => e.name),
    clusters: [...new Set(envs.map((e) => e.cluster))],
    language: record.language.toLowerCase(),
  };
}

export const toDoc = (record: ServiceRecord): SnapshotDoc => ({
  id: record.id,
  name: record.name,
  displayName: record.displayName,
  description: record.description,
  team: record.team,
});

export function newIndex(): MiniSearch<SnapshotDoc> {
  return new MiniSearch<SnapshotDoc>({
    fields: ['name', 'displayName', 'description', 'team'],
    idField: 'id',
    searchOptions: { boost: { name: 3, displayName: 2, team: 1.5 }, prefix: true },
  });
}

export class Snapshot {
  readonly entries = new Map<string, CatalogEntry>();
  readonly index = newIndex();
  private readonly orders = new Map<SortKind, CatalogEntry[]>();

  /** `at`: when the Query that built it started (ISO). */
  constructor(readonly at: string, records: Iterable<ServiceRecord> = []) {
    for (const record of records) this.entries.set(record.id, entryOf(record));
    this.index.addAll([...this.entries.values()].map((e) => toDoc(e.record)));
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): ServiceRecord | undefined {
    return this.entries.get(id)?.record;
  }

  *records(): IterableIterator<ServiceRecord> {
    for (const entry of this.entries.values()) yield entry.record;
  }

  /** Applies a write unless the snapshot already holds a newer version of the service. */
  apply(record: ServiceRecord): void {
    const known = this.entries.get(record.id)?.record;
    if (known && (known.version > record.version || (known.version === record.version && known.updatedAt > record.updatedAt))) return;
    this.entries.set(record.id, entryOf(record));
    if (this.index.has(record.id)) this.index.replace(toDoc(record));
    else this.index.add(toDoc(record));
    this.orders.clear();
  }

  /** Every entry in an order, computed once per snapshot state (a write resets it). */
  sorted(kind: SortKind): readonly CatalogEntry[] {
    let order = this.orders.get(kind);
    if (!order) {
      order = [...this.entries.values()].sort((a, b) => compareKeys(kind, sortKeyOf(a, kind), sortKeyOf(b, kind)));
      this.orders.set(kind, order);
    }
    return order;
  }
}

export const SNAPSHOT_TTL_MS = millisFromEnv('APOLLO_CATALOG_SNAPSHOT_TTL_MS', 10_000);
export const SNAPSHOT_MAX_STALE_MS = millisFromEnv('APOLLO_CATALOG_SNAPSHOT_MAX_STALE_MS', 300_000);

const cache = new SnapshotCache<Snapshot, ServiceRecord>({
  name: 'catalog snapshot',
  ttlMs: SNAPSHOT_TTL_MS,
  maxStaleMs: SNAPSHOT_MAX_STALE_MS,
  listPage: (limit, cursor) => servicesDeps().store.listServicePage(limit, cursor),
  create: (at, records) => new Snapshot(at, records),
});

/** Reads the whole catalog into a new snapshot (no caching). */
export const buildSnapshot = (): Promise<Snapshot> => cache.build();

/** The container's snapshot, refreshed as the staleness rules above say. */
export const catalogSnapshot = (): Promise<Snapshot> => cache.get();

/** Applies this container's own write to its snapshot, so the writer reads it back at once. */
export const noteServiceWrite = (record: ServiceRecord): void => cache.noteWrite(record);

/** Forgets the cached snapshot: the next read builds a new one (tests, benchmarks). */
export const dropSnapshot = (): void => cache.drop();
