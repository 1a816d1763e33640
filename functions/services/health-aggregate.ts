/**
 * A service's health over its environments (pure; the README's health rules). One environment's
 * status is the health job's verdict (functions/services/health/rules.ts). The service's is the
 * worst of its environments, production weighted: a production environment (prod, production, prd,
 * live, prod-*) counts as is, so a down prod makes the service down; any other environment makes it
 * at most degraded (a down dev is worth seeing, not paging for). Unknown environments are ignored;
 * with none checked the service is unknown.
 */
import type { HealthStatus } from '#schemas/index.ts';

const SEVERITY: Record<HealthStatus, number> = { unknown: 0, healthy: 1, degraded: 2, down: 3 };

/** Production environments weigh fully; names are compared case-insensitively. */
export const isProduction = (envName: string): boolean => /^(prod|production|prd|live)(-|$)/i.test(envName);

/** The service's status over its environments (see the rules above), with which environment decided it. */
export function aggregateHealth(envs: ReadonlyArray<{ readonly name: string; readonly status: HealthStatus }>): { status: HealthStatus; reason: string } {
  const known = envs.filter((e) => e.status !== 'unknown');
  if (known.length === 0) return { status: 'unknown', reason: envs.length ? 'no environment has been checked' : 'no environments' };
  let status: HealthStatus = 'healthy';
  let decidedBy: { name: string; status: HealthStatus } | undefined;
  for (const env of known) {
    const weighted: HealthStatus = isProduction(env.name) || env.status !== 'down' ? env.status : 'degraded';
    if (SEVERITY[weighted] > SEVERITY[status]) { status = weighted; decidedBy = env; }
  }
  if (!decidedBy) return { status: 'healthy', reason: `all ${known.length} checked environment${known.length === 1 ? '' : 's'} healthy` };
  return { status, reason: `${decidedBy.name} is ${decidedBy.status}${decidedBy.status !== status ? ` (counts as ${status} outside production)` : ''}` };
}
