/**
 * The deployments context on a laptop (`npm start` and the integration tests): the GitOps repository is
 * the local fake GitHub's `apollo-demo/gitops` (APOLLO_GITOPS_REPO, set when the fake started), the rollout
 * the SIMULATED Argo CD the runtime started beside it (APOLLO_ARGOCD_URL), through the same adapters as in
 * AWS. Set APOLLO_GITOPS_REPO / APOLLO_ARGOCD_URL (and the GitHub credentials) before `npm start` to use
 * real ones. Canary analysis reads the LOCAL DEMO METRICS server the runtime started (local/fakes/metrics-server.ts
 * set APOLLO_METRICS=prometheus and APOLLO_PROMETHEUS_URL), through the same Prometheus adapter as in AWS,
 * unless APOLLO_METRICS named a real source before `npm start`.
 */
import type { LocalRuntime } from '#lib/context';
import { integrationSecret } from '#functions/requests/public';
import { rolloutFromEnv } from './adapters/aws.ts';
import { gitHubGitOpsFromEnv } from './adapters/github-gitops.ts';
import { metricsFromEnv } from './adapters/metrics.ts';
import { configureDeployments } from './deps.ts';
import { markInterruptedDeployments } from './interrupted.ts';

export async function configureDeploymentsLocal(runtime: LocalRuntime): Promise<string[]> {
  if (!process.env.APOLLO_GITOPS_REPO) {
    configureDeployments(undefined);
    return ['Deployments: no GitOps repository (APOLLO_GITOPS_REPO is not set and the fake GitHub is off): a deployment answers 503 saying so'];
  }
  const fake = runtime.fakeGitHub !== undefined;
  const gitops = gitHubGitOpsFromEnv(process.env, fake ? { label: 'LOCAL FAKE' } : {});
  const rollout = rolloutFromEnv(process.env, { kind: runtime.home ? `$APOLLO_HOME/integration-secrets.json` : 'memory', get: integrationSecret });
  const metrics = metricsFromEnv(process.env);
  configureDeployments({ gitops, rollout, ...(metrics ? { metrics } : {}) });
  // Links in commits and pull requests open the deployment in this runtime's web app.
  process.env.APOLLO_WEB_URL ??= runtime.url;
  // The simulated pods roll in seconds: a check every 2 s shows them roll (in AWS, every 10 s).
  process.env.APOLLO_DEPLOY_POLL_SECONDS ??= '2';
  // A canary check every 5 s (in AWS every 60 s): a local deploy's analysis takes under a minute, and a pushed error rate rolls it back in ~25 s.
  process.env.APOLLO_CANARY_INTERVAL_S ??= '5';
  // No execution survives a restart here: what was under way ends saying so, and frees its environment.
  const interrupted = await markInterruptedDeployments();
  return [
    ...(interrupted ? [`Deployments: ${interrupted} deployment(s) were under way when Apollo stopped: ended as interrupted (deploy again to finish each)`] : []),
    `Deployments: GitOps on ${gitops.kind}; rollouts through ${rollout.kind}; canary metrics from ${metrics?.kind ?? 'nowhere (APOLLO_METRICS is unset: no canary analysis)'}`,
  ];
}
