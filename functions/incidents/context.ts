/** The incidents context: PagerDuty and CloudWatch alarms in, lifecycle, runbooks, a joined timeline, postmortems. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'incidents',
  summary: 'Incidents: PagerDuty webhooks and CloudWatch alarms in, lifecycle with PagerDuty sync, runbooks, a timeline joined to deployments and requests, postmortems, MTTA/MTTR',
  // PagerDuty's API key is the integration secret pagerduty_api_key.
  bindings: ['integration-secrets'],
  topics: ['incident', 'incidents'],
  jobs: [
    {
      name: 'incident-alarm',
      description: 'A CloudWatch alarm of a catalog service going to ALARM opens an incident; back to OK resolves it',
      eventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
      timeoutSeconds: 60,
      run: async ({ event }) => {
        const { applyAlarmStateChange } = await import('./alarms.ts');
        const result = await applyAlarmStateChange(event);
        return { result, summary: { outcome: result.outcome, state: result.state } };
      },
    },
  ],
  local: async (runtime) => {
    const { configureIncidentsLocal } = await import('./local.ts');
    return configureIncidentsLocal(runtime);
  },
};
