/** The local gateway's own request metrics: counters and latency histograms per route. */
import type { RouteSeries } from '#shared/prometheus';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series { requests: number; e4: number; e5: number; counts: number[]; sum: number }

export class RouteMetrics {
  private readonly series = new Map<string, Series>();

  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { requests: 0, e4: 0, e5: 0, counts: BUCKETS.map(() => 0), sum: 0 }));
    s.requests += 1;
    if (status >= 500) s.e5 += 1;
    else if (status >= 400) s.e4 += 1;
    s.sum += seconds;
    BUCKETS.forEach((le, i) => { if (seconds <= le) s.counts[i]! += 1; });
  }

  snapshot(): RouteSeries[] {
    return [...this.series.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, s]) => {
      const [method, route] = key.split(' ') as [string, string];
      return {
        method, route, requests: s.requests, clientErrors: s.e4, serverErrors: s.e5,
        buckets: BUCKETS.map((le, i) => [le, s.counts[i]!] as const), latencySum: Number(s.sum.toFixed(6)),
      };
    });
  }
}
