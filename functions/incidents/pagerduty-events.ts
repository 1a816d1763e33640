/**
 * A PagerDuty v3 webhook body read into one normalized signal for the incidents context (PROTOCOLS.md §4;
 * PagerDuty/developer-docs `docs/webhooks/01-Overview.md`): `{"event":{id, event_type, resource_type,
 * occurred_at, agent, client, data}}`, one event per delivery.
 *
 * `event.data` depends on the event type: a whole incident for most `incident.*` events; for
 * `incident.annotated` an `incident_note` (`{incident: <reference>, id, content}`), and for the responder
 * and status update events an object holding only an incident reference. Those give a `partial` incident
 * (its id, title and link; the rest null): ask the REST API for the rest. `service.*` and any other
 * resource (PagerDuty adds event types) give kind `other` and no incident.
 */
import { ValidationError } from '#shared/errors';

export type PagerDutySignalKind = 'triggered' | 'acknowledged' | 'unacknowledged' | 'resolved' | 'reopened' | 'annotated' | 'escalated' | 'reassigned' | 'priority_updated' | 'other';
export type PagerDutyIncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export type PagerDutyUrgency = 'high' | 'low';

export interface PagerDutyReference {
  readonly id: string;
  readonly summary: string | null;
}

export interface PagerDutySignalIncident {
  /** e.g. `Q1ABCDEF2GHIJ`: what the REST API's `/incidents/{id}` takes. */
  readonly id: string;
  /** The account-wide incident number people say ("#1234"); null on a partial incident. */
  readonly number: number | null;
  readonly title: string;
  /** Null on a partial incident. */
  readonly status: PagerDutyIncidentStatus | null;
  readonly urgency: PagerDutyUrgency | null;
  /** The priority's name (`P1`), or null when the account has none set on it. */
  readonly priority: string | null;
  readonly htmlUrl: string | null;
  /** The de-duplication key of the alerts behind it (e.g. `HighErrorRate/core-service/prod`). */
  readonly incidentKey: string | null;
  readonly serviceId: string | null;
  readonly serviceSummary: string | null;
  readonly assignees: readonly PagerDutyReference[];
  /** True when the event carried only a reference to the incident (annotated, responder, status update). */
  readonly partial: boolean;
}

export interface PagerDutyAgent {
  readonly id: string;
  /** e.g. `user_reference`, `service_reference`. */
  readonly type: string;
  readonly summary: string | null;
}

export interface PagerDutySignal {
  /** `event.id`: unique per event (the delivery's id is the `X-Webhook-Id` header). */
  readonly eventId: string;
  /** The full type, e.g. `incident.triggered`, `service.updated`. */
  readonly eventType: string;
  readonly kind: PagerDutySignalKind;
  /** ISO 8601, as PagerDuty wrote it. */
  readonly occurredAt: string;
  /** Undefined when the event is not about an incident (`service.*`, a ping). */
  readonly incident?: PagerDutySignalIncident;
  /** Who or what did it: a user, or the service for an incident an integration triggered; null when PagerDuty says none. */
  readonly agent: PagerDutyAgent | null;
  /** `incident.annotated`: the note's text. */
  readonly note?: string;
}

const KIND_BY_TYPE: Readonly<Record<string, PagerDutySignalKind>> = {
  'incident.triggered': 'triggered',
  'incident.acknowledged': 'acknowledged',
  'incident.unacknowledged': 'unacknowledged',
  'incident.resolved': 'resolved',
  'incident.reopened': 'reopened',
  'incident.annotated': 'annotated',
  'incident.escalated': 'escalated',
  'incident.reassigned': 'reassigned',
  // Reassigned to another escalation policy: for Apollo, the incident's assignees changed all the same.
  'incident.delegated': 'reassigned',
  'incident.priority_updated': 'priority_updated',
};

const STATUSES: readonly string[] = ['triggered', 'acknowledged', 'resolved'];
const URGENCIES: readonly string[] = ['high', 'low'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => !!value && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function required(event: Json, field: string): string {
  const value = text(event[field]);
  if (value === null) throw new ValidationError(`a PagerDuty webhook's event needs ${field}`, { details: [{ path: `/body/event/${field}`, message: 'must be a non-empty string' }] });
  return value;
}

function reference(value: unknown): PagerDutyReference | null {
  if (!isObject(value)) return null;
  const id = text(value.id);
  return id === null ? null : { id, summary: text(value.summary) ?? text(value.name) };
}

function wholeIncident(data: Json, id: string): PagerDutySignalIncident {
  const service = isObject(data.service) ? data.service : {};
  const priority = isObject(data.priority) ? text(data.priority.summary) ?? text(data.priority.name) : null;
  const status = text(data.status);
  const urgency = text(data.urgency);
  return {
    id,
    number: typeof data.number === 'number' ? data.number : typeof data.incident_number === 'number' ? data.incident_number : null,
    title: text(data.title) ?? text(data.summary) ?? id,
    status: status !== null && STATUSES.includes(status) ? (status as PagerDutyIncidentStatus) : null,
    urgency: urgency !== null && URGENCIES.includes(urgency) ? (urgency as PagerDutyUrgency) : null,
    priority,
    htmlUrl: text(data.html_url),
    incidentKey: text(data.incident_key),
    serviceId: text(service.id),
    serviceSummary: text(service.summary),
    assignees: (Array.isArray(data.assignees) ? data.assignees : []).map(reference).filter((r): r is PagerDutyReference => r !== null),
    partial: false,
  };
}

function referencedIncident(ref: Json, id: string): PagerDutySignalIncident {
  return { id, number: null, title: text(ref.summary) ?? id, status: null, urgency: null, priority: null, htmlUrl: text(ref.html_url), incidentKey: null, serviceId: null, serviceSummary: null, assignees: [], partial: true };
}

function incidentOf(data: Json): PagerDutySignalIncident | undefined {
  if (data.type === 'incident' || data.type === undefined) {
    const id = text(data.id);
    if (id !== null && !isObject(data.incident)) return wholeIncident(data, id);
  }
  if (isObject(data.incident)) {
    const id = text(data.incident.id);
    if (id !== null) return referencedIncident(data.incident, id);
  }
  return undefined;
}

/**
 * The signal a PagerDuty v3 webhook body carries. Throws a ValidationError when it is not one (no `event`,
 * or an event without its id, type, resource type or time); anything else it does not know is read as
 * kind `other`, so a new PagerDuty event type is answered 2xx, not retried.
 */
export function parsePagerDutyWebhook(body: unknown): PagerDutySignal {
  const event = isObject(body) ? body.event : undefined;
  if (!isObject(event)) throw new ValidationError('not a PagerDuty v3 webhook: no event', { details: [{ path: '/body/event', message: 'must be an object' }] });
  const eventId = required(event, 'id');
  const eventType = required(event, 'event_type');
  const resourceType = required(event, 'resource_type');
  const occurredAt = required(event, 'occurred_at');
  const agentRef = reference(event.agent);
  const agent = agentRef && isObject(event.agent) ? { ...agentRef, type: text(event.agent.type) ?? 'unknown' } : null;
  const data = isObject(event.data) ? event.data : {};
  const incident = resourceType === 'incident' ? incidentOf(data) : undefined;
  const kind = incident ? KIND_BY_TYPE[eventType] ?? 'other' : 'other';
  const note = kind === 'annotated' ? text(data.content) : null;
  return { eventId, eventType, kind, occurredAt, ...(incident ? { incident } : {}), agent, ...(note !== null ? { note } : {}) };
}
