import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import { SCHEMAS } from '#schemas/index.ts';
import { parsePagerDutyWebhook } from './pagerduty-events.ts';

/** The route's body schema (schemas/api/pagerduty-webhook.schema.json), as the webhooks Lambda validates it. */
const PAGERDUTY_WEBHOOK_SCHEMA = SCHEMAS['pagerduty-webhook'] as { examples: unknown[] } & Record<string, unknown>;

const SERVICE = { html_url: 'https://acme.pagerduty.com/services/PCORE01', id: 'PCORE01', self: 'https://api.pagerduty.com/services/PCORE01', summary: 'core-service (prod)', type: 'service_reference' };
const DANA = { html_url: 'https://acme.pagerduty.com/users/PXPGF42', id: 'PXPGF42', self: 'https://api.pagerduty.com/users/PXPGF42', summary: 'Dana Oncall', type: 'user_reference' };

/** An incident as v3 webhooks carry it in `event.data` (PagerDuty/developer-docs docs/webhooks/01-Overview.md). */
const incident = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'Q1ABCDEF2GHIJ',
  type: 'incident',
  self: 'https://api.pagerduty.com/incidents/Q1ABCDEF2GHIJ',
  html_url: 'https://acme.pagerduty.com/incidents/Q1ABCDEF2GHIJ',
  number: 1042,
  status,
  incident_key: 'HighErrorRate/core-service/prod',
  created_at: '2026-12-05T08:01:02Z',
  title: 'HighErrorRate: core-service error rate above 5% in prod',
  service: SERVICE,
  assignees: [DANA],
  escalation_policy: { html_url: 'https://acme.pagerduty.com/escalation_policies/PESC001', id: 'PESC001', self: 'https://api.pagerduty.com/escalation_policies/PESC001', summary: 'core-service', type: 'escalation_policy_reference' },
  teams: [{ html_url: 'https://acme.pagerduty.com/teams/PFCVPS0', id: 'PFCVPS0', self: 'https://api.pagerduty.com/teams/PFCVPS0', summary: 'Platform', type: 'team_reference' }],
  priority: null,
  urgency: 'high',
  conference_bridge: { conference_number: '+1 1234123412,,987654321#', conference_url: 'https://example.com' },
  resolve_reason: null,
  ...extra,
});

const webhook = (eventType: string, resourceType: string, agent: unknown, data: unknown) => ({
  event: { id: '01DEN1ZQVZBKTKXTBG3VZ7RA2Z', event_type: eventType, resource_type: resourceType, occurred_at: '2026-12-05T08:03:11.261Z', agent, client: agent ? { name: 'PagerDuty' } : null, data },
});

const WHOLE = {
  id: 'Q1ABCDEF2GHIJ',
  number: 1042,
  title: 'HighErrorRate: core-service error rate above 5% in prod',
  urgency: 'high',
  priority: null,
  htmlUrl: 'https://acme.pagerduty.com/incidents/Q1ABCDEF2GHIJ',
  incidentKey: 'HighErrorRate/core-service/prod',
  serviceId: 'PCORE01',
  serviceSummary: 'core-service (prod)',
  assignees: [{ id: 'PXPGF42', summary: 'Dana Oncall' }],
  partial: false,
};

describe('parsePagerDutyWebhook', () => {
  it('reads incident.triggered (triggered by the service integration) into a whole incident', () => {
    expect(parsePagerDutyWebhook(webhook('incident.triggered', 'incident', SERVICE, incident('triggered')))).toEqual({
      eventId: '01DEN1ZQVZBKTKXTBG3VZ7RA2Z',
      eventType: 'incident.triggered',
      kind: 'triggered',
      occurredAt: '2026-12-05T08:03:11.261Z',
      incident: { ...WHOLE, status: 'triggered' },
      agent: { id: 'PCORE01', type: 'service_reference', summary: 'core-service (prod)' },
    });
  });

  it('reads incident.acknowledged by a user, with the priority by its name', () => {
    const priority = { html_url: 'https://acme.pagerduty.com/account/incident_priorities', id: 'PSO75BM', self: 'https://api.pagerduty.com/priorities/PSO75BM', summary: 'P1', type: 'priority_reference' };
    expect(parsePagerDutyWebhook(webhook('incident.acknowledged', 'incident', DANA, incident('acknowledged', { priority })))).toEqual({
      eventId: '01DEN1ZQVZBKTKXTBG3VZ7RA2Z',
      eventType: 'incident.acknowledged',
      kind: 'acknowledged',
      occurredAt: '2026-12-05T08:03:11.261Z',
      incident: { ...WHOLE, status: 'acknowledged', priority: 'P1' },
      agent: { id: 'PXPGF42', type: 'user_reference', summary: 'Dana Oncall' },
    });
  });

  it('reads incident.resolved (no assignees left, a resolve reason) and an event without an agent', () => {
    const signal = parsePagerDutyWebhook(webhook('incident.resolved', 'incident', null, incident('resolved', { assignees: [], resolve_reason: { type: 'merge_resolve_reason', incident: { id: 'Q0OTHER' } } })));
    expect(signal).toMatchObject({ kind: 'resolved', agent: null, incident: { status: 'resolved', assignees: [], partial: false } });
  });

  it('reads incident.annotated: the note, and the incident it is on as a partial incident', () => {
    const note = { incident: { html_url: 'https://acme.pagerduty.com/incidents/Q1ABCDEF2GHIJ', id: 'Q1ABCDEF2GHIJ', self: 'https://api.pagerduty.com/incidents/Q1ABCDEF2GHIJ', summary: 'HighErrorRate: core-service error rate above 5% in prod', type: 'incident_reference' }, id: 'P2LA89X', content: 'Rolled back core-service to v41.', trimmed: false, type: 'incident_note' };
    expect(parsePagerDutyWebhook(webhook('incident.annotated', 'incident', DANA, note))).toEqual({
      eventId: '01DEN1ZQVZBKTKXTBG3VZ7RA2Z',
      eventType: 'incident.annotated',
      kind: 'annotated',
      occurredAt: '2026-12-05T08:03:11.261Z',
      incident: { id: 'Q1ABCDEF2GHIJ', number: null, title: 'HighErrorRate: core-service error rate above 5% in prod', status: null, urgency: null, priority: null, htmlUrl: 'https://acme.pagerduty.com/incidents/Q1ABCDEF2GHIJ', incidentKey: null, serviceId: null, serviceSummary: null, assignees: [], partial: true },
      agent: { id: 'PXPGF42', type: 'user_reference', summary: 'Dana Oncall' },
      note: 'Rolled back core-service to v41.',
    });
  });

  it('reads service.updated (and a ping) as kind other, with no incident', () => {
    const service = { html_url: 'https://acme.pagerduty.com/services/PF9KMXH', id: 'PF9KMXH', self: 'https://api.pagerduty.com/services/PF9KMXH', summary: 'testing service updates', alert_creation: 'create_alerts_and_incidents', teams: [], type: 'service' };
    expect(parsePagerDutyWebhook(webhook('service.updated', 'service', null, service))).toEqual({ eventId: '01DEN1ZQVZBKTKXTBG3VZ7RA2Z', eventType: 'service.updated', kind: 'other', occurredAt: '2026-12-05T08:03:11.261Z', agent: null });
    expect(parsePagerDutyWebhook(webhook('pagey.ping', 'pagey', null, { message: 'Hello from your friend Pagey!', type: 'ping' }))).toMatchObject({ eventType: 'pagey.ping', kind: 'other', agent: null });
  });

  it('names the other incident events: delegated as reassigned, a responder or status update (or a type not known yet) as other, still with the incident', () => {
    const ref = { incident: { id: 'Q1ABCDEF2GHIJ', summary: 'HighErrorRate', type: 'incident_reference' }, message: 'A fix is being rolled out', type: 'incident_status_update' };
    expect(parsePagerDutyWebhook(webhook('incident.delegated', 'incident', DANA, incident('triggered'))).kind).toBe('reassigned');
    expect(parsePagerDutyWebhook(webhook('incident.escalated', 'incident', DANA, incident('triggered'))).kind).toBe('escalated');
    expect(parsePagerDutyWebhook(webhook('incident.status_update_published', 'incident', DANA, ref))).toMatchObject({ kind: 'other', incident: { id: 'Q1ABCDEF2GHIJ', partial: true } });
    expect(parsePagerDutyWebhook(webhook('incident.workflow.started', 'incident', null, incident('triggered')))).toMatchObject({ kind: 'other', incident: { id: 'Q1ABCDEF2GHIJ', status: 'triggered' } });
  });

  it('refuses what is not a v3 webhook, saying where', () => {
    expect(() => parsePagerDutyWebhook({ messages: [] })).toThrow(ValidationError);
    expect(() => parsePagerDutyWebhook(null)).toThrow('not a PagerDuty v3 webhook: no event');
    const noType = webhook('incident.triggered', 'incident', null, incident('triggered'));
    delete (noType.event as Partial<typeof noType.event>).event_type;
    try {
      parsePagerDutyWebhook(noType);
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).details).toEqual([{ path: '/body/event/event_type', message: 'must be a non-empty string' }]);
    }
  });
});

describe('the webhook body schema', () => {
  const validate = new Ajv2020({ strict: false }).compile(PAGERDUTY_WEBHOOK_SCHEMA);

  it('accepts real payloads, the fields PagerDuty adds inside event.data included, and its own example', () => {
    expect(validate(webhook('incident.triggered', 'incident', SERVICE, incident('triggered', { brand_new_field: { anything: [1, 2] } })))).toBe(true);
    expect(validate(webhook('service.updated', 'service', null, { id: 'PF9KMXH', type: 'service' }))).toBe(true);
    expect(validate({ event: { ...webhook('incident.resolved', 'incident', null, null).event, agent: { id: 'P1', type: 'user_reference', summary: null } } })).toBe(true);
    for (const example of PAGERDUTY_WEBHOOK_SCHEMA.examples) expect(validate(example)).toBe(true);
  });

  it('wants event with its id, event_type, resource_type and occurred_at', () => {
    expect(validate({})).toBe(false);
    for (const field of ['id', 'event_type', 'resource_type', 'occurred_at']) {
      const body = webhook('incident.triggered', 'incident', null, incident('triggered'));
      delete (body.event as Record<string, unknown>)[field];
      expect(validate(body)).toBe(false);
      expect(validate.errors?.[0]).toMatchObject({ instancePath: '/event', keyword: 'required', params: { missingProperty: field } });
    }
  });
});
