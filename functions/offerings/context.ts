/** The offerings context: the self-service catalog, and its refresh from the catalog repository. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'offerings',
  summary: 'The self-service catalog (Schema v2.0 offerings), refreshed from the catalog Git repository',
  // POST /api/v1/catalog/refresh hands the refresh to the jobs Lambda.
  bindings: ['github-settings', 'catalog-repository', 'job-dispatch'],
  topics: ['catalog-refresh'],
  jobs: [
    {
      name: 'catalog-refresh',
      description: 'Refreshes the self-service offerings from the catalog repository: every document checked, valid ones stored, invalid ones reported with the last good version kept, removed files retired (also runs the refreshes started by the API and the GitHub push webhook)',
      // A backstop for a lost webhook delivery: files whose blob is unchanged are not read again.
      schedule: 'rate(1 hour)',
      timeoutSeconds: 900,
      bindings: ['github-credentials', 'catalog-repository'],
      run: async (event) => {
        const { runCatalogRefreshJob, summarizeCatalogRefresh } = await import('./refresh-job.ts');
        const result = await runCatalogRefreshJob(event);
        return { result, summary: summarizeCatalogRefresh(result) };
      },
    },
  ],
  local: async (runtime) => {
    if (!runtime.fakeGitHub) return;
    const { configureCatalogRefresh } = await import('./refresh-deps.ts');
    configureCatalogRefresh();
  },
};
