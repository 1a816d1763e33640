/** What the costs context reads of the catalog: each live service's team and where it runs (one cached snapshot). */
import { catalogSnapshot } from '#functions/services/public';

export interface CatalogService {
  readonly id: string;
  readonly team: string;
  /** Environment → where it runs there. */
  readonly environments: ReadonlyMap<string, { readonly cluster: string; readonly namespace: string }>;
}

export async function catalogServices(): Promise<Map<string, CatalogService>> {
  const out = new Map<string, CatalogService>();
  for (const [id, { record }] of (await catalogSnapshot()).entries) {
    if (record.deregisteredAt) continue;
    out.set(id, { id, team: record.team, environments: new Map(Object.values(record.envs).map((e) => [e.name, { cluster: e.cluster, namespace: e.namespace }])) });
  }
  return out;
}

/** Every environment some live service runs in, sorted. */
export async function catalogEnvironments(): Promise<string[]> {
  const names = new Set<string>();
  for (const s of (await catalogServices()).values()) for (const e of s.environments.keys()) names.add(e);
  return [...names].sort();
}
