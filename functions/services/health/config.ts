/**
 * The health poll's settings, from the jobs Lambda's environment (validated at cold start):
 *   APOLLO_HEALTH_CONCURRENCY   checks in flight at once (default 16)
 *   APOLLO_HEALTH_TIMEOUT_MS    per check, HTTP and Kubernetes each (default 3000)
 *   APOLLO_HEALTH_HEARTBEAT_MS  an unchanged environment gets a history sample this often (default 900000)
 *   APOLLO_HEALTH_BUDGET_MS     no check starts later than this into a run (default 45000)
 */
import { envInteger } from '#lib/config';
import { DEFAULT_HEALTH_SETTINGS, type HealthSettings } from './poller.ts';

export function readHealthSettings(env: NodeJS.ProcessEnv = process.env): HealthSettings {
  const d = DEFAULT_HEALTH_SETTINGS;
  return {
    concurrency: envInteger(env, 'APOLLO_HEALTH_CONCURRENCY', d.concurrency, 1, 256),
    timeoutMs: envInteger(env, 'APOLLO_HEALTH_TIMEOUT_MS', d.timeoutMs, 100, 30_000),
    heartbeatMs: envInteger(env, 'APOLLO_HEALTH_HEARTBEAT_MS', d.heartbeatMs, 60_000, 3_600_000),
    budgetMs: envInteger(env, 'APOLLO_HEALTH_BUDGET_MS', d.budgetMs, 1_000, 840_000),
  };
}
