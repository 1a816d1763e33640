/**
 * The system context's adapters: AWS ones by default; the local runtime swaps in its own
 * (`configureSystem`) before the first request.
 */
import type { HealthProbe, MetricsSource, OpenApiSource } from './ports.ts';
import { OpenApiFile } from './adapters/openapi-file.ts';
import { githubProbe } from './adapters/github-probe.ts';
import { realtimeProbe } from './adapters/realtime-probe.ts';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import { githubCredentials } from '#lib/github/credentials';
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
    deps = { config, probes: componentProbes(config), metrics: new CloudWatchMetricsSource(config.apiName, config.stage), openApi: new OpenApiFile(config.openApiFile) };
  }
  return deps;
}

/**
 * Every component Apollo depends on: the table (critical), the realtime endpoint, and GitHub when an
 * integration uses it. Each integration that arrives adds its probe here.
 */
function componentProbes(config: SystemConfig): HealthProbe[] {
  const probes: HealthProbe[] = [tableProbe];
  const realtimeEndpoint = process.env[REALTIME_ENDPOINT_ENV];
  if (realtimeEndpoint) probes.push(realtimeProbe(realtimeEndpoint, config.region));
  if (config.githubApiUrl) probes.push(githubProbe(config.githubApiUrl, () => githubCredentials()));
  return probes;
}

export function configureSystem(overrides: Partial<Omit<SystemDeps, 'config'>>): void {
  deps = { ...systemDeps(), ...overrides };
}
