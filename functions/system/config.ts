import { fileURLToPath } from 'node:url';
import { readBaseConfig, type BaseConfig } from '#lib/config';

export interface SystemConfig extends BaseConfig {
  /** The REST API's name, for its CloudWatch metrics (AWS only). */
  readonly apiName: string;
  readonly healthCacheMs: number;
  /** The OpenAPI document's file: beside the bundle in Lambda (set by infra), schemas/ in a checkout. */
  readonly openApiFile: string;
}

export function readSystemConfig(env: NodeJS.ProcessEnv = process.env): SystemConfig {
  const base = readBaseConfig(env);
  const apiName = env.APOLLO_API_NAME ?? '';
  if (base.runtime === 'aws' && !apiName) throw new Error('missing environment variable APOLLO_API_NAME');
  const openApiFile = env.APOLLO_OPENAPI_FILE ?? (base.runtime === 'local' ? fileURLToPath(new URL('../../schemas/openapi.gen.json', import.meta.url)) : '');
  if (!openApiFile) throw new Error('missing environment variable APOLLO_OPENAPI_FILE');
  return { ...base, apiName, healthCacheMs: Number(env.APOLLO_HEALTH_CACHE_MS ?? 10_000), openApiFile };
}
