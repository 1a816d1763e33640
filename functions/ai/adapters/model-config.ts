/**
 * Which model the AI console talks to, read once from the environment (cold start) and failing fast on a
 * malformed value. With no model configured (no Anthropic key or key secret, and no Bedrock provider) there is no
 * model: built-in commands still print their findings and `describeModelSetup()` says how to add one.
 */
import type { ModelPort } from '../ports.ts';
import { AnthropicModel } from './anthropic-model.ts';

/** The model for everything, unless a command's tier says otherwise (a current Sonnet). */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';
/** The same model as Bedrock names it (a global cross-region inference profile). */
export const DEFAULT_BEDROCK_MODEL = 'global.anthropic.claude-sonnet-5-5';
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

export interface ModelTiers {
  /** APOLLO_AI_MODEL: every command unless a tier below applies. */
  readonly default: string;
  /** APOLLO_AI_MODEL_LARGE: debug, postmortem, incident. @default the default model */
  readonly large: string;
  /** APOLLO_AI_MODEL_SMALL: explain, help. @default the default model */
  readonly small: string;
}

/** Where the API key comes from (never the key itself in anything logged or shown). */
export type ApiKeySource =
  | { readonly kind: 'env'; readonly apiKey: string }
  | { readonly kind: 'secret'; readonly secretArn: string };

export type ModelConfig =
  | {
    readonly provider: 'anthropic';
    readonly key: ApiKeySource;
    /** ANTHROPIC_BASE_URL (a proxy, or the LOCAL FAKE). @default https://api.anthropic.com */
    readonly baseURL: string;
    readonly models: ModelTiers;
    /** APOLLO_AI_MAX_ATTEMPTS: tries per message when the model is busy (429, 529, overloaded), the first included. @default 4 */
    readonly maxAttempts: number;
    /** APOLLO_AI_TIMEOUT_MS: how long to wait for the answer to start (the SDK's timeout covers the headers only). @default 60000 */
    readonly timeoutMs: number;
  }
  | {
    readonly provider: 'bedrock';
    /** AWS_REGION. @default us-east-1 */
    readonly region: string;
    /** ANTHROPIC_BEDROCK_BASE_URL, if set (a VPC endpoint). @default https://bedrock-runtime.{region}.amazonaws.com */
    readonly baseURL: string | undefined;
    readonly models: ModelTiers;
    readonly maxAttempts: number;
    readonly timeoutMs: number;
  };

/** What a person sets to give the console a model. */
export function describeModelSetup(): string {
  return 'AI analysis needs a model: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a proxy or the local fake; '
    + 'APOLLO_AI_FAKE_MODEL=1 with npm start runs a LOCAL FAKE model), or APOLLO_ANTHROPIC_KEY_SECRET_ARN to a Secrets '
    + 'Manager secret holding the key in AWS, or APOLLO_AI_PROVIDER=bedrock to use Claude on Amazon Bedrock with the '
    + 'function\'s AWS credentials (AWS_REGION; model ids from APOLLO_AI_MODEL, APOLLO_AI_MODEL_LARGE, APOLLO_AI_MODEL_SMALL)';
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an http(s) URL, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, not "${value}"`);
  return value.replace(/\/+$/, '');
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return value;
}

function modelName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (/\s/.test(value)) throw new Error(`${name} must be a model id without spaces, not "${value}"`);
  return value;
}

/** The model settings, or undefined when no model is configured. Throws on a malformed value, naming it. */
export function readModelConfig(env: NodeJS.ProcessEnv = process.env): ModelConfig | undefined {
  const provider = env.APOLLO_AI_PROVIDER?.trim() || 'anthropic';
  if (provider !== 'anthropic' && provider !== 'bedrock') throw new Error(`APOLLO_AI_PROVIDER must be anthropic or bedrock, not "${provider}"`);
  const maxAttempts = wholeNumber(env, 'APOLLO_AI_MAX_ATTEMPTS', 4, 1, 10);
  const timeoutMs = wholeNumber(env, 'APOLLO_AI_TIMEOUT_MS', 60_000, 1_000, 900_000);
  const tiers = (fallback: string): ModelTiers => {
    const main = modelName(env, 'APOLLO_AI_MODEL', fallback);
    return { default: main, large: modelName(env, 'APOLLO_AI_MODEL_LARGE', main), small: modelName(env, 'APOLLO_AI_MODEL_SMALL', main) };
  };
  if (provider === 'bedrock') {
    const region = env.AWS_REGION?.trim() || 'us-east-1';
    const baseURL = env.ANTHROPIC_BEDROCK_BASE_URL ? httpUrl('ANTHROPIC_BEDROCK_BASE_URL', env.ANTHROPIC_BEDROCK_BASE_URL) : undefined;
    return { provider, region, baseURL, models: tiers(DEFAULT_BEDROCK_MODEL), maxAttempts, timeoutMs };
  }
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  const secretArn = env.APOLLO_ANTHROPIC_KEY_SECRET_ARN?.trim();
  if (!apiKey && !secretArn) return undefined;
  if (!apiKey && secretArn && !/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(secretArn)) {
    throw new Error(`APOLLO_ANTHROPIC_KEY_SECRET_ARN must be a Secrets Manager secret ARN, not "${secretArn}"`);
  }
  const key: ApiKeySource = apiKey ? { kind: 'env', apiKey } : { kind: 'secret', secretArn: secretArn! };
  const baseURL = httpUrl('ANTHROPIC_BASE_URL', env.ANTHROPIC_BASE_URL?.trim() || DEFAULT_ANTHROPIC_BASE_URL);
  return { provider, key, baseURL, models: tiers(DEFAULT_ANTHROPIC_MODEL), maxAttempts, timeoutMs };
}

let cached: { model: ModelPort | undefined } | undefined;

/** The process's model (built on first use, at cold start), or undefined when none is configured. */
export function modelFromEnv(env: NodeJS.ProcessEnv = process.env): ModelPort | undefined {
  if (!cached) {
    const settings = readModelConfig(env);
    cached = { model: settings ? AnthropicModel.fromConfig(settings) : undefined };
  }
  return cached.model;
}

/** Forgets the model built from the environment (tests, the local runtime after it starts the fake). */
export function resetModelFromEnv(): void {
  cached = undefined;
}
