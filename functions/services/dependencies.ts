/**
 * A service's dependencies: the graph both ways (direct edges from the table, transitive ones over
 * the catalog snapshot) and replacing its direct list.
 */
import type { Dependency, DependencyGraph, DependenciesPut } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { walkDependencies, type GraphNodeInput } from './graph.ts';
import { requireLiveService } from './services.ts';
import { derived } from './shapes.ts';
import { catalogSnapshot, noteServiceWrite } from './snapshot.ts';
import { servicesDeps } from './deps.ts';
import type { ServiceRecord } from './ports.ts';

const now = (): string => new Date().toISOString();

export type DependencyInput = DependenciesPut['dependencies'][number];

function graphNode(record: ServiceRecord): DependencyGraph['nodes'][number] {
  return {
    id: record.id,
    displayName: record.displayName,
    team: record.team,
    tier: record.tier,
    healthStatus: derived(record).healthStatus,
    ...(record.deregisteredAt ? { deregisteredAt: record.deregisteredAt } : {}),
  };
}

/**
 * Direct dependencies both ways from the table (the service's collection and GSI1), transitive ones
 * walked over the catalog snapshot, cycle-safe.
 */
export async function dependencyGraph(serviceId: string, depth = 10): Promise<DependencyGraph> {
  const [record, direct, dependents, snapshot] = await Promise.all([
    servicesDeps().store.readService(serviceId),
    servicesDeps().store.listDependencies(serviceId),
    servicesDeps().store.listDependents(serviceId),
    catalogSnapshot(),
  ]);
  if (!record) throw new NotFoundError(`service ${serviceId} not found`);
  const nodes = new Map<string, GraphNodeInput>();
  for (const service of snapshot.records()) nodes.set(service.id, { id: service.id, deps: service.deps });
  // The table's view of this service's direct edges, both ways, wins over the snapshot's.
  nodes.set(serviceId, { id: serviceId, deps: direct });
  const freshDependents = new Map(dependents.map((d) => [d.fromId, d]));
  for (const [id, node] of nodes) {
    if (id === serviceId) continue;
    const fresh = freshDependents.get(id);
    const others = node.deps.filter((d) => d.serviceId !== serviceId);
    if (fresh || others.length !== node.deps.length) {
      nodes.set(id, { id, deps: fresh ? [...others, { serviceId, type: fresh.type, description: fresh.description }] : others });
    }
  }
  for (const [id, fresh] of freshDependents) {
    if (!nodes.has(id)) nodes.set(id, { id, deps: [{ serviceId, type: fresh.type, description: fresh.description }] });
  }
  const walk = walkDependencies(nodes, serviceId, depth);
  const ids = new Set([serviceId, ...walk.dependsOn.map((r) => r.serviceId), ...walk.dependents.map((r) => r.serviceId)]);
  const graphNodes = [...ids].sort().map((id) => {
    const known = id === serviceId ? record : snapshot.get(id);
    return known ? graphNode(known) : { id, displayName: id, team: '', tier: 'standard' as const, healthStatus: 'unknown' as const };
  });
  return {
    serviceId,
    depth,
    dependsOn: walk.dependsOn,
    dependents: walk.dependents,
    nodes: graphNodes,
    edges: walk.edges,
    cycles: walk.cycles,
    truncated: walk.truncated,
    snapshotAt: snapshot.at,
  };
}

/** Replaces the direct dependency list. Every target must be a registered, live service (400 naming the entry). */
export async function replaceDependencies(serviceId: string, deps: readonly DependencyInput[], actor: string): Promise<DependencyGraph> {
  await requireLiveService(serviceId);
  const seen = new Map<string, number>();
  const problems: Array<{ path: string; message: string }> = [];
  deps.forEach((dep, i) => {
    if (dep.serviceId === serviceId) problems.push({ path: `/dependencies/${i}/serviceId`, message: 'a service cannot depend on itself' });
    if (seen.has(dep.serviceId)) problems.push({ path: `/dependencies/${i}/serviceId`, message: `duplicate of dependency ${seen.get(dep.serviceId)}` });
    seen.set(dep.serviceId, i);
  });
  const targets = await Promise.all([...seen.keys()].map((id) => servicesDeps().store.readService(id)));
  [...seen.entries()].forEach(([id, i], k) => {
    const target = targets[k];
    if (!target) problems.push({ path: `/dependencies/${i}/serviceId`, message: `no service named ${id}` });
    else if (target.deregisteredAt) problems.push({ path: `/dependencies/${i}/serviceId`, message: `${id} was deregistered` });
  });
  if (problems.length) throw new ValidationError('some dependencies are not registered services', { details: problems });
  const next: Dependency[] = deps.map((d) => ({ serviceId: d.serviceId, type: d.type ?? 'runtime', description: d.description ?? '' }));
  const current = await servicesDeps().store.listDependencies(serviceId);
  // Items first, then the summary the snapshot reads; every step is idempotent, so a retry finishes.
  for (const dep of next) {
    const old = current.find((c) => c.serviceId === dep.serviceId);
    if (!old || old.type !== dep.type || old.description !== dep.description) await servicesDeps().store.writeDependency(serviceId, dep);
  }
  for (const old of current) if (!seen.has(old.serviceId)) await servicesDeps().store.removeDependency(serviceId, old.serviceId);
  const record = await servicesDeps().store.setDependencySummary(serviceId, next.sort((a, b) => a.serviceId.localeCompare(b.serviceId)), { updatedAt: now(), updatedBy: actor });
  noteServiceWrite(record);
  return dependencyGraph(serviceId);
}
