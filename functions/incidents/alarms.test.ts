/**
 * CloudWatch alarms open and resolve incidents: the EventBridge event (the shape of AWS's "CloudWatch Alarm
 * State Change" examples) handed to the jobs Lambda as its rule does, `{ job: 'incident-alarm', event }`,
 * against the local runtime's table with the demo catalog.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Incident, IncidentTimeline } from '#schemas/index.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { seedDemoData } from '../../local/seed.ts';
import { invokeJob } from '../../local/scheduler.ts';
import { startHarness, type Harness } from '../../local/testing/harness.ts';
import { alertNameOf, parseAlarmEvent, severityOf, type AlarmOutcome } from './alarms.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

interface AlarmFixture {
  readonly name: string;
  readonly state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  readonly previous?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  readonly description?: string;
  readonly dimensions?: Record<string, string>;
  readonly metric?: string;
  readonly reason?: string;
}

/** A single-metric alarm's state change, as EventBridge delivers it on the default bus. */
function alarmEvent(f: AlarmFixture): Record<string, unknown> {
  const reason = f.reason ?? (f.state === 'ALARM'
    ? 'Threshold Crossed: 1 out of the last 1 datapoints [7.4 (05/12/26 08:10:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).'
    : 'Threshold Crossed: 1 out of the last 1 datapoints [0.8 (05/12/26 08:25:00)] was not greater than the threshold (5.0) (minimum 1 datapoint for ALARM -> OK transition).');
  const state = (value: string, r: string, timestamp: string) => ({
    value, reason: r, timestamp,
    reasonData: JSON.stringify({ version: '1.0', queryDate: timestamp, startDate: '2026-12-05T08:10:00.000+0000', statistic: 'Average', period: 300, recentDatapoints: [7.4], threshold: 5.0, evaluatedDatapoints: [{ timestamp: '2026-12-05T08:10:00.000+0000', sampleCount: 5.0, value: 7.4 }] }),
  });
  return {
    'version': '0',
    'id': crypto.randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': ACCOUNT,
    'time': '2026-12-05T08:15:40Z',
    'region': REGION,
    'resources': [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${f.name}`],
    'detail': {
      alarmName: f.name,
      state: state(f.state, reason, '2026-12-05T08:15:40.989+0000'),
      previousState: state(f.previous ?? (f.state === 'ALARM' ? 'OK' : 'ALARM'), 'Threshold Crossed: an earlier evaluation.', '2026-12-05T07:02:10.112+0000'),
      configuration: {
        ...(f.description !== undefined ? { description: f.description } : {}),
        metrics: [{
          id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
          metricStat: {
            metric: { dimensions: f.dimensions ?? {}, name: f.metric ?? 'ErrorRate', namespace: 'Apollo/Services' },
            period: 300,
            stat: 'Average',
          },
          returnData: true,
        }],
      },
    },
  };
}

const runAlarmJob = (event: unknown) => invokeJob('incident-alarm', { event }) as Promise<AlarmOutcome>;

describe('reading an alarm', () => {
  it('takes the ARN, the state with its reason and time, the description and each metric\'s dimensions', () => {
    // Act
    const alarm = parseAlarmEvent(alarmEvent({ name: 'HighErrorRate/core-service/prod', state: 'ALARM', description: 'Errors above 5 %. severity=critical', dimensions: { Service: 'core-service' } }));

    // Assess
    expect(alarm).toEqual({
      alarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:HighErrorRate/core-service/prod`,
      alarmName: 'HighErrorRate/core-service/prod',
      region: REGION,
      state: 'ALARM',
      reason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints/),
      at: '2026-12-05T08:15:40.989Z',
      description: 'Errors above 5 %. severity=critical',
      metrics: [{ name: 'ErrorRate', dimensions: { Service: 'core-service' } }],
    });
  });

  it('refuses an event that is no alarm state change, saying which fields', () => {
    expect(() => parseAlarmEvent({ 'source': 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', 'detail': {} })).toThrow(expect.objectContaining({
      name: 'ValidationError',
      details: expect.arrayContaining([{ path: '/event/source', message: 'must be aws.cloudwatch' }, { path: '/event/resources/0', message: 'must be the alarm\'s ARN' }]),
    }));
  });

  it('names the alert by the name\'s first part, else the metric; the severity by its token, else high', () => {
    expect(alertNameOf({ alarmName: 'HighErrorRate:core-service:prod', metrics: [{ name: 'ErrorRate', dimensions: {} }] })).toBe('HighErrorRate');
    expect(alertNameOf({ alarmName: 'core-service prod errors', metrics: [{ name: 'ErrorRate', dimensions: {} }] })).toBe('ErrorRate');
    expect(severityOf('Pages the on-call. severity=critical')).toBe('critical');
    expect(severityOf('severity=LOW, business hours only')).toBe('low');
    expect(severityOf('severity=urgent')).toBe('high');
    expect(severityOf('')).toBe('high');
  });
});

describe('the incident-alarm job', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seedDemoData({ baseUrl: h.runtime.url });
  });
  afterAll(async () => { await h.close(); });

  const incident = async (id: string) => (await h.client('viewer').call<Incident>('GET', `/api/v1/incidents/${id}`)).body;
  const name = 'HighErrorRate/core-service/prod';
  let opened: Incident;

  it('opens an incident on core-service prod when the alarm goes to ALARM, with its runbook and console link', async () => {
    // Act
    const result = await runAlarmJob(alarmEvent({ name, state: 'ALARM', description: 'More than 5 % of requests fail. severity=medium' }));

    // Assess
    expect(result).toEqual({ outcome: 'created', alarm: name, state: 'ALARM', incidentId: expect.any(String) });
    opened = await incident(result.incidentId!);
    expect(opened).toMatchObject({
      title: `${name}: Threshold Crossed: 1 out of the last 1 datapoints [7.4 (05/12/26 08:10:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).`,
      description: 'More than 5 % of requests fail. severity=medium',
      severity: 'medium', status: 'triggered',
      source: {
        type: 'cloudwatch', alertId: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`, alertName: 'HighErrorRate',
        url: `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#alarmsV2:alarm/HighErrorRate%2Fcore-service%2Fprod`,
      },
      affectedServices: ['core-service'], affectedEnvironments: ['prod'], team: 'platform',
      runbook: { serviceId: 'core-service', trigger: 'HighErrorRate' },
      createdAt: '2026-12-05T08:15:40.989Z', createdBy: 'cloudwatch', locks: [],
    });
    const { items } = (await h.client('viewer').call<IncidentTimeline>('GET', `/api/v1/incidents/${opened.id}/timeline`)).body;
    expect(items.find((i) => i.type === 'alert')).toMatchObject({ actor: 'cloudwatch', content: expect.stringContaining('HighErrorRate fired'), ref: { kind: 'alert', id: opened.source.alertId } });
  });

  it('opens nothing new when the same ALARM arrives again (EventBridge delivers at least once)', async () => {
    // Act
    const again = await runAlarmJob(alarmEvent({ name, state: 'ALARM' }));

    // Assess
    expect(again).toEqual({ outcome: 'unchanged', alarm: name, state: 'ALARM', incidentId: opened.id, reason: 'this alarm\'s incident is open already' });
    const { items } = (await h.client('viewer').call<{ items: Incident[] }>('GET', '/api/v1/incidents', { query: { source: 'cloudwatch', limit: 50 } })).body;
    expect(items.map((i) => i.id)).toEqual([opened.id]);
  });

  it('leaves it open on INSUFFICIENT_DATA, resolves it on OK, and the next ALARM opens a new one', async () => {
    // Act
    const missing = await runAlarmJob(alarmEvent({ name, state: 'INSUFFICIENT_DATA', reason: 'Insufficient Data: 1 datapoint was unknown.' }));
    const ok = await runAlarmJob(alarmEvent({ name, state: 'OK' }));
    const okAgain = await runAlarmJob(alarmEvent({ name, state: 'OK' }));
    const next = await runAlarmJob(alarmEvent({ name, state: 'ALARM' }));

    // Assess
    expect(missing).toEqual({ outcome: 'ignored', alarm: name, state: 'INSUFFICIENT_DATA', reason: 'INSUFFICIENT_DATA neither opens nor resolves an incident' });
    expect(ok).toEqual({ outcome: 'resolved', alarm: name, state: 'OK', incidentId: opened.id });
    expect(await incident(opened.id)).toMatchObject({ status: 'resolved', resolvedBy: 'cloudwatch', version: 2 });
    expect(okAgain).toEqual({ outcome: 'ignored', alarm: name, state: 'OK', reason: 'this alarm has no open incident' });
    expect(next).toMatchObject({ outcome: 'created', incidentId: expect.not.stringMatching(opened.id) });
    expect(await incident(next.incidentId!)).toMatchObject({ status: 'triggered', severity: 'high', affectedServices: ['core-service'] });
  });

  it('finds the service and environment in the metric\'s dimensions, and locks a critical one\'s environment', async () => {
    // Act
    const result = await runAlarmJob(alarmEvent({ name: 'billing-5xx', state: 'ALARM', metric: 'HTTPCode_Target_5XX_Count', dimensions: { Service: 'billing-service', Environment: 'staging' }, description: 'severity=critical' }));

    // Assess
    expect(result.outcome).toBe('created');
    expect(await incident(result.incidentId!)).toMatchObject({
      severity: 'critical', affectedServices: ['billing-service'], affectedEnvironments: ['staging'],
      source: { type: 'cloudwatch', alertName: 'HTTPCode_Target_5XX_Count' }, locks: [{ service: 'billing-service', environment: 'staging' }],
    });
  });

  it('ignores an alarm that names no catalog service, and says why in its result and its log', async () => {
    // Prepare: each invocation logs through a child of the Powertools logger.
    const warn = vi.spyOn(Logger.prototype, 'warn');

    // Act
    const result = await runAlarmJob(alarmEvent({ name: 'HighErrorRate/ledger-service/prod', state: 'ALARM', dimensions: { InstanceId: 'i-0abc12345def67890' } }));

    // Assess
    const reason = 'alarm HighErrorRate/ledger-service/prod names no catalog service (name ledger-service: not registered): give its metric a service dimension, or name it <AlertName>/<service>/<environment>';
    expect(result).toEqual({ outcome: 'ignored', alarm: 'HighErrorRate/ledger-service/prod', state: 'ALARM', reason });
    expect(warn).toHaveBeenCalledWith('alarm ignored', { alarm: 'HighErrorRate/ledger-service/prod', state: 'ALARM', reason });
    const { items } = (await h.client('viewer').call<{ items: Incident[] }>('GET', '/api/v1/incidents', { query: { source: 'cloudwatch', limit: 50 } })).body;
    expect(items.flatMap((i) => i.affectedServices)).not.toContain('ledger-service');
    warn.mockRestore();
  });

  it('fails a run handed something else, so the delivery lands in the dead-letter queue', async () => {
    await expect(invokeJob('incident-alarm', {})).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
