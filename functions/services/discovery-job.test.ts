import { afterEach, describe, expect, it } from 'vitest';
import { runDiscoveryJob, summarizeDiscovery } from './discovery-job.ts';
import { configureDiscovery } from './discovery-deps.ts';

describe('the discovery-sync job', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    configureDiscovery();
  });

  it('does nothing on schedule when no organisation is configured, and says what to set', async () => {
    delete process.env.APOLLO_GITHUB_ORG;
    configureDiscovery();
    const result = await runDiscoveryJob({});
    expect(result).toEqual({ skipped: 'discovery is not configured: set APOLLO_GITHUB_ORG (and APOLLO_GITHUB_SECRET in AWS)' });
    expect(summarizeDiscovery(result)).toEqual(result);
  });

  it('fails a handed-over run when discovery is not configured (the job must not look done)', async () => {
    delete process.env.APOLLO_GITHUB_ORG;
    configureDiscovery();
    await expect(runDiscoveryJob({ jobId: '01JABCDEFGHJKMNPQRSTVWXYZ0' })).rejects.toThrow(/APOLLO_GITHUB_ORG/);
  });

  it('refuses a jobId that is not a job id', async () => {
    await expect(runDiscoveryJob({ jobId: '../x' })).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: '/jobId', message: 'not a job id' }] });
  });
});
