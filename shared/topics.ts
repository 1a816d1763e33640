/**
 * Realtime topics (ARCHITECTURE.md §5): what a client may subscribe to, and the permission it needs.
 * The realtime Lambda checks a subscription against this table (deny by default); every context
 * publishes through `publish(topic, …)` in functions/lib. Later capabilities add their kinds here
 * (`request:<id>`, `deployment:<id>`, `ai:<sessionId>`), with an ownership check where the
 * permission alone is not enough.
 */
import type { Permission } from './permissions.ts';

export interface TopicDef {
  /** `audit`, or the part before `:` in `request:<id>`. */
  readonly kind: string;
  /** Whether the topic has an id (`request:<id>`) or is a singleton (`audit`). */
  readonly hasId: boolean;
  readonly permission: Permission;
  readonly summary: string;
  /**
   * What the permission alone does not decide: `self` (the id is the subscriber's principal), `team`
   * (the subscriber is in that team, or holds `requests:manage`), `request` (the request is theirs or
   * their team's, or they hold `requests:manage`; the requests context decides), `ai-session` (the session is
   * theirs, or they hold `ai:admin`; the ai context decides).
   */
  readonly owner?: 'self' | 'team' | 'request' | 'ai-session';
}

export const TOPICS: readonly TopicDef[] = [
  { kind: 'audit', hasId: false, permission: 'audit:read', summary: 'Every audit entry as it is written and when its outcome is recorded' },
  { kind: 'service', hasId: true, permission: 'services:read', summary: 'A service’s health changes as the health job sees them (event service.health) and people’s changes to it (event service.changed)' },
  { kind: 'discovery', hasId: true, permission: 'catalog:manage', summary: 'A discovery run’s progress and outcome (event discovery.progress, the job as GET /api/v1/discovery/jobs/{id} shows it)' },
  { kind: 'catalog-refresh', hasId: true, permission: 'catalog:manage', summary: 'A catalog refresh’s progress and per-file outcome (event catalog-refresh.progress, the job as GET /api/v1/catalog-refresh/jobs/{id} shows it)' },
  { kind: 'request', hasId: true, permission: 'requests:read', owner: 'request', summary: 'A request’s every transition and action attempt (event request.changed: the request as GET /api/v1/requests/{id}/status shows it, plus the log line)' },
  { kind: 'requests', hasId: true, permission: 'requests:read', owner: 'team', summary: 'A team’s requests as they change (event request.changed with the id and status): My requests stays live' },
  { kind: 'requests-all', hasId: false, permission: 'requests:manage', summary: 'Everyone’s requests as they change (event request.changed with the id and status): the All tab of Requests stays live' },
  { kind: 'approvals', hasId: false, permission: 'requests:create', summary: 'Approvals opened and decided (event approval.changed with ids and status only): the inbox and its badge stay live' },
  { kind: 'deployment', hasId: true, permission: 'deployments:read', summary: 'A deployment’s every stage, rollout progress and timeline line (event deployment.changed: the deployment as GET /api/v1/deployments/{id} shows it, plus the line)' },
  { kind: 'deployments', hasId: false, permission: 'deployments:read', summary: 'Every deployment as it changes (event deployment.changed with id, service, environment, status, stage): the Deploy Center and service pages stay live' },
  { kind: 'incident', hasId: true, permission: 'incidents:read', summary: 'An incident’s changes and new timeline entries (event incident.changed: `{ incident, entries }`, the incident as GET /api/v1/incidents/{id} shows it and the new entries; or `{ postmortem: { version, status } }` when its postmortem is saved)' },
  { kind: 'incidents', hasId: false, permission: 'incidents:read', summary: 'Every incident as it opens and changes (event incident.changed with id, title, status, severity, affectedServices, team, source): the Incidents list stays live' },
  { kind: 'ai', hasId: true, permission: 'ai:read', owner: 'ai-session', summary: 'An AI session’s frames as its turns run (event ai.frame: schemas/api/ai-frame.schema.json; text deltas coalesced, at most ~20 a second): its owner’s, or anyone’s for ai:admin' },
  { kind: 'notifications', hasId: true, permission: 'system:read', owner: 'self', summary: 'Your notifications as they arrive (event notification.created); the id is your principal' },
];

/** The topic's definition, or undefined for a topic that does not exist (refused). */
export function topicDef(topic: string): TopicDef | undefined {
  const colon = topic.indexOf(':');
  const kind = colon < 0 ? topic : topic.slice(0, colon);
  const def = TOPICS.find((t) => t.kind === kind);
  if (!def) return undefined;
  if (def.hasId !== colon >= 0) return undefined;
  if (def.hasId && !/^[A-Za-z0-9._@+=,-]{1,128}$/.test(topic.slice(colon + 1))) return undefined;
  return def;
}

/** Env var naming the WebSocket management endpoint (`@connections`): set by CDK and by the local runtime. */
export const REALTIME_ENDPOINT_ENV = 'APOLLO_REALTIME_ENDPOINT';
