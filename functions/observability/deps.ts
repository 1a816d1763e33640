/**
 * The observability context's adapters: CloudWatch Logs in AWS (or Axiom where APOLLO_LOGS_BACKEND=axiom), made on
 * first use; the local runtime swaps in its simulated logs (context.ts `local`), tests their doubles.
 */
import { observabilityConfig } from './config.ts';
import type { LogsPort } from './ports.ts';

export interface ObservabilityDeps {
  readonly logs: LogsPort;
}

let deps: ObservabilityDeps | undefined;

export async function observabilityDeps(): Promise<ObservabilityDeps> {
  if (!deps) {
    const config = observabilityConfig();
    if (config.axiom) {
      const { AxiomLogsAdapter } = await import('./adapters/axiom-logs.ts');
      deps = { logs: new AxiomLogsAdapter({ config: config.axiom, ttlHours: config.queryTtlHours }) };
    } else {
      const { CloudWatchLogsAdapter } = await import('./adapters/cloudwatch-logs.ts');
      deps = { logs: new CloudWatchLogsAdapter() };
    }
  }
  return deps;
}

export function configureObservability(overrides: Partial<ObservabilityDeps>): void {
  deps = { ...(deps ?? {}), ...overrides } as ObservabilityDeps;
}
