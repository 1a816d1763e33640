/**
 * GitHub's workflow_run events through the local runtime: signed with the GitHub webhook secret, claimed
 * once per delivery, handed to the requests context, which wakes the action waiting for that run (and
 * only wakes it: its check asks GitHub). The local fake GitHub sends them for the runs it starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordExternalRef } from '#functions/requests/external';
import { DEMO_CATALOG_REPO, DEMO_ORG } from '../../local/fakes/demo-github.ts';
import { deliverGitHub, startHarness, until, type Harness } from '../../local/testing/harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const workflowRun = (id: number, status = 'completed', conclusion: string | null = 'success') => ({
  action: status === 'completed' ? 'completed' : status,
  workflow_run: { id, name: 'Create service', display_title: 'Create billing (req-1/create_repo/1)', status, conclusion, html_url: `https://github.com/${DEMO_ORG}/x/actions/runs/${id}` },
  repository: { name: 'x', full_name: `${DEMO_ORG}/x`, owner: { login: DEMO_ORG } },
});

describe('workflow_run webhooks', () => {
  it('a run no request waits for is acknowledged and ignored; its redelivery is a duplicate', async () => {
    // Prepare
    const delivery = crypto.randomUUID();
    const body = workflowRun(26_000_009_001);

    // Act
    const first = await deliverGitHub(h, 'workflow_run', body, { delivery });
    const again = await deliverGitHub(h, 'workflow_run', body, { delivery });

    // Assess
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ delivery, event: 'workflow_run', action: 'run-ignored', duplicate: false, reason: 'no request waits for run 26000009001' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ delivery, event: 'workflow_run', action: 'duplicate', duplicate: true, reason: 'this delivery was received before' });
  });

  it('a run a request\'s action started reaches that request, which is woken only while its action waits', async () => {
    // Prepare: the run recorded for a request's action (no attempt of it is waiting).
    await recordExternalRef({ system: 'github', id: '26000009002' }, { requestId: 'req-gh-1', index: 0, actionId: 'create_repo', attempt: 1 });

    // Act
    const res = await deliverGitHub(h, 'workflow_run', workflowRun(26_000_009_002, 'in_progress', null));

    // Assess
    expect(await res.json()).toMatchObject({ event: 'workflow_run', action: 'run-ignored', requestId: 'req-gh-1', reason: 'the action of run 26000009002 is not waiting now; its next check sees the run' });
  });

  it('refuses an unsigned or wrongly signed workflow_run (401)', async () => {
    const unsigned = await deliverGitHub(h, 'workflow_run', workflowRun(1), { signature: null });
    const forged = await deliverGitHub(h, 'workflow_run', workflowRun(1), { signature: `sha256=${'0'.repeat(64)}` });

    expect([unsigned.status, forged.status]).toEqual([401, 401]);
  });

  it('come from the local fake GitHub for the runs it starts: requested, in_progress, completed, each answered 200', async () => {
    // Prepare
    const fake = h.runtime.github!.fake;
    fake.runTiming = { queuedMs: 20, inProgressMs: 20 };

    // Act: a dispatch as the GitHub workflow action sends it.
    const dispatched = await fetch(`${fake.url}/repos/${DEMO_ORG}/${DEMO_CATALOG_REPO}/actions/workflows/create-service.yml/dispatches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env.APOLLO_GITHUB_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main', inputs: { name: 'billing', apollo_request: 'req-2/create_repo/1' }, return_run_details: true }),
    });
    const { workflow_run_id: id } = await dispatched.json() as { workflow_run_id: number };
    await until(() => fake.deliveries.filter((d) => d.runId === id).length === 3);
    await fake.webhooksSent();

    // Assess
    const sent = fake.deliveries.filter((d) => d.runId === id);
    expect(sent.map((d) => [d.action, d.status])).toEqual([['requested', 200], ['in_progress', 200], ['completed', 200]]);
    for (const d of sent) {
      expect(JSON.parse(d.response!)).toEqual({ delivery: d.id, event: 'workflow_run', action: 'run-ignored', duplicate: false, reason: `no request waits for run ${id}` });
    }
  });
});
