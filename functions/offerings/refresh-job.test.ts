import { afterEach, describe, expect, it } from 'vitest';
import { readCatalogRefreshConfig, isCatalogDocument } from './refresh-config.ts';
import { configureCatalogRefresh } from './refresh-deps.ts';
import { runCatalogRefreshJob, summarizeCatalogRefresh } from './refresh-job.ts';

describe('the catalog-refresh job', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    configureCatalogRefresh();
  });

  it('does nothing on schedule when no catalog repository is configured, and says what to set', async () => {
    delete process.env.APOLLO_CATALOG_REPO;
    configureCatalogRefresh();
    const result = await runCatalogRefreshJob({});
    expect(result).toEqual({ skipped: 'the catalog refresh is not configured: set APOLLO_CATALOG_REPO to the catalog repository (owner/name)' });
    expect(summarizeCatalogRefresh(result)).toEqual(result);
  });

  it('fails a handed-over run when the refresh is not configured (the job must not look done)', async () => {
    delete process.env.APOLLO_CATALOG_REPO;
    configureCatalogRefresh();
    await expect(runCatalogRefreshJob({ jobId: '01JABCDEFGHJKMNPQRSTVWXYZ0' })).rejects.toThrow(/APOLLO_CATALOG_REPO/);
  });

  it('refuses a jobId that is not a job id', async () => {
    await expect(runCatalogRefreshJob({ jobId: '../x' })).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: '/jobId', message: 'not a job id' }] });
  });
});

describe('the catalog refresh configuration', () => {
  const local = { APOLLO_RUNTIME: 'local', TABLE_NAME: 't', AWS_REGION: 'us-east-1' };

  it('reads owner/name, the directory (default catalog, slashes trimmed) and GitHub settings', () => {
    expect(readCatalogRefreshConfig({ ...local, APOLLO_CATALOG_REPO: 'acme/platform-catalog' })).toMatchObject({ owner: 'acme', name: 'platform-catalog', directory: 'catalog', apiUrl: 'https://api.github.com', maxWaitMs: 60_000 });
    expect(readCatalogRefreshConfig({ ...local, APOLLO_CATALOG_REPO: 'acme/c', APOLLO_CATALOG_PATH: '/offerings/self-service/', APOLLO_GITHUB_API_URL: 'https://ghe.acme.dev/api/v3' }))
      .toMatchObject({ directory: 'offerings/self-service', apiUrl: 'https://ghe.acme.dev/api/v3' });
  });

  it('says what is wrong with a repository or directory that cannot be right', () => {
    for (const repo of ['acme', 'acme/', '/c', 'acme/c/d', 'ac me/c', 'acme/..']) {
      expect(() => readCatalogRefreshConfig({ ...local, APOLLO_CATALOG_REPO: repo }), repo).toThrow(/must be owner\/name/);
    }
    expect(() => readCatalogRefreshConfig({ ...local, APOLLO_CATALOG_REPO: 'acme/c', APOLLO_CATALOG_PATH: 'catalog/../secrets' })).toThrow(/APOLLO_CATALOG_PATH/);
  });

  it('a catalog document is a .yaml or .yml file anywhere under the directory', () => {
    expect(isCatalogDocument('catalog/db.yaml', 'catalog')).toBe(true);
    expect(isCatalogDocument('catalog/storage/s3.YML', 'catalog')).toBe(true);
    expect(isCatalogDocument('catalog/README.md', 'catalog')).toBe(false);
    expect(isCatalogDocument('catalogue/db.yaml', 'catalog')).toBe(false);
    expect(isCatalogDocument('db.yaml', '')).toBe(true);
  });
});
