/** The costs context's settings, read once (cold start), failing fast on a malformed value. */
import { envInteger } from '#lib/config';
import { parseStorageRegions } from './adapters/ec2-storage.ts';
import { parseAllocationEndpoints, type OpenCostSourceOptions } from './adapters/opencost.ts';

export interface CostsConfig {
  /** Days the first ingest fetches (APOLLO_COSTS_BACKFILL_DAYS). @default 90 */
  readonly backfillDays: number;
  /** Recent days every ingest fetches again: Cost Explorer revises the last few (APOLLO_COSTS_REVISIT_DAYS). @default 3 */
  readonly revisitDays: number;
  /** RI / Savings Plans coverage and Cost Explorer's recommendations are read again after this many days (APOLLO_COSTS_SLOW_REFRESH_DAYS). @default 7 */
  readonly slowRefreshDays: number;
  /** A day counts as an anomaly this many standard deviations above the trailing 14 days (APOLLO_COSTS_ANOMALY_SIGMA). @default 3 */
  readonly anomalySigma: number;
  /** …and at least this many dollars a day above them (APOLLO_COSTS_ANOMALY_MIN_USD). @default 2 */
  readonly anomalyMinUsd: number;
  /** The Cost Anomaly Detection monitor to read (APOLLO_COSTS_ANOMALY_MONITOR_ARN); all monitors when unset. */
  readonly anomalyMonitorArn: string | undefined;
  /** Where to look for EBS volumes attached to nothing and old snapshots (APOLLO_COSTS_STORAGE_REGIONS); nowhere when unset. */
  readonly storageRegions: readonly string[] | undefined;
  /** A snapshot older than this many days is questioned (APOLLO_COSTS_SNAPSHOT_DAYS). @default 90 */
  readonly snapshotDays: number;
  /** A recommendation saving less than this a month is left out (APOLLO_COSTS_RECOMMENDATION_MIN_USD). @default 5 */
  readonly recommendationMinUsd: number;
  /** How long one attempt at Cost Explorer may take, seconds (APOLLO_COSTS_EXPLORER_TIMEOUT_SECONDS). @default 30 */
  readonly costExplorerTimeoutSeconds: number;
  /** Each cluster's OpenCost or Kubecost (APOLLO_COSTS_ALLOCATION_URLS, APOLLO_COSTS_ALLOCATION_KIND); none when unset. */
  readonly allocation: Pick<OpenCostSourceOptions, 'endpoints' | 'kind'> | undefined;
}

export function readCostsConfig(env: NodeJS.ProcessEnv = process.env): CostsConfig {
  const monitor = env.APOLLO_COSTS_ANOMALY_MONITOR_ARN || undefined;
  if (monitor && !/^arn:aws[a-z-]*:ce::\d{12}:anomalymonitor\/[0-9a-f-]+$/.test(monitor)) {
    throw new Error('APOLLO_COSTS_ANOMALY_MONITOR_ARN must be a Cost Anomaly Detection monitor ARN (arn:aws:ce::<account>:anomalymonitor/<id>)');
  }
  return {
    backfillDays: envInteger(env, 'APOLLO_COSTS_BACKFILL_DAYS', 90, 7, 400),
    revisitDays: envInteger(env, 'APOLLO_COSTS_REVISIT_DAYS', 3, 1, 14),
    slowRefreshDays: envInteger(env, 'APOLLO_COSTS_SLOW_REFRESH_DAYS', 7, 1, 31),
    anomalySigma: envInteger(env, 'APOLLO_COSTS_ANOMALY_SIGMA', 3, 1, 10),
    anomalyMinUsd: envInteger(env, 'APOLLO_COSTS_ANOMALY_MIN_USD', 2, 0, 100_000),
    anomalyMonitorArn: monitor,
    storageRegions: parseStorageRegions(env),
    snapshotDays: envInteger(env, 'APOLLO_COSTS_SNAPSHOT_DAYS', 90, 7, 3650),
    recommendationMinUsd: envInteger(env, 'APOLLO_COSTS_RECOMMENDATION_MIN_USD', 5, 0, 100_000),
    costExplorerTimeoutSeconds: envInteger(env, 'APOLLO_COSTS_EXPLORER_TIMEOUT_SECONDS', 30, 1, 120),
    allocation: parseAllocationEndpoints(env),
  };
}

let cached: CostsConfig | undefined;
export function costsConfig(): CostsConfig {
  cached ??= readCostsConfig();
  return cached;
}
