/** The offerings context: the self-service catalog, and its refresh from the catalog repository. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'offerings',
  summary: 'The self-service catalog (Schema v2.0 offerings), refreshed from the catalog Git repository',
  // POST /api/v1/catalog/refresh hands the refresh to the jobs Lambda.
  // egress-allow: the studio's dry run judges an action's URL as a real run would.
  bindings: ['github-settings', 'catalog-repository', 'job-dispatch', 'egress-allow'],
  topics: ['catalog-refresh'],
  // POST /api/v1/simulate/fulfillment runs the fulfilment's state machine in this Lambda: its file ships beside the bundle.
  files: { 'fulfillment.asl.json': 'state-machines/fulfillment.asl.json' },
  environment: { APOLLO_FULFILLMENT_ASL_FILE: '/var/task/fulfillment.asl.json' },
  heavy: [{
    what: 'the Schema v2.0 document validator (schemas/validators/catalog-item-v2, 220 KB) and the YAML parser',
    neededBy: 'POST /api/v1/validate/catalog-item, /preview/form and /test/variables (the offering studio checks a document as it is typed)',
  }, {
    what: 'aws-local-stepfunctions (the fulfilment state machine run in-process) and the requests context\'s action executors (REST, webhook, Terraform, GitHub, JIRA), loaded on first use',
    neededBy: 'POST /api/v1/simulate/fulfillment (the studio\'s dry run: the real state machine, each action rendered and checked by its own executor, nothing called)',
  }],
  jobs: [
    {
      name: 'catalog-refresh',
      description: 'Refreshes the self-service offerings from the catalog repository: every document checked, valid ones stored, invalid ones reported with the last good version kept, removed files retired (also runs the refreshes started by the API and the GitHub push webhook)',
      // A backstop for a lost webhook delivery: files whose blob is unchanged are not read again.
      schedule: 'rate(1 hour)',
      timeoutSeconds: 900,
      bindings: ['github-credentials', 'catalog-repository'],
      // What the self-service catalog serves is what Git holds, from the first request.
      runAtLocalStart: true,
      run: async (event) => {
        const { runCatalogRefreshJob, summarizeCatalogRefresh } = await import('./refresh-job.ts');
        const result = await runCatalogRefreshJob(event);
        return { result, summary: summarizeCatalogRefresh(result) };
      },
    },
  ],
  local: async (runtime) => {
    // Refreshes a request starts run in this process (the jobs Lambda's work in AWS).
    const [{ refreshStart }, { refreshDeps, configureCatalogRefresh }, { runRefreshJob }] = await Promise.all([
      import('./refresh-start.ts'), import('./refresh-deps.ts'), import('./refresh-run.ts'),
    ]);
    refreshStart.configure({ run: (jobId) => runRefreshJob(jobId, { refresh: refreshDeps }) });
    // They run in this process: one a crash or restart cut off ends now, saying so (the refresh at start would skip it otherwise).
    const { refreshRuns } = await import('./refresh-jobs.ts');
    const lost = await refreshRuns.markInterrupted('Apollo restarted');
    const interrupted = lost.length ? [`Catalog refresh: ${lost.length} refresh(es) were running when Apollo stopped: ended as interrupted`] : [];
    if (!runtime.fakeGitHub) {
      const repo = process.env.APOLLO_CATALOG_REPO;
      return [...interrupted, `Catalog refresh: ${repo ? `repository ${repo}, directory ${process.env.APOLLO_CATALOG_PATH || 'catalog'}/ at ${process.env.APOLLO_GITHUB_API_URL ?? 'https://api.github.com'}` : 'not configured (set APOLLO_CATALOG_REPO=owner/name); the example offerings are seeded instead'}`];
    }
    configureCatalogRefresh();
    return [...interrupted, `Catalog refresh: the FAKE repository ${process.env.APOLLO_CATALOG_REPO} (examples/catalog/*.yaml under ${process.env.APOLLO_CATALOG_PATH}/, with a CODEOWNERS) on that fake GitHub; refreshed at start and hourly, admins run it with POST /api/v1/catalog/refresh`];
  },
};
