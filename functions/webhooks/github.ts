/**
 * GitHub deliveries: `ping` answers pong; a `push` to the repository's default branch that touches
 * `apollo.yaml` or a Markdown file (runbooks are Markdown files the manifest names) re-syncs that
 * repository through discovery's own job; anything else is acknowledged and ignored, with the reason.
 * Re-syncing on every push would read GitHub for pushes that cannot change the catalog; a push whose
 * commit list GitHub truncated (no file lists) re-syncs, to be safe.
 */
import type { GithubWebhook, GithubWebhookResult } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { logger } from '#lib/observability';
import { discoveryDepsOr503 } from '#functions/services/discovery-deps';
import { createJob } from '#functions/services/discovery-jobs';
import { MANIFEST_PATH } from '#functions/services/discovery-manifest';
import { claimDelivery } from './deliveries.ts';

export const GITHUB_SENDER = 'github';

function touchesManifest(payload: GithubWebhook): boolean {
  const commits = payload.commits ?? [];
  if (!commits.length) return payload.head_commit != null;
  return commits.some((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]
    .some((path) => path === MANIFEST_PATH || path.toLowerCase().endsWith('.md')));
}

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
    if (event !== 'push') return result('ignored', { reason: `the ${event} event is not used` });
    const repo = payload.repository;
    if (!repo) throw new ValidationError('a push names its repository', { details: [{ path: '/body/repository', message: 'is required' }] });
    const deps = discoveryDepsOr503();
    const owner = repo.owner?.login ?? repo.full_name?.split('/')[0];
    if (owner?.toLowerCase() !== deps.config.org.toLowerCase()) return result('ignored', { reason: `the repository is not in ${deps.config.org}` });
    const branch = repo.default_branch ?? 'main';
    if (payload.ref !== `refs/heads/${branch}`) return result('ignored', { reason: `not a push to the default branch ${branch}` });
    if (!touchesManifest(payload)) return result('ignored', { reason: 'the push changes neither apollo.yaml nor Markdown' });
    const job = await createJob({ trigger: 'webhook', org: deps.config.org, requestedBy: `${GITHUB_SENDER}:${deliveryId}`, repositories: [repo.name] });
    await deps.dispatcher.dispatch(job.id);
    return result('sync-started', { jobId: job.id });
  } catch (error) {
    logger.warn('github delivery not handled; released for redelivery', { deliveryId, error: (error as Error).message });
    await claim.release();
    throw error;
  }
}
