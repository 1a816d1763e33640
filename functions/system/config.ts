import { fileURLToPath } from 'node:url';
import { readBaseConfig, type BaseConfig } from '#lib/config';

export interface SystemConfig extends BaseConfig {
  /** The REST API's name, for its CloudWatch metrics (AWS only). */
  readonly apiName: string;
  readonly healthCacheMs: number;
  /** The OpenAPI document's file: beside the bundle in Lambda (set by infra), schemas/ in a checkout. */
  readonly openApiFile: string;
  /** GitHub's API when an integration uses GitHub (discovery, the catalog refresh): its health is Apollo's too. */
  readonly githubApiUrl: string | undefined;
}

export function readSystemConfig(env: NodeJS.ProcessEnv = process.env): SystemConfig {
  const base = readBaseConfig(env);
  const apiName = env.APOLLO_API_NAME ?? '';
  if (base.runtime === 'aws' && !apiName) throw new Error('missing environment variable APOLLO_API_NAME');
  const openApiFile = env.APOLLO_OPENAPI_FILE ?? (base.runtime === 'local' ? fileURLToPath(new URL('../../schemas/openapi.gen.json', import.meta.url)) : '');
  if (!openApiFile) throw new Error('missing environment variable APOLLO_OPENAPI_FILE');
  const githubApiUrl = env.APOLLO_GITHUB_ORG || env.APOLLO_CATALOG_REPO ? env.APOLLO_GITHUB_API_URL || 'https://api.github.com' : undefined;
  return { ...base, apiName, healthCacheMs: Number(env.APOLLO_HEALTH_CACHE_MS ?? 10_000), openApiFile, githubApiUrl };
}
