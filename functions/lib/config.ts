/**
 * Environment every Apollo Lambda reads, validated once at cold start: a missing value fails the
 * init, not the first request.
 */
export type RuntimeKind = 'aws' | 'local';

export interface BaseConfig {
  readonly tableName: string;
  readonly region: string;
  readonly stage: string;
  readonly runtime: RuntimeKind;
  readonly version: string;
  readonly commit: string;
  readonly buildTime: string;
  /** Allowed browser origin for CORS (the web app). */
  readonly allowedOrigin: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

export function readBaseConfig(env: NodeJS.ProcessEnv = process.env): BaseConfig {
  const runtime = env.APOLLO_RUNTIME ?? 'aws';
  if (runtime !== 'aws' && runtime !== 'local') throw new Error(`APOLLO_RUNTIME must be aws or local, not ${runtime}`);
  return {
    tableName: required(env, 'TABLE_NAME'),
    region: required(env, 'AWS_REGION'),
    stage: env.APOLLO_STAGE ?? 'dev',
    runtime,
    version: env.APOLLO_VERSION ?? '0.0.0',
    commit: env.APOLLO_COMMIT ?? 'unknown',
    buildTime: env.APOLLO_BUILD_TIME ?? 'unknown',
    allowedOrigin: env.APOLLO_ALLOWED_ORIGIN ?? '*',
  };
}

let cached: BaseConfig | undefined;
/** The process's config, read on first use (module init in Lambda). */
export function config(): BaseConfig {
  cached ??= readBaseConfig();
  return cached;
}

/** A whole number from the environment in [min, max], the fallback when unset; anything else fails at cold start, naming it. */
export function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return value;
}
