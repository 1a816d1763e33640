/**
 * Every Lambda the benchmark weighs (sections 1, 2 and 2b): one per descriptor in functions/contexts.ts
 * (the REST contexts, `jobs`, `realtime`) and one per workflow a descriptor declares (its steps Lambda,
 * `<context>-<workflow>-steps`, as infra/workflows.ts and local/workflows.ts name it), each with its
 * entry, the environment its configuration gives it, and its own reason for being heavy, if any.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DESCRIPTORS } from '#functions/contexts';
import type { ContextDescriptor } from '#lib/context';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export type Heavy = NonNullable<ContextDescriptor['heavy']>;

export interface BenchLambda {
  /** `requests`, or `requests-fulfillment-steps` for a workflow's steps. */
  readonly name: string;
  readonly kind: 'context' | 'workflow-steps';
  /** The descriptor that declares it. */
  readonly context: string;
  /** The file CDK bundles for it (absolute). */
  readonly entryPoint: string;
  /** Its fixed environment variables (the descriptor's, or the workflow's). */
  readonly environment: Readonly<Record<string, string>>;
  /** What it carries beyond the weight budget, and for what; undefined when nothing says. */
  readonly heavy: Heavy | undefined;
  /** Where a reason for carrying more than the budget would be written, for the message of one over it. */
  readonly explainIn: string;
}

/** The steps Lambda's name (infra/workflows.ts: `${descriptor.name}-${workflow.name}-steps`). */
export const stepsLambdaName = (context: string, workflow: string): string => `${context}-${workflow}-steps`;

/** The entry CDK bundles for a context (the local runtime imports the same file). */
export const contextEntry = (context: string): string => join(repoRoot, 'functions', context, 'handler.ts');

/**
 * A context's Lambda answers for its own `heavy`. A steps Lambda is a Lambda of its own: the context's
 * `heavy` names what the context's routes need and does not cover it; its workflow's `heavy` does.
 */
export function benchLambdas(descriptors: readonly ContextDescriptor[] = DESCRIPTORS): BenchLambda[] {
  return descriptors.flatMap((d): BenchLambda[] => [
    {
      name: d.name, kind: 'context', context: d.name, entryPoint: contextEntry(d.name), environment: d.environment ?? {}, heavy: d.heavy,
      explainIn: `\`heavy\` in functions/${d.name}/context.ts`,
    },
    ...(d.workflows ?? []).map((w): BenchLambda => ({
      name: stepsLambdaName(d.name, w.name), kind: 'workflow-steps', context: d.name, entryPoint: join(repoRoot, w.steps), environment: w.environment ?? {}, heavy: w.heavy,
      explainIn: `\`heavy\` of the ${w.name} workflow in functions/${d.name}/context.ts`,
    })),
  ]);
}

/** The Lambda of that name, or undefined (the baseline). */
export const benchLambda = (name: string): BenchLambda | undefined => benchLambdas().find((l) => l.name === name);
