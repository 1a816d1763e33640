/**
 * The services context: the service catalog, its health poll and its discovery from the `apollo.yaml`
 * manifests of the GitHub organisation and from Argo CD's applications.
 */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'services',
  summary: 'The service catalog: services, environments, dependencies, runbooks, health, and discovery from apollo.yaml',
  // POST /api/v1/discovery/sync hands the sync to the jobs Lambda; it says which organisation is scanned.
  // POST /api/v1/services/{id}/changes opens pull requests with Apollo's GitHub credentials.
  bindings: ['github-credentials', 'job-dispatch'],
  topics: ['service', 'discovery'],
  heavy: [
    { what: '@aws-sdk/client-lambda (70 KB)', neededBy: 'POST /api/v1/discovery/sync (hands the sync to the jobs Lambda, which runs it)' },
    { what: '@octokit/rest and @aws-sdk/client-secrets-manager (the GitHub credentials)', neededBy: 'POST /api/v1/services/{id}/changes (commits the files and opens the pull request; one Idempotency-Key → one pull request)' },
  ],
  jobs: [
    {
      name: 'health-poll',
      description: 'Checks every environment’s health endpoint and Kubernetes ready replicas; records changes at once and a 15-minute heartbeat sample (24 h history)',
      schedule: 'rate(1 minute)',
      // Checks stop starting after 45 s (APOLLO_HEALTH_BUDGET_MS); the last ones end within their 3 s timeout.
      timeoutSeconds: 55,
      bindings: ['eks-clusters', 'egress-allow'],
      runAtLocalStart: true,
      run: async () => {
        const [{ healthDeps }, { pollHealth }] = await Promise.all([import('./health/deps.ts'), import('./health/poller.ts')]);
        const r = await pollHealth(healthDeps());
        return {
          result: r,
          summary: {
            environments: r.environments, checked: r.checked, recorded: r.recorded, unchanged: r.unchanged, skipped: r.skipped,
            ...r.byStatus, changes: r.changes.length, failures: r.failures.length,
          },
        };
      },
    },
    {
      name: 'discovery-sync',
      description: 'Scans the GitHub organisation for apollo.yaml manifests and registers or updates their services, then records what Argo CD’s applications run (also runs the syncs started by the API and the GitHub webhook)',
      schedule: 'rate(1 hour)',
      // A large organisation at GitHub's rate: the run records progress, so a cut-off run is visible.
      timeoutSeconds: 900,
      // Argo CD's address comes with the GitOps settings, its token is the integration secret argocd_token.
      bindings: ['github-credentials', 'gitops-repository', 'integration-secrets'],
      run: async (event) => {
        const { runDiscoveryJob, summarizeDiscovery } = await import('./discovery-job.ts');
        const result = await runDiscoveryJob(event);
        return { result, summary: summarizeDiscovery(result) };
      },
    },
  ],
  local: async (runtime) => {
    // No Kubernetes on a laptop: the cluster is simulated from the local health targets, which the
    // demo environments' health checks reach on this runtime's port.
    const [{ configureHealth }, { SimulatedClusterReader }, { NodeHealthProbe }] = await Promise.all([
      import('./health/deps.ts'), import('./health/adapters/simulated-cluster.ts'), import('./health/adapters/http-probe.ts'),
    ]);
    // The probe keeps to the egress guard; only this runtime's own targets are allowed on loopback.
    configureHealth({ cluster: new SimulatedClusterReader((service, env) => runtime.targetState(service, env)), probe: runtime.targetsProbe(new NodeHealthProbe({ allow: `${runtime.url}/local/targets/` })) });
    const lines = ['Health: the demo environments\' health checks are local targets on this port; their Kubernetes replicas are SIMULATED (no cluster)'];
    // Syncs a request starts run in this process (the jobs Lambda's work in AWS).
    const [{ discoveryStart }, { discoveryDeps, configureDiscovery }, { runJob }] = await Promise.all([
      import('./discovery-start.ts'), import('./discovery-deps.ts'), import('./discovery-run.ts'),
    ]);
    discoveryStart.configure({ run: (jobId) => runJob(jobId, { source: () => discoveryDeps().source, catalog: discoveryDeps().catalog, applications: discoveryDeps().applications }) });
    // They run in this process: one a crash or restart cut off ends now, saying so (a new sync would join it otherwise).
    const { discoveryRuns } = await import('./discovery-jobs.ts');
    const lost = await discoveryRuns.markInterrupted('Apollo restarted');
    if (lost.length) lines.push(`GitHub discovery: ${lost.length} sync(s) were running when Apollo stopped: ended as interrupted (sync again: what they synced is found unchanged)`);
    if (runtime.fakeGitHub) {
      configureDiscovery();
      lines.push(`GitHub discovery: a local FAKE GitHub (${runtime.fakeGitHub.url}) holding the demo organisation ${process.env.APOLLO_GITHUB_ORG}; admins run it with POST /api/v1/discovery/sync`);
    } else {
      lines.push(`GitHub discovery: organisation ${process.env.APOLLO_GITHUB_ORG} at ${process.env.APOLLO_GITHUB_API_URL ?? 'https://api.github.com'}`);
    }
    return lines;
  },
};
