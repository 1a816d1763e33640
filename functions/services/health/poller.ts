/**
 * The health poll (job `health-poll`, every minute): checks every environment of the catalog, at
 * most `concurrency` at a time, each check bounded by `timeoutMs` (the HTTP endpoint and, where a
 * cluster is named, the Deployment's ready replicas, side by side), judges it with the health rules
 * and records the verdict. One check that fails or hangs never stops the others.
 *
 * What is written: a check whose status, status code or replica counts differ from the
 * environment's last recorded check (or the first check of an environment) is recorded in full —
 * the environment's current health, the service's aggregate and a history sample — the minute it is
 * seen. An unchanged environment only gets a heartbeat: one small history sample, once every
 * `heartbeatMs` (15 minutes), in the first run of each heartbeat window of the clock (12:00, 12:15…),
 * so the 24 h history still has a point at least every 15 minutes. A heartbeat leaves the service's
 * item alone: that item is copied whole by both table indexes, and rewriting it for 150 unchanged
 * environments every 5 minutes was most of what an idle Apollo cost (README "What it costs"). The
 * latest sample is what the service's health read shows as checked (service-health.ts). The
 * environments recorded longest ago go first, and a run cut short by its time budget (a fleet too
 * large for one minute) records everything it checked in full, so the next run starts where it fell
 * behind.
 */
import { logger } from '#lib/observability';
import type { ClusterReader, HealthCatalog, HealthEvents, HealthProbe, HealthTarget, RecordedHealth } from './ports.ts';
import { assessHealth, type HealthStatus, type HealthVerdict } from './rules.ts';

export interface HealthSettings {
  /** Checks in flight at once. */
  readonly concurrency: number;
  /** Per check (HTTP and Kubernetes each). */
  readonly timeoutMs: number;
  /** An unchanged environment gets a history sample (a heartbeat) this often. */
  readonly heartbeatMs: number;
  /** No check starts after this long into the run (the schedule's next run is a minute later). */
  readonly budgetMs: number;
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = { concurrency: 16, timeoutMs: 3_000, heartbeatMs: 15 * 60_000, budgetMs: 45_000 };

export interface HealthPollDeps {
  readonly catalog: HealthCatalog;
  readonly probe: HealthProbe;
  readonly cluster: ClusterReader;
  readonly events: HealthEvents;
  readonly settings?: Partial<HealthSettings>;
  readonly now?: () => Date;
}

export interface HealthChangeSummary {
  readonly serviceId: string;
  readonly environment: string;
  readonly from: string;
  readonly to: HealthStatus;
}

export interface HealthPollSummary {
  /** Environments in the catalog. */
  readonly environments: number;
  readonly checked: number;
  /** Checks written in full (current health, the service's aggregate, a history sample). */
  readonly recorded: number;
  /** Unchanged checks written as a heartbeat: a history sample alone. */
  readonly heartbeats: number;
  /** Checks that matched the last recorded one, no heartbeat due: nothing written. */
  readonly unchanged: number;
  /** Environments not reached within the run's time budget. */
  readonly skipped: number;
  readonly byStatus: Record<HealthStatus, number>;
  readonly changes: HealthChangeSummary[];
  readonly failures: Array<{ serviceId: string; environment: string; error: string }>;
  readonly durationMs: number;
}

/** How often the health job runs (its schedule): a heartbeat window's first run is the one within this of its start. */
export const POLL_INTERVAL_MS = 60_000;

const fingerprint = ({ status, http, kubernetes }: RecordedHealth | HealthVerdict): string =>
  JSON.stringify([status, http?.statusCode ?? null, kubernetes?.readyReplicas ?? null, kubernetes?.desiredReplicas ?? null]);

/**
 * What this verdict needs written (see the module comment): `record` in full, a `heartbeat` sample,
 * or nothing. A heartbeat is due in the first run of each heartbeat window (no read tells when the
 * last sample was written), unless the environment was recorded in full within the last heartbeat.
 */
export function shouldRecord(previous: RecordedHealth | undefined, verdict: HealthVerdict, now: Date, heartbeatMs: number): 'record' | 'heartbeat' | false {
  if (!previous?.checkedAt) return 'record';
  if (fingerprint(previous) !== fingerprint(verdict)) return 'record';
  const at = now.getTime();
  const windowStart = at - (at % heartbeatMs);
  const firstRunOfWindow = at - windowStart < POLL_INTERVAL_MS;
  return firstRunOfWindow && Date.parse(previous.checkedAt) < windowStart ? 'heartbeat' : false;
}

class CheckTimeoutError extends Error {}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new CheckTimeoutError(`check did not finish within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

async function eachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** One environment's observation and verdict. */
export async function checkTarget(target: HealthTarget, deps: Pick<HealthPollDeps, 'probe' | 'cluster'>, timeoutMs: number): Promise<HealthVerdict> {
  const cluster = target.cluster?.trim();
  const [http, kubernetes] = await Promise.all([
    target.healthCheck ? deps.probe.probe(target.healthCheck, timeoutMs) : undefined,
    cluster ? deps.cluster.readiness({ ...target, cluster }, timeoutMs) : undefined,
  ]);
  return assessHealth({ http, kubernetes });
}

export async function pollHealth(deps: HealthPollDeps): Promise<HealthPollSummary> {
  const settings = { ...DEFAULT_HEALTH_SETTINGS, ...deps.settings };
  const now = deps.now ?? (() => new Date());
  const started = now().getTime();
  const targets: HealthTarget[] = [];
  for await (const page of deps.catalog.targets()) targets.push(...page);
  // Recorded longest ago first; never checked before everything else.
  targets.sort((a, b) => (a.health?.checkedAt ?? '').localeCompare(b.health?.checkedAt ?? ''));

  const byStatus: Record<HealthStatus, number> = { healthy: 0, degraded: 0, down: 0, unknown: 0 };
  const changes: HealthChangeSummary[] = [];
  const failures: HealthPollSummary['failures'] = [];
  let checked = 0;
  let recorded = 0;
  let heartbeats = 0;
  let skipped = 0;

  const fail = (target: HealthTarget, error: unknown) => {
    failures.push({ serviceId: target.serviceId, environment: target.environment, error: (error as Error).message.slice(0, 300) });
    logger.warn('health check failed', { serviceId: target.serviceId, environment: target.environment, error: error as Error });
  };

  const record = async (target: HealthTarget, verdict: HealthVerdict, at: Date): Promise<void> => {
    const { serviceId, environment } = target;
    const checkedAt = at.toISOString();
    const result = await deps.catalog.record(target, verdict, checkedAt);
    recorded++;
    const previous = target.health?.status ?? 'unknown';
    if (previous !== verdict.status) {
      changes.push({ serviceId, environment, from: previous, to: verdict.status });
      logger.info('environment health changed', { serviceId, environment, from: previous, to: verdict.status, reason: verdict.reason });
      await deps.events.changed({ serviceId, environment, previous, health: { ...verdict, checkedAt }, serviceStatus: result ? result.serviceStatus : undefined });
    }
  };

  const heartbeat = async (target: HealthTarget, verdict: HealthVerdict, at: Date): Promise<void> => {
    await deps.catalog.heartbeat(target, verdict, at.toISOString());
    heartbeats++;
  };

  // Checked and unchanged: recorded in full only if this run can't reach everyone.
  const deferred: Array<{ target: HealthTarget; verdict: HealthVerdict; at: Date; heartbeat: boolean }> = [];

  await eachBounded(targets, settings.concurrency, async (target) => {
    if (now().getTime() - started > settings.budgetMs) {
      skipped++;
      return;
    }
    try {
      // The adapters bound their own calls; this bounds an adapter that doesn't.
      const verdict = await within(checkTarget(target, deps, settings.timeoutMs), settings.timeoutMs + 2_000);
      checked++;
      byStatus[verdict.status]++;
      const at = now();
      // The run's start decides the heartbeat window: a check can end well into the run's minute.
      const write = shouldRecord(target.health, verdict, new Date(started), settings.heartbeatMs);
      if (write === 'record') await record(target, verdict, at);
      else deferred.push({ target, verdict, at, heartbeat: write === 'heartbeat' });
    } catch (error) {
      fail(target, error);
    }
  });

  // A run cut short by its budget records what it checked, so those environments move behind the
  // ones it didn't reach and the next run starts with them: every environment is checked within
  // ⌈environments ÷ checks per run⌉ minutes (at the price of those writes while the fleet outgrows a run).
  if (skipped > 0) {
    await eachBounded(deferred, settings.concurrency, async ({ target, verdict, at }) => {
      await record(target, verdict, at).catch((error: unknown) => fail(target, error));
    });
    deferred.length = 0;
  }
  const due = deferred.filter((d) => d.heartbeat);
  await eachBounded(due, settings.concurrency, async ({ target, verdict, at }) => {
    await heartbeat(target, verdict, at).catch((error: unknown) => fail(target, error));
  });
  const unchanged = deferred.length - due.length;

  return {
    environments: targets.length,
    checked,
    recorded,
    heartbeats,
    unchanged,
    skipped,
    byStatus,
    changes,
    failures,
    durationMs: now().getTime() - started,
  };
}
