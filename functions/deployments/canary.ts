/**
 * Canary analysis (issue 15): after a rollout is healthy, the new version's error rate and p99 latency are
 * read from the metrics port every interval and judged against thresholds and the pre-deploy baseline.
 * Defaults follow Flagger's (a check every 60 s, 10 iterations, 5 failed checks roll back, success rate
 * ≥ 99 %, p99 ≤ 500 ms); APOLLO_CANARY_* change them for the installation (APOLLO_CANARY_INTERVAL_S makes local
 * runs and tests use seconds), a service's overrides (`PUT /api/v1/services/{id}/canary`) for one service.
 *
 * A check fails when the error rate is above 1 − minSuccessRate, or p99 above maxP99Ms — each loosened to
 * 25 % above the baseline when the version before was already past it (a canary is judged on what it
 * changed) — or when there was no traffic or the metrics could not be read (Flagger counts those as failed).
 *
 *   DEPLOYCANARY#<service> / CONFIG   the service's overrides
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CanarySettings as CanarySettingsBody, Deployment } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { listEnvironments } from '#functions/services/public';
import { db, getItem, tableName, type Item } from '#lib/table';
import type { VersionMetrics } from './metrics.ts';
import { deploymentsDeps, loadDeploymentsDeps } from './deps.ts';

export type Canary = NonNullable<Deployment['canary']>;
export type CanaryConfig = Canary['config'];
export type CanaryCheck = Canary['checks'][number];
export type CanaryBaseline = NonNullable<Canary['baseline']>;

export interface CanaryOverrides extends Partial<CanaryConfig> {
  /** false: no analysis for the service (the record says so). */
  readonly enabled?: boolean;
}

export interface CanarySettings {
  readonly enabled: boolean;
  readonly config: CanaryConfig;
  readonly overrides: CanaryOverrides;
}

/** How far past a bad baseline a canary may be before it is its own fault. */
export const BASELINE_TOLERANCE = 1.25;

const number = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, integer = true): number => {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (it is ${raw})`);
  return value;
};

/** The installation's defaults (Flagger's, unless APOLLO_CANARY_* say otherwise). */
export function canaryDefaults(env: NodeJS.ProcessEnv = process.env): { enabled: boolean; config: CanaryConfig } {
  const onFailure = env.APOLLO_CANARY_ON_FAILURE ?? 'rollback';
  if (onFailure !== 'rollback' && onFailure !== 'pause') throw new Error(`APOLLO_CANARY_ON_FAILURE must be rollback or pause (it is ${onFailure})`);
  return {
    enabled: env.APOLLO_CANARY !== 'off',
    config: {
      intervalSeconds: number(env, 'APOLLO_CANARY_INTERVAL_S', 60, 1, 3600),
      iterations: number(env, 'APOLLO_CANARY_ITERATIONS', 10, 1, 100),
      threshold: number(env, 'APOLLO_CANARY_THRESHOLD', 5, 1, 100),
      minSuccessRate: number(env, 'APOLLO_CANARY_MIN_SUCCESS_RATE', 0.99, 0, 1, false),
      maxP99Ms: number(env, 'APOLLO_CANARY_MAX_P99_MS', 500, 1, 600_000, false),
      onFailure,
    },
  };
}

const key = (service: string) => ({ PK: `DEPLOYCANARY#${service}`, SK: 'CONFIG' });

export async function canarySettings(service: string): Promise<CanarySettings> {
  const item = await getItem<Item & { overrides: CanaryOverrides }>(key(service));
  const overrides = item?.overrides ?? {};
  const defaults = canaryDefaults();
  const { enabled, ...config } = overrides;
  return { enabled: enabled ?? defaults.enabled, config: { ...defaults.config, ...config }, overrides };
}

async function requireService(service: string): Promise<void> {
  try {
    await listEnvironments(service);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`service ${service} not found`, { details: [{ path: '/path/id', message: 'no such service' }] });
    throw error;
  }
}

/** The API's answer: what applies, the overrides, the defaults and the metrics source. */
export async function canaryResponse(service: string): Promise<CanarySettingsBody> {
  await requireService(service);
  const settings = await canarySettings(service);
  let metrics: string | null = null;
  try {
    await loadDeploymentsDeps();
    metrics = deploymentsDeps().metrics?.kind ?? null;
  } catch { /* no deployments adapters configured: no metrics either */ }
  return { service, enabled: settings.enabled, config: settings.config, overrides: settings.overrides, defaults: canaryDefaults().config, metrics };
}

export async function putCanaryOverrides(service: string, overrides: CanaryOverrides, by: string): Promise<CanarySettings> {
  await requireService(service);
  await db.send(new PutCommand({ TableName: tableName(), Item: { ...key(service), overrides, updatedBy: by, updatedAt: new Date().toISOString() } }));
  return canarySettings(service);
}

export async function deleteCanaryOverrides(service: string): Promise<void> {
  await requireService(service);
  await db.send(new DeleteCommand({ TableName: tableName(), Key: key(service) }));
}

const pct = (rate: number): string => `${(rate * 100).toFixed(rate < 0.1 ? 2 : 1)} %`;
const ms = (v: number): string => `${Math.round(v)} ms`;

/** The limits a check is held to: the thresholds, loosened to 25 % above a baseline already past them. */
export function limitsOf(config: CanaryConfig, baseline: CanaryBaseline | null | undefined): { maxErrorRate: number; maxP99Ms: number } {
  const maxErrorRate = Math.max(1 - config.minSuccessRate, baseline?.errorRate != null ? baseline.errorRate * BASELINE_TOLERANCE : 0);
  const maxP99Ms = Math.max(config.maxP99Ms, baseline?.p99Ms != null ? baseline.p99Ms * BASELINE_TOLERANCE : 0);
  return { maxErrorRate, maxP99Ms };
}

/** One check of the new version's numbers (or the reason they could not be read). */
export function judge(config: CanaryConfig, baseline: CanaryBaseline | null | undefined, at: Date, sample: VersionMetrics | { error: string }): CanaryCheck {
  if ('error' in sample) return { at: at.toISOString(), requests: 0, errorRate: null, p99Ms: null, passed: false, reasons: [`the metrics could not be read: ${sample.error}`] };
  const { maxErrorRate, maxP99Ms } = limitsOf(config, baseline);
  const reasons: string[] = [];
  if (sample.requests <= 0) reasons.push('no traffic reached the new version');
  if (sample.errorRate !== null && sample.errorRate > maxErrorRate) reasons.push(`error rate ${pct(sample.errorRate)} > ${pct(maxErrorRate)}`);
  if (sample.p99Ms !== null && sample.p99Ms > maxP99Ms) reasons.push(`p99 ${ms(sample.p99Ms)} > ${ms(maxP99Ms)}`);
  return { at: at.toISOString(), requests: sample.requests, errorRate: sample.errorRate, p99Ms: sample.p99Ms, passed: reasons.length === 0, reasons };
}

/** "error rate 0.21 % (≤ 1.00 %), p99 180 ms (≤ 500 ms)" */
export function describeCheck(check: CanaryCheck, config: CanaryConfig, baseline: CanaryBaseline | null | undefined): string {
  if (!check.passed && check.requests === 0 && check.errorRate === null) return check.reasons.join('; ');
  const { maxErrorRate, maxP99Ms } = limitsOf(config, baseline);
  return [
    check.errorRate === null ? 'error rate unknown' : `error rate ${pct(check.errorRate)} (≤ ${pct(maxErrorRate)})`,
    check.p99Ms === null ? 'p99 unknown' : `p99 ${ms(check.p99Ms)} (≤ ${ms(maxP99Ms)})`,
    `${check.requests} requests`,
  ].join(', ');
}

/** What the numbers that decided it were, for the record: the failed checks' worst and the baseline. */
export function failureSummary(canary: Pick<Canary, 'checks' | 'baseline' | 'config' | 'failedChecks'>): string {
  const failed = canary.checks.filter((c) => !c.passed);
  const worstError = Math.max(...failed.map((c) => c.errorRate ?? -1));
  const worstP99 = Math.max(...failed.map((c) => c.p99Ms ?? -1));
  const { maxErrorRate, maxP99Ms } = limitsOf(canary.config, canary.baseline);
  const parts = [`${canary.failedChecks} of ${canary.checks.length} checks failed (threshold ${canary.config.threshold})`];
  if (worstError >= 0) parts.push(`error rate up to ${pct(worstError)} (limit ${pct(maxErrorRate)}${canary.baseline?.errorRate != null ? `, baseline ${pct(canary.baseline.errorRate)}` : ''})`);
  if (worstP99 >= 0) parts.push(`p99 up to ${ms(worstP99)} (limit ${ms(maxP99Ms)}${canary.baseline?.p99Ms != null ? `, baseline ${ms(canary.baseline.p99Ms)}` : ''})`);
  const other = [...new Set(failed.flatMap((c) => c.reasons).filter((r) => !r.startsWith('error rate') && !r.startsWith('p99')))];
  if (other.length) parts.push(other.join('; '));
  return parts.join('; ');
}
