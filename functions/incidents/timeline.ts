/**
 * An incident's timeline: its own entries (alerts, status changes, comments, actions) joined with Apollo's own
 * records of its affected services, each by the record's id and linking to it, never guessed from log text:
 *
 * - deployments of each affected service in each affected environment (deploys, rollbacks, promotes, scales,
 *   restarts) started in the window, and the last one before it (the usual suspect, however long ago);
 * - requests fulfilled for the affected services (their team's requests whose form named the service) in the window;
 * - the affected services' secret value changes (rotations, new values, rollbacks) in the affected environments in the window.
 *
 * The window runs from APOLLO_INCIDENT_LOOKBACK_MINUTES (60) before the incident began to its resolution (now
 * while it is open). The AI console's actions join as the records they made (a deployment says initiatedVia ai).
 */
import type { DeploymentSummary, Incident, IncidentTimeline, IncidentTimelineEntry } from '#schemas/index.ts';
import { deploymentHistory } from '#functions/deployments/public';
import { requestsForService } from '#functions/requests/public';
import { secretChangesOf } from '#functions/secrets/public';
import { incidentsConfig } from './config.ts';
import { ownEntries, requireIncident } from './records.ts';

/** Deployments a service's environment had in the window (newest first from the index), and the last before it. */
async function deploymentsOf(service: string, environment: string, from: string, to: string): Promise<DeploymentSummary[]> {
  const [within, before] = await Promise.all([
    deploymentHistory({ service, environment, from, to }, 100),
    deploymentHistory({ service, environment, to: from }, 1),
  ]);
  return [...within.items, ...before.items];
}

const OPERATION_WORD: Record<string, string> = { deploy: 'deployed', rollback: 'rolled back to', promote: 'promoted', scale: 'scaled', restart: 'restarted' };

function deploymentEntry(d: DeploymentSummary): IncidentTimelineEntry {
  const what = d.operation === 'scale' ? `${d.service} ${d.environment} scaled to ${d.replicas ?? '?'} replicas`
    : d.operation === 'restart' ? `${d.service} ${d.environment} restarted`
    : `${d.service} ${d.environment} ${OPERATION_WORD[d.operation] ?? d.operation} ${d.imageTag}${d.previousImageTag ? ` (from ${d.previousImageTag})` : ''}`;
  return {
    id: `deployment-${d.id}`,
    at: d.createdAt,
    type: 'deployment',
    actor: d.initiatedBy,
    content: `${what}: ${d.status}${d.reason ? ` (${d.reason})` : ''}`,
    ref: { kind: 'deployment', id: d.id, href: `/api/v1/deployments/${d.id}` },
    metadata: { service: d.service, environment: d.environment, operation: d.operation, status: d.status, imageTag: d.imageTag },
  };
}

export function windowOf(incident: Pick<Incident, 'createdAt' | 'resolvedAt'>, now = Date.now()): { from: string; to: string } {
  const from = new Date(Date.parse(incident.createdAt) - incidentsConfig().lookbackMinutes * 60_000).toISOString();
  const to = incident.resolvedAt ?? new Date(now).toISOString();
  return { from, to };
}

export async function incidentTimeline(id: string): Promise<IncidentTimeline> {
  const incident = await requireIncident(id);
  const window = windowOf(incident);
  const catalogTeam = incident.team;
  const [own, deployments, requests, secretChanges] = await Promise.all([
    ownEntries(id),
    Promise.all(incident.affectedServices.flatMap((s) => incident.affectedEnvironments.map((e) => deploymentsOf(s, e, window.from, window.to)))),
    catalogTeam
      ? Promise.all(incident.affectedServices.map(async (s) => (await requestsForService(s, catalogTeam, window.from, window.to)).map((r) => ({ ...r, service: s }))))
      : Promise.resolve([]),
    Promise.all(incident.affectedServices.map((s) => secretChangesOf(s, window.from, window.to))),
  ]);
  const seen = new Set<string>();
  const joined: IncidentTimelineEntry[] = [...own];
  for (const d of deployments.flat()) {
    if (seen.has(d.id)) continue;
    seen.add(d.id);
    joined.push(deploymentEntry(d));
  }
  for (const r of requests.flat()) {
    joined.push({
      id: `request-${r.id}`, at: r.completedAt, type: 'request', actor: r.requester,
      content: `request ${r.offering} for ${r.service} fulfilled`,
      ref: { kind: 'request', id: r.id, href: `/api/v1/requests/${r.id}` },
      metadata: { service: r.service, offering: r.offering },
    });
  }
  const WORD = { rotate: 'rotated', update: 'given a new value', rollback: 'rolled back' } as const;
  // A change is kept under the secret's service and each service reading it: an incident on several shows it once.
  for (const c of secretChanges.flat().filter((change) => (change.readIn ?? [change.environment]).some((e) => incident.affectedEnvironments.includes(e)))) {
    const entryId = `secret-${c.secretName}-${c.versionId}-${c.kind}-${c.at}`;
    if (seen.has(entryId)) continue;
    seen.add(entryId);
    joined.push({
      id: entryId, at: c.at, type: 'secret_rotation', actor: c.by,
      content: `secret ${c.secretName} ${WORD[c.kind]}`,
      ref: { kind: 'secret', id: c.secretName, href: `/api/v1/secrets/${c.environment}/${c.service}/${c.name}` },
      metadata: { service: c.service, environment: c.environment, kind: c.kind },
    });
  }
  joined.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  return { incidentId: id, window, items: joined };
}
