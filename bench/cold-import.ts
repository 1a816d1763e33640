/**
 * Section 2: the part of a cold start our code controls, loading the bundle. Each bundle is imported
 * in a fresh `node` process (nothing cached, as in a new Lambda sandbox) and the child times only
 * the `import()`, so Node's own start-up, the same for everyone, is left out.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { formatMs, formatRatio, type Table } from './format.ts';
import { benchLambda } from './lambdas.ts';
import { median, ratio } from './stats.ts';

const run = promisify(execFile);

export const COLD_RUNS = 5;

/** Runs in the child: import the bundle, check it is a Lambda entry, print the milliseconds. */
const PROBE = `
const started = performance.now();
const mod = await import(process.argv[1]);
const ms = performance.now() - started;
if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');
console.log(JSON.stringify({ ms }));
process.exit(0);
`;

/**
 * What a Lambda's configuration gives the function, so module init (config read at cold start)
 * succeeds, with dummy credentials so nothing can reach AWS. Built from scratch rather than
 * inherited, so the bench process's own NODE_OPTIONS or AWS settings can't leak in.
 */
export const LAMBDA_ENV: Readonly<Record<string, string>> = {
  TABLE_NAME: 'apollo-bench',
  AWS_REGION: 'us-east-1',
  APOLLO_RUNTIME: 'aws',
  // What the bindings would name (infra/bindings.ts): the API's metrics, the audit bucket, the
  // integration secrets' prefix (a steps Lambda's `integration-secrets`).
  APOLLO_API_NAME: 'bench',
  APOLLO_AUDIT_BUCKET: 'apollo-bench-audit',
  APOLLO_INTEGRATION_SECRETS_PREFIX: 'apollo/bench/integrations/',
  AWS_ACCESS_KEY_ID: 'AKIABENCHBENCHBENCH0',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-not-a-real-key',
  AWS_EC2_METADATA_DISABLED: 'true',
};

export interface ColdImport {
  readonly name: string;
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
  readonly ratio: number;
}

export interface ColdImports {
  readonly runs: number;
  readonly baseline: ColdImport;
  readonly lambdas: readonly ColdImport[];
}

/** A Lambda's environment: the common one and its descriptor's (or its workflow's) own (the baseline has none). */
const envOf = (name: string): Record<string, string> => ({ ...LAMBDA_ENV, ...benchLambda(name)?.environment });

async function importOnce(bundle: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE, pathToFileURL(bundle).href], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  });
  return (JSON.parse(stdout) as { ms: number }).ms;
}

/**
 * Runs are interleaved (every bundle once, then again) so a slow moment of the machine lands on all
 * bundles alike instead of on whichever was measured then. One process at a time: on 2 cores,
 * parallel children would measure each other.
 */
export async function measureColdImports(bundles: ReadonlyArray<{ name: string; outfile: string }>, baselineBundle: string, runs = COLD_RUNS): Promise<ColdImports> {
  const all = [{ name: 'baseline', outfile: baselineBundle }, ...bundles];
  const samples = new Map<string, number[]>(all.map((b) => [b.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const bundle of all) samples.get(bundle.name)!.push(await importOnce(bundle.outfile, envOf(bundle.name)));
  }
  const baselineMs = median(samples.get('baseline')!);
  const summarise = (name: string): ColdImport => {
    const ms = samples.get(name)!;
    return { name, samplesMs: ms, medianMs: median(ms), ratio: ratio(median(ms), baselineMs) };
  };
  return { runs, baseline: summarise('baseline'), lambdas: bundles.map((b) => summarise(b.name)) };
}

export function coldImportTable(result: ColdImports): Table {
  const row = (c: ColdImport) => [c.name, formatMs(c.medianMs), formatMs(Math.min(...c.samplesMs)), formatMs(Math.max(...c.samplesMs)), formatRatio(c.ratio)];
  return {
    title: `2. Cold import per Lambda (fresh node process, median of ${result.runs})`,
    columns: ['lambda', 'median', 'min', 'max', 'ratio'],
    rows: [row(result.baseline), ...result.lambdas.map(row)],
    notes: ['time of `await import(bundle)` inside the child; ratio = median / baseline median'],
  };
}
