/** The requests context: self-service requests, their approvals, and their fulfilment on Step Functions. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'requests',
  summary: 'Self-service requests: submit, follow live, approvals inbox; fulfilled by the fulfillment state machine',
  topics: ['request', 'requests', 'requests-all', 'approvals', 'notifications'],
  workflows: [
    {
      name: 'fulfillment',
      summary: 'A request: validate → quota → approval → manual or the offering\'s actions (REST, webhook; Terraform, GitHub and JIRA with part 2) → completed | failed',
      steps: 'functions/requests/steps.ts',
      // GitHub workflow actions use Apollo's GitHub credentials, as discovery does.
      bindings: ['integration-secrets', 'notification-events', 'github-credentials'],
    },
  ],
  local: async (runtime) => {
    const { configureRequestsLocal } = await import('./local.ts');
    return configureRequestsLocal(runtime);
  },
};
