/**
 * Section 8: the self-service catalog at 100 and at 2,000 offerings. A list page, a category page,
 * one offering and a misspelled search are timed through the local gateway at both sizes, and the
 * DynamoDB commands of each are counted; the number to watch is p50 at 2,000 / p50 at 100, which
 * should stay near 1 (lists and search answer from the cached offerings snapshot; one offering is
 * one BatchGetItem, plus the caller's memberships). The snapshot's build (one paginated GSI1 `OFFERS`
 * Query plus the search index) is reported apart.
 *
 * Offerings are written straight into dynalite with BatchWriteItem as the CURRENT items the store
 * writes, each a copy of the PostgreSQL example with its own id, name, category, owner and tags.
 */
import { cpus } from 'node:os';
import type { ApiClient } from '#shared/api-client';
import { batchPut } from './dynamo-counter.ts';
import { formatMs, formatRatio, type Table } from './format.ts';
import { describeCommands, measureScale, sizeAs, type ScaleResult, type ScaleRoute } from './scale.ts';

export const OFFERING_SIZES = [100, 2_000] as const;
export const OFFERING_RUNS = 200;
export const OFFERING_WARMUP = 100;

const WORDS = ['postgres', 'mysql', 'redis', 'kafka', 'bucket', 'queue', 'topic', 'cluster', 'namespace', 'repository', 'pipeline', 'dashboard', 'alert',
  'certificate', 'domain', 'vpn', 'bastion', 'role', 'secret', 'vault', 'cache', 'search', 'index', 'warehouse', 'lake', 'stream', 'function', 'gateway'];
const CATEGORIES = ['databases', 'storage', 'messaging', 'compute', 'networking', 'security', 'observability', 'developer-tools'];
const TEAMS = ['platform', 'payments', 'growth', 'data'];

export const OFFERING_ROUTES: readonly ScaleRoute[] = [
  { name: 'list (page of 50)', call: (c) => c.request('GET /api/v1/catalog', { query: { limit: 50 } }) },
  { name: 'category (databases, page of 50)', call: (c) => c.request('GET /api/v1/catalog/{category}', { params: { category: 'databases' }, query: { limit: 50 } }) },
  { name: 'one offering (postgresql-database)', call: (c) => c.request('GET /api/v1/catalog/items/{item_id}', { params: { item_id: 'postgresql-database' } }) },
  { name: 'search (q=postgress databse)', call: (c) => c.request('GET /api/v1/catalog/search', { query: { q: 'postgress databse' } }) },
];

export type OfferingsScale = ScaleResult<'offerings'>;

const word = (n: number): string => WORDS[n % WORDS.length]!;

async function seedOfferings(from: number, to: number): Promise<void> {
  const { currentItem, getCurrent } = await import('#functions/offerings/adapters/dynamo-store');
  const template = await getCurrent('postgresql-database');
  if (!template) throw new Error('the example offering postgresql-database is not seeded');
  const now = new Date().toISOString();
  const items = Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const id = `${word(i)}-${word(i * 7 + 3)}-${i.toString(36)}`;
    const owner = TEAMS[i % TEAMS.length]!;
    const metadata = {
      ...template.document.metadata, id, owner, category: CATEGORIES[i % CATEGORIES.length]!,
      name: `${word(i)} ${word(i * 7 + 3)} ${i}`, description: `A ${word(i * 3)} with ${word(i * 5 + 1)} for the ${word(i * 11 + 2)} domain.`, tags: [word(i * 13), word(i * 17 + 5)],
    };
    return currentItem({ ...template, id, document: { ...template.document, metadata }, source: { ...template.source, path: `catalog/${id}.yaml`, ownerTeam: owner }, storedAt: now, updatedAt: now });
  });
  await batchPut(items);
}

async function countOfferings(client: ApiClient): Promise<number> {
  const res = await client.request('GET /api/v1/catalog', { query: { limit: 1 } });
  return res.body.total ?? NaN;
}

export async function measureOfferingsScale(client: ApiClient): Promise<OfferingsScale> {
  const { dropOfferingSnapshot } = await import('#functions/offerings/snapshot');
  const result = await measureScale(client, 'apolloBenchOfferingsCounter', {
    sizes: OFFERING_SIZES, routes: OFFERING_ROUTES, runs: OFFERING_RUNS, warmup: OFFERING_WARMUP,
    list: async (c) => (await c.request('GET /api/v1/catalog', { query: { limit: 50 } })).body, count: () => countOfferings(client), seed: seedOfferings, dropSnapshot: dropOfferingSnapshot,
  });
  return sizeAs(result, 'offerings');
}

export function offeringsScaleTables(result: OfferingsScale): Table[] {
  const [small, large] = [result.snapshotBuild[0]!, result.snapshotBuild.at(-1)!];
  return [{
    title: `8. Self-service catalog at ${small.offerings} vs ${large.offerings} offerings (p50/p99 of ${OFFERING_RUNS} interleaved signed GETs each, as admin)`,
    columns: ['route', `p50 @${small.offerings}`, `p99 @${small.offerings}`, `p50 @${large.offerings}`, `p99 @${large.offerings}`, 'p50 ratio', 'p99 ratio', `DynamoDB per call @${large.offerings}`],
    rows: result.rows.map((r) => [r.route, formatMs(r.bySize[0]!.p50Ms), formatMs(r.bySize[0]!.p99Ms), formatMs(r.bySize.at(-1)!.p50Ms), formatMs(r.bySize.at(-1)!.p99Ms), formatRatio(r.ratioP50), formatRatio(r.ratioP99), describeCommands(r.bySize.at(-1)!.dynamoCommands)]),
    notes: [
      `p99 is 2 of ${OFFERING_RUNS} samples: GC pauses and other load decide it (1-min load average ${result.loadAverage} on ${cpus().length} cores)`,
      `snapshot build (first list in a container, then once per TTL, in the background): ${formatMs(small.ms)} at ${small.offerings} (${small.queries} Query), ${formatMs(large.ms)} at ${large.offerings} (${large.queries} Query)`,
      `seeded with BatchWriteItem straight into dynalite in ${result.seedMs} ms; every route reads the caller's team memberships (one Query) to decide what they may see and request`,
    ],
  }];
}
