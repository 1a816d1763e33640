/**
 * A service's deployment history in an environment, newest first, through the deployments context's public module;
 * and the preflight of a deployment, through the deployments API as the user.
 */
import { randomBytes } from 'node:crypto';
import { deploymentHistory } from '#functions/deployments/public';
import { aiDeps } from '../deps.ts';
import { defineTool } from './define.ts';
import { ENVIRONMENT, objectSchema, SERVICE } from './input.ts';

export const deploymentHistoryTool = defineTool<{ service: string; environment?: string; limit?: number }>({
  name: 'deployment_history',
  description: 'A service\'s deployments (deploys, rollbacks, promotes, scales, restarts), newest first: when, version and the version before, who, status, how long, and the error of a failed one. Use it to see whether a problem began after a deploy.',
  inputSchema: objectSchema({ service: SERVICE, environment: ENVIRONMENT, limit: { type: 'integer', minimum: 1, maximum: 25, description: 'How many (default 10).' } }, ['service']),
  risk: 'read',
  permission: 'deployments:read',
  timeoutMs: 10_000,
  outputLimit: 8_000,
  async run({ service, environment, limit }) {
    const page = await deploymentHistory({ service, ...(environment ? { environment } : {}) }, limit ?? 10);
    return {
      service, ...(environment ? { environment } : {}),
      deployments: page.items.map((d) => ({
        id: d.id, operation: d.operation, environment: d.environment, status: d.status,
        version: d.imageTag ?? null, from: d.previousImageTag ?? null,
        ...(d.fromEnvironment ? { fromEnvironment: d.fromEnvironment } : {}),
        ...(d.replicas != null ? { replicas: d.replicas } : {}),
        by: d.initiatedBy, at: d.createdAt, ...(d.completedAt ? { completedAt: d.completedAt } : {}),
        ...(d.reason ? { reason: d.reason } : {}), ...(d.error ? { error: d.error } : {}),
      })),
      more: page.nextCursor !== null,
    };
  },
});

interface PreflightAnswer { allowed: boolean; checks: Array<{ safeguard: string; outcome: string; reason: string }> }

/**
 * What a deploy, rollback, scale or restart would meet before it is asked for: the deployments API's own preflight
 * (permission, lock, freezes, window, dependencies, a deployment running), called as the user.
 */
export const deploymentPreflightTool = defineTool<{ operation: 'deploy' | 'rollback' | 'scale' | 'restart'; service: string; environment: string; version?: string }>({
  name: 'deployment_preflight',
  description: 'What a deploy, rollback, scale or restart of a service in an environment would meet before it is asked for: your permission, the environment\'s lock, freezes, the deployment window, runtime dependencies and a deployment already running; each pass, warn or block with the reason. Changes nothing.',
  inputSchema: objectSchema({
    operation: { type: 'string', enum: ['deploy', 'rollback', 'scale', 'restart'] },
    service: SERVICE, environment: ENVIRONMENT,
    version: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', description: 'The image tag (deploy).' },
  }, ['operation', 'service', 'environment']),
  risk: 'read',
  permission: 'deployments:read',
  timeoutMs: 15_000,
  outputLimit: 6_000,
  async run({ operation, service, environment, version }, { caller }) {
    const { api } = await aiDeps();
    if (!api) throw new Error('this installation cannot call its own API for the AI console (APOLLO_API_FUNCTION_PREFIX is not set)');
    const answer = await api.call(
      { principal: caller.principal, role: caller.role, aiSessionId: caller.sessionId, actionId: randomBytes(32).toString('hex') },
      { route: 'POST /api/v1/deployments/preflight', body: { operation, service, environment, ...(version ? { imageTag: version } : {}) } },
    );
    if (answer.statusCode !== 200) throw new Error((answer.body as { error?: { message?: string } } | null)?.error?.message ?? `the preflight answered ${answer.statusCode}`);
    const body = answer.body as PreflightAnswer;
    return { allowed: body.allowed, checks: body.checks.map((c) => ({ safeguard: c.safeguard, outcome: c.outcome, reason: c.reason })) };
  },
});
