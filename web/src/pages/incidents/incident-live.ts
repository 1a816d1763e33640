/**
 * Incidents kept live (ARCHITECTURE.md §5): `incidents` (event incident.changed with id, status, severity, services)
 * moves the list in place and reads it again (a new one, one that now matches the filters), with the statistics;
 * `incident:<id>` (the incident as GET shows it, and the timeline entries written with the change) moves an
 * incident's page and appends to its timeline; its postmortem frames (version and status) read a newer postmortem. What frames keep current is read again when the connection comes back.
 */
import { useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useState } from 'react';
import type { Incident, IncidentList, IncidentTimelineEntry, Postmortem } from '../../../../schemas/types.gen.ts';
import { useOnReconnect, useThrottledInvalidate, useTopics } from '../../lib/live-requests.ts';
import { useTopicLive } from '../deployments/use-live-deployments.ts';
import { incidentKey, postmortemKey, runbookKey, STATS_KEY, timelineKey } from './incident-queries.ts';
import { applyListChange, asIncidentChange, asListChange, asPostmortemChange, newerIncident } from './incident-rules.ts';

/** Any incident list (the Incidents page's, a service page's callout) and the statistics follow `incidents`. */
export function useLiveIncidentLists(): { live: boolean } {
  const client = useQueryClient();
  const invalidate = useThrottledInvalidate(400);
  useTopics(['incidents'], (frame) => {
    const change = asListChange(frame.data);
    if (!change) return;
    for (const [key, data] of client.getQueriesData<InfiniteData<IncidentList, string | undefined>>({ queryKey: ['incidents', 'list'] })) {
      if (!data || !('pages' in data)) continue;
      const next = applyListChange(data, change);
      if (next !== data) client.setQueryData(key, next);
    }
    // A new incident, or one that now matches (or no longer matches) a filter: only a read can tell.
    invalidate(['incidents', 'list']);
    invalidate(STATS_KEY);
  });
  useOnReconnect(() => { invalidate(['incidents', 'list']); invalidate(STATS_KEY); });
  return { live: useTopicLive('incidents') };
}

/** An incident's frames: the incident put in place, the entries kept (merged with the timeline read), what it links read again. */
export function useLiveIncident(id: string): { entries: IncidentTimelineEntry[]; live: boolean } {
  const client = useQueryClient();
  const invalidate = useThrottledInvalidate(300);
  const [entries, setEntries] = useState<IncidentTimelineEntry[]>([]);
  const topic = `incident:${id}`;
  useTopics([topic], (frame) => {
    // The postmortem drafted or saved (by someone else too): read it when it is newer than the one shown.
    const saved = asPostmortemChange(frame.data);
    if (saved) {
      const shown = client.getQueryData<Postmortem | null>(postmortemKey(id));
      if (!shown || shown.version < saved.version) invalidate(postmortemKey(id));
      client.setQueryData<Incident>(incidentKey(id), (i) => (i && !i.hasPostmortem ? { ...i, hasPostmortem: true } : i));
      return;
    }
    const change = asIncidentChange(frame.data, id);
    if (!change) return;
    const before = client.getQueryData<Incident>(incidentKey(id));
    client.setQueryData<Incident>(incidentKey(id), newerIncident(before, change.incident));
    if (change.entries.length) setEntries((e) => [...e, ...change.entries]);
    // The window (its end) and the joined records follow the status; the runbook follows the services.
    if (before && before.status !== change.incident.status) invalidate(timelineKey(id));
    if (before && before.affectedServices.join() !== change.incident.affectedServices.join()) invalidate(runbookKey(id));
    if (before && before.hasPostmortem !== change.incident.hasPostmortem) invalidate(postmortemKey(id));
  });
  useOnReconnect(() => { invalidate(incidentKey(id)); invalidate(timelineKey(id)); });
  return { entries, live: useTopicLive(topic) };
}
