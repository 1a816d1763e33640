/**
 * Sections 7 and 8: a catalog's reads timed at a small and a large size. At each size the catalog
 * is seeded up to it, the cached snapshot dropped and its build (the first list) timed apart, then
 * the routes are timed interleaved and the DynamoDB commands of one call of each counted.
 */
import { loadavg } from 'node:os';
import type { ApiClient, ApiResponse } from '#shared/api-client';
import { countDynamoCommands, type CommandCounts } from './dynamo-counter.ts';
import { percentile, ratio, timeInterleaved } from './stats.ts';

/** A timed read, through the typed client. */
export interface ScaleRoute { readonly name: string; call(client: ApiClient): Promise<ApiResponse> }

export interface ScaleSetup {
  readonly sizes: readonly number[];
  readonly routes: readonly ScaleRoute[];
  readonly runs: number;
  readonly warmup: number;
  /** The list whose first call after a drop builds the snapshot: a page of 50 and the total. */
  list(client: ApiClient): Promise<{ total?: number }>;
  /** How many there are now (through the API). */
  count(): Promise<number>;
  /** Writes the `from`th up to the `to`th generated item. */
  seed(from: number, to: number): Promise<void>;
  dropSnapshot(): void;
}

/** What was measured, each size named `K` (`services`, `offerings`: results.json keeps those names). */
export interface ScaleResult<K extends string = 'size'> {
  readonly rows: ReadonlyArray<{
    readonly route: string;
    readonly bySize: ReadonlyArray<Record<K, number> & { p50Ms: number; p99Ms: number; dynamoCommands: CommandCounts }>;
    readonly ratioP50: number;
    readonly ratioP99: number;
  }>;
  /** The first list after the snapshot was dropped: one paginated Query and the search index. */
  readonly snapshotBuild: ReadonlyArray<Record<K, number> & { ms: number; queries: number }>;
  readonly seedMs: number;
  /** The machine's 1-minute load average after the run: p99s on a busy machine are mostly other work. */
  readonly loadAverage: number;
}

export async function measureScale(client: ApiClient, counterName: string, setup: ScaleSetup): Promise<ScaleResult> {
  const counter = await countDynamoCommands(counterName);
  const perSize: Array<{ size: number; samples: number[][]; commands: CommandCounts[] }> = [];
  const snapshotBuild: Array<{ size: number; ms: number; queries: number }> = [];
  let seedMs = 0;
  try {
    let seeded = 0;
    for (const size of setup.sizes) {
      setup.dropSnapshot();
      const missing = Math.max(0, size - (await setup.count()));
      const started = performance.now();
      await setup.seed(seeded, seeded + missing);
      seedMs += performance.now() - started;
      seeded += missing;
      // The first list after the drop builds the snapshot.
      setup.dropSnapshot();
      counter.reset();
      const buildStarted = performance.now();
      const first = await setup.list(client);
      snapshotBuild.push({ size: first.total ?? NaN, ms: performance.now() - buildStarted, queries: counter.counts.Query ?? 0 });
      const calls = setup.routes.map((route) => async () => {
        const res = await route.call(client);
        if (res.status !== 200) throw new Error(`${route.name} answered ${res.status}`);
      });
      const samples = await timeInterleaved(calls, setup.runs, setup.warmup);
      const commands: CommandCounts[] = [];
      for (const call of calls) {
        counter.reset();
        await call();
        commands.push(counter.counts);
      }
      perSize.push({ size: await setup.count(), samples, commands });
    }
  } finally {
    counter.remove();
    setup.dropSnapshot();
  }
  const rows = setup.routes.map((route, i) => {
    const bySize = perSize.map((s) => ({ size: s.size, p50Ms: percentile(s.samples[i]!, 50), p99Ms: percentile(s.samples[i]!, 99), dynamoCommands: s.commands[i]! }));
    return { route: route.name, bySize, ratioP50: ratio(bySize.at(-1)!.p50Ms, bySize[0]!.p50Ms), ratioP99: ratio(bySize.at(-1)!.p99Ms, bySize[0]!.p99Ms) };
  });
  return { rows, snapshotBuild, seedMs: Math.round(seedMs), loadAverage: Math.round(loadavg()[0]! * 100) / 100 };
}

export const describeCommands = (counts: CommandCounts): string => Object.entries(counts).map(([k, v]) => `${k}×${v}`).join(', ') || 'none';

/** The result with each `size` named for what was counted. */
export function sizeAs<K extends string>(result: ScaleResult, key: K): ScaleResult<K> {
  const rename = <T extends { size: number }>({ size, ...rest }: T) => ({ [key]: size, ...rest }) as Omit<T, 'size'> & Record<K, number>;
  return { ...result, rows: result.rows.map((r) => ({ ...r, bySize: r.bySize.map(rename) })), snapshotBuild: result.snapshotBuild.map(rename) };
}
