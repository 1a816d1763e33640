import { describe, expect, it } from 'vitest';
import { GitHubNotConfiguredError, GitHubRateLimitedError } from './github/errors.ts';
import { recordRunFailure, RUN_ID, runHandedOverOrScheduled, RunStore, sameScope, STALE_RUNNING_MS, summarizeRun, type Run } from './job-runs.ts';

const run = (status: Run['status'], updatedAgoMs = 0): Run => ({ id: '01JABCDEFGHJKMNPQRSTVWXYZ0', status, updatedAt: new Date(Date.now() - updatedAgoMs).toISOString() });
const store = new RunStore<Run>({ name: 'test run', keyPrefix: 'TESTRUN', listPartition: 'TESTRUNS', entity: 'test-run', topic: (id) => `test:${id}`, event: 'test.progress' });
const words = { log: 'test run failed', message: 'the test run failed; see the logs' };

describe('background runs', () => {
  it('runs a queued run, or a running one cut off by the Lambda limit, and nothing else', () => {
    expect(store.mayRun(run('queued'))).toBe(true);
    expect(store.mayRun(run('running', STALE_RUNNING_MS + 1))).toBe(true);
    expect(store.mayRun(run('running', 1_000))).toBe(false);
    expect(store.mayRun(run('succeeded', STALE_RUNNING_MS + 1))).toBe(false);
    expect(store.mayRun(run('failed'))).toBe(false);
  });

  it('treats scopes as the same in any order, and everything only as everything', () => {
    expect(sameScope(['b', 'a'], ['a', 'b'])).toBe(true);
    expect(sameScope(undefined, undefined)).toBe(true);
    expect(sameScope(undefined, ['a'])).toBe(false);
    expect(sameScope(['a'], ['a', 'b'])).toBe(false);
  });

  it('says why a run stopped: the rate limit and its reset, a missing configuration, GitHub, or see the logs', () => {
    const limited = run('running');
    recordRunFailure(limited, new GitHubRateLimitedError(new Date('2026-11-26T03:00:00.000Z')), words);
    expect(limited).toMatchObject({ status: 'rate-limited', rateLimitResetAt: '2026-11-26T03:00:00.000Z', error: 'GitHub rate limit reached; it resets at 2026-11-26T03:00:00.000Z' });

    const unconfigured = run('running');
    recordRunFailure(unconfigured, new GitHubNotConfiguredError('set APOLLO_X'), words);
    expect(unconfigured).toMatchObject({ status: 'failed', error: 'set APOLLO_X' });

    const refused = run('running');
    recordRunFailure(refused, Object.assign(new Error('Bad credentials'), { status: 401 }), words);
    expect(refused).toMatchObject({ status: 'failed', error: 'GitHub answered 401' });

    const broken = run('running');
    recordRunFailure(broken, new Error('secret detail'), words);
    expect(broken).toMatchObject({ status: 'failed', error: 'the test run failed; see the logs' });
  });

  it('takes ULIDs as run ids', () => {
    expect(RUN_ID.test(store.newId())).toBe(true);
    expect(RUN_ID.test('../x')).toBe(false);
  });
});

describe('a jobs-Lambda entry', () => {
  const ran: string[] = [];
  const entry = (active?: Run) => ({
    name: 'test job',
    deps: () => ({ org: 'acme' }),
    active: async () => active,
    create: async () => ({ ...run('queued'), id: '01JABCDEFGHJKMNPQRSTVWXYZ1' }),
    run: async (jobId: string) => { ran.push(jobId); return { ...run('succeeded'), id: jobId, progress: { done: 1 } }; },
  });

  it('runs a handed-over job, or creates the scheduled one, unless a full run is already under way', async () => {
    ran.length = 0;
    expect(await runHandedOverOrScheduled({ jobId: '01JABCDEFGHJKMNPQRSTVWXYZ0' }, entry(run('running')))).toMatchObject({ id: '01JABCDEFGHJKMNPQRSTVWXYZ0', status: 'succeeded' });
    const scheduled = await runHandedOverOrScheduled({}, entry());
    expect(summarizeRun(scheduled as Run & { progress: object })).toEqual({ jobId: '01JABCDEFGHJKMNPQRSTVWXYZ1', status: 'succeeded', done: 1 });
    expect(await runHandedOverOrScheduled({}, entry(run('running')))).toEqual({ skipped: 'test job 01JABCDEFGHJKMNPQRSTVWXYZ0 is already running' });
    expect(ran).toEqual(['01JABCDEFGHJKMNPQRSTVWXYZ0', '01JABCDEFGHJKMNPQRSTVWXYZ1']);
  });

  it('skips the scheduled run without a configuration, and fails a handed-over one', async () => {
    const unconfigured = { ...entry(), deps: () => { throw new GitHubNotConfiguredError('set APOLLO_X'); } };
    expect(await runHandedOverOrScheduled({}, unconfigured)).toEqual({ skipped: 'set APOLLO_X' });
    await expect(runHandedOverOrScheduled({ jobId: '01JABCDEFGHJKMNPQRSTVWXYZ0' }, unconfigured)).rejects.toThrow('set APOLLO_X');
    await expect(runHandedOverOrScheduled({ jobId: 42 }, entry())).rejects.toMatchObject({ name: 'ValidationError', message: 'jobId must be a test job id (a ULID)' });
  });
});
