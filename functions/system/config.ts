import { readBaseConfig, type BaseConfig } from '#lib/config';

export interface SystemConfig extends BaseConfig {
  /** The REST API's name, for its CloudWatch metrics (AWS only). */
  readonly apiName: string;
  readonly healthCacheMs: number;
}

export function readSystemConfig(env: NodeJS.ProcessEnv = process.env): SystemConfig {
  const base = readBaseConfig(env);
  const apiName = env.APOLLO_API_NAME ?? '';
  if (base.runtime === 'aws' && !apiName) throw new Error('missing environment variable APOLLO_API_NAME');
  return { ...base, apiName, healthCacheMs: Number(env.APOLLO_HEALTH_CACHE_MS ?? 10_000) };
}
