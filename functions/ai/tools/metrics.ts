/**
 * Metric tools, through the observability context's public module (the same reads as `GET /api/v1/metrics/services/{id}`
 * and `POST /api/v1/metrics/query`, rate-limited per caller alike): a service's golden signals summarized against
 * thresholds, two versions side by side, and a PromQL query.
 */
import type { Environment, MetricsQueryResult, ServiceMetrics } from '#schemas/index.ts';
import { CANARY_PROMQL, renderCanaryPromQl } from '#functions/deployments/public';
import { queryMetrics, readServiceMetrics, takeAllowance } from '#functions/observability/public';
import { listEnvironments } from '#functions/services/public';
import { ValidationError } from '#shared/errors';
import { defineTool } from './define.ts';
import { ENVIRONMENT, objectSchema, SERVICE, SINCE_MINUTES, TO, windowOf } from './input.ts';

export type Status = 'ok' | 'warn' | 'bad' | 'unknown';

/** Where a figure stops being normal (warn) and becomes a problem (bad). Error rate: the design doc's 1 %; HighErrorRate pages at 5 %. */
export const THRESHOLDS = {
  errorRatePercent: { warn: 1, bad: 5 },
  cpuPercent: { warn: 70, bad: 90 },
  memoryPercent: { warn: 80, bad: 90 },
} as const;

export function statusOf(value: number | null | undefined, limits: { readonly warn: number; readonly bad: number }): Status {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'unknown';
  return value >= limits.bad ? 'bad' : value >= limits.warn ? 'warn' : 'ok';
}

/** A Kubernetes CPU quantity in cores (`500m`, `2`). */
export function cpuCores(quantity: string | undefined): number | undefined {
  const match = quantity === undefined ? null : /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!match) return undefined;
  return Number(match[1]) / (match[2] ? 1000 : 1);
}

const MEMORY_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A Kubernetes memory quantity in bytes (`512Mi`, `2Gi`, `1G`). */
export function memoryBytes(quantity: string | undefined): number | undefined {
  const match = quantity === undefined ? null : /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity.trim());
  if (!match) return undefined;
  return Number(match[1]) * MEMORY_UNITS[match[2] ?? '']!;
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

interface SeriesSummary { id: string; unit: string; current: number | null; avg: number | null; max: number | null; points: Array<[string, number | null]> }

function summarize(series: ServiceMetrics['series'][number], maxPoints: number): SeriesSummary {
  const values = series.points.map((p) => p.value).filter((v): v is number => v !== null);
  const last = [...series.points].reverse().find((p) => p.value !== null);
  const every = Math.max(1, Math.ceil(series.points.length / maxPoints));
  return {
    id: series.id, unit: series.unit,
    current: last ? round(last.value!, 4) : null,
    avg: values.length ? round(values.reduce((a, b) => a + b, 0) / values.length, 4) : null,
    max: values.length ? round(Math.max(...values), 4) : null,
    points: series.points.filter((_, i) => i % every === 0 || i === series.points.length - 1).map((p) => [p.at, p.value === null ? null : round(p.value, 4)]),
  };
}

/** The figures a person reads: error rate and CPU/memory as percentages (of the pods' limits), each with its status. */
export interface Headline {
  readonly errorRatePercent: number | null;
  readonly requestsPerSecond: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly cpuPercent: number | null;
  readonly cpuCores: number | null;
  readonly memoryPercent: number | null;
  readonly memoryBytes: number | null;
  readonly replicasAvailable: number | null;
  readonly status: { readonly errorRate: Status; readonly cpu: Status; readonly memory: Status };
}

export function headline(series: readonly SeriesSummary[], env: Environment | undefined): Headline {
  const current = (id: string) => series.find((s) => s.id === id)?.current ?? null;
  const unit = (id: string) => series.find((s) => s.id === id)?.unit;
  const replicas = current('replicas') ?? env?.deployment.replicas ?? null;
  const errorRatio = current('errorRate');
  const errorRatePercent = errorRatio === null ? null : round(unit('errorRate') === 'percent' ? errorRatio : errorRatio * 100);
  const cpu = current('cpu');
  const cpuLimit = cpuCores(env?.resources.cpu?.limit);
  const cpuPercent = cpu === null ? null : unit('cpu') === 'percent' ? round(cpu, 1) : cpuLimit && replicas ? round((cpu / (cpuLimit * replicas)) * 100, 1) : null;
  const memory = current('memory');
  const memoryLimit = memoryBytes(env?.resources.memory?.limit);
  const memoryPercent = memory === null ? null : unit('memory') === 'percent' ? round(memory, 1) : memoryLimit && replicas ? round((memory / (memoryLimit * replicas)) * 100, 1) : null;
  return {
    errorRatePercent,
    requestsPerSecond: current('requestRate'),
    p50Ms: current('latencyP50'),
    p99Ms: current('latencyP99'),
    cpuPercent, cpuCores: unit('cpu') === 'cores' ? cpu : null,
    memoryPercent, memoryBytes: unit('memory') === 'bytes' ? memory : null,
    replicasAvailable: current('replicas'),
    status: { errorRate: statusOf(errorRatePercent, THRESHOLDS.errorRatePercent), cpu: statusOf(cpuPercent, THRESHOLDS.cpuPercent), memory: statusOf(memoryPercent, THRESHOLDS.memoryPercent) },
  };
}

export const metricsService = defineTool<{ service: string; environment: string; sinceMinutes?: number; to?: string; points?: number }>({
  name: 'metrics_service',
  description: 'A service\'s metrics in an environment over a window (default the last 60 minutes): error rate, request rate, latency p50/p99, CPU, memory and available replicas, each with its current (last) value, average, maximum and a few points; a headline with error rate and CPU/memory as percentages of the pods\' limits against thresholds (error rate: warn at 1 %, bad at 5 %); the deployments in the window.',
  inputSchema: objectSchema({ service: SERVICE, environment: ENVIRONMENT, sinceMinutes: SINCE_MINUTES, to: TO, points: { type: 'integer', minimum: 2, maximum: 30, description: 'Points kept per series (default 12).' } }, ['service', 'environment']),
  risk: 'analysis',
  permission: 'logs:read',
  timeoutMs: 20_000,
  outputLimit: 12_000,
  async run(input, { caller }) {
    const { start, end } = windowOf(input);
    await takeAllowance('metrics', caller.principal);
    const [metrics, environments] = await Promise.all([
      readServiceMetrics(input.service, { environment: input.environment, from: new Date(start).toISOString(), to: new Date(end).toISOString() }),
      listEnvironments(input.service),
    ]);
    const series = metrics.series.map((s) => summarize(s, input.points ?? 12));
    return {
      service: metrics.service, environment: metrics.environment, from: metrics.from, to: metrics.to, stepSeconds: metrics.stepSeconds,
      source: metrics.source, ...(metrics.simulated ? { simulated: true } : {}),
      headline: headline(series, environments.find((e) => e.name === input.environment)),
      thresholds: THRESHOLDS,
      series,
      deployments: metrics.deployments.slice(-10).map((d) => ({ operation: d.operation, status: d.status, version: d.imageTag, at: d.startedAt, by: d.initiatedBy })),
    };
  },
});

const VERSION = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$', maxLength: 128, description: 'An image tag, e.g. 1.4.2.' } as const;

/** One instant query's single value (null: no data, NaN, or no series). */
function valueOf(result: MetricsQueryResult): number | null {
  const points = result.series[0]?.points ?? [];
  const value = points[points.length - 1]?.value ?? null;
  return value === null || !Number.isFinite(value) ? null : value;
}

export const metricsCompareVersions = defineTool<{ service: string; environment: string; versionA: string; versionB: string; sinceMinutes?: number; to?: string }>({
  name: 'metrics_compare_versions',
  description: 'Two versions (image tags) of a service in one environment side by side over a window (default the last 60 minutes): requests served, error rate and p99 latency of each, read with the PromQL canary analysis uses (labels service, environment, version). Use it to judge whether a new version is worse than the previous one.',
  inputSchema: objectSchema({ service: SERVICE, environment: ENVIRONMENT, versionA: VERSION, versionB: VERSION, sinceMinutes: SINCE_MINUTES, to: TO }, ['service', 'environment', 'versionA', 'versionB']),
  risk: 'analysis',
  permission: 'logs:read',
  timeoutMs: 20_000,
  outputLimit: 4_000,
  async run(input, { caller }) {
    const { start, end } = windowOf(input);
    const env = (await listEnvironments(input.service)).find((e) => e.name === input.environment);
    if (!env) return { problem: `${input.service} has no environment ${input.environment} in the catalog` };
    await takeAllowance('metrics', caller.principal);
    const time = new Date(end).toISOString();
    const read = async (version: string) => {
      const query = { service: input.service, environment: input.environment, cluster: env.cluster, namespace: env.namespace, version, from: new Date(start), to: new Date(end) };
      const one = async (template: string) => valueOf(await queryMetrics({ query: renderCanaryPromQl(template, query), time }));
      const [requests, errorRate, p99Ms] = await Promise.all([one(CANARY_PROMQL.requests), one(CANARY_PROMQL.errorRate), one(CANARY_PROMQL.p99Ms)]);
      return { version, requests: requests === null ? 0 : Math.round(requests), errorRatePercent: errorRate === null ? null : round(errorRate * 100), p99Ms: p99Ms === null ? null : round(p99Ms, 1) };
    };
    try {
      const [a, b] = await Promise.all([read(input.versionA), read(input.versionB)]);
      return {
        service: input.service, environment: input.environment, from: new Date(start).toISOString(), to: time,
        versions: [a, b],
        ...(a.requests === 0 || b.requests === 0 ? { note: `no traffic recorded for ${[a, b].filter((v) => v.requests === 0).map((v) => v.version).join(' and ')} in the window` } : {}),
      };
    } catch (error) {
      if (error instanceof ValidationError) return { problem: error.message };
      throw error;
    }
  },
});

export const promqlQuery = defineTool<{ query: string; sinceMinutes?: number; to?: string; stepSeconds?: number }>({
  name: 'promql_query',
  description: 'A PromQL query to the configured Prometheus / Amazon Managed Prometheus: instant (at `to`, default now) or, with sinceMinutes, over a range. At most 20 series and 30 points a series are returned.',
  inputSchema: objectSchema({
    query: { type: 'string', minLength: 1, maxLength: 2000, description: 'PromQL.' },
    sinceMinutes: SINCE_MINUTES, to: TO,
    stepSeconds: { type: 'integer', minimum: 15, maximum: 3600, description: 'Range step (default: about 60 points).' },
  }, ['query']),
  risk: 'read',
  permission: 'logs:read',
  timeoutMs: 20_000,
  outputLimit: 10_000,
  async run(input, { caller }) {
    await takeAllowance('metrics', caller.principal);
    const { start, end } = windowOf(input);
    const ranged = input.sinceMinutes !== undefined;
    const result = await queryMetrics(ranged
      ? { query: input.query, start: new Date(start).toISOString(), end: new Date(end).toISOString(), step: input.stepSeconds ?? Math.max(15, Math.ceil((end - start) / 1000 / 60)) }
      : { query: input.query, time: new Date(end).toISOString() });
    const series = result.series.slice(0, 20).map((s) => {
      const every = Math.max(1, Math.ceil(s.points.length / 30));
      return { labels: s.labels, points: s.points.filter((_, i) => i % every === 0 || i === s.points.length - 1).map((p) => [p.at, p.value]) };
    });
    return { resultType: result.resultType, source: result.source, series, ...(result.series.length > 20 ? { seriesLeftOut: result.series.length - 20 } : {}), ...(result.warnings ? { warnings: result.warnings } : {}) };
  },
});
