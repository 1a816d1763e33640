/**
 * A registry tool from its parts: the input is checked against the tool's own schema before `run` sees it, so a
 * tool's code reads typed, bounded values and the schema the model is shown is the one enforced.
 */
import { checkInput, type Schema } from './input.ts';
import type { ToolContext, ToolDef } from './types.ts';

export interface ToolSpec<I> extends Omit<ToolDef<I>, 'inputSchema' | 'run'> {
  readonly inputSchema: Schema;
  run(input: I, context: ToolContext): Promise<unknown>;
}

export function defineTool<I>(spec: ToolSpec<I>): ToolDef {
  return {
    ...spec,
    run: (input, context) => spec.run(checkInput<I>(spec.inputSchema, input), context),
  };
}
