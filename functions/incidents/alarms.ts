/**
 * A CloudWatch alarm's state change applied to Apollo's incidents (the job `incident-alarm`: an EventBridge
 * rule on `aws.cloudwatch` / `CloudWatch Alarm State Change` hands each event to the jobs Lambda). ALARM opens
 * an incident, claimed by the alarm's ARN, so a second delivery of the same change opens nothing; OK resolves
 * the incident the alarm opened and frees the alarm for the next one; INSUFFICIENT_DATA changes nothing.
 *
 * Which catalog service: the alarm's metric dimensions `service` / `Service` and `environment` / `Environment`,
 * else its name `<AlertName>/<service>/<environment>` (or `:` between them); an alarm naming no catalog service
 * is ignored, saying why. The alert (the runbook's trigger) is the name's first part, else the metric's name.
 * Severity: a `severity=<critical|high|medium|low>` token in the alarm's description, else high.
 */
import type { Incident } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { logger } from '#lib/observability';
import { catalogSnapshot } from '#functions/services/public';
import { changeStatus, openIncident, type Actor } from './lifecycle.ts';
import { claimAlert, incidentOfAlert, newId, readIncident, releaseAlert } from './records.ts';

const SOURCE = 'cloudwatch';
const ACTOR: Actor = { principal: 'cloudwatch', via: 'cloudwatch' };
const TITLE_MAX = 300;
const SEVERITIES: readonly Incident['severity'][] = ['critical', 'high', 'medium', 'low'];

type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/** What Apollo reads of an EventBridge "CloudWatch Alarm State Change" event. */
export interface AlarmStateChange {
  readonly alarmArn: string;
  readonly alarmName: string;
  readonly region: string;
  readonly state: AlarmState;
  readonly reason: string;
  /** When the alarm changed state (ISO 8601). */
  readonly at: string;
  readonly description: string;
  /** Each metric's name and dimensions (none for a composite alarm). */
  readonly metrics: ReadonlyArray<{ readonly name?: string; readonly dimensions: Readonly<Record<string, string>> }>;
}

export interface AlarmOutcome {
  readonly outcome: 'created' | 'resolved' | 'unchanged' | 'ignored';
  readonly alarm: string;
  readonly state: AlarmState;
  readonly incidentId?: string;
  readonly reason?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`; Apollo keeps ISO 8601 in UTC. */
function isoTime(...candidates: unknown[]): string {
  for (const candidate of candidates) {
    const ms = typeof candidate === 'string' ? Date.parse(candidate.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : NaN;
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return new Date().toISOString();
}

/** Reads the event the rule passes; anything else is not this job's (a wrong rule or a hand-made call). */
export function parseAlarmEvent(event: unknown): AlarmStateChange {
  const problems: Array<{ path: string; message: string }> = [];
  const e = isRecord(event) ? event : {};
  if (e.source !== 'aws.cloudwatch') problems.push({ path: '/event/source', message: 'must be aws.cloudwatch' });
  if (e['detail-type'] !== 'CloudWatch Alarm State Change') problems.push({ path: '/event/detail-type', message: 'must be CloudWatch Alarm State Change' });
  const detail = isRecord(e.detail) ? e.detail : {};
  const state = isRecord(detail.state) ? detail.state : {};
  const alarmArn = Array.isArray(e.resources) ? text(e.resources[0]) : undefined;
  const arn = alarmArn ? /^arn:[^:]+:cloudwatch:([^:]+):\d+:alarm:(.+)$/.exec(alarmArn) : null;
  if (!arn) problems.push({ path: '/event/resources/0', message: 'must be the alarm\'s ARN' });
  const alarmName = text(detail.alarmName) ?? arn?.[2];
  if (!alarmName) problems.push({ path: '/event/detail/alarmName', message: 'must be a string' });
  const value = state.value;
  if (value !== 'ALARM' && value !== 'OK' && value !== 'INSUFFICIENT_DATA') problems.push({ path: '/event/detail/state/value', message: 'must be ALARM, OK or INSUFFICIENT_DATA' });
  if (problems.length) throw new ValidationError('the incident-alarm job takes a CloudWatch Alarm State Change event', { details: problems });
  const configuration = isRecord(detail.configuration) ? detail.configuration : {};
  const metrics = (Array.isArray(configuration.metrics) ? configuration.metrics : []).filter(isRecord).flatMap((m) => {
    const metric = isRecord(m.metricStat) && isRecord(m.metricStat.metric) ? m.metricStat.metric : undefined;
    if (!metric) return [];
    const dimensions = Object.fromEntries(Object.entries(isRecord(metric.dimensions) ? metric.dimensions : {}).filter((d): d is [string, string] => typeof d[1] === 'string'));
    return [{ ...(text(metric.name) ? { name: text(metric.name)! } : {}), dimensions }];
  });
  return {
    alarmArn: alarmArn!,
    alarmName: alarmName!,
    region: text(e.region) ?? arn![1]!,
    state: value as AlarmState,
    reason: text(state.reason) ?? `the alarm is in ${value as string}`,
    at: isoTime(state.timestamp, e.time),
    description: text(configuration.description) ?? '',
    metrics,
  };
}

/** The alarm name's parts: `HighErrorRate/core-service/prod` or `HighErrorRate:core-service:prod`. */
const nameParts = (alarmName: string): string[] => alarmName.split(/[/:]/).map((p) => p.trim());

export function alertNameOf(alarm: Pick<AlarmStateChange, 'alarmName' | 'metrics'>): string | undefined {
  const parts = nameParts(alarm.alarmName);
  const candidate = parts.length > 1 ? parts[0] : alarm.metrics.find((m) => m.name)?.name ?? parts[0];
  return candidate && /^[A-Za-z0-9_.-]{1,128}$/.test(candidate) ? candidate : undefined;
}

export function severityOf(description: string): Incident['severity'] {
  const token = /(?:^|[\s,;(])severity\s*=\s*([a-z]+)\b/i.exec(description)?.[1]?.toLowerCase();
  return SEVERITIES.find((s) => s === token) ?? 'high';
}

const dimension = (alarm: AlarmStateChange, name: string): string | undefined => {
  for (const { dimensions } of alarm.metrics) {
    const found = text(dimensions[name]) ?? text(dimensions[name[0]!.toUpperCase() + name.slice(1)]);
    if (found) return found;
  }
  return undefined;
};

/** The catalog service and environment the alarm is about, or why none. */
export async function affectedOf(alarm: AlarmStateChange): Promise<{ service: string; environment: string } | { reason: string }> {
  const catalog = await catalogSnapshot();
  const known = (name: string | undefined) => (name && catalog.get(name) && !catalog.get(name)!.deregisteredAt ? name : undefined);
  const parts = nameParts(alarm.alarmName);
  const byName = parts.length > 1 ? { service: parts[1], environment: parts[2] } : undefined;
  const byDimensions = { service: dimension(alarm, 'service'), environment: dimension(alarm, 'environment') };
  const service = known(byDimensions.service) ?? known(byName?.service);
  if (!service) {
    const named = [byDimensions.service && `dimension ${byDimensions.service}`, byName?.service && `name ${byName.service}`].filter(Boolean);
    return { reason: `alarm ${alarm.alarmName} names no catalog service${named.length ? ` (${named.join(', ')}: not registered)` : ''}: give its metric a service dimension, or name it <AlertName>/<service>/<environment>` };
  }
  const environment = (service === byDimensions.service ? byDimensions.environment : undefined) ?? byName?.environment ?? byDimensions.environment ?? 'prod';
  const envs = Object.keys(catalog.get(service)!.envs ?? {});
  if (envs.length && !envs.includes(environment)) return { reason: `alarm ${alarm.alarmName}: ${service} has no environment ${environment} (it has ${envs.join(', ')})` };
  return { service, environment };
}

/** The alarm in the CloudWatch console of its region. */
export const consoleUrlOf = (alarm: Pick<AlarmStateChange, 'alarmName' | 'region'>): string =>
  `https://${alarm.region}.console.aws.amazon.com/cloudwatch/home?region=${alarm.region}#alarmsV2:alarm/${encodeURIComponent(alarm.alarmName)}`;

/** An alarm Apollo cannot place is a warning (someone should name it); the others are routine. */
function ignored(alarm: AlarmStateChange, reason: string, level: 'info' | 'warn' = 'info'): AlarmOutcome {
  logger[level]('alarm ignored', { alarm: alarm.alarmName, state: alarm.state, reason });
  return { outcome: 'ignored', alarm: alarm.alarmName, state: alarm.state, reason };
}

async function open(alarm: AlarmStateChange): Promise<AlarmOutcome> {
  const affected = await affectedOf(alarm);
  if ('reason' in affected) return ignored(alarm, affected.reason, 'warn');
  const base = { alarm: alarm.alarmName, state: alarm.state } as const;
  // Claimed first: EventBridge delivers at least once, and two deliveries racing each other open one incident.
  const id = newId();
  if (!(await claimAlert(SOURCE, alarm.alarmArn, id))) {
    const existing = await incidentOfAlert(SOURCE, alarm.alarmArn);
    return { ...base, outcome: 'unchanged', ...(existing ? { incidentId: existing } : {}), reason: 'this alarm\'s incident is open already' };
  }
  try {
    const alertName = alertNameOf(alarm);
    const opened = await openIncident({
      title: `${alarm.alarmName}: ${alarm.reason}`.slice(0, TITLE_MAX),
      description: alarm.description,
      severity: severityOf(alarm.description),
      affectedServices: [affected.service],
      affectedEnvironments: [affected.environment],
      source: { type: 'cloudwatch', alertId: alarm.alarmArn, ...(alertName ? { alertName } : {}), url: consoleUrlOf(alarm) },
      at: alarm.at,
    }, ACTOR, id);
    return { ...base, outcome: 'created', incidentId: opened.id };
  } catch (error) {
    // Not opened: the retry of this delivery may try again.
    await releaseAlert(SOURCE, alarm.alarmArn);
    throw error;
  }
}

async function resolve(alarm: AlarmStateChange): Promise<AlarmOutcome> {
  const base = { alarm: alarm.alarmName, state: alarm.state } as const;
  const id = await incidentOfAlert(SOURCE, alarm.alarmArn);
  if (!id) return ignored(alarm, 'this alarm has no open incident');
  const incident = await readIncident(id, true);
  const resolved = incident && incident.status !== 'resolved'
    ? await changeStatus(id, { to: 'resolved', note: `alarm ${alarm.alarmName} is OK: ${alarm.reason}` }, ACTOR)
    : undefined;
  // Released after the incident is resolved: a failure before keeps the claim, and the retry resolves it.
  await releaseAlert(SOURCE, alarm.alarmArn);
  return resolved
    ? { ...base, outcome: 'resolved', incidentId: id }
    : { ...base, outcome: 'unchanged', incidentId: id, reason: incident ? 'its incident was resolved already' : 'its incident is gone' };
}

export async function applyAlarmStateChange(event: unknown): Promise<AlarmOutcome> {
  const alarm = parseAlarmEvent(event);
  switch (alarm.state) {
    case 'ALARM': return open(alarm);
    case 'OK': return resolve(alarm);
    default: return ignored(alarm, `${alarm.state} neither opens nor resolves an incident`);
  }
}
