/**
 * Crash mid-deployment: new tags of demo services deployed to staging (GitOps commit on the fake GitHub, rollout by
 * the SIMULATED Argo CD, canary analysis on the LOCAL DEMO METRICS), the runtime SIGKILLed while the rollout rolls
 * (`rollout`) or while the canary is being analysed (`canary`), then started again on the same home. Each deployment
 * must be finished, or ended saying it was interrupted with its environment free again; its retry (the same tag
 * deployed again) must succeed; Git must hold one commit of the tag (the fake GitHub's GitOps repository is kept in
 * $APOLLO_HOME/github-gitops.json, read here after the kill), and the catalog must show the tag.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApprovalList, Deployment, Service } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import { DEMO_GITOPS_REPO, GITOPS_STATE_FILE } from '../../local/fakes/demo-github.ts';
import { acquireDemo, releaseDemo } from './crash-demo.ts';
import { auditCheck, restartCheck, until } from './crash-lab.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

interface KeptRepo { history: string[]; commits: Record<string, { files: Record<string, string> }>; blobs: Record<string, string> }

/** Commits on the GitOps repository's default branch that wrote `tag` into the environment's values file (read from $APOLLO_HOME). */
function commitsOfTag(home: string, service: string, environment: string, tag: string): number {
  const kept = JSON.parse(readFileSync(join(home, GITOPS_STATE_FILE), 'utf8')) as { repos: Record<string, KeptRepo> };
  const repo = kept.repos[DEMO_GITOPS_REPO]!;
  const path = `apps/${service}/${environment}/values.yaml`;
  let before = '';
  let count = 0;
  for (const sha of repo.history) {
    const blob = repo.commits[sha]?.files[path];
    const text = blob ? repo.blobs[blob] ?? '' : '';
    if (text !== before && new RegExp(`^\\s*tag: ${tag.replace(/\./g, '\\.')}\\s*$`, 'm').test(text)) count++;
    before = text;
  }
  return count;
}

const ENDED = ['succeeded', 'failed', 'rolled_back', 'cancelled', 'refused', 'rejected', 'expired'];

interface Target { readonly service: string; readonly environment: string; readonly role: Role }

/** Pull requests on the GitOps repository whose title names `tag` and `service`, by state (read from $APOLLO_HOME). */
function pullsOf(home: string, service: string, tag: string): { open: number; merged: number; closed: number } {
  const kept = JSON.parse(readFileSync(join(home, GITOPS_STATE_FILE), 'utf8')) as { repos: Record<string, { pulls: Array<{ title: string; state: string; merged: boolean }> }> };
  const pulls = kept.repos[DEMO_GITOPS_REPO]!.pulls.filter((p) => p.title.includes(tag) && p.title.includes(service));
  return { open: pulls.filter((p) => p.state === 'open').length, merged: pulls.filter((p) => p.merged).length, closed: pulls.filter((p) => p.state === 'closed' && !p.merged).length };
}

export function crashMidDeployment(phase: 'rollout' | 'canary') {
  return async (ctx: ScenarioContext): Promise<Check[]> => {
    const from = new Date().toISOString();
    const demo = await acquireDemo(ctx);
    const { lab } = demo;
    try {
      // Each its own service (an environment takes one deployment at a time); staging: two pods to roll, no approval.
      // The full run adds a production deployment cut off while it waits for its approval, its pull request open.
      const targets: Target[] = (phase === 'rollout' ? ['core-service', 'billing-service'] : ['notification-service', 'search-service'])
        .slice(0, ctx.smoke ? 1 : 2).map((service) => ({ service, environment: 'staging', role: 'developer' as const }));
      if (phase === 'rollout' && !ctx.smoke) targets.push({ service: 'auth-service', environment: 'prod', role: 'operator' });
      const tag = `crash-${phase}-${Date.now().toString(36)}`;
      const get = async (id: string) => (await lab.client('viewer').call<Deployment>('GET', `/api/v1/deployments/${id}`)).body;
      const deploy = async (t: Target) => lab.client(t.role).send('POST', '/api/v1/deployments', { body: { service: t.service, environment: t.environment, imageTag: tag, reason: `reliability: crash mid-${phase}` } });
      const ids: string[] = [];
      for (const t of targets) {
        const created = await deploy(t);
        if (created.status !== 201) throw new Error(`deploying ${t.service} ${tag} to ${t.environment}: ${created.status} ${JSON.stringify(created.body)}`);
        ids.push((created.body as Deployment).id);
      }
      // Followed live, as the deployment page follows it.
      await lab.watch('viewer', ids.map((id) => `deployment:${id}`));
      // The moment: every deployment rolling out (its sync asked, its pods replaced one by one), or analysing its canary
      // with a check done; the production one waiting for its approval.
      const atMoment = (d: Deployment) => (d.environment === 'prod'
        ? d.status === 'awaiting_approval' && d.gitops?.pullRequest?.state === 'open'
        : phase === 'rollout'
          ? d.status === 'in_progress' && d.stage === 'rollout' && d.rollout?.phase === 'progressing'
          : d.status === 'analyzing' && (d.canary?.checks.length ?? 0) >= 1 && (d.canary?.checks.length ?? 0) < demo.canaryIterations);
      const caught = await until(`every deployment mid-${phase}`, async () => {
        const all = await Promise.all(ids.map(get));
        if (all.some((d) => ENDED.includes(d.status))) throw new Error(`a deployment ended before the crash: ${all.map((d) => `${d.service} ${d.status}`).join(', ')}`);
        return all.every(atMoment) ? all : undefined;
      }, 60_000, 40);
      const seenAt = caught.map((d) => d.environment === 'prod' ? `${d.service} prod: awaiting approval, pull request #${d.gitops?.pullRequest?.number} open`
        : phase === 'rollout' ? `${d.service}: ${d.rollout?.message ?? d.stage}` : `${d.service}: check ${d.canary?.checks.length}/${demo.canaryIterations}`).join('; ');
      await lab.crashAndRestart();

      // Finished, or ended saying it was interrupted, with its environment free again.
      const after = await Promise.all(ids.map(get));
      const settled = after.filter((d) => d.status === 'succeeded' || (ENDED.includes(d.status) && /interrupted/i.test(`${d.error ?? ''} ${d.timeline.at(-1)?.message ?? ''}`)));
      // The retry: the same tag again, to its end (production: after an admin approves it in the inbox).
      const retried: Deployment[] = [];
      const retryProblems: string[] = [];
      for (const [i, d] of after.entries()) {
        if (d.status === 'succeeded') { retried.push(d); continue; }
        const again = await deploy(targets[i]!);
        if (again.status !== 201) { retryProblems.push(`${d.service}: ${again.status} ${JSON.stringify(again.body).slice(0, 200)}`); continue; }
        const id = (again.body as Deployment).id;
        const settledOrWaiting = await until(`the retry of ${d.service} settled`, async () => { const r = await get(id); return ENDED.includes(r.status) || r.status === 'awaiting_approval' ? r : undefined; }, 60_000, 100);
        if (settledOrWaiting.status === 'awaiting_approval') {
          const inbox = await lab.client('admin').call<ApprovalList>('GET', '/api/v1/approvals/pending');
          const approval = inbox.body.items.find((a) => a.deployment?.id === id);
          if (!approval) { retryProblems.push(`${d.service}: its approval is not in the inbox`); continue; }
          await lab.client('admin').call('POST', `/api/v1/approvals/${approval.id}/approve`, { body: { comment: 'reliability: the retry after a crash' } });
        }
        retried.push(await until(`the retry of ${d.service} ended`, async () => { const r = await get(id); return ENDED.includes(r.status) ? r : undefined; }, 60_000, 200));
      }
      const approvalsLeft = (await lab.client('admin').call<ApprovalList>('GET', '/api/v1/approvals/pending')).body.items.filter((a) => ids.includes(a.deployment?.id ?? '')).length;
      const succeeded = retried.filter((d) => d.status === 'succeeded');
      // Counted where they happened: Git (the fake GitHub's repository, kept under $APOLLO_HOME) and the catalog (over the API).
      const commits = targets.map((t) => commitsOfTag(lab.home, t.service, t.environment, tag));
      const pulls = targets.filter((t) => t.environment === 'prod').map((t) => pullsOf(lab.home, t.service, tag));
      const catalog = await Promise.all(targets.map(async (t) => (await lab.client('viewer').call<Service>('GET', `/api/v1/services/${t.service}`)).body.environments.find((e) => e.name === t.environment)?.deployment.imageTag));
      const analysed = phase === 'canary' ? succeeded.filter((d) => d.canary?.status === 'passed').length : succeeded.length;
      const pullsOk = pulls.every((p) => p.open === 0 && p.merged === 1 && p.closed === 1) && approvalsLeft === 0;

      return [
        restartCheck(lab, `${ids.length} deployment(s)`),
        check(`every deployment cut off mid-${phase} is finished or marked interrupted`, settled.length === ids.length,
          `${ids.length} deployment(s) killed mid-${phase} (${seenAt}); after the restart: ${after.map((d) => `${d.service} ${d.environment} ${d.status}${d.error ? ` (${d.error.slice(0, 140)})` : ''}`).join('; ')}`,
          { value: ids.length - settled.length, unit: 'left running' }),
        check('the retry works: the same tag deployed again succeeds', succeeded.length === ids.length && retryProblems.length === 0 && analysed === ids.length,
          `${succeeded.length} of ${ids.length} succeeded${phase === 'canary' ? ` (canary passed: ${analysed})` : ''}${retryProblems.length ? `; refused: ${retryProblems.join('; ')}` : ''}${retried.length ? `; e.g. ${retried[0]!.timeline.filter((l) => /already says so|committed|found commit/.test(l.message)).map((l) => l.message).slice(0, 1).join('')}` : ''}`),
        check('no side effect doubled: one GitOps commit of the tag, the catalog shows it', commits.every((n) => n === 1) && catalog.every((t) => t === tag) && pullsOk,
          `commits writing ${tag} into each values file (the fake GitHub's apollo-demo/${DEMO_GITOPS_REPO}, kept in $APOLLO_HOME/${GITOPS_STATE_FILE}): ${commits.join(', ')}; the catalog's tags: ${catalog.join(', ')}`
          + `${pulls.length ? `; production pull requests of the tag: ${pulls.map((p) => `${p.closed} closed by the restart, ${p.merged} merged by the retry, ${p.open} open`).join('; ')}; approvals of the cut-off deployments still pending: ${approvalsLeft}` : ''}`,
          { value: commits.reduce((a, n) => a + Math.max(0, n - 1), 0), unit: 'doubled' }),
        await auditCheck(lab, from),
      ];
    } finally {
      releaseDemo(demo);
    }
  };
}
