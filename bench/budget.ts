/**
 * Section 2b: the weight rule every Lambda is held to (issue 11 §3): at most 2× the baseline's bytes
 * and 1.5× its cold import, or, where a Lambda's own routes need more, its descriptor says what and
 * for which route (`heavy` in functions/<context>/context.ts). An unexplained Lambda over budget
 * fails `npm run bench`.
 *
 * Each Lambda answers for itself (bench/lambdas.ts): a context's `heavy` explains the context's Lambda
 * only, never the steps Lambda of a workflow it declares, which has no `heavy` of its own today.
 */
import { extraPackages, type BundleSizes } from './bundle-size.ts';
import type { ColdImports } from './cold-import.ts';
import { formatRatio, type Table } from './format.ts';
import { benchLambda } from './lambdas.ts';
import { ratio } from './stats.ts';

export const MAX_BYTES_RATIO = 2;
export const MAX_COLD_IMPORT_RATIO = 1.5;

export interface BudgetRow {
  readonly lambda: string;
  readonly bytesRatio: number;
  readonly coldImportRatio: number;
  readonly verdict: 'within' | 'explained' | 'over';
  readonly explanation?: string;
  /** Of a Lambda over budget: the packages it carries beyond the baseline's, largest first. */
  readonly extraPackages?: string;
  /** Of a Lambda over budget: where its reason would be written. */
  readonly explainIn?: string;
}

/**
 * Cold import is compared on each Lambda's fastest of its runs against the baseline's fastest:
 * importing a bundle is deterministic work, and a busy machine only ever adds to it.
 */
export function checkBudget(sizes: BundleSizes, cold: ColdImports): BudgetRow[] {
  const fastest = (samples: readonly number[]) => Math.min(...samples);
  const baselineMs = fastest(cold.baseline.samplesMs);
  return sizes.lambdas.map((bundle) => {
    const imported = cold.lambdas.find((c) => c.name === bundle.name);
    const coldImportRatio = imported ? ratio(fastest(imported.samplesMs), baselineMs) : NaN;
    const lambda = benchLambda(bundle.name);
    if (!lambda) throw new Error(`bundle ${bundle.name} is none of bench/lambdas.ts's Lambdas`);
    const within = bundle.ratio <= MAX_BYTES_RATIO && coldImportRatio <= MAX_COLD_IMPORT_RATIO;
    if (within) return { lambda: bundle.name, bytesRatio: bundle.ratio, coldImportRatio, verdict: 'within' };
    if (lambda.heavy?.length) {
      return { lambda: bundle.name, bytesRatio: bundle.ratio, coldImportRatio, verdict: 'explained', explanation: lambda.heavy.map((h) => `${h.what}, for ${h.neededBy}`).join('; ') };
    }
    return { lambda: bundle.name, bytesRatio: bundle.ratio, coldImportRatio, verdict: 'over', extraPackages: extraPackages(bundle, sizes.baseline, 6), explainIn: lambda.explainIn };
  });
}

export function budgetTable(rows: readonly BudgetRow[]): Table {
  return {
    title: `2b. Weight budget: ≤ ${MAX_BYTES_RATIO}× the baseline's bytes and ≤ ${MAX_COLD_IMPORT_RATIO}× its cold import, or named in the context's descriptor`,
    columns: ['lambda', 'bytes', 'cold import', 'verdict', 'what it carries beyond, and for which route'],
    rows: rows.map((r) => [
      r.lambda, formatRatio(r.bytesRatio), formatRatio(r.coldImportRatio), r.verdict === 'over' ? 'OVER BUDGET' : r.verdict,
      r.explanation ?? (r.verdict === 'over' ? `nothing says; it carries ${r.extraPackages || 'no package beyond the baseline\'s'}` : ''),
    ]),
    notes: [
      'cold import: the fastest of each Lambda\'s runs against the baseline\'s fastest (the work is the same each run; load only adds to it)',
      'a context\'s `heavy` explains its own Lambda only, not the steps Lambda of a workflow it declares',
      ...rows.filter((r) => r.verdict === 'over').map((r) => `${r.lambda} is over: a reason would go ${r.explainIn}`),
    ],
  };
}
