/**
 * The local runtime's costs: a LOCAL demo Cost Explorer (./adapters/demo-cost-source.ts) over the catalog as it
 * is (a service registered locally gets spend too), fed through the same cost-ingest job as AWS. Its one anomaly
 * follows a real demo deployment: core-service's (else another service's) production deploy of one to four weeks
 * ago, chosen once and kept, so the Costs page can name the deploy that raised the cost.
 */
import type { LocalRuntime } from '#lib/context';
import { getItem, putItem } from '#lib/table';
import { deploymentHistory } from '#functions/deployments/public';
import { catalogSnapshot } from '#functions/services/public';
import { addDays } from './anomaly-detector.ts';
import { DemoCostSource, type DemoCostAnomaly, type DemoCostService } from './adapters/demo-cost-source.ts';
import { DemoStorageSource } from './adapters/demo-storage.ts';
import { OpenCostSource } from './adapters/opencost.ts';
import { configureCosts } from './deps.ts';
import type { AllocationSource, CostSource, DateRange } from './ports.ts';

/** The demo services' sizes (local/demo-services.ts): what the generated spend scales with. */
const SIZES: Readonly<Record<string, DemoCostService['size']>> = { 'core-service': 'large', 'api-gateway': 'medium', 'billing-service': 'medium', postgres: 'large', kafka: 'medium' };
const KINDS: ReadonlyArray<[RegExp, DemoCostService['kind']]> = [[/postgres|mysql|aurora|rds/i, 'rds'], [/redis|memcached|valkey/i, 'elasticache'], [/kafka|msk/i, 'msk']];
const ANOMALY = { PK: 'SYSTEM', SK: 'DEMO#costs-anomaly' };
/** How much more the deploy made the service cost. */
const FACTOR = 1.8;

async function demoServices(): Promise<DemoCostService[]> {
  const out: DemoCostService[] = [];
  for (const [id, { record }] of (await catalogSnapshot()).entries) {
    if (record.deregisteredAt) continue;
    const kind = KINDS.find(([pattern]) => pattern.test(record.framework))?.[1] ?? 'app';
    out.push({ service: id, team: record.team, environments: Object.values(record.envs).map((e) => e.name), kind, ...(SIZES[id] ? { size: SIZES[id] } : {}) });
  }
  return out;
}

/** The demo deploy the anomaly follows: chosen once (kept in the table), so a restart tells the same story. */
export async function demoAnomaly(now = Date.now()): Promise<DemoCostAnomaly | null> {
  const kept = await getItem<{ PK: string; SK: string; anomaly: DemoCostAnomaly | null }>(ANOMALY);
  if (kept) return kept.anomaly;
  const from = new Date(now - 28 * 86_400_000).toISOString();
  const to = new Date(now - 7 * 86_400_000).toISOString();
  for (const service of ['core-service', 'billing-service', 'api-gateway']) {
    const { items } = await deploymentHistory({ service, environment: 'prod', status: 'succeeded', from, to }, 50);
    // The one nearest two weeks ago: the anomaly has a fortnight of ordinary days before it.
    const target = now - 14 * 86_400_000;
    const deploy = items.filter((d) => d.operation === 'deploy' || d.operation === 'promote').sort((a, b) => Math.abs(Date.parse(a.createdAt) - target) - Math.abs(Date.parse(b.createdAt) - target))[0];
    if (!deploy) continue;
    const anomaly = { service, environment: 'prod', from: addDays(deploy.createdAt.slice(0, 10), 1), factor: FACTOR };
    await putItem({ ...ANOMALY, anomaly, deploymentId: deploy.id });
    return anomaly;
  }
  // No demo deploy to follow yet (the deployments are seeded later, or real ones exist): ask again next time.
  return null;
}

/** The demo source over the catalog as it is at each call; its request count carries across. */
class LocalDemoCostSource implements CostSource {
  readonly simulated = true;
  readonly label = 'LOCAL demo Cost Explorer (generated spend for the demo services, not AWS)';
  #spent = 0;
  #current: DemoCostSource | undefined;

  get requests(): number {
    return this.#spent + (this.#current?.requests ?? 0);
  }

  async #source(): Promise<DemoCostSource> {
    this.#spent += this.#current?.requests ?? 0;
    this.#current = new DemoCostSource({ services: await demoServices(), anomaly: () => demoAnomaly() });
    return this.#current;
  }

  async costs(range: DateRange, environments: readonly string[]) { return (await this.#source()).costs(range, environments); }
  async anomalies(range: DateRange) { return (await this.#source()).anomalies(range); }
  async forecast(range: DateRange) { return (await this.#source()).forecast(range); }
  async coverage(range: DateRange) { return (await this.#source()).coverage(range); }
  async recommendations() { return (await this.#source()).recommendations(); }
}

/** The real OpenCost adapter pointed at the LOCAL FAKE OpenCost, named as such wherever a source is named. */
function fakeOpenCost(real: OpenCostSource): AllocationSource {
  return {
    simulated: true,
    label: `LOCAL FAKE OpenCost (the real adapter over loopback, ${real.clusters.length} demo clusters)`,
    clusters: real.clusters,
    allocations: (cluster, range) => real.allocations(cluster, range),
  };
}

export async function configureCostsLocal(runtime: LocalRuntime): Promise<string[]> {
  const allocation = runtime.fakeOpenCost ? fakeOpenCost(new OpenCostSource({ endpoints: runtime.fakeOpenCost.endpoints })) : undefined;
  configureCosts({ source: new LocalDemoCostSource(), storage: new DemoStorageSource(), allocation });
  return ['Costs: a LOCAL demo Cost Explorer (90 days of generated spend for the catalog\'s services: weekly seasonality, growth, one anomaly after a demo deploy) and a LOCAL demo EC2 inventory (idle volumes and snapshots), not AWS; the cost-ingest job reads them as it would read Cost Explorer and EC2'];
}
