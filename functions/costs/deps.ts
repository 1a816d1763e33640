/**
 * The costs context's parts, made on first use: where the figures come from (AWS Cost Explorer in AWS, the LOCAL
 * demo source locally) and today's clock. The local runtime and the tests swap them.
 */
import type { AllocationSource, CostSource, StorageSource } from './ports.ts';

/** What the cost-ingest job asks; the reads never do (./clock.ts is theirs). */
export interface CostsDeps {
  readonly source: CostSource;
  /** EBS volumes and snapshots (APOLLO_COSTS_STORAGE_REGIONS); none when unset. */
  readonly storage: StorageSource | undefined;
  /** The clusters' OpenCost or Kubecost (APOLLO_COSTS_ALLOCATION_URLS); none when unset. */
  readonly allocation: AllocationSource | undefined;
}

let deps: Promise<CostsDeps> | undefined;

async function make(): Promise<CostsDeps> {
  const [{ CostExplorerSource }, { costsConfig }] = await Promise.all([import('./adapters/cost-explorer.ts'), import('./config.ts')]);
  const config = costsConfig();
  const arn = config.anomalyMonitorArn;
  const storage = config.storageRegions ? new (await import('./adapters/ec2-storage.ts')).Ec2StorageSource({ regions: config.storageRegions }) : undefined;
  const allocation = config.allocation ? new (await import('./adapters/opencost.ts')).OpenCostSource(config.allocation) : undefined;
  return { source: new CostExplorerSource({ timeoutMs: config.costExplorerTimeoutSeconds * 1000, ...(arn ? { anomalyMonitorArn: arn } : {}) }), storage, allocation };
}

export function costsDeps(): Promise<CostsDeps> {
  deps ??= make();
  return deps;
}

export function configureCosts(overrides: Partial<CostsDeps>): void {
  const base = deps ?? Promise.resolve({ storage: undefined, allocation: undefined } as unknown as CostsDeps);
  deps = base.then((d) => ({ ...d, ...overrides }) as CostsDeps);
}
