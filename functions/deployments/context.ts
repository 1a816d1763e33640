/** The deployments context: deploy, rollback, promote, scale and restart over GitOps, run by the deployment state machine. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'deployments',
  summary: 'Deployments over GitOps: deploy, rollback, promote, scale, restart, production approval, history; run by the deployment state machine',
  heavy: [{
    what: '@aws-sdk/client-sfn and Powertools idempotency (with JMESPath), and @octokit/rest with the yaml parser (the versions of an environment from the GitOps history)',
    neededBy: 'POST /api/v1/deployments and services/{id}/rollback|promote|scale|restart (one Idempotency-Key → one deployment; starts the execution), cancel (resumes a waiting one), GET /api/v1/deployments/versions (reads the GitOps history)',
  }],
  bindings: ['gitops-repository'],
  topics: ['deployment', 'deployments'],
  workflows: [
    {
      name: 'deployment',
      summary: 'A deployment: prepare → pull request (production) → approval (production) → commit or merge → sync → rollout checks → catalog; cancel puts Git back',
      steps: 'functions/deployments/steps.ts',
      // A failed canary's automatic rollback is a deployment of its own, started by the steps.
      startsItself: true,
      // GitOps commits with Apollo's GitHub credentials; the rollout through Argo CD or the EKS clusters.
      bindings: ['deployment-targets', 'notification-events'],
      heavy: [{
        what: '@octokit/rest and yaml (GitOps commits and pull requests), the Argo CD and Kubernetes adapters with @aws-sdk/client-eks',
        neededBy: 'pull-request, commit, merge, sync, check and restart (each talks to GitHub or the cluster)',
      }],
    },
  ],
  local: async (runtime) => {
    const { configureDeploymentsLocal } = await import('./local.ts');
    return configureDeploymentsLocal(runtime);
  },
};
