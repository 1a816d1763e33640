/**
 * Section 7: the service catalog at 100 and at 10,000 services. The same three reads (a list page,
 * a service's detail page, a misspelled search) are timed through the local gateway at both sizes,
 * and the DynamoDB commands of each are counted; the number to watch is p99 at 10,000 / p99 at
 * 100, which should stay near 1 (lists and search answer from the cached catalog snapshot; a detail
 * page is one item-collection Query). The snapshot's build (one paginated GSI2 Query plus the
 * search index) is reported apart: a container pays it on its first list, then once per TTL.
 *
 * Services are written straight into dynalite with BatchWriteItem, as the service items the catalog
 * writes (each with three environment summaries and two dependencies); the detail page is read from
 * a demo service's full item collection.
 */
import { cpus } from 'node:os';
import type { ApiClient } from '#shared/api-client';
import { batchPut } from './dynamo-counter.ts';
import { formatMs, formatRatio, type Table } from './format.ts';
import { describeCommands, measureScale, sizeAs, type ScaleResult, type ScaleRoute } from './scale.ts';

export const SCALE_SIZES = [100, 10_000] as const;
export const SCALE_RUNS = 200;
export const SCALE_WARMUP = 100;

const WORDS = ['ledger', 'payments', 'invoice', 'account', 'tenant', 'profile', 'catalog', 'pricing', 'cart', 'checkout', 'shipping', 'inventory', 'warehouse',
  'search', 'index', 'feed', 'timeline', 'message', 'inbox', 'email', 'sms', 'push', 'audit', 'report', 'export', 'import', 'billing', 'refund', 'fraud',
  'risk', 'score', 'model', 'feature', 'flag', 'config', 'session', 'token', 'identity', 'directory', 'graph', 'media', 'image', 'video', 'upload', 'thumbnail',
  'geo', 'maps', 'routing', 'dispatch', 'courier', 'partner', 'vendor', 'contract', 'policy', 'consent', 'privacy', 'legal', 'tax', 'currency', 'wallet'];
const TEAMS = ['platform', 'payments', 'growth', 'data'];
const TIERS = ['critical', 'standard', 'experimental'] as const;
const LANGUAGES = ['java', 'typescript', 'go', 'python', 'kotlin'];

export const SCALE_ROUTES: readonly ScaleRoute[] = [
  { name: 'list (page of 50)', call: (c) => c.request('GET /api/v1/services', { query: { limit: 50 } }) },
  { name: 'list filtered (tier, page of 50)', call: (c) => c.request('GET /api/v1/services', { query: { limit: 50, tier: 'critical' } }) },
  { name: 'detail (core-service)', call: (c) => c.request('GET /api/v1/services/{id}', { params: { id: 'core-service' } }) },
  { name: 'search (q=core-servce)', call: (c) => c.request('GET /api/v1/services', { query: { q: 'core-servce' } }) },
];

export type CatalogScale = ScaleResult<'services'>;

function word(n: number): string {
  return WORDS[n % WORDS.length]!;
}

/** A service item as the catalog stores it (functions/services/store.ts). */
function serviceItem(i: number, now: string): Record<string, unknown> {
  const name = `${word(i)}-${word(i * 7 + 3)}-${i.toString(36)}`;
  const team = TEAMS[i % TEAMS.length]!;
  const envs = Object.fromEntries(['prod', 'staging', 'dev'].map((env, k) => [env, {
    name: env, cluster: `eks-${env}`, namespace: team, healthStatus: (i + k) % 17 === 0 ? 'degraded' : 'healthy',
    lastDeployedAt: new Date(Date.parse(now) - ((i * 37 + k * 11) % 5000) * 60_000).toISOString(), imageTag: `v1.${i % 50}.${k}`,
    healthCheck: `http://127.0.0.1:9/${name}/${env}`, replicas: 3 - k,
  }]));
  return {
    PK: `SVC#${name}`, SK: 'META', GSI1PK: `TEAM#${team}`, GSI1SK: `SVC#${name}`, GSI2PK: 'SVCS', GSI2SK: name, entity: 'service',
    id: name, name, displayName: name.split('-').slice(0, 2).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' '),
    description: `Handles ${word(i * 3)} and ${word(i * 5 + 1)} for the ${word(i * 11 + 2)} domain.`,
    repository: `https://github.com/bench/${name}`, team, tier: TIERS[i % 3], language: LANGUAGES[i % LANGUAGES.length], framework: '', tags: [word(i * 13)],
    source: 'manual', createdAt: now, createdBy: 'bench', updatedAt: now, updatedBy: 'bench', version: 1,
    envs, deps: [{ serviceId: 'core-service', type: 'runtime', description: '' }, { serviceId: 'postgres', type: 'runtime', description: '' }],
  };
}

async function seedServices(from: number, to: number): Promise<void> {
  const now = new Date().toISOString();
  await batchPut(Array.from({ length: to - from }, (_, k) => serviceItem(from + k, now)));
}

async function countServices(client: ApiClient): Promise<number> {
  const res = await client.request('GET /api/v1/services', { query: { limit: 1, includeDeregistered: true } });
  return res.body.total ?? NaN;
}

export async function measureCatalogScale(client: ApiClient): Promise<CatalogScale> {
  const { dropSnapshot } = await import('#functions/services/snapshot');
  const result = await measureScale(client, 'apolloBenchCatalogCounter', {
    sizes: SCALE_SIZES, routes: SCALE_ROUTES, runs: SCALE_RUNS, warmup: SCALE_WARMUP,
    list: async (c) => (await c.request('GET /api/v1/services', { query: { limit: 50 } })).body, count: () => countServices(client), seed: seedServices, dropSnapshot,
  });
  return sizeAs(result, 'services');
}

export function catalogScaleTables(result: CatalogScale): Table[] {
  const [small, large] = [result.snapshotBuild[0]!, result.snapshotBuild.at(-1)!];
  return [{
    title: `7. Service catalog at ${small.services} vs ${large.services} services (p50/p99 of ${SCALE_RUNS} interleaved signed GETs each)`,
    columns: ['route', `p50 @${small.services}`, `p99 @${small.services}`, `p50 @${large.services}`, `p99 @${large.services}`, 'p50 ratio', 'p99 ratio', `DynamoDB per call @${large.services}`],
    rows: result.rows.map((r) => [r.route, formatMs(r.bySize[0]!.p50Ms), formatMs(r.bySize[0]!.p99Ms), formatMs(r.bySize.at(-1)!.p50Ms), formatMs(r.bySize.at(-1)!.p99Ms), formatRatio(r.ratioP50), formatRatio(r.ratioP99), describeCommands(r.bySize.at(-1)!.dynamoCommands)]),
    notes: [
      `one process holds the client, gateway, handler and dynalite (10,000 items); p99 is 2 of ${SCALE_RUNS} samples, so GC pauses and other load decide it (1-min load average ${result.loadAverage} on ${cpus().length} cores)`,
      `snapshot build (first list in a container, then once per TTL, in the background): ${formatMs(small.ms)} at ${small.services} (${small.queries} Query), ${formatMs(large.ms)} at ${large.services} (${large.queries} Query)`,
      `seeded with BatchWriteItem straight into dynalite in ${result.seedMs} ms; lists and search answer from the snapshot (no DynamoDB call once built), a detail page is one item-collection Query`,
    ],
  }];
}
