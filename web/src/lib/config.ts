/** The runtime configuration (`/config.json` beside index.html), so one build serves any account. */
import type { WebConfig } from '../../../schemas/types.gen.ts';

export type { WebConfig };

export async function loadConfig(): Promise<WebConfig> {
  const response = await fetch('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const config = (await response.json()) as Partial<WebConfig>;
  if (config.mode !== 'local' && config.mode !== 'aws') throw new Error('/config.json: mode must be "local" or "aws"');
  if (!config.region) throw new Error('/config.json: region is missing');
  if (config.mode === 'aws' && !config.auth) throw new Error('/config.json: mode "aws" needs auth (user pool, client, identity pool)');
  return { mode: config.mode, region: config.region, stage: config.stage ?? '', apiUrl: config.apiUrl ?? '', realtimeUrl: config.realtimeUrl ?? '', ...(config.auth ? { auth: config.auth } : {}) };
}

/** The API's base URL: config.apiUrl, or this origin. */
export const apiBaseUrl = (config: WebConfig): string => config.apiUrl || window.location.origin;

/** The WebSocket URL: config.realtimeUrl, or ws(s)://<this origin>/realtime. */
export function realtimeUrl(config: WebConfig): string {
  if (config.realtimeUrl) return config.realtimeUrl;
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/realtime`;
}
