/**
 * GitHub deliveries: `ping` answers pong; a `push` to a default branch is handed to what it concerns:
 * - the catalog repository (APOLLO_CATALOG_REPO): a push touching its documents (`<directory>/**.yaml`)
 *   or CODEOWNERS refreshes only the files it changed (a CODEOWNERS change can move any file's owner,
 *   so every file is looked at; files whose blob is unchanged are not read again), through the
 *   catalog refresh's own job;
 * - any other repository of the discovery organisation: a push touching `apollo.yaml` or a Markdown
 *   file (runbooks are Markdown files the manifest names) re-syncs that repository through
 *   discovery's own job;
 * a `workflow_run` event wakes the request action waiting for that run (a GitHub workflow action),
 * which then asks GitHub where the run is: the event only wakes, it decides nothing;
 * anything else is acknowledged and ignored, with the reason. Reading GitHub for pushes that cannot
 * change anything is what this avoids. A push whose commit list GitHub left out (no file lists) is
 * refreshed from the comparison of its before and after commits (or re-synced, for discovery).
 */
import type { GithubWebhook, GithubWebhookResult } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { CODEOWNERS_PATHS } from '#lib/github/codeowners';
import { logger } from '#lib/observability';
import { catalogRepoName, createRefreshJob, isCatalogDocument, readCatalogRefreshConfig, refreshStart, type CatalogRefreshConfig } from '#functions/offerings/public';
import { createDiscoveryJob, discoveryStart, MANIFEST_PATH } from '#functions/services/public';
import { wakeExternal } from '#functions/requests/public';
import { isGitOpsRepository, observeGitOpsPush } from '#functions/deployments/public';
import { claimDelivery } from './deliveries.ts';

export const GITHUB_SENDER = 'github';

/** The most paths one push may name before the refresh looks at every file instead. */
export const MAX_PUSH_PATHS = 200;

const changedPaths = (payload: GithubWebhook): string[] =>
  [...new Set((payload.commits ?? []).flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]))];

function touchesManifest(payload: GithubWebhook): boolean {
  const commits = payload.commits ?? [];
  if (!commits.length) return payload.head_commit != null;
  return changedPaths(payload).some((path) => path === MANIFEST_PATH || path.toLowerCase().endsWith('.md'));
}

/** The catalog refresh's configuration, or undefined when no catalog repository is configured. */
function catalogConfig(): CatalogRefreshConfig | undefined {
  try {
    return readCatalogRefreshConfig();
  } catch {
    return undefined;
  }
}

const isCatalogRepo = (payload: GithubWebhook, catalog: CatalogRefreshConfig | undefined): catalog is CatalogRefreshConfig => {
  const repo = payload.repository;
  const fullName = repo?.full_name ?? (repo?.owner?.login && `${repo.owner.login}/${repo.name}`);
  return Boolean(catalog && fullName && fullName.toLowerCase() === catalogRepoName(catalog).toLowerCase());
};

export async function handleGitHubDelivery(event: string, deliveryId: string, payload: GithubWebhook, rawBody: string): Promise<GithubWebhookResult> {
  const result = (action: GithubWebhookResult['action'], extra: Partial<GithubWebhookResult> = {}): GithubWebhookResult =>
    ({ delivery: deliveryId, event, action, duplicate: action === 'duplicate', ...extra });
  if (!/^[A-Za-z0-9-]{1,100}$/.test(deliveryId)) {
    throw new ValidationError('X-GitHub-Delivery is missing or malformed', { details: [{ path: '/headers/x-github-delivery', message: 'is required (a GUID)' }] });
  }
  const claim = await claimDelivery(GITHUB_SENDER, deliveryId, rawBody);
  if (!claim) return result('duplicate', { reason: 'this delivery was received before' });
  try {
    if (event === 'ping') return result('pong');
    if (event === 'workflow_run') return await workflowRun(payload, deliveryId, result);
    if (event !== 'push') return result('ignored', { reason: `the ${event} event is not used` });
    const repo = payload.repository;
    if (!repo) throw new ValidationError('a push names its repository', { details: [{ path: '/body/repository', message: 'is required' }] });
    const branch = repo.default_branch ?? 'main';
    const catalog = catalogConfig();
    if (isCatalogRepo(payload, catalog)) {
      if (payload.ref !== `refs/heads/${branch}`) return result('ignored', { reason: `not a push to the default branch ${branch}` });
      return await catalogPush(payload, catalog, deliveryId, result);
    }
    const fullName = repo.full_name ?? (repo.owner?.login ? `${repo.owner.login}/${repo.name}` : repo.name);
    if (fullName && isGitOpsRepository(fullName)) {
      if (payload.ref !== `refs/heads/${branch}`) return result('ignored', { reason: `not a push to the default branch ${branch}` });
      return await gitopsPush(payload, fullName, result);
    }
    const deps = discoveryStart.getOr503();
    const owner = repo.owner?.login ?? repo.full_name?.split('/')[0];
    if (owner?.toLowerCase() !== deps.config.org.toLowerCase()) return result('ignored', { reason: `the repository is not in ${deps.config.org}` });
    if (payload.ref !== `refs/heads/${branch}`) return result('ignored', { reason: `not a push to the default branch ${branch}` });
    if (!touchesManifest(payload)) return result('ignored', { reason: 'the push changes neither apollo.yaml nor Markdown' });
    const job = await createDiscoveryJob({ trigger: 'webhook', org: deps.config.org, requestedBy: `${GITHUB_SENDER}:${deliveryId}`, repositories: [repo.name] });
    await deps.dispatcher.dispatch(job.id);
    return result('sync-started', { jobId: job.id });
  } catch (error) {
    logger.warn('github delivery not handled; released for redelivery', { deliveryId, error: (error as Error).message });
    await claim.release();
    throw error;
  }
}

/** A push to the GitOps repository: what changed there outside Apollo becomes deployments whose rollouts Apollo follows. */
async function gitopsPush(
  payload: GithubWebhook,
  repository: string,
  result: (action: GithubWebhookResult['action'], extra?: Partial<GithubWebhookResult>) => GithubWebhookResult,
): Promise<GithubWebhookResult> {
  const after = payload.after ?? (payload.head_commit as { id?: string } | null | undefined)?.id;
  if (!after) return result('ignored', { reason: 'the push names no head commit' });
  const observed = await observeGitOpsPush({
    repository, after,
    commits: (payload.commits ?? []).map((c) => ({
      id: c.id ?? after, message: c.message ?? '', author: c.author?.email ?? c.author?.username ?? c.author?.name ?? 'someone in Git',
      paths: [...(c.added ?? []), ...(c.modified ?? [])],
    })),
  });
  if (!observed.handled) return result('ignored', { reason: 'not the GitOps repository' });
  if (!observed.deployments.length) return result('ignored', { reason: `no environment changed outside Apollo${observed.skipped.length ? ` (${observed.skipped.join('; ')})` : ''}` });
  return result('deployments-recorded', { deployments: observed.deployments });
}

/** A workflow run moved on: wake the request action waiting for it (it asks GitHub itself). */
async function workflowRun(
  payload: GithubWebhook,
  deliveryId: string,
  result: (action: GithubWebhookResult['action'], extra?: Partial<GithubWebhookResult>) => GithubWebhookResult,
): Promise<GithubWebhookResult> {
  const run = payload.workflow_run;
  if (!run) throw new ValidationError('a workflow_run event names its run', { details: [{ path: '/body/workflow_run', message: 'is required' }] });
  const id = String(run.id);
  const summary = `${run.name ?? 'workflow run'} ${run.status ?? 'unknown'}${run.conclusion ? `/${run.conclusion}` : ''}`;
  const woke = await wakeExternal({ system: 'github', id, delivery: deliveryId, summary });
  const requestId = woke.requestId ? { requestId: woke.requestId } : {};
  if (woke.woken) return result('run-woken', requestId);
  return result('run-ignored', { ...requestId, reason: woke.matched ? `the action of run ${id} is not waiting now; its next check sees the run` : `no request waits for run ${id}` });
}

/** A push to the catalog repository's default branch: refresh the documents it changed. */
async function catalogPush(
  payload: GithubWebhook,
  catalog: CatalogRefreshConfig,
  deliveryId: string,
  result: (action: GithubWebhookResult['action'], extra?: Partial<GithubWebhookResult>) => GithubWebhookResult,
): Promise<GithubWebhookResult> {
  const deps = refreshStart.getOr503();
  const paths = changedPaths(payload);
  const listed = (payload.commits ?? []).length > 0;
  const codeowners = paths.some((p) => (CODEOWNERS_PATHS as readonly string[]).includes(p));
  const documents = paths.filter((p) => isCatalogDocument(p, catalog.directory));
  let scope: { paths?: string[]; since?: string };
  if (!listed) {
    // GitHub left the commits out: compare before...after (a new branch has no before: everything).
    if (payload.head_commit == null) return result('ignored', { reason: 'the push has no commits' });
    scope = payload.before && !/^0+$/.test(payload.before) ? { since: payload.before } : {};
  } else if (codeowners || documents.length > MAX_PUSH_PATHS) {
    scope = {};
  } else if (documents.length) {
    scope = { paths: documents.sort() };
  } else {
    return result('ignored', { reason: `the push changes neither ${catalog.directory ? `${catalog.directory}/` : ''}*.yaml nor CODEOWNERS` });
  }
  const job = await createRefreshJob({ trigger: 'webhook', repo: catalogRepoName(catalog), directory: catalog.directory, requestedBy: `${GITHUB_SENDER}:${deliveryId}`, ...scope });
  await deps.dispatcher.dispatch(job.id);
  return result('refresh-started', { jobId: job.id });
}
