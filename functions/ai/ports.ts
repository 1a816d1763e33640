/**
 * What the AI context needs from outside: a model that streams a turn (the Anthropic Messages API, or Amazon
 * Bedrock), described here in the Messages API's own shapes (text, tool_use and tool_result blocks), so an
 * adapter passes them through and a fake server answers them as Anthropic's does.
 */

export interface TextBlock { readonly type: 'text'; readonly text: string }
export interface ToolUseBlock { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown }
export interface ToolResultBlock {
  readonly type: 'tool_result';
  readonly tool_use_id: string;
  /** Tool output is data: wrapped as untrusted before it reaches the model (tools/untrusted.ts). */
  readonly content: string;
  readonly is_error?: boolean;
}

export type ContentBlock = TextBlock | ToolUseBlock;
export type MessageParam =
  | { readonly role: 'user'; readonly content: string | ReadonlyArray<TextBlock | ToolResultBlock> }
  | { readonly role: 'assistant'; readonly content: readonly ContentBlock[] };

/** A tool as the model is told of it. */
export interface ModelTool {
  readonly name: string;
  readonly description: string;
  readonly input_schema: Readonly<Record<string, unknown>>;
}

export interface ModelRequest {
  readonly model: string;
  readonly system: string;
  readonly messages: readonly MessageParam[];
  readonly tools: readonly ModelTool[];
  readonly maxTokens: number;
}

/** Why the model stopped (the Messages API's stop_reason). */
export type ModelStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

export type ModelEvent =
  /** A piece of a text block, as it streams. */
  | { readonly type: 'text_delta'; readonly index: number; readonly text: string }
  /** A tool call, once its block has streamed whole (its input parsed). */
  | { readonly type: 'tool_use'; readonly index: number; readonly id: string; readonly name: string; readonly input: unknown }
  /** Token counts so far (cumulative for the message). */
  | { readonly type: 'usage'; readonly inputTokens: number; readonly outputTokens: number }
  /** The adapter is waiting to try again (429, 529, overloaded), and why. */
  | { readonly type: 'retry'; readonly attempt: number; readonly waitMs: number; readonly reason: string }
  /** The message ended: why, and its whole content (what the next request sends back as the assistant's turn). */
  | { readonly type: 'stop'; readonly stopReason: ModelStopReason; readonly content: readonly ContentBlock[] };

export interface ModelPort {
  /** Where the model is reached: the Anthropic API or Amazon Bedrock. */
  readonly source: 'anthropic' | 'bedrock';
  /** The model a command uses (larger for debug and postmortem, smaller for explain), from configuration. */
  modelFor(command: string | undefined): string;
  /**
   * Streams one model message. Aborting `signal` ends the stream at once (the kill switch). Transient failures
   * (429, 529, overloaded) are retried with backoff, each announced by a `retry` event; a model that cannot be
   * reached (or keeps failing) throws ModelUnavailableError with a message a person can act on.
   */
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent>;
}

/** The model could not be reached or kept failing: the message says why and what to check. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
  constructor(message: string, readonly retryable: boolean, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}
