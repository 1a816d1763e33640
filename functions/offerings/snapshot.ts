/**
 * The offerings snapshot: every current offering, read with one paginated Query of GSI1 `OFFERS`
 * (never a Scan), cached in this Lambda container with its search index. Lists and search answer
 * from it; one offering's page reads the table (readOffering).
 *
 * Staleness (functions/lib/snapshot-cache.ts), as for the service catalog's snapshot: younger than
 * APOLLO_OFFERINGS_SNAPSHOT_TTL_MS (default 10 s) it is used as is; older, it still answers while one
 * refresh runs in the background, up to APOLLO_OFFERINGS_SNAPSHOT_MAX_STALE_MS (default 5 min), after
 * which a request waits. This container's own writes (a catalog refresh run here) apply at once.
 */
import MiniSearch from 'minisearch';
import { millisFromEnv, SnapshotCache } from '#lib/snapshot-cache';
import { offeringsDeps } from './deps.ts';
import type { OfferingRecord, OfferingsStore } from './ports.ts';

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
    searchOptions: { boost: { name: 3, tags: 2, category: 1.5 }, prefix: true },
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

export const SNAPSHOT_TTL_MS = millisFromEnv('APOLLO_OFFERINGS_SNAPSHOT_TTL_MS', 10_000);
export const SNAPSHOT_MAX_STALE_MS = millisFromEnv('APOLLO_OFFERINGS_SNAPSHOT_MAX_STALE_MS', 300_000);

const cache = new SnapshotCache<OfferingSnapshot, OfferingRecord>({
  name: 'offerings snapshot',
  ttlMs: SNAPSHOT_TTL_MS,
  maxStaleMs: SNAPSHOT_MAX_STALE_MS,
  listPage: (limit, cursor) => watchedStore().listCurrentPage(limit, cursor),
  create: (at, records) => new OfferingSnapshot(at, records),
});

/** This container's writes of CURRENT reach the snapshot, whichever store is configured (tests swap it). */
const watched = new WeakSet<OfferingsStore>();
function watchedStore(): OfferingsStore {
  const { store } = offeringsDeps();
  if (!watched.has(store)) {
    watched.add(store);
    store.onCurrentWrite((record) => cache.noteWrite(record));
  }
  return store;
}
// From the start, not at the first read: a write just before that read is re-applied over it.
watchedStore();

/** Reads every current offering into a new snapshot (no caching). */
export const buildSnapshot = (): Promise<OfferingSnapshot> => cache.build();

/** The container's snapshot, refreshed as the staleness rules above say. */
export const offeringSnapshot = (): Promise<OfferingSnapshot> => cache.get();

/** Forgets the cached snapshot: the next read builds a new one (tests, benchmarks). */
export const dropOfferingSnapshot = (): void => cache.drop();

/** The quotas a document declares: its `quota` and those it names `also`. */
const quotasOf = (quota: OfferingRecord['document']['quota']): Array<{ resource: string; unit?: string }> => (quota ? [quota, ...(quota.also ?? [])] : []);

/** Each quota resource the current offerings name, with the unit they count it in (the quotas' wording before any request). */
export async function quotaUnits(): Promise<Map<string, string | null>> {
  const units = new Map<string, string | null>();
  for (const record of (await offeringSnapshot()).records.values()) {
    for (const quota of quotasOf(record.document.quota)) if (!units.get(quota.resource)) units.set(quota.resource, quota.unit ?? null);
  }
  return units;
}

/**
 * Each quota resource the current offerings name, with the environments their `environment` field offers (a
 * select's options; null when a field takes any value or an offering has none): what a team's limits may name.
 */
export async function quotaScopes(): Promise<Map<string, Set<string> | null>> {
  const scopes = new Map<string, Set<string> | null>();
  for (const record of (await offeringSnapshot()).records.values()) {
    const { quota, presentation } = record.document;
    const field = presentation.fields.find((f) => f.id === 'environment') as { options?: Array<{ value: unknown }> } | undefined;
    const values = Array.isArray(field?.options) ? new Set(field.options.map((o) => String(o.value))) : null;
    for (const { resource } of quotasOf(quota)) {
      const known = scopes.get(resource);
      if (known === null || values === null) scopes.set(resource, null);
      else scopes.set(resource, new Set([...(known ?? []), ...values]));
    }
  }
  return scopes;
}

/** What the analytics name an offering by, and its targets (metadata.sla). */
export interface OfferingFacts {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly owner: string;
  readonly version: string;
  /** metadata.sla.fulfillmentTime and metadata.sla.manualBaseline, as text (30m, 5d). */
  readonly sla: string | null;
  readonly manualBaseline: string | null;
}

/** Every current offering's facts, by id. */
export async function offeringFacts(): Promise<Map<string, OfferingFacts>> {
  const facts = new Map<string, OfferingFacts>();
  for (const record of (await offeringSnapshot()).records.values()) {
    const { metadata } = record.document;
    facts.set(record.id, {
      id: record.id, name: metadata.name, category: metadata.category, owner: metadata.owner, version: metadata.version,
      sla: metadata.sla?.fulfillmentTime ?? null, manualBaseline: metadata.sla?.manualBaseline ?? null,
    });
  }
  return facts;
}
