/**
 * What secrets read of the catalog (through the services context's public module): the environments there are,
 * a service's team and tier (who sees its secrets' metadata, who hears they are due, whether an overdue one is
 * critical), and which environments reference a secret (Environment.secrets' secretId is the apollo/… name).
 */
import { catalogSnapshot, listEnvironments } from '#functions/services/public';

export interface ServiceFacts { readonly team: string; readonly tier: string }

export async function listEnvironmentNames(): Promise<string[]> {
  const names = new Set<string>();
  for (const { record } of (await catalogSnapshot()).entries.values()) {
    if (!record.deregisteredAt) Object.keys(record.envs).forEach((e) => names.add(e));
  }
  return [...names].sort();
}

export async function serviceFacts(): Promise<Map<string, ServiceFacts>> {
  const facts = new Map<string, ServiceFacts>();
  for (const [id, { record }] of (await catalogSnapshot()).entries) if (!record.deregisteredAt) facts.set(id, { team: record.team, tier: record.tier });
  return facts;
}

export interface Reference { readonly serviceId: string; readonly environment: string; readonly name: string; readonly key?: string }

/** Every catalog environment's secret references, by the secret's name in its store (one read per service). */
export async function referencesBySecret(): Promise<Map<string, Reference[]>> {
  const byName = new Map<string, Reference[]>();
  for (const [id, { record }] of (await catalogSnapshot()).entries) {
    if (record.deregisteredAt) continue;
    const environments = await listEnvironments(id).catch(() => []);
    for (const env of environments) {
      for (const ref of env.secrets) {
        const list = byName.get(ref.secretId) ?? [];
        list.push({ serviceId: id, environment: env.name, name: ref.name, ...(ref.key ? { key: ref.key } : {}) });
        byName.set(ref.secretId, list);
      }
    }
  }
  return byName;
}

/** The references of one service's environments (a write refreshes its secret's with these). */
export async function referencesOfService(serviceId: string): Promise<Map<string, Reference[]>> {
  const byName = new Map<string, Reference[]>();
  for (const env of await listEnvironments(serviceId).catch(() => [])) {
    for (const ref of env.secrets) byName.set(ref.secretId, [...(byName.get(ref.secretId) ?? []), { serviceId, environment: env.name, name: ref.name, ...(ref.key ? { key: ref.key } : {}) }]);
  }
  return byName;
}
