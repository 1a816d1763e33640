/** The webhooks context: senders verified by their signature, their events handed to the context they concern. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'webhooks',
  summary: 'Webhooks from outside systems (GitHub, Terraform Cloud, JIRA), verified by their sender\'s signature',
  // Verifies GitHub's signature with the webhook secret; hands a push to discovery or the catalog refresh.
  // Terraform's and JIRA's are checked with integration secrets and wake the request waiting for that run.
  // A push to the GitOps repository made outside Apollo becomes deployments (gitops-repository names it).
  bindings: ['github-credentials', 'catalog-repository', 'job-dispatch', 'integration-secrets', 'gitops-repository'],
  // A Terraform or JIRA webhook wakes the fulfilment action waiting for that run.
  resumes: ['fulfillment'],
  // ...and starts the deployment that follows the rollout of a change made in Git.
  starts: ['deployment'],
  heavy: [{
    what: '@aws-sdk/client-lambda and @aws-sdk/client-secrets-manager',
    neededBy: 'POST /api/v1/webhooks/github (reads the webhook secret to check the signature, hands the run to the jobs Lambda)',
  }],
};
