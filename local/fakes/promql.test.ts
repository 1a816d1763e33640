/** The PromQL subset: parsed for real and evaluated over a hand-written source, against hand-worked answers. */
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateRange, matches, parsePromQl, PromQlError, type Labels, type SeriesSource } from './promql.ts';

// Prepare: counters that grow linearly (per second), gauges, one histogram.
const SERIES: Array<{ labels: Labels; perSecond?: number; gauge?: number }> = [
  { labels: { __name__: 'http_requests_total', service: 'a', code: '200' }, perSecond: 9 },
  { labels: { __name__: 'http_requests_total', service: 'a', code: '500' }, perSecond: 1 },
  { labels: { __name__: 'http_requests_total', service: 'b', code: '200' }, perSecond: 4 },
  { labels: { __name__: 'replicas', service: 'a' }, gauge: 3 },
  { labels: { __name__: 'replicas', service: 'b' }, gauge: 5 },
  // 10 requests a second: 5 under 0.1 s, 9 under 0.5 s, all under 1 s.
  { labels: { __name__: 'latency_bucket', service: 'a', le: '0.1' }, perSecond: 5 },
  { labels: { __name__: 'latency_bucket', service: 'a', le: '0.5' }, perSecond: 9 },
  { labels: { __name__: 'latency_bucket', service: 'a', le: '1' }, perSecond: 10 },
  { labels: { __name__: 'latency_bucket', service: 'a', le: '+Inf' }, perSecond: 10 },
];
const source: SeriesSource = {
  select: (matchers) => SERIES.filter((s) => matches(s.labels, matchers)).map((s) => s.labels),
  valueAt: (labels, at) => {
    const s = SERIES.find((x) => x.labels === labels)!;
    return s.gauge ?? s.perSecond! * (at / 1000);
  },
  increase: (labels, from, to) => SERIES.find((x) => x.labels === labels)!.perSecond! * ((to - from) / 1000),
  samples: (labels, from, to) => {
    const points: Array<[number, number]> = [];
    for (let t = Math.floor(from / 15_000) * 15_000 + 15_000; t <= to; t += 15_000) points.push([t, source.valueAt(labels, t)!]);
    return points;
  },
};
const AT = 1_000_000;
const run = (q: string) => evaluate(parsePromQl(q), AT, source);

describe('the PromQL subset', () => {
  it('selects with = != =~ !~ (regular expressions anchored)', () => {
    expect(run('replicas{service="a"}')).toEqual({ type: 'vector', samples: [{ labels: { __name__: 'replicas', service: 'a' }, value: 3 }] });
    expect(run('replicas{service!="a"}')).toMatchObject({ samples: [{ value: 5 }] });
    expect(run('http_requests_total{code=~"5.."}')).toMatchObject({ samples: [{ labels: { code: '500' }, value: 1000 }] });
    expect(run('http_requests_total{code=~"5"}')).toEqual({ type: 'vector', samples: [] });
    expect(run('http_requests_total{service="a",code!~"5.."}')).toMatchObject({ samples: [{ labels: { code: '200' } }] });
    expect(run('{__name__="replicas"}')).toMatchObject({ samples: [{ value: 3 }, { value: 5 }] });
  });

  it('answers a range selector with its samples', () => {
    expect(run('replicas{service="b"}[30s]')).toEqual({ type: 'matrix', series: [{ labels: { __name__: 'replicas', service: 'b' }, points: [[975_000, 5], [990_000, 5]] }] });
  });

  it('computes rate and increase, dropping the metric name', () => {
    expect(run('rate(http_requests_total{service="a",code="500"}[5m])')).toEqual({ type: 'vector', samples: [{ labels: { service: 'a', code: '500' }, value: 1 }] });
    expect(run('increase(http_requests_total{service="b"}[1m30s])')).toMatchObject({ samples: [{ value: 360 }] });
  });

  it('sums by and without, before or after the argument', () => {
    expect(run('sum by (service) (rate(http_requests_total[5m]))')).toEqual({ type: 'vector', samples: [{ labels: { service: 'a' }, value: 10 }, { labels: { service: 'b' }, value: 4 }] });
    expect(run('sum(rate(http_requests_total[5m])) without (service)')).toEqual({ type: 'vector', samples: [{ labels: { code: '200' }, value: 13 }, { labels: { code: '500' }, value: 1 }] });
    expect(run('sum(replicas)')).toEqual({ type: 'vector', samples: [{ labels: {}, value: 8 }] });
    expect(run('max(replicas)')).toMatchObject({ samples: [{ value: 5 }] });
    expect(run('count(replicas)')).toMatchObject({ samples: [{ value: 2 }] });
    expect(run('avg(replicas)')).toMatchObject({ samples: [{ value: 4 }] });
  });

  it('interpolates histogram_quantile inside a bucket as Prometheus does', () => {
    // rank 0.99 × 10 = 9.9 in the (0.5, 1] bucket (9 → 10): 0.5 + 0.5 × 0.9 = 0.95.
    const p99 = run('histogram_quantile(0.99, sum by (le) (rate(latency_bucket{service="a"}[5m])))');
    expect(p99.type).toBe('vector');
    expect((p99 as unknown as { samples: Array<{ value: number }> }).samples[0]!.value).toBeCloseTo(0.95, 12);
    // rank 5 falls exactly on the 0.1 bucket's bound.
    expect(run('histogram_quantile(0.5, sum by (le) (rate(latency_bucket[5m])))')).toEqual({ type: 'vector', samples: [{ labels: {}, value: 0.1 }] });
  });

  it('does arithmetic between two expressions, with precedence, and or', () => {
    expect(run('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total{service="a"}[5m]))')).toEqual({ type: 'vector', samples: [{ labels: {}, value: 0.1 }] });
    expect(run('1 + 2 * 3')).toEqual({ type: 'scalar', value: 7 });
    expect(run('(1 + 2) * 3')).toEqual({ type: 'scalar', value: 9 });
    expect(run('sum(replicas) * 1000 - 1')).toMatchObject({ samples: [{ value: 7999 }] });
    expect(run('(sum(rate(http_requests_total{code="404"}[5m])) or vector(0)) / sum(rate(http_requests_total[5m]))')).toEqual({ type: 'vector', samples: [{ labels: {}, value: 0 }] });
    expect(run('replicas{service="a"} + replicas{service="b"}')).toEqual({ type: 'vector', samples: [] });
    expect(run('-replicas{service="a"}')).toMatchObject({ samples: [{ value: -3 }] });
  });

  it('evaluates a range query step by step', () => {
    expect(evaluateRange(parsePromQl('sum(rate(http_requests_total{service="a"}[1m]))'), 0, 120_000, 60_000, source)).toEqual({ type: 'matrix', series: [{ labels: {}, points: [[0, 10], [60_000, 10], [120_000, 10]] }] });
  });

  it.each([
    ['up offset 5m', 'unexpected "offset"'],
    ['rate(up)', 'rate() takes a range selector'],
    ['topk(3, up)', 'function topk() is not in the subset'],
    ['{service=~".*"}', 'a selector must name a metric'],
    ['up{a="b"', 'expected'],
    ['up{a=~"("}', 'invalid regular expression'],
    ['sum by (le (up)', 'expected'],
  ])('refuses %s with what it could not read', (query, message) => {
    expect(() => parsePromQl(query)).toThrow(PromQlError);
    expect(() => parsePromQl(query)).toThrow(message);
  });
});
