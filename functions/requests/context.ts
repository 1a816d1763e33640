/** The requests context: self-service requests, their approvals, and their fulfilment on Step Functions. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'requests',
  summary: 'Self-service requests: submit, follow live, approvals inbox; fulfilled by the fulfillment state machine',
  heavy: [{
    what: '@aws-sdk/client-sfn and Powertools idempotency (with JMESPath), and the offerings\' form checks (data sources from the service catalog)',
    neededBy: 'POST /api/v1/requests (one Idempotency-Key → one request; checks the fields, starts the fulfillment execution), …/retry (checks changed fields), approve|reject, cancel and complete (resume the execution)',
  }],
  topics: ['request', 'requests', 'requests-all', 'approvals', 'notifications'],
  // The Approvals inbox decides production deployments too: a decision resumes the deployment's execution.
  resumes: ['deployment'],
  workflows: [
    {
      name: 'fulfillment',
      summary: 'A request: validate → quota → approval → manual or the offering\'s actions (REST, webhook; Terraform, GitHub and JIRA with part 2) → completed | failed',
      steps: 'functions/requests/steps.ts',
      // GitHub workflow actions use Apollo's GitHub credentials, as discovery does; Terraform actions point their
      // workspace's notifications at Apollo's public URL.
      bindings: ['integration-secrets', 'notification-events', 'github-credentials', 'public-url', 'egress-allow'],
      heavy: [{
        what: '@octokit/rest (GitHub workflow dispatch), the Terraform Cloud, JIRA, REST and webhook executors with cockatiel, @aws-sdk/client-secrets-manager (the actions\' secrets) and client-eventbridge (notifications)',
        neededBy: 'action-start, action-check and action-collect (an action of any type may come next), and the steps that notify',
      }],
    },
  ],
  jobs: [{
    name: 'approval-escalation',
    description: "Escalates requests' approvals pending past their deadline (APOLLO_APPROVAL_ESCALATE_AFTER, 4h): first to the rule's approvers who have not decided, then to the offering's owner team; each kept on the approval, logged on the request and notified",
    schedule: 'rate(15 minutes)',
    timeoutSeconds: 120,
    bindings: ['notification-events'],
    run: async () => {
      const { runEscalations } = await import('./escalation.ts');
      const result = await runEscalations();
      return { result, summary: { ...result } };
    },
  }],
  local: async (runtime) => {
    const { configureRequestsLocal } = await import('./local.ts');
    return configureRequestsLocal(runtime);
  },
};
