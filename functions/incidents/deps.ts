/**
 * What the incidents context reaches outside: PagerDuty's REST API (acknowledge and resolve go back there for
 * an incident that came from it), with the API key from the integration secret `pagerduty_api_key`, read on
 * each call so a rotated key is picked up; and who writes the postmortem's draft when a model is configured (the
 * jobs Lambda; in the local runtime, this process). Tests swap them.
 */
import { integrationSecret } from '#functions/requests/public';
import { PagerDutyClient } from './adapters/pagerduty-rest.ts';
import { LambdaPostmortemWriter, type PostmortemWriter } from './adapters/postmortem-writer.ts';
import { incidentsConfig } from './config.ts';

export const PAGERDUTY_API_KEY_SECRET = 'pagerduty_api_key';
export const PAGERDUTY_WEBHOOK_SECRET = 'pagerduty_webhook_secret';

export interface IncidentsDeps {
  readonly pagerDuty: Pick<PagerDutyClient, 'setStatus' | 'addNote'>;
  readonly postmortemWriter: PostmortemWriter;
}

let deps: IncidentsDeps | undefined;

export function incidentsDeps(): IncidentsDeps {
  deps ??= {
    pagerDuty: new PagerDutyClient({
      baseUrl: incidentsConfig().pagerDutyApiUrl,
      apiKey: () => integrationSecret(PAGERDUTY_API_KEY_SECRET),
      apiKeySource: `the integration secret ${PAGERDUTY_API_KEY_SECRET}`,
    }),
    postmortemWriter: new LambdaPostmortemWriter(),
  };
  return deps;
}

export function configureIncidents(overrides: Partial<IncidentsDeps>): void {
  deps = { ...incidentsDeps(), ...overrides };
}

/** Tests and the local runtime: make the client again (its URL may have changed). */
export function resetIncidentsDeps(): void {
  deps = undefined;
}
