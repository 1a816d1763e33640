/**
 * One model message without tools, for work that is not a console turn: the incidents' postmortem draft. The
 * model is the AI console's (`aiDeps().model`: the Anthropic API or Bedrock, or none), so a model configured
 * for the console is the one that writes; the records it is given reach it inside the untrusted wrapper, and
 * the system prompt carries the rule that text inside is data, never instructions.
 */
import { readModelConfig } from './adapters/model-config.ts';
import { aiDeps } from './deps.ts';
import type { ContentBlock, ModelStopReason } from './ports.ts';
import { UNTRUSTED_RULE, untrusted } from './untrusted.ts';

export interface ComposeRequest {
  /** What is being written (`postmortem`): picks the model's tier (ModelPort.modelFor). */
  readonly command: string;
  readonly system: string;
  /** What to write, after the facts. */
  readonly prompt: string;
  /** The records it is written from, each wrapped as untrusted data under its source's name. */
  readonly facts?: ReadonlyArray<{ readonly source: string; readonly content: string }>;
  readonly maxTokens: number;
  /** Aborting it ends the model's stream at once. */
  readonly signal: AbortSignal;
}

export interface Composed {
  readonly text: string;
  /** The model that wrote it, as configured (`claude-sonnet-5-5`, or Bedrock's id). */
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** `max_tokens` means the text was cut. */
  readonly stopReason: ModelStopReason | undefined;
}

/**
 * Whether this process's settings name a model (an Anthropic key or key secret, or Bedrock), read from the
 * environment alone: what an API Lambda that hands the writing to the jobs Lambda asks, without carrying the
 * model's SDK. Throws on a malformed setting, naming it.
 */
export function modelConfiguredInEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return readModelConfig(env) !== undefined;
}

/** The model a command would be written by, or undefined when none is configured (tests' configureAi included). */
export async function configuredModel(command: string): Promise<string | undefined> {
  const { model } = await aiDeps();
  return model?.modelFor(command);
}

const textOf = (content: readonly ContentBlock[]): string =>
  content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');

/**
 * Asks the model once and answers its whole text; undefined when no model is configured. A model that cannot be
 * reached throws the port's ModelUnavailableError (its message says what to check); an abort throws the signal's
 * reason.
 */
export async function composeWithModel(request: ComposeRequest): Promise<Composed | undefined> {
  const { model } = await aiDeps();
  if (!model) return undefined;
  const name = model.modelFor(request.command);
  const facts = (request.facts ?? []).map((f) => untrusted(f.source, f.content));
  const content = [...facts, request.prompt].join('\n\n');
  let streamed = '';
  let final: string | undefined;
  let stopReason: ModelStopReason | undefined;
  let inputTokens = 0;
  let outputTokens = 0;
  for await (const event of model.stream({
    model: name,
    system: `${request.system}\n\n${UNTRUSTED_RULE}`,
    messages: [{ role: 'user', content }],
    tools: [],
    maxTokens: request.maxTokens,
  }, request.signal)) {
    if (event.type === 'text_delta') streamed += event.text;
    else if (event.type === 'usage') ({ inputTokens, outputTokens } = event);
    else if (event.type === 'stop') {
      stopReason = event.stopReason;
      final = textOf(event.content);
    }
  }
  if (request.signal.aborted) throw request.signal.reason;
  return { text: final || streamed, model: name, inputTokens, outputTokens, stopReason };
}
