/**
 * The local runtime's incidents: PagerDuty is the LOCAL FAKE PagerDuty the runtime starts (local/fakes/
 * pagerduty-server.ts; APOLLO_PAGERDUTY_API_URL names it): its demo alert arrives as a signed v3 webhook, and
 * acknowledging or resolving here goes back to it over its REST API, as with the real one. A postmortem's draft is
 * written by the AI console's model in this process, when it has one.
 */
import type { LocalRuntime } from '#lib/context';
import { resetIncidentsConfig } from './config.ts';
import { InProcessPostmortemWriter } from './adapters/postmortem-writer-local.ts';
import { configureIncidents, resetIncidentsDeps } from './deps.ts';

export async function configureIncidentsLocal(_runtime: LocalRuntime): Promise<string[]> {
  resetIncidentsConfig();
  resetIncidentsDeps();
  configureIncidents({ postmortemWriter: new InProcessPostmortemWriter() });
  const url = process.env.APOLLO_PAGERDUTY_API_URL;
  return url ? [`Incidents: PagerDuty is the LOCAL FAKE PagerDuty at ${url} (its demo alert fires from the Incidents page's Local demo only button, its own page, or npm run job pagerduty-alert with npm start stopped)`] : [];
}
