import { describe, expect, it } from 'vitest';
import type { ClusterReader, HealthCatalog, HealthChange, HealthProbe, HealthTarget } from './ports.ts';
import { pollHealth, shouldRecord } from './poller.ts';
import type { HealthVerdict, HttpObservation } from './rules.ts';

const NOW = new Date('2026-11-25T20:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

/** A catalog in memory, in pages of two; what is recorded is kept. */
function memoryCatalog(targets: HealthTarget[], failOn?: string): HealthCatalog & { recorded: Array<{ id: string; verdict: HealthVerdict; checkedAt: string }>; heartbeats: string[] } {
  const recorded: Array<{ id: string; verdict: HealthVerdict; checkedAt: string }> = [];
  const heartbeats: string[] = [];
  return {
    recorded,
    heartbeats,
    async *targets() {
      for (let i = 0; i < targets.length; i += 2) yield targets.slice(i, i + 2);
    },
    async record(target, verdict, checkedAt) {
      const id = `${target.serviceId}/${target.environment}`;
      if (id === failOn) throw new Error('ProvisionedThroughputExceededException');
      recorded.push({ id, verdict, checkedAt });
      return { serviceStatus: verdict.status };
    },
    async heartbeat(target, _verdict, checkedAt) {
      heartbeats.push(`${target.serviceId}/${target.environment}@${checkedAt}`);
    },
  };
}

/** Answers by URL: a status code, `hang` (never answers) or `throw` (a bug). */
const probe = (answers: Record<string, number | 'hang' | 'throw'>): HealthProbe => ({
  probe(url: string): Promise<HttpObservation> {
    const answer = answers[url] ?? 200;
    if (answer === 'hang') return new Promise(() => undefined);
    if (answer === 'throw') return Promise.reject(new Error('probe bug'));
    return Promise.resolve({ outcome: 'response', statusCode: answer, latencyMs: 12 });
  },
});

const noCluster: ClusterReader = { readiness: () => Promise.reject(new Error('no cluster expected')) };

const target = (serviceId: string, environment: string, health?: HealthTarget['health'], extra: Partial<HealthTarget> = {}): HealthTarget => ({
  serviceId, environment, healthCheck: `http://svc/${serviceId}/${environment}`, health, ...extra,
});

function collectEvents(): { events: HealthChange[]; changed: (c: HealthChange) => Promise<void> } {
  const events: HealthChange[] = [];
  return { events, changed: async (c) => { events.push(c); } };
}

describe('pollHealth', () => {
  it('checks every environment; one that throws, hangs or cannot be recorded never stops the others', async () => {
    // Prepare
    const catalog = memoryCatalog([
      target('a', 'prod'), target('b', 'prod'), target('c', 'prod'), target('d', 'prod'), target('e', 'prod'),
    ], 'd/prod');
    const sink = collectEvents();

    // Act
    const summary = await pollHealth({
      catalog,
      probe: probe({ 'http://svc/b/prod': 'hang', 'http://svc/c/prod': 'throw', 'http://svc/e/prod': 503 }),
      cluster: noCluster,
      events: sink,
      settings: { concurrency: 2, timeoutMs: 100 },
      now: () => NOW,
    });

    // Assess
    expect(catalog.recorded.map((r) => [r.id, r.verdict.status])).toEqual([['a/prod', 'healthy'], ['e/prod', 'down']]);
    expect(summary).toMatchObject({ environments: 5, checked: 3, recorded: 2, unchanged: 0, skipped: 0, byStatus: { healthy: 2, degraded: 0, down: 1, unknown: 0 } });
    expect([...summary.failures].sort((x, y) => x.serviceId.localeCompare(y.serviceId))).toEqual([
      { serviceId: 'b', environment: 'prod', error: 'check did not finish within 2100 ms' },
      { serviceId: 'c', environment: 'prod', error: 'probe bug' },
      { serviceId: 'd', environment: 'prod', error: 'ProvisionedThroughputExceededException' },
    ]);
  }, 10_000);

  it('records a change at once and tells the service’s subscribers; an unchanged result gets a heartbeat sample in the first minute of each heartbeat window', async () => {
    // Prepare: NOW is 20:00:00, the first minute of a window.
    const healthy = (checked: number) => ({ status: 'healthy', checkedAt: minutesAgo(checked), http: { statusCode: 200, latencyMs: 10 } });
    const targets = [
      target('steady', 'prod', healthy(1)),
      target('due', 'prod', healthy(5)),
      target('broke', 'prod', healthy(1)),
      target('new', 'dev'),
    ];
    const catalog = memoryCatalog(targets);
    const later = memoryCatalog(targets);
    const sink = collectEvents();

    // Act
    const summary = await pollHealth({ catalog, probe: probe({ 'http://svc/broke/prod': 500 }), cluster: noCluster, events: sink, now: () => NOW });
    const minuteLater = await pollHealth({ catalog: later, probe: probe({ 'http://svc/broke/prod': 500 }), cluster: noCluster, events: collectEvents(), now: () => new Date(NOW.getTime() + 60_000) });

    // Assess
    expect(catalog.recorded.map((r) => r.id).sort()).toEqual(['broke/prod', 'new/dev']);
    expect(catalog.heartbeats.sort()).toEqual([`due/prod@${NOW.toISOString()}`, `steady/prod@${NOW.toISOString()}`]);
    expect(summary).toMatchObject({ checked: 4, recorded: 2, heartbeats: 2, unchanged: 0 });
    expect(later.heartbeats).toEqual([]);
    expect(minuteLater).toMatchObject({ checked: 4, recorded: 2, heartbeats: 0, unchanged: 2 });
    expect(summary.changes.sort((x, y) => x.serviceId.localeCompare(y.serviceId))).toEqual([
      { serviceId: 'broke', environment: 'prod', from: 'healthy', to: 'down' },
      { serviceId: 'new', environment: 'dev', from: 'unknown', to: 'healthy' },
    ]);
    const broke = sink.events.find((e) => e.serviceId === 'broke');
    expect(broke).toEqual({
      serviceId: 'broke', environment: 'prod', previous: 'healthy', serviceStatus: 'down',
      health: { status: 'down', reason: 'health endpoint answered 500', http: { statusCode: 500, latencyMs: 12 }, checkedAt: NOW.toISOString() },
    });
  });

  it('decides the heartbeat by the run’s start, not by when a slow check ends', async () => {
    // Prepare: the run starts 50 s into the window; the check ends 20 s later, in its second minute.
    let clock = NOW.getTime() + 50_000;
    const catalog = memoryCatalog([target('slow', 'prod', { status: 'healthy', checkedAt: minutesAgo(3), http: { statusCode: 200, latencyMs: 10 } })]);
    const slowProbe: HealthProbe = { probe: async () => { clock += 20_000; return { outcome: 'response', statusCode: 200, latencyMs: 10 }; } };

    // Act
    const summary = await pollHealth({ catalog, probe: slowProbe, cluster: noCluster, events: collectEvents(), settings: { timeoutMs: 30_000 }, now: () => new Date(clock) });

    // Assess
    expect(summary).toMatchObject({ heartbeats: 1, recorded: 0 });
  });

  it('checks the environments recorded longest ago first, and leaves the rest for the next run once its time budget is spent', async () => {
    // Prepare
    let clock = NOW.getTime();
    const order: string[] = [];
    const catalog = memoryCatalog([target('recent', 'prod', { status: 'healthy', checkedAt: minutesAgo(1) }), target('old', 'prod', { status: 'healthy', checkedAt: minutesAgo(9) }), target('never', 'prod')]);
    const slowProbe: HealthProbe = {
      probe: async (url) => {
        order.push(url);
        clock += 30_000;
        return { outcome: 'response', statusCode: 200, latencyMs: 5 };
      },
    };

    // Act
    const summary = await pollHealth({ catalog, probe: slowProbe, cluster: noCluster, events: collectEvents(), settings: { concurrency: 1, budgetMs: 45_000 }, now: () => new Date(clock) });

    // Assess
    expect(order).toEqual(['http://svc/never/prod', 'http://svc/old/prod']);
    expect(summary).toMatchObject({ environments: 3, checked: 2, skipped: 1 });
  });

  it('records what a run cut short checked, so the next run starts with the environments it did not reach', async () => {
    // Prepare: three unchanged environments, checked a minute ago; time for two checks a run.
    let clock = NOW.getTime();
    const healthy = (id: string) => ({ status: 'healthy', checkedAt: new Date(NOW.getTime() - 60_000 + id.charCodeAt(0)).toISOString(), http: { statusCode: 200, latencyMs: 5 } });
    const targets = ['a', 'b', 'c'].map((id) => target(id, 'prod', healthy(id)));
    const catalog: HealthCatalog = {
      async *targets() { yield targets.map((t) => ({ ...t })); },
      async record(t, verdict, checkedAt) {
        const i = targets.findIndex((x) => x.serviceId === t.serviceId);
        targets[i] = { ...targets[i]!, health: { ...verdict, checkedAt } };
      },
      async heartbeat() { /* not due: the run is not in a window's first minute */ },
    };
    const order: string[] = [];
    const timedProbe: HealthProbe = {
      probe: async (url) => {
        order.push(url.split('/')[3]!);
        clock += 30_000;
        return { outcome: 'response', statusCode: 200, latencyMs: 5 };
      },
    };
    const run = () => pollHealth({ catalog, probe: timedProbe, cluster: noCluster, events: collectEvents(), settings: { concurrency: 1, budgetMs: 45_000 }, now: () => new Date(clock) });

    // Act
    const first = await run();
    clock += 15_000;
    const second = await run();

    // Assess
    expect(first).toMatchObject({ checked: 2, recorded: 2, unchanged: 0, skipped: 1, changes: [] });
    expect(second).toMatchObject({ checked: 2, skipped: 1 });
    expect(order).toEqual(['a', 'b', 'c', 'a']);
  });

  it('asks the cluster only for environments that name one, and judges both answers together', async () => {
    // Prepare
    const catalog = memoryCatalog([target('k', 'prod', undefined, { cluster: 'apollo-prod', namespace: 'k', replicas: 3 }), target('plain', 'prod', undefined, { cluster: ' ' })]);
    const cluster: ClusterReader = { readiness: async (t) => ({ outcome: 'deployment', readyReplicas: t.serviceId === 'k' ? 1 : 9, desiredReplicas: 3, simulated: true }) };

    // Act
    await pollHealth({ catalog, probe: probe({}), cluster, events: collectEvents(), now: () => NOW });

    // Assess
    expect(catalog.recorded.map((r) => [r.id, r.verdict.status, r.verdict.kubernetes])).toEqual([
      ['k/prod', 'degraded', { readyReplicas: 1, desiredReplicas: 3, simulated: true }],
      ['plain/prod', 'healthy', undefined],
    ]);
  });
});

describe('shouldRecord', () => {
  const verdict: HealthVerdict = { status: 'degraded', reason: '2 of 3 replicas ready', http: { statusCode: 200, latencyMs: 40 }, kubernetes: { readyReplicas: 2, desiredReplicas: 3, simulated: false } };
  /** 20:02:30, the middle of the 20:00 window. */
  const MID = new Date(NOW.getTime() + 150_000);
  /** 20:05:20, the first minute of the 20:05 window. */
  const FIRST = new Date(NOW.getTime() + 320_000);
  const at = (d: Date, minutesBefore: number) => new Date(d.getTime() - minutesBefore * 60_000).toISOString();

  it.each([
    ['never checked', MID, undefined, 'record'],
    ['a different status', MID, { status: 'healthy', checkedAt: at(MID, 1) }, 'record'],
    ['the same status with different replica counts', MID, { ...verdict, kubernetes: { readyReplicas: 1, desiredReplicas: 3, simulated: false }, checkedAt: at(MID, 1) }, 'record'],
    ['the same, in the middle of a window', MID, { ...verdict, checkedAt: at(MID, 30) }, false],
    ['only a different latency, mid-window', MID, { ...verdict, http: { statusCode: 200, latencyMs: 900 }, checkedAt: at(MID, 2) }, false],
    ['the same, recorded in the window before, in a window’s first minute', FIRST, { ...verdict, checkedAt: at(FIRST, 1) }, 'heartbeat'],
    ['the same, recorded hours ago, in a window’s first minute', FIRST, { ...verdict, checkedAt: at(FIRST, 180) }, 'heartbeat'],
    ['the same, recorded in this window already', FIRST, { ...verdict, checkedAt: at(FIRST, 0.2) }, false],
  ])('%s → %s', (_what, now, previous, expected) => {
    expect(shouldRecord(previous, verdict, now, 5 * 60_000)).toBe(expected);
  });
});
