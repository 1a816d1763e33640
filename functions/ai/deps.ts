/**
 * The AI context's parts, made on first use: the model (undefined when none is configured: built-in commands
 * still print their findings), the tool registry and the built-in commands. Tests swap them.
 */
import type { ApolloApi } from '#lib/on-behalf';
import type { ActionDef } from './actions.ts';
import type { ModelPort } from './ports.ts';
import type { CommandDef, ToolDef } from './tools/types.ts';

export type ParsedCommand = { readonly command: CommandDef; readonly args: Record<string, string> } | { readonly problem: string } | undefined;

export interface AiDeps {
  readonly model: ModelPort | undefined;
  readonly tools: readonly ToolDef[];
  /** The changes the console may propose, each one Apollo route. */
  readonly actions: readonly ActionDef[];
  /** How an approved action calls Apollo's route as the user (undefined: it cannot, and says so). */
  readonly api: ApolloApi | undefined;
  parseCommand(text: string): ParsedCommand;
  /** How to configure a model, for the notice when there is none. */
  describeModelSetup(): string;
}

let deps: Promise<AiDeps> | undefined;

async function make(): Promise<AiDeps> {
  const [{ modelFromEnv, describeModelSetup }, { TOOLS }, { parseCommand }, { ACTIONS }] = await Promise.all([
    import('./adapters/model-config.ts'), import('./tools/registry.ts'), import('./commands/index.ts'), import('./actions.ts'),
  ]);
  // The Lambda client only where the stack says to call the routes' functions (AWS); locally, local.ts sets it.
  const api = process.env.APOLLO_API_FUNCTION_PREFIX ? (await import('#lib/on-behalf-lambda')).apolloApiFromEnv() : undefined;
  return { model: await modelFromEnv(), tools: TOOLS, actions: ACTIONS, api, parseCommand, describeModelSetup };
}

export function aiDeps(): Promise<AiDeps> {
  deps ??= make();
  return deps;
}

export function configureAi(overrides: Partial<AiDeps>): void {
  const base = aiDeps();
  deps = base.then((d) => ({ ...d, ...overrides }));
}

/** The local runtime and tests: make them again (the model's settings may have changed). */
export function resetAiDeps(): void {
  deps = undefined;
}
