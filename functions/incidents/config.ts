/**
 * The incidents context's settings, read once from the environment (cold start), failing fast on a malformed value.
 */
export interface IncidentsConfig {
  /** PagerDuty's REST API (APOLLO_PAGERDUTY_API_URL; the local runtime points it at its fake). @default https://api.pagerduty.com */
  readonly pagerDutyApiUrl: string;
  /** The PagerDuty user Apollo's changes are made as when the Apollo user is not an email (APOLLO_PAGERDUTY_FROM). */
  readonly pagerDutyFrom: string | undefined;
  /** How long before an incident began its timeline joins Apollo's own records, minutes (APOLLO_INCIDENT_LOOKBACK_MINUTES). @default 60 */
  readonly lookbackMinutes: number;
  /**
   * How long telling PagerDuty of an acknowledge or resolve may take in all, its note and a rate limit's wait
   * included (APOLLO_PAGERDUTY_SYNC_TIMEOUT_SECONDS): the API call waits for it, so it stays below the incidents
   * Lambda's own timeout (10 s), leaving room for Apollo's change before it and the record after. @default 5
   */
  readonly pagerDutySyncTimeoutSeconds: number;
}

/** API Gateway answers within 29 s: a longer wait could never be reported to the caller. */
const MAX_PAGERDUTY_SYNC_SECONDS = 25;

export function readIncidentsConfig(env: NodeJS.ProcessEnv = process.env): IncidentsConfig {
  const lookback = Number(env.APOLLO_INCIDENT_LOOKBACK_MINUTES || 60);
  if (!Number.isInteger(lookback) || lookback < 0 || lookback > 7 * 24 * 60) throw new Error(`APOLLO_INCIDENT_LOOKBACK_MINUTES must be whole minutes from 0 to 10080, not "${env.APOLLO_INCIDENT_LOOKBACK_MINUTES}"`);
  const url = env.APOLLO_PAGERDUTY_API_URL || 'https://api.pagerduty.com';
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`APOLLO_PAGERDUTY_API_URL must be an http(s) URL, not "${url}"`);
  const from = env.APOLLO_PAGERDUTY_FROM || undefined;
  if (from !== undefined && !/^[^@\s]+@[^@\s]+$/.test(from)) throw new Error(`APOLLO_PAGERDUTY_FROM must be a PagerDuty user's email, not "${from}"`);
  const sync = Number(env.APOLLO_PAGERDUTY_SYNC_TIMEOUT_SECONDS || 5);
  if (!Number.isFinite(sync) || sync <= 0 || sync > MAX_PAGERDUTY_SYNC_SECONDS) throw new Error(`APOLLO_PAGERDUTY_SYNC_TIMEOUT_SECONDS must be seconds above 0 and at most ${MAX_PAGERDUTY_SYNC_SECONDS}, not "${env.APOLLO_PAGERDUTY_SYNC_TIMEOUT_SECONDS}"`);
  return { pagerDutyApiUrl: url.replace(/\/+$/, ''), pagerDutyFrom: from, lookbackMinutes: lookback, pagerDutySyncTimeoutSeconds: sync };
}

let cached: IncidentsConfig | undefined;
export function incidentsConfig(): IncidentsConfig {
  cached ??= readIncidentsConfig();
  return cached;
}
export function resetIncidentsConfig(): void {
  cached = undefined;
}
