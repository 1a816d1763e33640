/**
 * The catalog snapshot: every service item, read with one paginated Query of GSI2 `SVCS` (never a
 * Scan), cached in this Lambda container. Whole-catalog reads (list filters, search, the transitive
 * dependency graph) answer from it.
 *
 * Staleness: a snapshot younger than APOLLO_CATALOG_SNAPSHOT_TTL_MS (default 10 s) is used as is;
 * an older one is still answered from while a refresh runs in the background, up to
 * APOLLO_CATALOG_SNAPSHOT_MAX_STALE_MS (default 5 min), after which a request waits for the refresh.
 * This container's own writes are applied to it at once, so a caller sees their own change; another
 * container's change shows within the TTL (or at that container's next request after it).
 */
import MiniSearch from 'minisearch';
import { logger } from '#lib/observability';
import { listServicePage, type ServiceRecord } from './store.ts';

export interface SnapshotDoc { id: string; name: string; displayName: string; description: string; team: string }

export interface Snapshot {
  /** When the Query that built it started (ISO). */
  readonly at: string;
  readonly services: ReadonlyMap<string, ServiceRecord>;
  readonly index: MiniSearch<SnapshotDoc>;
}

const number = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number of milliseconds, not ${raw}`);
  return value;
};

export const SNAPSHOT_TTL_MS = number('APOLLO_CATALOG_SNAPSHOT_TTL_MS', 10_000);
export const SNAPSHOT_MAX_STALE_MS = number('APOLLO_CATALOG_SNAPSHOT_MAX_STALE_MS', 300_000);

export function newIndex(): MiniSearch<SnapshotDoc> {
  return new MiniSearch<SnapshotDoc>({
    fields: ['name', 'displayName', 'description', 'team'],
    idField: 'id',
    searchOptions: { boost: { name: 3, displayName: 2, team: 1.5 }, fuzzy: 0.2, prefix: true },
  });
}

export const toDoc = (record: ServiceRecord): SnapshotDoc => ({
  id: record.id,
  name: record.name,
  displayName: record.displayName,
  description: record.description,
  team: record.team,
});

export async function buildSnapshot(): Promise<Snapshot> {
  const at = new Date().toISOString();
  const services = new Map<string, ServiceRecord>();
  let cursor: string | undefined;
  do {
    const page = await listServicePage(1000, cursor);
    for (const record of page.items) services.set(record.id, record);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const index = newIndex();
  index.addAll([...services.values()].map(toDoc));
  return { at, services, index };
}

let current: { snapshot: Snapshot; loadedAt: number } | undefined;
let loading: Promise<Snapshot> | undefined;
/** This container's recent writes, re-applied over a snapshot whose Query may have read past them. */
const ownWrites = new Map<string, { record: ServiceRecord; at: number }>();

function applyWrite(snapshot: Snapshot, record: ServiceRecord): void {
  const services = snapshot.services as Map<string, ServiceRecord>;
  const known = services.get(record.id);
  if (known && (known.version > record.version || (known.version === record.version && known.updatedAt > record.updatedAt))) return;
  services.set(record.id, record);
  if (snapshot.index.has(record.id)) snapshot.index.replace(toDoc(record));
  else snapshot.index.add(toDoc(record));
}

function refresh(): Promise<Snapshot> {
  const startedAt = Date.now();
  loading ??= buildSnapshot()
    .then((snapshot) => {
      for (const [id, write] of ownWrites) {
        if (write.at < startedAt - 1_000) ownWrites.delete(id);
        else applyWrite(snapshot, write.record);
      }
      current = { snapshot, loadedAt: Date.now() };
      return snapshot;
    })
    .finally(() => { loading = undefined; });
  return loading;
}

/** The container's snapshot, refreshed as the staleness rules above say. */
export async function catalogSnapshot(): Promise<Snapshot> {
  if (!current) return refresh();
  const age = Date.now() - current.loadedAt;
  if (age < SNAPSHOT_TTL_MS) return current.snapshot;
  if (age < SNAPSHOT_MAX_STALE_MS) {
    refresh().catch((error: unknown) => logger.warn('catalog snapshot refresh failed', { error: error as Error }));
    return current.snapshot;
  }
  return refresh();
}

/** Applies this container's own write to its snapshot, so the writer reads it back at once. */
export function noteServiceWrite(record: ServiceRecord): void {
  ownWrites.set(record.id, { record, at: Date.now() });
  if (current) applyWrite(current.snapshot, record);
}

/** Forgets the cached snapshot (tests; a container that must read everything afresh). */
export function dropSnapshot(): void {
  current = undefined;
}
