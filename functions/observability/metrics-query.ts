/**
 * `POST /api/v1/metrics/query`: PromQL to Prometheus or Amazon Managed Prometheus, instant (at `time`) or over a
 * range (`start`..`end` every `step`). Limits, answered 400 with the field's path before Prometheus is asked:
 * a range of at most APOLLO_METRICS_MAX_RANGE_DAYS (7) days, at most 11,000 points a series (Prometheus's own
 * limit). Prometheus's refusals (400 bad_data, 422 execution) are the caller's query: 400 with its message.
 */
import { ServiceUnavailableError, ValidationError } from '#shared/errors';
import type { MetricsQuery, MetricsQueryResult } from '#schemas/index.ts';
import { PrometheusQueryError, type PrometheusClient } from './adapters/prometheus-client.ts';

const DAY_MS = 86_400_000;
export const MAX_POINTS = 11_000;

export async function runMetricsQuery(client: PrometheusClient | undefined, body: MetricsQuery, source: string, maxRangeDays: number, now = Date.now()): Promise<MetricsQueryResult> {
  if (!client) throw new ValidationError('no Prometheus is configured: set APOLLO_PROMETHEUS_URL (Prometheus, or an Amazon Managed Prometheus workspace URL)', { details: [{ path: '/body/query', message: 'set APOLLO_PROMETHEUS_URL' }] });
  // A lone UTF-16 surrogate cannot be sent in a URL (nor be PromQL).
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(body.query)) {
    throw new ValidationError('the query is not valid text (a lone UTF-16 surrogate)', { details: [{ path: '/body/query', message: 'must be valid Unicode text' }] });
  }
  if (body.start === undefined && (body.end !== undefined || body.step !== undefined)) {
    throw new ValidationError('a range query needs start (an instant query takes time only)', { details: [{ path: '/body/start', message: 'required with end or step' }] });
  }
  try {
    if (body.start === undefined) {
      const answer = await client.instant(body.query, new Date(body.time ? Date.parse(body.time) : now));
      return shape(answer, source);
    }
    const start = Date.parse(body.start);
    const end = body.end ? Date.parse(body.end) : now;
    if (!(start < end)) throw new ValidationError('the range is empty: start must be before end', { details: [{ path: '/body/start', message: 'must be before end' }] });
    if (end - start > maxRangeDays * DAY_MS) throw new ValidationError(`the range spans more than ${maxRangeDays} days`, { details: [{ path: '/body/start', message: `at most ${maxRangeDays} days before end` }] });
    const step = body.step ?? Math.max(15, Math.ceil((end - start) / 1000 / 250));
    const points = Math.floor((end - start) / 1000 / step) + 1;
    if (points > MAX_POINTS) throw new ValidationError(`${points} points a series is more than ${MAX_POINTS.toLocaleString('en-US')}: use a step of at least ${Math.ceil((end - start) / 1000 / (MAX_POINTS - 1))} s`, { details: [{ path: '/body/step', message: `at most ${MAX_POINTS} points a series` }] });
    return shape(await client.range(body.query, new Date(start), new Date(end), step), source);
  } catch (error) {
    if (error instanceof PrometheusQueryError && (error.status === 400 || error.status === 422)) {
      throw new ValidationError(`Prometheus refused the query: ${error.message}`, { details: [{ path: '/body/query', message: error.errorType ?? 'refused' }] });
    }
    // Unreachable, timed out or failing: the same query may succeed later.
    if (error instanceof PrometheusQueryError) throw new ServiceUnavailableError(`${source} could not answer: ${error.message}`, { cause: error, retryAfterSeconds: 5 });
    throw error;
  }
}

function shape(answer: Awaited<ReturnType<PrometheusClient['instant']>>, source: string): MetricsQueryResult {
  return {
    resultType: answer.resultType,
    source,
    series: answer.series.map((s) => ({ labels: { ...s.labels }, points: s.points.map(([t, v]) => ({ at: new Date(t).toISOString(), value: v })) })),
    ...(answer.warnings.length ? { warnings: [...answer.warnings] } : {}),
  };
}

/** The route. */
export async function queryMetrics(body: MetricsQuery): Promise<MetricsQueryResult> {
  const [{ telemetryDeps }, { telemetryConfig }] = await Promise.all([import('./telemetry-deps.ts'), import('./telemetry-config.ts')]);
  const { prometheus } = await telemetryDeps();
  return runMetricsQuery(prometheus?.client, body, prometheus?.source ?? 'none', telemetryConfig().metricsMaxRangeDays);
}
