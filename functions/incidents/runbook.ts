/**
 * The runbook for an incident's alert (GET /api/v1/incidents/{id}/runbook), through the runbooks' trigger
 * index: an affected service's runbook whose trigger is the alert's name, and the other services' for the
 * same alert (a team's shared playbook is often written once).
 */
import type { IncidentRunbook } from '#schemas/index.ts';
import { runbooksForAlert } from '#functions/services/public';
import { requireIncident } from './records.ts';

export async function incidentRunbook(id: string): Promise<IncidentRunbook> {
  const incident = await requireIncident(id);
  const alertName = incident.source.alertName ?? null;
  if (!alertName) return { incidentId: id, alertName, runbook: null, others: [], reason: 'the incident names no alert, so no runbook is matched (declare it with alertName, or edit the runbook by hand)' };
  const runbooks = await runbooksForAlert(alertName);
  const mine = incident.affectedServices.map((s) => runbooks.find((r) => r.serviceId === s)).find(Boolean) ?? null;
  const others = runbooks.filter((r) => r !== mine);
  return {
    incidentId: id, alertName, runbook: mine, others,
    ...(mine ? {} : { reason: `no runbook of ${incident.affectedServices.join(', ')} is triggered by ${alertName}${others.length ? ` (${others.length} of other services are)` : ''}` }),
  };
}
