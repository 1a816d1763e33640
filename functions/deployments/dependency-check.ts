/**
 * The dependency check: before a version goes to an environment, its runtime dependencies there. One that
 * is down, or runs an older version than this version was verified with in the previous environment (the
 * versions recorded when it succeeded there: `verifiedWith`), is an issue: a warning, and in production a
 * block unless the asker acknowledges it (./safeguards.ts). Reads the catalog snapshot (cached) and at
 * most a page of the previous environment's deployments.
 */
import { byEnvOrder, catalogSnapshot } from '#functions/services/public';
import { listDeployments, readDeployment } from './records.ts';

export interface DependencyIssue {
  readonly dependency: string;
  readonly message: string;
}

/** v1.4.2 < v1.10.0; tags that are not versions cannot be ordered (undefined). */
export function compareVersions(a: string, b: string): number | undefined {
  const parse = (v: string) => /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(v)?.slice(1).map((n) => Number(n ?? 0));
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/** The runtime dependencies' versions in an environment now (what a deployment that succeeds there was verified with). */
export async function dependencyVersions(service: string, environment: string): Promise<Record<string, string>> {
  const snapshot = await catalogSnapshot();
  const record = snapshot.get(service);
  const out: Record<string, string> = {};
  for (const dep of record?.deps ?? []) {
    if (dep.type !== 'runtime') continue;
    const tag = snapshot.get(dep.serviceId)?.envs[environment]?.imageTag;
    if (tag) out[dep.serviceId] = tag;
  }
  return out;
}

export async function dependencyIssues(service: string, environment: string, imageTag: string | null | undefined, from?: string | null): Promise<DependencyIssue[]> {
  const snapshot = await catalogSnapshot();
  const record = snapshot.get(service);
  if (!record) return [];
  const runtime = record.deps.filter((d) => d.type === 'runtime');
  if (!runtime.length) return [];
  const issues: DependencyIssue[] = [];
  for (const dep of runtime) {
    const there = snapshot.get(dep.serviceId)?.envs[environment];
    if (there?.healthStatus === 'down') issues.push({ dependency: dep.serviceId, message: `${dep.serviceId} is down in ${environment}${there.health?.reason ? ` (${there.health.reason})` : ''}` });
  }
  // What this version was verified with: where a promote takes it from, else the environment before this one
  // on the way to production (byEnvOrder lists prod first: the one after it in that order), where it succeeded.
  const envs = Object.values(record.envs).sort(byEnvOrder);
  const index = envs.findIndex((e) => e.name === environment);
  const previous = from ? envs.find((e) => e.name === from) : index >= 0 ? envs[index + 1] : undefined;
  if (previous && imageTag) {
    const { items } = await listDeployments({ service, environment: previous.name, status: 'succeeded' }, 20);
    const verified = items.find((d) => d.imageTag === imageTag && d.operation !== 'scale' && d.operation !== 'restart');
    const full = verified ? await readDeployment(verified.id) : undefined;
    for (const [dependency, verifiedTag] of Object.entries(full?.verifiedWith ?? {})) {
      const current = snapshot.get(dependency)?.envs[environment]?.imageTag;
      if (current && compareVersions(current, verifiedTag) === -1) {
        issues.push({ dependency, message: `${dependency} runs ${current} in ${environment}, older than ${verifiedTag}, which ${imageTag} was verified with in ${previous.name}` });
      }
    }
  }
  return issues;
}
