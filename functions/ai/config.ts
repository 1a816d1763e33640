/**
 * The AI console's limits, read once from the environment (cold start), failing fast on a malformed value.
 * The model's own settings (provider, key, model names) are the model adapter's (adapters/model-config.ts).
 */
import { envInteger } from '#lib/config';

export interface AiConfig {
  /** Tool rounds in one turn before it stops with `tool_limit` (APOLLO_AI_MAX_TOOL_ROUNDS). @default 8 */
  readonly maxToolRounds: number;
  /** The most output tokens one model message may use (APOLLO_AI_MAX_TOKENS). @default 4096 */
  readonly maxTokens: number;
  /** The longest a turn runs before it is stopped, seconds (APOLLO_AI_TURN_SECONDS). @default 300 */
  readonly turnSeconds: number;
  /** How often streamed text is posted, ms: at most 1000/this posts a second per session (APOLLO_AI_FLUSH_MS). @default 50 */
  readonly flushMs: number;
  /** How often a running turn re-reads its session for a terminate from elsewhere, ms (APOLLO_AI_KILL_POLL_MS). @default 400 */
  readonly killPollMs: number;
}

export function readAiConfig(env: NodeJS.ProcessEnv = process.env): AiConfig {
  return {
    maxToolRounds: envInteger(env, 'APOLLO_AI_MAX_TOOL_ROUNDS', 8, 1, 50),
    maxTokens: envInteger(env, 'APOLLO_AI_MAX_TOKENS', 4096, 256, 64_000),
    turnSeconds: envInteger(env, 'APOLLO_AI_TURN_SECONDS', 300, 10, 840),
    flushMs: envInteger(env, 'APOLLO_AI_FLUSH_MS', 50, 10, 1000),
    killPollMs: envInteger(env, 'APOLLO_AI_KILL_POLL_MS', 400, 50, 1000),
  };
}

let cached: AiConfig | undefined;
export function aiConfig(): AiConfig {
  cached ??= readAiConfig();
  return cached;
}
