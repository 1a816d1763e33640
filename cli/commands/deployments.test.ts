/**
 * `apollo deploy … --wait` and the other deployment commands in-process against the local runtime (the
 * GitOps repository on the fake GitHub, the simulated Argo CD): the timeline printed live, the exit code
 * the outcome; production waits for an approval by someone else; locks refuse with exit 6.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalList, Deployment } from '#schemas/index.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { setEnv } from '../../local/testing/harness.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';

const ENV = { APOLLO_DEPLOY_POLL_SECONDS: '1', APOLLO_ARGOCD_SIM_POD_MS: '40', APOLLO_CANARY_INTERVAL_S: '1', APOLLO_CANARY_ITERATIONS: '2', APOLLO_CANARY_THRESHOLD: '2' };
let restoreEnv: (() => void) | undefined;
let c: CliHarness;

beforeAll(async () => {
  restoreEnv = setEnv(ENV);
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
});
afterAll(async () => {
  await c?.close();
  restoreEnv?.();
});

describe('apollo deploy', () => {
  it('--wait follows a staging deploy live to success (exit 0); the record says it came from the CLI', async () => {
    const run = await c.run(['deploy', 'core-service', 'staging', 'v9.2.0', '--reason', 'the ledger fix', '--wait', '-o', 'json']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const d = run.json<Deployment>();
    expectRouteShape('GET', `/api/v1/deployments/${d.id}`, d);
    expect(d).toMatchObject({ status: 'succeeded', service: 'core-service', environment: 'staging', imageTag: 'v9.2.0', initiatedVia: 'cli', reason: 'the ledger fix' });
    expect(run.stderr).toContain(`deploy core-service staging: ${d.id}`);
    expect(run.stderr).toMatch(/\[rollout\]/);
    expect(run.stderr).toContain(`succeeded: deploy core-service staging v9.2.0 (${d.id})`);
    const lines = run.stderr.split('\n').filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l));
    expect(new Set(lines).size).toBe(lines.length);

    const shown = await c.run(['deployments', 'get', d.id]);
    expect(shown.stdout).toMatch(/^status\s+succeeded$/m);
    expect(shown.stdout).toMatch(/^by\s+developer@apollo\.local via cli$/m);
    const list = await c.run(['deployments', 'list', '--service', 'core-service', '--env', 'staging', '--limit', '5']);
    expect(list.stdout).toMatch(/^ID\s+OPERATION\s+SERVICE\s+ENV\s+VERSION\s+STATUS\s+BY\s+CREATED$/m);
    expect(list.stdout).toContain(d.id);
  }, 60_000);

  it('a production deploy waits for another operator\'s approval, then succeeds; the developer may not deploy to prod (exit 6)', async () => {
    const refused = await c.run(['deploy', 'core-service', 'prod', 'v9.2.0']);
    expect(refused.code, refused.stderr).toBe(EXIT.policy);

    const waiting = c.run(['deploy', 'core-service', 'prod', 'v9.2.0', '--acknowledge', 'dependencies', '--reason', 'release 42', '--wait', '--timeout', '90s'], { role: 'operator' });
    let approved = false;
    for (let i = 0; i < 300 && !approved; i++) {
      const inbox = (await c.h.client('admin').call<ApprovalList>('GET', '/api/v1/approvals/pending')).body.items.find((a) => a.deployment?.service === 'core-service');
      if (inbox) {
        expect((await c.h.client('admin').send('POST', `/api/v1/approvals/${inbox.id}/approve`, { body: {} })).status).toBe(200);
        approved = true;
      } else await new Promise((r) => setTimeout(r, 100));
    }
    expect(approved).toBe(true);
    const run = await waiting;
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/\[approval\]/);
    expect(run.stdout).toMatch(/^status\s+succeeded$/m);
  }, 120_000);

  it('a locked environment refuses (exit 6) until unlocked; locks lists it; preflight says why', async () => {
    const lock = await c.run(['locks', 'lock', 'core-service', 'dev', '--reason', 'database migration'], { role: 'operator' });
    expect(lock.code, lock.stderr).toBe(EXIT.ok);
    const listed = await c.run(['locks', '-o', 'json']);
    expectRouteShape('GET', '/api/v1/deployments/locks', listed.json());
    expect(listed.json<{ items: Array<{ service: string; environment: string }> }>().items).toContainEqual(expect.objectContaining({ service: 'core-service', environment: 'dev' }));
    const table = await c.run(['locks']);
    expect(table.stdout).toMatch(/core-service\s+dev\s+manual/);

    const preflight = await c.run(['deployments', 'preflight', 'core-service', 'dev', '--tag', 'v9.3.0']);
    expect(preflight.code).toBe(EXIT.policy);
    expect(preflight.stdout).toMatch(/lock\s+block/);
    const refused = await c.run(['deploy', 'core-service', 'dev', 'v9.3.0']);
    expect(refused.code, refused.stderr).toBe(EXIT.policy);
    expect(refused.stderr).toContain('database migration');

    const unlock = await c.run(['locks', 'unlock', 'core-service', 'dev'], { role: 'operator' });
    expect(unlock.code, unlock.stderr).toBe(EXIT.ok);
    const notMine = await c.run(['locks', 'lock', 'core-service', 'dev', '--reason', 'mine'], { role: 'developer' });
    expect(notMine.code).toBe(EXIT.policy);
  }, 60_000);

  it('scale, restart and rollback with --wait; bad input is a usage error', async () => {
    const scaled = await c.run(['scale', 'core-service', 'staging', '3', '--wait', '-o', 'json']);
    expect(scaled.code, scaled.stderr).toBe(EXIT.ok);
    expect(scaled.json<Deployment>()).toMatchObject({ operation: 'scale', replicas: 3, status: 'succeeded' });
    const restarted = await c.run(['restart', 'core-service', 'staging', '--reason', 'stuck connections', '--wait']);
    expect(restarted.code, restarted.stderr).toBe(EXIT.ok);
    const rolledBack = await c.run(['rollback', 'core-service', 'staging', '--wait', '-o', 'json']);
    expect(rolledBack.code, rolledBack.stderr).toBe(EXIT.ok);
    expect(rolledBack.json<Deployment>()).toMatchObject({ operation: 'rollback', status: 'succeeded' });

    expect((await c.run(['scale', 'core-service', 'staging', 'many'])).code).toBe(EXIT.usage);
    expect((await c.run(['scale', 'core-service', 'staging', '501'])).stderr).toContain('<replicas> 501: a whole number from 0 to 500');
    expect((await c.run(['deploy', 'core-service', 'staging'])).code).toBe(EXIT.usage);
    const badTag = await c.run(['deploy', 'core-service', 'staging', '-bad-tag']);
    expect(badTag.code).toBe(EXIT.usage);
    const noService = await c.run(['deploy', 'no-such-service', 'staging', 'v1']);
    expect([EXIT.notFound, EXIT.policy]).toContain(noService.code);
  }, 90_000);
});
