/**
 * What the session's user may do here and what the catalog's environments are: the facts `help` and `explain` print.
 */
import { catalogSnapshot } from '#functions/services/public';
import { permissionsOf } from '#shared/permissions';
import { defineTool } from './define.ts';
import { capped, ENVIRONMENT, objectSchema } from './input.ts';

export const myAccess = defineTool<Record<string, never>>({
  name: 'my_access',
  description: 'The session user\'s role, teams and permissions: what they may read and change through this console.',
  inputSchema: objectSchema({}),
  risk: 'read',
  permission: 'ai:read',
  timeoutMs: 2_000,
  outputLimit: 3_000,
  async run(_input, { caller }) {
    return { principal: caller.principal, role: caller.role, teams: caller.teams, permissions: caller.role ? [...permissionsOf(caller.role)].sort() : [] };
  },
});

export const catalogEnvironment = defineTool<{ environment: string }>({
  name: 'catalog_environment',
  description: 'An environment across the catalog: every service that has it, with its cluster, namespace, running version and health.',
  inputSchema: objectSchema({ environment: ENVIRONMENT }, ['environment']),
  risk: 'read',
  permission: 'services:read',
  timeoutMs: 10_000,
  outputLimit: 8_000,
  async run({ environment }) {
    const snapshot = await catalogSnapshot();
    const rows = [...snapshot.records()]
      .filter((s) => !s.deregisteredAt && s.envs[environment])
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((s) => {
        const env = s.envs[environment]!;
        return { service: s.id, team: s.team, tier: s.tier, cluster: env.cluster, namespace: env.namespace, version: env.imageTag ?? null, replicas: env.replicas ?? null, health: env.healthStatus };
      });
    const listed = capped(rows, 50);
    return {
      environment, services: listed.items, ...(listed.leftOut ? { leftOut: listed.leftOut } : {}),
      clusters: [...new Set(rows.map((r) => r.cluster))],
      health: Object.fromEntries(['healthy', 'degraded', 'down', 'unknown'].map((h) => [h, rows.filter((r) => r.health === h).length])),
    };
  },
});
