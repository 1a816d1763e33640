/**
 * The health poll's adapters: in AWS the real HTTP probe and EKS; the local runtime swaps in the
 * simulated cluster (`configureHealth`) before the first run, as it swaps the audit archive.
 */
import { RealtimeHealthEvents } from './adapters/realtime-events.ts';
import { EksClusterReader } from './adapters/eks-cluster.ts';
import { NodeHealthProbe } from './adapters/http-probe.ts';
import { ServiceCatalogHealth } from './catalog.ts';
import { readHealthSettings } from './config.ts';
import type { HealthPollDeps } from './poller.ts';

let deps: HealthPollDeps | undefined;

export function healthDeps(): HealthPollDeps {
  deps ??= {
    catalog: new ServiceCatalogHealth(),
    probe: new NodeHealthProbe(),
    cluster: new EksClusterReader(),
    events: new RealtimeHealthEvents(),
    settings: readHealthSettings(),
  };
  return deps;
}

export function configureHealth(overrides: Partial<HealthPollDeps>): void {
  deps = { ...healthDeps(), ...overrides };
}
