/**
 * The local runtime's Kubernetes allocation: the LOCAL FAKE OpenCost (./fakes/opencost-server.ts) serving each demo
 * cluster, with the demo deployments as its workloads (requests from their resources × replicas; use a steady,
 * made-up 30–70 % of them, so right-sizing has something to say) — the datastores run as managed services (RDS,
 * ElastiCache, MSK), not on the clusters. The costs context's ingest reads it through the real OpenCost adapter.
 */
import { fnv1a } from '#lib/fnv';
import { DEMO_SERVICES, demoDeployments } from './demo-services.ts';
import { startFakeOpenCost, type FakeOpenCost, type FakeOpenCostWorkload } from './fakes/opencost-server.ts';

/** The demo's managed datastores (tagged datastore): billed as RDS, ElastiCache, MSK, not as pods. */
const DATASTORE_SERVICES = new Set(DEMO_SERVICES.filter((d) => d.service.tags?.includes('datastore')).map((d) => d.service.name));

/** Kubernetes quantities as the demo writes them ('250m', '1', '512Mi', '2Gi'). */
const cores = (q: string): number => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
const gib = (q: string): number => (q.endsWith('Gi') ? Number(q.slice(0, -2)) : q.endsWith('Mi') ? Number(q.slice(0, -2)) / 1024 : Number(q) / 2 ** 30);

/** A stable share in [0.3, 0.7) per name: how much of what it asks for a workload uses. */
function usedShare(name: string): number {
  return 0.3 + (fnv1a(name) % 400) / 1000;
}

export function demoAllocationWorkloads(): Record<string, FakeOpenCostWorkload[]> {
  const clusters: Record<string, FakeOpenCostWorkload[]> = {};
  for (const d of demoDeployments()) {
    if (DATASTORE_SERVICES.has(d.service)) continue;
    const cpu = cores(d.resources.cpu.request) * d.replicas;
    const ram = gib(d.resources.memory.request) * d.replicas;
    const share = usedShare(`${d.service}#${d.environment}`);
    (clusters[d.cluster] ??= []).push({
      namespace: d.namespace, workload: d.service, cpuRequest: cpu, cpuUsed: cpu * share, ramRequestGiB: ram, ramUsedGiB: ram * Math.min(0.95, share + 0.15),
      labels: { app_kubernetes_io_name: d.service, app_kubernetes_io_managed_by: 'apollo' },
    });
  }
  return clusters;
}

export function startLocalOpenCost(): Promise<FakeOpenCost> {
  return startFakeOpenCost({ clusters: demoAllocationWorkloads() });
}

export function localOpenCostBanner(fake: FakeOpenCost): string {
  return `Kubernetes cost allocation: a LOCAL FAKE OpenCost at ${fake.url} (one base URL per demo cluster under /clusters/<name>; the demo deployments as workloads, 15 days kept), not a cluster's`;
}
