/**
 * Canary analysis in words and numbers: the limits a check is held to (the thresholds, loosened to 25 % above a bad
 * baseline, as functions/deployments/canary.ts `limitsOf` does: the web does not import functions/), progress, the
 * decision, the chart's layout (error rate and p99 per check over time, the baseline and the limit), the service
 * settings form, and the deployments marked on a service's health strip. Pure, so it is unit-tested.
 */
import type { Intent } from '@blueprintjs/core';
import type { CanarySettings, CanarySettingsPut, Deployment, DeploymentSummary } from '../../../../schemas/types.gen.ts';

export type Canary = NonNullable<Deployment['canary']>;
export type CanaryConfig = Canary['config'];
export type CanaryCheck = Canary['checks'][number];
export type CanaryBaseline = NonNullable<Canary['baseline']>;
export type CanaryMetric = 'errorRate' | 'p99Ms';

/** How far past a bad baseline a canary may be before it is its own fault (the backend's BASELINE_TOLERANCE). */
export const BASELINE_TOLERANCE = 1.25;

/** The limits a check is held to: the thresholds, loosened to 25 % above a baseline already past them. */
export function limitsOf(config: Pick<CanaryConfig, 'minSuccessRate' | 'maxP99Ms'>, baseline: Pick<CanaryBaseline, 'errorRate' | 'p99Ms'> | null | undefined): { maxErrorRate: number; maxP99Ms: number } {
  const maxErrorRate = Math.max(1 - config.minSuccessRate, baseline?.errorRate != null ? baseline.errorRate * BASELINE_TOLERANCE : 0);
  const maxP99Ms = Math.max(config.maxP99Ms, baseline?.p99Ms != null ? baseline.p99Ms * BASELINE_TOLERANCE : 0);
  return { maxErrorRate, maxP99Ms };
}

/** Whether a limit is the baseline's (loosened) rather than the threshold. */
export function limitFromBaseline(metric: CanaryMetric, config: Pick<CanaryConfig, 'minSuccessRate' | 'maxP99Ms'>, baseline: Pick<CanaryBaseline, 'errorRate' | 'p99Ms'> | null | undefined): boolean {
  const limits = limitsOf(config, baseline);
  return metric === 'errorRate' ? limits.maxErrorRate > 1 - config.minSuccessRate : limits.maxP99Ms > config.maxP99Ms;
}

/** "0.21 %", "15.0 %" (the backend's way, so the page and the record read alike). */
export const formatRate = (rate: number): string => `${(rate * 100).toFixed(rate < 0.1 ? 2 : 1)} %`;
export const formatMs = (value: number): string => `${Math.round(value)} ms`;
export const formatMetric = (metric: CanaryMetric, value: number | null): string => (value === null ? 'unknown' : metric === 'errorRate' ? formatRate(value) : formatMs(value));

export const METRIC_LABEL: Record<CanaryMetric, string> = { errorRate: 'Error rate', p99Ms: 'p99 latency' };

export interface CanaryProgress {
  /** Checks run so far, of `iterations`. */
  readonly checks: number;
  readonly iterations: number;
  /** Failed checks so far, of `threshold` (that many end it). */
  readonly failed: number;
  readonly threshold: number;
  /** 0 to 1: checks run of the iterations. */
  readonly share: number;
}

export function canaryProgress(canary: Pick<Canary, 'checks' | 'failedChecks' | 'config'>): CanaryProgress {
  const { iterations, threshold } = canary.config;
  const checks = canary.checks.length;
  return { checks, iterations, failed: canary.failedChecks, threshold, share: iterations > 0 ? Math.min(1, checks / iterations) : 1 };
}

export const CANARY_STATUS_LABEL: Record<Canary['status'], string> = {
  pending: 'waiting for the rollout', running: 'running', passed: 'passed', failed: 'failed', paused: 'paused for a human', skipped: 'skipped',
};
export const CANARY_STATUS_INTENT: Record<Canary['status'], Intent> = {
  pending: 'none', running: 'primary', passed: 'success', failed: 'danger', paused: 'warning', skipped: 'none',
};

export type CanaryOutcome = NonNullable<Canary['decision']>['outcome'];
export const DECISION_LABEL: Record<CanaryOutcome, string> = { promoted: 'Promoted', rolled_back: 'Rolled back', paused: 'Paused for a human', skipped: 'Skipped' };
export const DECISION_INTENT: Record<CanaryOutcome, Intent> = { promoted: 'success', rolled_back: 'danger', paused: 'warning', skipped: 'none' };

/** What a failure does, in words: "roll it back" or "pause it for a human" (a rollback's own canary always pauses). */
export const onFailureText = (onFailure: CanaryConfig['onFailure']): string => (onFailure === 'pause' ? 'pause it for a human' : 'roll it back');

// ---------------------------------------------------------------- the chart

export interface ChartSize {
  readonly width: number;
  readonly height: number;
  /** Room on the left for the axis labels, and around the plot. */
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export const CHART_SIZE: ChartSize = { width: 520, height: 132, left: 56, right: 12, top: 10, bottom: 20 };

export interface ChartPoint {
  readonly index: number;
  readonly x: number;
  readonly y: number;
  readonly at: string;
  readonly value: number | null;
  readonly passed: boolean;
  readonly reasons: readonly string[];
}

export interface CanaryChartLayout {
  readonly metric: CanaryMetric;
  readonly points: readonly ChartPoint[];
  /** The line through the checks with a value (an SVG path), empty with fewer than two. */
  readonly path: string;
  readonly limit: number;
  readonly limitY: number;
  readonly baseline: number | null;
  readonly baselineY: number | null;
  /** The top of the y axis (the value at `top`). */
  readonly max: number;
  /** The time axis: the analysis's start and its planned end (or the last check, if later). */
  readonly from: number;
  readonly to: number;
  /** Gridlines with their labels. */
  readonly ticks: ReadonlyArray<{ readonly y: number; readonly label: string }>;
}

/** A round number at or above `v` (1, 2, 2.5, 5 × 10^n), so the axis reads well. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= v * (1 - 1e-9)) ?? 10;
  return Number((step * power).toPrecision(12));
}

/**
 * Where the checks of one metric sit on the chart: x by each check's time over the analysis (its start to its
 * planned end: iterations × interval), y from 0 to a round number above the limit, the baseline and every value.
 * A check with no value (the metrics could not be read) sits on the axis, marked failed; a check that failed on
 * the other metric alone is marked passed here.
 */
export function canaryChart(canary: Pick<Canary, 'checks' | 'config' | 'baseline' | 'startedAt'>, metric: CanaryMetric, size: ChartSize = CHART_SIZE): CanaryChartLayout {
  const { config, baseline, checks } = canary;
  const limits = limitsOf(config, baseline);
  const limit = metric === 'errorRate' ? limits.maxErrorRate : limits.maxP99Ms;
  const base = baseline ? baseline[metric] : null;
  const values = checks.map((c) => c[metric]).filter((v): v is number => v !== null);
  const max = niceCeil(Math.max(limit * 1.2, base ?? 0, ...values.map((v) => v * 1.05)));
  const interval = config.intervalSeconds * 1000;
  const times = checks.map((c) => Date.parse(c.at));
  const from = canary.startedAt ? Date.parse(canary.startedAt) : times.length ? times[0]! - interval : 0;
  const to = Math.max(from + Math.max(1, config.iterations) * interval, ...times);
  const plotW = size.width - size.left - size.right;
  const plotH = size.height - size.top - size.bottom;
  const x = (t: number) => size.left + (to > from ? ((t - from) / (to - from)) * plotW : plotW);
  const y = (v: number) => size.top + plotH - (Math.min(v, max) / max) * plotH;
  // A check failed on the other metric alone is a pass on this chart (the p99 chart of an error spike stays green).
  const otherMetric = metric === 'errorRate' ? 'p99' : 'error rate';
  const points = checks.map((c, index): ChartPoint => {
    const value = c[metric];
    const passed = c.passed || (value !== null && value <= limit && c.reasons.every((r) => r.startsWith(otherMetric)));
    return { index, x: round(x(Date.parse(c.at))), y: round(y(value ?? 0)), at: c.at, value, passed, reasons: passed ? [] : c.reasons };
  });
  const drawn = points.filter((p) => p.value !== null);
  const path = drawn.length > 1 ? drawn.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ') : '';
  const ticks = [0, 0.5, 1].map((f) => ({ y: round(y(max * f)), label: formatMetric(metric, max * f) }));
  return { metric, points, path, limit, limitY: round(y(limit)), baseline: base, baselineY: base === null ? null : round(y(base)), max, from, to, ticks };
}

const round = (n: number): number => Math.round(n * 10) / 10;

// ---------------------------------------------------------------- a service's settings

/** The settings dialog's fields as typed: empty keeps the installation's default. The success rate is in percent. */
export interface CanaryFormValues {
  readonly enabled: boolean;
  readonly intervalSeconds: string;
  readonly iterations: string;
  readonly threshold: string;
  readonly successPercent: string;
  readonly maxP99Ms: string;
  /** '' keeps the default. */
  readonly onFailure: '' | CanaryConfig['onFailure'];
}

export type CanaryFormErrors = Partial<Record<keyof CanaryFormValues, string>>;

/** The dialog filled with a service's overrides (what it does not override stays empty: the default). */
export function canaryFormOf(settings: Pick<CanarySettings, 'enabled' | 'overrides'>): CanaryFormValues {
  const o = settings.overrides;
  const text = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    enabled: settings.enabled,
    intervalSeconds: text(o.intervalSeconds),
    iterations: text(o.iterations),
    threshold: text(o.threshold),
    successPercent: o.minSuccessRate === undefined ? '' : String(Number((o.minSuccessRate * 100).toFixed(4))),
    maxP99Ms: text(o.maxP99Ms),
    onFailure: o.onFailure ?? '',
  };
}

/**
 * What the dialog sends (PUT replaces the overrides: every field filled in, `enabled` only when it is not the
 * default's), or the fields' problems (the schema's ranges; the threshold at most the iterations).
 */
export function checkCanaryForm(v: CanaryFormValues, defaults: { enabled: boolean; config: CanaryConfig }): { body?: CanarySettingsPut; errors: CanaryFormErrors } {
  const errors: CanaryFormErrors = {};
  const body: { -readonly [K in keyof CanarySettingsPut]: CanarySettingsPut[K] } = {};
  const whole = (field: 'intervalSeconds' | 'iterations' | 'threshold', min: number, max: number, unit: string): number | undefined => {
    const raw = v[field].trim();
    if (raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) { errors[field] = `A whole number of ${unit} from ${min} to ${max}.`; return undefined; }
    body[field] = n;
    return n;
  };
  whole('intervalSeconds', 1, 3600, 'seconds');
  const iterations = whole('iterations', 1, 100, 'checks');
  const threshold = whole('threshold', 1, 100, 'checks');
  const effectiveIterations = iterations ?? defaults.config.iterations;
  if (errors.threshold === undefined && errors.iterations === undefined && (threshold ?? defaults.config.threshold) > effectiveIterations) {
    errors.threshold = `At most the number of checks (${effectiveIterations}), or no check could fail it.`;
  }
  const success = v.successPercent.trim();
  if (success !== '') {
    const n = Number(success);
    if (!Number.isFinite(n) || n < 0 || n > 100) errors.successPercent = 'A percentage from 0 to 100 (99: at most 1 % errors).';
    else body.minSuccessRate = Number((n / 100).toFixed(6));
  }
  const p99 = v.maxP99Ms.trim();
  if (p99 !== '') {
    const n = Number(p99);
    if (!Number.isFinite(n) || n < 1 || n > 600_000) errors.maxP99Ms = 'Milliseconds from 1 to 600000.';
    else body.maxP99Ms = n;
  }
  if (v.onFailure) body.onFailure = v.onFailure;
  if (v.enabled !== defaults.enabled) body.enabled = v.enabled;
  return Object.keys(errors).length ? { errors } : { body, errors };
}

/** Which settings a service overrides (the card marks them). */
export const overriddenKeys = (overrides: CanarySettings['overrides']): Set<string> =>
  new Set(Object.entries(overrides).filter(([, value]) => value !== undefined).map(([key]) => key));

// ---------------------------------------------------------------- deployments on a health strip

export type MarkerOutcome = 'succeeded' | 'failed' | 'rolled_back' | 'running';

export interface DeploymentMarker {
  readonly id: string;
  readonly environment: string;
  /** When it ended (or began, while it runs). */
  readonly at: string;
  /** 0 to 1 across the strip's window. */
  readonly position: number;
  readonly outcome: MarkerOutcome;
  /** "Deploy v1.5.0 by dana@…: rolled back". */
  readonly label: string;
}

const MARKED: ReadonlySet<DeploymentSummary['status']> = new Set(['succeeded', 'failed', 'rolled_back', 'in_progress', 'analyzing', 'paused', 'cancelling']);

/**
 * The deployments to mark on an environment's health strip over [now − window, now]: those that changed something
 * (succeeded, failed, rolled back by their canary) or are under way, at their end (or start, while running), oldest first.
 * Cancelled, refused, rejected and expired ones changed nothing that health could show.
 */
export function deploymentMarkers(items: readonly DeploymentSummary[], environment: string, now: number, windowMs: number): DeploymentMarker[] {
  const start = now - windowMs;
  const out: DeploymentMarker[] = [];
  for (const d of items) {
    if (d.environment !== environment || !MARKED.has(d.status)) continue;
    const at = d.completedAt ?? d.createdAt;
    const t = Date.parse(at);
    if (Number.isNaN(t) || t < start || t > now) continue;
    const outcome: MarkerOutcome = d.status === 'succeeded' || d.status === 'failed' || d.status === 'rolled_back' ? d.status : 'running';
    const what = d.operation === 'scale' ? `${d.replicas ?? '?'} replicas` : d.imageTag ?? '';
    const word = outcome === 'rolled_back' ? 'rolled back by its canary' : outcome === 'running' ? 'under way' : outcome;
    const op = d.operation === 'rollback' ? 'Rollback' : d.operation[0]!.toUpperCase() + d.operation.slice(1);
    out.push({ id: d.id, environment, at, position: (t - start) / windowMs, outcome, label: `${op}${what ? ` ${what}` : ''} by ${d.initiatedBy}: ${word}` });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

export interface MarkerGroup {
  readonly position: number;
  /** The worst outcome among them (rolled back, failed, under way, succeeded): the stem's colour. */
  readonly outcome: MarkerOutcome;
  /** Oldest first. */
  readonly markers: readonly DeploymentMarker[];
}

const SEVERITY: Record<MarkerOutcome, number> = { succeeded: 0, running: 1, failed: 2, rolled_back: 3 };

/**
 * Markers closer than `gap` (a share of the strip) stand as one stem, or a deploy and its rollback minutes apart on a
 * 24 h strip would hide each other: at the newest one's place, coloured by the worst, its tooltip listing them all.
 */
export function groupMarkers(markers: readonly DeploymentMarker[], gap = 0.012): MarkerGroup[] {
  const groups: Array<{ position: number; outcome: MarkerOutcome; markers: DeploymentMarker[] }> = [];
  for (const m of [...markers].sort((a, b) => a.position - b.position)) {
    const last = groups.at(-1);
    if (last && m.position - last.position < gap) {
      last.markers.push(m);
      last.position = m.position;
      if (SEVERITY[m.outcome] > SEVERITY[last.outcome]) last.outcome = m.outcome;
    } else {
      groups.push({ position: m.position, outcome: m.outcome, markers: [m] });
    }
  }
  return groups;
}

export const DECISION_MIN = 3;

/** The decision dialog's reason: 3 to 2000 characters (the schema's). */
export function checkDecisionReason(reason: string): string | undefined {
  const text = reason.trim();
  if (text.length < DECISION_MIN) return 'Say why (at least 3 characters): it goes on the record and the audit log.';
  if (text.length > 2000) return 'At most 2000 characters.';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(text)) return 'No control characters.';
  return undefined;
}
