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
  /** How long a pending action waits for its approval, minutes (APOLLO_AI_APPROVAL_MINUTES). @default 15 */
  readonly approvalMinutes: number;
  /** Messages one person may send a minute, all sessions together (APOLLO_AI_TURNS_PER_MINUTE). @default 12 */
  readonly turnsPerMinute: number;
  /** Tokens (input and output) one session may use (APOLLO_AI_SESSION_TOKENS). @default 500000 */
  readonly sessionTokens: number;
  /** What one session's tokens may cost, US cents (APOLLO_AI_SESSION_COST_CENTS). @default 500 */
  readonly sessionCostCents: number;
  /** Tokens one person may use a day, UTC (APOLLO_AI_DAILY_TOKENS). @default 2000000 */
  readonly dailyTokens: number;
  /** What one person's tokens may cost a day, US cents (APOLLO_AI_DAILY_COST_CENTS). @default 2000 */
  readonly dailyCostCents: number;
  /** The model's price per million input tokens, US cents (APOLLO_AI_PRICE_INPUT_CENTS). @default 300 (Claude Sonnet: $3) */
  readonly inputCentsPerMillion: number;
  /** The model's price per million output tokens, US cents (APOLLO_AI_PRICE_OUTPUT_CENTS). @default 1500 (Claude Sonnet: $15) */
  readonly outputCentsPerMillion: number;
  /** New people start in the sandbox (read-only) until ai:admin lifts it (APOLLO_AI_SANDBOX_NEW_USERS=false: they do not). @default true */
  readonly sandboxNewUsers: boolean;
}

export function readAiConfig(env: NodeJS.ProcessEnv = process.env): AiConfig {
  return {
    maxToolRounds: envInteger(env, 'APOLLO_AI_MAX_TOOL_ROUNDS', 8, 1, 50),
    maxTokens: envInteger(env, 'APOLLO_AI_MAX_TOKENS', 4096, 256, 64_000),
    turnSeconds: envInteger(env, 'APOLLO_AI_TURN_SECONDS', 300, 10, 840),
    flushMs: envInteger(env, 'APOLLO_AI_FLUSH_MS', 50, 10, 1000),
    killPollMs: envInteger(env, 'APOLLO_AI_KILL_POLL_MS', 400, 50, 1000),
    approvalMinutes: envInteger(env, 'APOLLO_AI_APPROVAL_MINUTES', 15, 1, 1440),
    turnsPerMinute: envInteger(env, 'APOLLO_AI_TURNS_PER_MINUTE', 12, 1, 600),
    sessionTokens: envInteger(env, 'APOLLO_AI_SESSION_TOKENS', 500_000, 1_000, 100_000_000),
    sessionCostCents: envInteger(env, 'APOLLO_AI_SESSION_COST_CENTS', 500, 1, 1_000_000),
    dailyTokens: envInteger(env, 'APOLLO_AI_DAILY_TOKENS', 2_000_000, 1_000, 1_000_000_000),
    dailyCostCents: envInteger(env, 'APOLLO_AI_DAILY_COST_CENTS', 2_000, 1, 10_000_000),
    inputCentsPerMillion: envInteger(env, 'APOLLO_AI_PRICE_INPUT_CENTS', 300, 0, 1_000_000),
    outputCentsPerMillion: envInteger(env, 'APOLLO_AI_PRICE_OUTPUT_CENTS', 1_500, 0, 1_000_000),
    sandboxNewUsers: sandboxSetting(env.APOLLO_AI_SANDBOX_NEW_USERS),
  };
}

function sandboxSetting(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`APOLLO_AI_SANDBOX_NEW_USERS must be true or false, not ${JSON.stringify(value)}`);
}

/** What tokens cost at the configured prices, US dollars. */
export function costUsd(usage: { inputTokens: number; outputTokens: number }, config: AiConfig = aiConfig()): number {
  return (usage.inputTokens * config.inputCentsPerMillion + usage.outputTokens * config.outputCentsPerMillion) / 100_000_000;
}

let cached: AiConfig | undefined;
export function aiConfig(): AiConfig {
  cached ??= readAiConfig();
  return cached;
}

/** Tests and the local runtime: read the environment again. */
export function resetAiConfig(): void {
  cached = undefined;
}
