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
}

export function readIncidentsConfig(env: NodeJS.ProcessEnv = process.env): IncidentsConfig {
  const lookback = Number(env.APOLLO_INCIDENT_LOOKBACK_MINUTES || 60);
  if (!Number.isInteger(lookback) || lookback < 0 || lookback > 7 * 24 * 60) throw new Error(`APOLLO_INCIDENT_LOOKBACK_MINUTES must be whole minutes from 0 to 10080, not "${env.APOLLO_INCIDENT_LOOKBACK_MINUTES}"`);
  const url = env.APOLLO_PAGERDUTY_API_URL || 'https://api.pagerduty.com';
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`APOLLO_PAGERDUTY_API_URL must be an http(s) URL, not "${url}"`);
  const from = env.APOLLO_PAGERDUTY_FROM || undefined;
  if (from !== undefined && !/^[^@\s]+@[^@\s]+$/.test(from)) throw new Error(`APOLLO_PAGERDUTY_FROM must be a PagerDuty user's email, not "${from}"`);
  return { pagerDutyApiUrl: url.replace(/\/+$/, ''), pagerDutyFrom: from, lookbackMinutes: lookback };
}

let cached: IncidentsConfig | undefined;
export function incidentsConfig(): IncidentsConfig {
  cached ??= readIncidentsConfig();
  return cached;
}
export function resetIncidentsConfig(): void {
  cached = undefined;
}
