/** The incidents context: PagerDuty and CloudWatch alarms in, lifecycle, runbooks, a joined timeline, postmortems. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'incidents',
  summary: 'Incidents: PagerDuty webhooks and CloudWatch alarms in, lifecycle with PagerDuty sync, runbooks, a timeline joined to deployments and requests, postmortems, MTTA/MTTR',
  // PagerDuty's API key is the integration secret pagerduty_api_key. A postmortem's draft is handed to the jobs
  // Lambda (job-dispatch) when the model's settings (ai-model) name a model.
  bindings: ['integration-secrets', 'job-dispatch', 'ai-model'],
  heavy: [{
    what: '#functions/ai/public, to read the model\'s settings (what its sessions module brings: Ajv, @aws-sdk/client-lambda), and client-lambda to hand the writing over',
    neededBy: 'POST /api/v1/incidents/{id}/postmortem (says whether a model will write the draft, and hands the writing to the jobs Lambda)',
  }],
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
    {
      name: 'incident-postmortem',
      description: 'The model writes an incident\'s postmortem draft from its records (POST …/postmortem hands it over when a model is configured), saved as the next version unless someone edited it first',
      dispatched: true,
      // The model gets 240 s (postmortem-model.ts); the rest saves what happened.
      timeoutSeconds: 300,
      bindings: ['ai-model'],
      run: async (event) => {
        const { writePostmortemWithModel } = await import('./postmortem-model.ts');
        const jobId = typeof event.jobId === 'string' ? event.jobId : '';
        const result = await writePostmortemWithModel(jobId);
        return { result, summary: { jobId, outcome: result.outcome } };
      },
    },
  ],
  local: async (runtime) => {
    const { configureIncidentsLocal } = await import('./local.ts');
    return configureIncidentsLocal(runtime);
  },
};
