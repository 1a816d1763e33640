/**
 * `GET /api/v1/metrics/services/{id}`: a service's golden signals (error rate, request rate, latency p50/p99)
 * and its pods (CPU, memory, replicas) in one environment, one point per step, with its deployments in the
 * range to overlay. The range defaults to the last 3 hours and may span APOLLO_METRICS_MAX_RANGE_DAYS (7);
 * the step defaults to about 180 points and is a whole minute (CloudWatch's periods), at most 1,440 points.
 */
import { NotFoundError, ValidationError } from '#shared/errors';
import type { ServiceMetrics, ServiceMetricsQuery } from '#schemas/index.ts';

type Series = ServiceMetrics['series'][number];
export type SeriesId = Series['id'];
export type SeriesUnit = Series['unit'];

const HOUR_MS = 3_600_000;
export const MAX_POINTS = 1_440;

/** Where a service runs: the catalog's environment (cluster and namespace, when known). */
export interface MetricsTarget {
  readonly service: string;
  readonly environment: string;
  readonly cluster?: string;
  readonly namespace?: string;
}

export interface SeriesRead {
  readonly id: SeriesId;
  readonly unit: SeriesUnit;
  /** [epoch ms, value]; missing steps are no data. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** Where service metrics come from: CloudWatch (and Container Insights), Prometheus/AMP, or the local demo metrics. */
export interface ServiceMetricsPort {
  readonly source: string;
  readonly simulated: boolean;
  read(target: MetricsTarget, start: number, end: number, stepSeconds: number): Promise<readonly SeriesRead[]>;
}

export type DeploymentMarker = ServiceMetrics['deployments'][number];

export const SERIES: ReadonlyArray<{ readonly id: SeriesId; readonly label: string }> = [
  { id: 'errorRate', label: 'Error rate (5xx)' },
  { id: 'requestRate', label: 'Requests per second' },
  { id: 'latencyP50', label: 'Latency p50' },
  { id: 'latencyP99', label: 'Latency p99' },
  { id: 'cpu', label: 'CPU' },
  { id: 'memory', label: 'Memory' },
  { id: 'replicas', label: 'Replicas' },
];

export interface MetricsWindow {
  readonly start: number;
  readonly end: number;
  readonly stepSeconds: number;
}

/** The range and step asked for, checked (400 with the field's path). */
export function metricsWindow(query: Pick<ServiceMetricsQuery, 'from' | 'to' | 'step'>, maxRangeDays: number, now = Date.now()): MetricsWindow {
  const end = query.to ? Date.parse(query.to) : Math.floor(now / 60_000) * 60_000;
  const start = query.from ? Date.parse(query.from) : end - 3 * HOUR_MS;
  if (!(start < end)) throw new ValidationError('the time range is empty: from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  if (end - start > maxRangeDays * 24 * HOUR_MS) throw new ValidationError(`the time range spans more than ${maxRangeDays} days`, { details: [{ path: '/query/from', message: `at most ${maxRangeDays} days before to` }] });
  const stepSeconds = query.step ?? Math.max(60, Math.ceil((end - start) / 1000 / 180 / 60) * 60);
  const points = Math.floor((end - start) / 1000 / stepSeconds) + 1;
  if (points > MAX_POINTS) throw new ValidationError(`${points} points is more than ${MAX_POINTS}: use a step of at least ${Math.ceil((end - start) / 1000 / (MAX_POINTS - 1) / 60) * 60} s`, { details: [{ path: '/query/step', message: `at most ${MAX_POINTS} points` }] });
  return { start, end, stepSeconds };
}

/** The answer: every series on the same grid (start, start + step, … ≤ end), null where the source has nothing. */
export function serviceMetricsAnswer(target: MetricsTarget, window: MetricsWindow, port: Pick<ServiceMetricsPort, 'source' | 'simulated'>, read: readonly SeriesRead[], deployments: readonly DeploymentMarker[]): ServiceMetrics {
  const grid: number[] = [];
  for (let t = window.start; t <= window.end; t += window.stepSeconds * 1000) grid.push(t);
  const series = SERIES.flatMap(({ id, label }) => {
    const found = read.find((s) => s.id === id);
    if (!found) return [];
    const byTime = new Map(found.points.map(([t, v]) => [t, v]));
    return [{ id, label, unit: found.unit, points: grid.map((t) => ({ at: new Date(t).toISOString(), value: byTime.has(t) && Number.isFinite(byTime.get(t)) ? byTime.get(t)! : null })) }];
  });
  return {
    service: target.service,
    environment: target.environment,
    from: new Date(window.start).toISOString(),
    to: new Date(window.end).toISOString(),
    stepSeconds: window.stepSeconds,
    source: port.source,
    simulated: port.simulated,
    series,
    deployments: [...deployments].sort((a, b) => a.startedAt.localeCompare(b.startedAt)),
  };
}

/** The route: the catalog's environment (404 for an unknown service or environment), the metrics, the deployments. */
export async function readServiceMetrics(serviceId: string, query: ServiceMetricsQuery): Promise<ServiceMetrics> {
  const [{ listEnvironments }, { deploymentHistory }, { telemetryDeps }, { telemetryConfig }, { backendCall }] = await Promise.all([
    import('#functions/services/public'), import('#functions/deployments/public'), import('./telemetry-deps.ts'), import('./telemetry-config.ts'), import('./backend-errors.ts'),
  ]);
  const window = metricsWindow(query, telemetryConfig().metricsMaxRangeDays);
  const environment = (await listEnvironments(serviceId)).find((e) => e.name === query.environment);
  if (!environment) throw new NotFoundError(`${serviceId} has no environment ${query.environment} in the catalog`);
  const target: MetricsTarget = { service: serviceId, environment: environment.name, ...(environment.cluster ? { cluster: environment.cluster } : {}), ...(environment.namespace ? { namespace: environment.namespace } : {}) };
  const { serviceMetrics } = await telemetryDeps();
  const [read, history] = await Promise.all([
    backendCall(serviceMetrics.source, () => serviceMetrics.read(target, window.start, window.end, window.stepSeconds)),
    deploymentHistory({ service: serviceId, environment: environment.name, from: new Date(window.start).toISOString(), to: new Date(window.end).toISOString() }, 100),
  ]);
  const deployments = history.items.map((d) => ({
    id: d.id, operation: d.operation, status: d.status, imageTag: d.imageTag ?? null, startedAt: d.createdAt,
    ...(d.completedAt ? { finishedAt: d.completedAt } : {}), initiatedBy: d.initiatedBy,
  }));
  return serviceMetricsAnswer(target, window, serviceMetrics, read, deployments);
}
