/**
 * The system context's adapters: AWS ones by default; the local runtime swaps in its own
 * (`configureSystem`) before the first request.
 */
import type { HealthProbe, MetricsSource, OpenApiSource } from './ports.ts';
import { OpenApiFile } from './adapters/openapi-file.ts';
import { CloudWatchMetricsSource } from './adapters/cloudwatch-metrics.ts';
import { tableProbe } from './adapters/table-probe.ts';
import { readSystemConfig, type SystemConfig } from './config.ts';

export interface SystemDeps {
  readonly config: SystemConfig;
  readonly probes: readonly HealthProbe[];
  readonly metrics: MetricsSource;
  readonly openApi: OpenApiSource;
}

let deps: SystemDeps | undefined;

export function systemDeps(): SystemDeps {
  if (!deps) {
    const config = readSystemConfig();
    deps = { config, probes: [tableProbe], metrics: new CloudWatchMetricsSource(config.apiName, config.stage), openApi: new OpenApiFile(config.openApiFile) };
  }
  return deps;
}

export function configureSystem(overrides: Partial<Omit<SystemDeps, 'config'>>): void {
  deps = { ...systemDeps(), ...overrides };
}
