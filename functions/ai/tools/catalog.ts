/**
 * The catalog's read tools, through the services context's public module (the same reads as its GET routes):
 * a service with its environments, its dependency graph and who breaks if it does, its runbooks, its health.
 */
import type { DependencyGraph, Environment, Runbook } from '#schemas/index.ts';
import { dependencyGraph, getService, listRunbooks, runbooksForAlert, serviceHealth } from '#functions/services/public';
import { defineTool } from './define.ts';
import { capped, clip, ENVIRONMENT, objectSchema, SERVICE } from './input.ts';

const MAX_LISTED = 30;

/** An environment as the model needs it: where it runs, what runs, how it is. */
export function environmentBrief(env: Environment): Record<string, unknown> {
  const k8s = env.health.kubernetes;
  return {
    name: env.name,
    cluster: env.cluster,
    namespace: env.namespace,
    version: env.deployment.imageTag ?? null,
    replicas: env.deployment.replicas ?? null,
    lastDeployedAt: env.deployment.lastDeployedAt ?? null,
    lastDeployedBy: env.deployment.lastDeployedBy ?? null,
    health: env.health.status,
    ...(env.health.reason ? { healthReason: env.health.reason } : {}),
    ...(k8s ? { replicasReady: `${k8s.readyReplicas}/${k8s.desiredReplicas}`, ...(k8s.simulated ? { simulatedCluster: true } : {}) } : {}),
    ...(env.resources.cpu ? { cpu: env.resources.cpu } : {}),
    ...(env.resources.memory ? { memory: env.resources.memory } : {}),
  };
}

export const catalogService = defineTool<{ service: string }>({
  name: 'catalog_service',
  description: 'A catalog service: owning team, tier, language, repository, each environment (cluster, namespace, running version, replicas, health) and its direct dependencies and runbook titles. Start here to learn what a service is.',
  inputSchema: objectSchema({ service: SERVICE }, ['service']),
  risk: 'read',
  permission: 'services:read',
  timeoutMs: 10_000,
  outputLimit: 8_000,
  async run({ service }) {
    const s = await getService(service);
    return {
      id: s.id, displayName: s.displayName, description: clip(s.description, 400), team: s.team, tier: s.tier,
      language: s.language, framework: s.framework, repository: s.repository, tags: s.tags, healthStatus: s.healthStatus,
      ...(s.lastDeployedAt ? { lastDeployedAt: s.lastDeployedAt } : {}),
      ...(s.deregisteredAt ? { deregisteredAt: s.deregisteredAt } : {}),
      environments: s.environments.map(environmentBrief),
      dependencies: s.dependencies.map((d) => ({ serviceId: d.serviceId, type: d.type, ...(d.description ? { description: d.description } : {}) })),
      runbooks: s.runbooks.map((r) => ({ id: r.id, title: r.title, trigger: r.trigger })),
    };
  },
});

type Impact = 'breaks' | 'degrades' | 'build only';

const RANK: Record<Impact, number> = { 'build only': 0, degrades: 1, breaks: 2 };

/** What a dependent suffers through one edge of the given type from a dependency that suffers `impact`. */
function through(type: string, impact: Impact): Impact {
  if (type === 'build' || impact === 'build only') return 'build only';
  return type === 'optional' ? 'degrades' : impact;
}

/**
 * How a failure of `service` reaches each of its dependents, over every path among the graph's edges (not only the
 * shortest): a path of runtime dependencies breaks it; an optional dependency on the way degrades it; a build
 * dependency does not reach it at run time. The worst path wins.
 */
export function impactsOf(graph: Pick<DependencyGraph, 'edges'>, service: string): Map<string, Impact> {
  const impacts = new Map<string, Impact>([[service, 'breaks']]);
  for (let changed = true, rounds = 0; changed && rounds <= graph.edges.length; rounds++) {
    changed = false;
    for (const edge of graph.edges) {
      const upstream = impacts.get(edge.to);
      if (upstream === undefined || edge.from === service) continue;
      const impact = through(edge.type, upstream);
      const known = impacts.get(edge.from);
      if (known === undefined || RANK[impact] > RANK[known]) { impacts.set(edge.from, impact); changed = true; }
    }
  }
  impacts.delete(service);
  return impacts;
}

export const catalogDependencies = defineTool<{ service: string; depth?: number }>({
  name: 'catalog_dependencies',
  description: 'A service\'s dependency graph both ways: what it depends on (direct and transitive) and what depends on it, with the impact on each dependent if the service fails (breaks: runtime all the way; degrades: through an optional dependency; build only) and its shortest path (a -> b: a depends on b); the impact weighs every path. Use it for "who breaks if this breaks" and "is a dependency the cause".',
  inputSchema: objectSchema({ service: SERVICE, depth: { type: 'integer', minimum: 1, maximum: 5, description: 'How many hops to walk (default 3).' } }, ['service']),
  risk: 'analysis',
  permission: 'services:read',
  timeoutMs: 10_000,
  outputLimit: 10_000,
  async run({ service, depth }) {
    const graph = await dependencyGraph(service, depth ?? 3);
    const health = new Map(graph.nodes.map((n) => [n.id, n.healthStatus]));
    const dependsOn = capped(graph.dependsOn.map((r) => ({ serviceId: r.serviceId, depth: r.depth, type: r.type, health: health.get(r.serviceId) ?? 'unknown', ...(r.description ? { description: r.description } : {}) })), MAX_LISTED);
    const impacts = impactsOf(graph, service);
    const dependents = capped(graph.dependents.map((r) => ({ serviceId: r.serviceId, depth: r.depth, impact: impacts.get(r.serviceId) ?? 'breaks', via: r.path.join(' -> '), health: health.get(r.serviceId) ?? 'unknown' })), MAX_LISTED);
    const breaks = dependents.items.filter((d) => d.impact === 'breaks').map((d) => d.serviceId);
    return {
      service,
      dependsOn: dependsOn.items, ...(dependsOn.leftOut ? { dependsOnLeftOut: dependsOn.leftOut } : {}),
      dependents: dependents.items, ...(dependents.leftOut ? { dependentsLeftOut: dependents.leftOut } : {}),
      impact: breaks.length ? `if ${service} fails, ${breaks.length} service(s) break: ${breaks.join(', ')}` : `no service depends on ${service} at run time without a fallback`,
      ...(graph.cycles.length ? { cycles: graph.cycles.map((c) => c.join(' -> ')) } : {}),
      ...(graph.truncated ? { truncated: `more beyond depth ${graph.depth}` } : {}),
    };
  },
});

const MAX_RUNBOOK_CHARS = 3_000;

function runbookBrief(r: Runbook, withContent: boolean): Record<string, unknown> {
  return {
    id: r.id, serviceId: r.serviceId, title: r.title, trigger: r.trigger, automatable: r.automatable,
    ...(withContent ? { content: clip(r.content, MAX_RUNBOOK_CHARS) } : {}),
    ...(r.aiPrompt ? { aiPrompt: r.aiPrompt } : {}),
  };
}

export const serviceRunbooks = defineTool<{ service?: string; alert?: string }>({
  name: 'service_runbooks',
  description: 'Runbooks (Markdown): a service\'s, or those triggered by an alert name (e.g. HighErrorRate), or a service\'s runbook for an alert when both are given. The content is cut to 3,000 characters each.',
  inputSchema: objectSchema({ service: SERVICE, alert: { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$', maxLength: 128, description: 'An alert name, e.g. HighErrorRate.' } }),
  risk: 'read',
  permission: 'services:read',
  timeoutMs: 10_000,
  outputLimit: 12_000,
  async run({ service, alert }) {
    if (!service && !alert) return { problem: 'name a service, an alert, or both' };
    const found = alert ? (await runbooksForAlert(alert)).filter((r) => !service || r.serviceId === service) : await listRunbooks(service!);
    const listed = capped(found, 5);
    return { ...(service ? { service } : {}), ...(alert ? { alert } : {}), runbooks: listed.items.map((r) => runbookBrief(r, true)), ...(listed.leftOut ? { leftOut: listed.leftOut } : {}) };
  },
});

export const serviceHealthTool = defineTool<{ service: string; environment?: string }>({
  name: 'service_health',
  description: 'A service\'s health: the aggregate and each environment\'s status, reason, last check, HTTP latency and Kubernetes replicas ready/desired, with how many of the last 24 h checks failed.',
  inputSchema: objectSchema({ service: SERVICE, environment: ENVIRONMENT }, ['service']),
  risk: 'read',
  permission: 'services:read',
  timeoutMs: 10_000,
  outputLimit: 6_000,
  async run({ service, environment }) {
    const health = await serviceHealth(service);
    const environments = health.environments.filter((e) => !environment || e.name === environment);
    return {
      service, status: health.status, ...(health.reason ? { reason: health.reason } : {}),
      environments: environments.map((e) => {
        const k8s = e.health.kubernetes;
        return {
          name: e.name, status: e.health.status,
          ...(e.health.reason ? { reason: e.health.reason } : {}),
          ...(e.health.checkedAt ? { checkedAt: e.health.checkedAt } : {}),
          ...(e.health.http ? { http: e.health.http } : {}),
          ...(k8s ? { replicasReady: k8s.readyReplicas, replicasDesired: k8s.desiredReplicas, ...(k8s.simulated ? { simulatedCluster: true } : {}) } : {}),
          last24h: { checks: e.history.length, notHealthy: e.history.filter((h) => h.status !== 'healthy').length },
        };
      }),
      ...(environment && !environments.length ? { problem: `${service} has no environment ${environment}` } : {}),
    };
  },
});

/**
 * An automatable runbook, to run: its steps and the prompt its owners wrote for the console (`aiPrompt`). Reading it
 * changes nothing; each change its steps call for is an action tool call that waits for its own approval.
 */
export const runbookRun = defineTool<{ service: string; runbook: string }>({
  name: 'runbook_run',
  description: 'Run an automatable runbook of a service (its owners marked it automatable and wrote how the console should run it): answers its steps and instructions. Follow them step by step with the read tools; every change a step calls for is a separate action the user approves.',
  inputSchema: objectSchema({ service: SERVICE, runbook: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$', description: 'The runbook\'s id, or its trigger (e.g. HighErrorRate).' } }, ['service', 'runbook']),
  risk: 'analysis',
  permission: 'services:read',
  timeoutMs: 10_000,
  outputLimit: 12_000,
  async run({ service, runbook }) {
    const runbooks = await listRunbooks(service);
    const found = runbooks.find((r) => r.id === runbook) ?? runbooks.find((r) => r.trigger.toLowerCase() === runbook.toLowerCase());
    if (!found) return { problem: `${service} has no runbook ${runbook} (its runbooks: ${runbooks.map((r) => `${r.id} "${r.title}"`).join(', ') || 'none'})` };
    if (!found.automatable) return { problem: `the runbook "${found.title}" is not marked automatable: read it with service_runbooks and recommend its steps; its owners mark it automatable (with an aiPrompt) for the console to run it` };
    return {
      ...runbookBrief(found, true),
      instructions: `Run this runbook for ${service}: ${found.aiPrompt ?? 'follow its steps in order'}. Read before you act; propose each change (scale, restart, rollback, deploy, a pull request) as its own action and stop for its approval; say which step you are on.`,
    };
  },
});
