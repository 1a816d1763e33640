/** Prometheus text exposition (format 0.0.4) of per-route request metrics, from any source. */
export interface RouteSeries {
  readonly method: string;
  readonly route: string;
  readonly requests: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  /** Histogram buckets (upper bound in seconds → cumulative count), when the source has them. */
  readonly buckets?: ReadonlyArray<readonly [number, number]>;
  readonly latencySum?: number;
  /** Quantiles (0.5, 0.9, 0.99 → seconds), when the source has statistics instead of buckets. */
  readonly quantiles?: ReadonlyArray<readonly [number, number]>;
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (s: RouteSeries, extra = ''): string => `{method="${esc(s.method)}",route="${esc(s.route)}"${extra}}`;

export function renderPrometheus(series: readonly RouteSeries[], info: { source: string; window?: string }): string {
  const lines: string[] = [];
  const suffix = info.window ? ` (last ${info.window})` : '';
  lines.push(`# HELP apollo_http_requests_total Requests answered per route${suffix}.`, '# TYPE apollo_http_requests_total counter');
  for (const s of series) lines.push(`apollo_http_requests_total${labels(s)} ${s.requests}`);
  lines.push(`# HELP apollo_http_errors_total Error responses per route and class${suffix}.`, '# TYPE apollo_http_errors_total counter');
  for (const s of series) {
    lines.push(`apollo_http_errors_total${labels(s, ',class="4xx"')} ${s.clientErrors}`);
    lines.push(`apollo_http_errors_total${labels(s, ',class="5xx"')} ${s.serverErrors}`);
  }
  const withBuckets = series.filter((s) => s.buckets);
  if (withBuckets.length) {
    lines.push('# HELP apollo_http_request_duration_seconds Latency per route.', '# TYPE apollo_http_request_duration_seconds histogram');
    for (const s of withBuckets) {
      for (const [le, count] of s.buckets!) lines.push(`apollo_http_request_duration_seconds_bucket${labels(s, `,le="${le}"`)} ${count}`);
      lines.push(`apollo_http_request_duration_seconds_bucket${labels(s, ',le="+Inf"')} ${s.requests}`);
      lines.push(`apollo_http_request_duration_seconds_sum${labels(s)} ${s.latencySum ?? 0}`);
      lines.push(`apollo_http_request_duration_seconds_count${labels(s)} ${s.requests}`);
    }
  }
  const withQuantiles = series.filter((s) => s.quantiles);
  if (withQuantiles.length) {
    lines.push(`# HELP apollo_http_request_duration_seconds Latency per route${suffix}.`, '# TYPE apollo_http_request_duration_seconds summary');
    for (const s of withQuantiles) {
      for (const [q, v] of s.quantiles!) lines.push(`apollo_http_request_duration_seconds${labels(s, `,quantile="${q}"`)} ${v}`);
      lines.push(`apollo_http_request_duration_seconds_count${labels(s)} ${s.requests}`);
    }
  }
  lines.push('# HELP apollo_metrics_source Where these numbers come from.', '# TYPE apollo_metrics_source gauge', `apollo_metrics_source{source="${esc(info.source)}"} 1`);
  return lines.join('\n') + '\n';
}
