/**
 * Section 1: what each Lambda uploads. Every Lambda of bench/lambdas.ts (each descriptor's, and each
 * workflow's steps Lambda) is bundled with the production options, next to a baseline handler that
 * only creates a DynamoDB client.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda, type BundleResult } from './bundle.ts';
import { formatBytes, formatRatio, type Table } from './format.ts';
import { benchLambdas, type BenchLambda } from './lambdas.ts';
import { ratio } from './stats.ts';

export { contextEntry } from './lambdas.ts';

export const BASELINE = 'baseline';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface LambdaBundle extends BundleResult {
  readonly name: string;
  readonly kind: BenchLambda['kind'];
  readonly ratio: number;
  readonly gzipRatio: number;
}

export interface BundleSizes {
  readonly baseline: BundleResult;
  readonly lambdas: readonly LambdaBundle[];
}

export async function measureBundleSizes(outDir: string): Promise<BundleSizes> {
  const baseline = await bundleLambda({
    entryPoint: join(repoRoot, 'bench', 'baseline-handler.ts'),
    outfile: join(outDir, `${BASELINE}.mjs`),
  });
  const lambdas: LambdaBundle[] = [];
  // Every Lambda: the REST contexts, the jobs Lambda, the realtime Lambda behind the WebSocket API and
  // the workflows' steps Lambdas.
  for (const { name, kind, entryPoint } of benchLambdas()) {
    const result = await bundleLambda({ entryPoint, outfile: join(outDir, `${name}.mjs`) });
    lambdas.push({ name, kind, ...result, ratio: ratio(result.bytes, baseline.bytes), gzipRatio: ratio(result.gzipBytes, baseline.gzipBytes) });
  }
  return { baseline, lambdas };
}

/** The packages a Lambda carries beyond the baseline's, largest first: where its extra bytes go. */
export function extraPackages(lambda: BundleResult, baseline: BundleResult, count = 3): string {
  const inBaseline = new Map(baseline.packages.map((p) => [p.name, p.bytes]));
  return lambda.packages
    .map((p) => ({ name: p.name, extra: p.bytes - (inBaseline.get(p.name) ?? 0) }))
    .filter((p) => p.extra > 1024)
    .sort((a, b) => b.extra - a.extra)
    .slice(0, count)
    .map((p) => `${p.name} +${formatBytes(p.extra)}`)
    .join(', ');
}

export function bundleSizeTable(sizes: BundleSizes): Table {
  const { baseline } = sizes;
  return {
    title: '1. Bundle size per Lambda (esbuild, minified ESM, AWS SDK bundled, no source map)',
    columns: ['lambda', 'bytes', 'gzip', 'ratio', 'gzip ratio', 'largest additions over baseline'],
    rows: [
      [BASELINE, formatBytes(baseline.bytes), formatBytes(baseline.gzipBytes), formatRatio(1), formatRatio(1), ''],
      ...sizes.lambdas.map((l) => [l.name, formatBytes(l.bytes), formatBytes(l.gzipBytes), formatRatio(l.ratio), formatRatio(l.gzipRatio), extraPackages(l, baseline)]),
    ],
    notes: [
      'baseline: a handler that only creates a DynamoDB client; ratio = bytes / baseline bytes',
      '<context>-<workflow>-steps: the steps Lambda a descriptor workflow\'s Task states invoke (its `steps` entry)',
    ],
  };
}
