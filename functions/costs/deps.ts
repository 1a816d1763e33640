/**
 * The costs context's parts, made on first use: where the figures come from (AWS Cost Explorer in AWS, the LOCAL
 * demo source locally) and today's clock. The local runtime and the tests swap them.
 */
import type { CostSource } from './ports.ts';

export interface CostsDeps {
  readonly source: CostSource;
  /** Now, in ms (tests pin it). */
  now(): number;
}

let deps: Promise<CostsDeps> | undefined;

async function make(): Promise<CostsDeps> {
  const [{ CostExplorerSource }, { costsConfig }] = await Promise.all([import('./adapters/cost-explorer.ts'), import('./config.ts')]);
  const arn = costsConfig().anomalyMonitorArn;
  return { source: new CostExplorerSource(arn ? { anomalyMonitorArn: arn } : {}), now: Date.now };
}

export function costsDeps(): Promise<CostsDeps> {
  deps ??= make();
  return deps;
}

export function configureCosts(overrides: Partial<CostsDeps>): void {
  const base = deps ?? Promise.resolve({ now: Date.now } as CostsDeps);
  deps = base.then((d) => ({ ...d, ...overrides }) as CostsDeps);
}
