/**
 * Terraform Cloud run notifications and JIRA issue events: verified with a timing-safe compare against the
 * integration secrets `terraform_notification_token` (X-TFE-Notification-Signature: hex HMAC-SHA512 of the
 * body; the key Apollo's Terraform executor gives the workspaces' notification configurations) and `jira_webhook_secret` (X-Hub-Signature: sha256=<hex HMAC-SHA256>), claimed once per delivery,
 * then handed to the requests context, which wakes the action waiting for that run or ticket (it then asks
 * Terraform or JIRA itself where the run is: a webhook wakes, it does not decide).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ExternalWebhookResult, JiraWebhook, TerraformWebhook } from '#schemas/index.ts';
import { ServiceUnavailableError, UnauthorizedError } from '#shared/errors';
import type { SignedRequest } from '#lib/http';
import { integrationSecret, wakeExternal } from '#functions/requests/public';
import { claimDelivery, refuseStale } from './deliveries.ts';

export const TERRAFORM_SENDER = 'terraform';
export const JIRA_SENDER = 'jira';
export const TERRAFORM_SIGNATURE_HEADER = 'x-tfe-notification-signature';
export const JIRA_SIGNATURE_HEADER = 'x-hub-signature';
export const TERRAFORM_SECRET = 'terraform_notification_token';
export const JIRA_SECRET = 'jira_webhook_secret';

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.trim().toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const terraformSignature = (secret: string, body: Buffer | string): string => createHmac('sha512', secret).update(body).digest('hex');
export const jiraSignature = (secret: string, body: Buffer | string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function secretOf(name: string, what: string): Promise<string> {
  const secret = await integrationSecret(name);
  if (!secret) throw new ServiceUnavailableError(`the ${what} webhook is not configured (no integration secret ${name})`);
  return secret;
}

/** The `hmac` routes' sender check for Terraform and JIRA (GitHub's is in handler.ts). */
export async function verifyExternal(request: SignedRequest): Promise<string> {
  if (request.route.path === '/api/v1/webhooks/terraform') {
    const given = request.headers[TERRAFORM_SIGNATURE_HEADER];
    if (!given || !sameHex(terraformSignature(await secretOf(TERRAFORM_SECRET, 'Terraform'), request.rawBody), given)) throw new UnauthorizedError('invalid signature');
    return TERRAFORM_SENDER;
  }
  const given = request.headers[JIRA_SIGNATURE_HEADER];
  if (!given || !sameHex(jiraSignature(await secretOf(JIRA_SECRET, 'JIRA'), request.rawBody), given)) throw new UnauthorizedError('invalid signature');
  return JIRA_SENDER;
}

/** A delivery id from the sender's header, else the body's hash (Terraform sends none). */
const deliveryOf = (header: string | undefined, rawBody: string): string => header || createHash('sha256').update(rawBody).digest('hex').slice(0, 32);

async function once(sender: string, delivery: string, rawBody: string, work: () => Promise<Omit<ExternalWebhookResult, 'delivery' | 'duplicate'>>): Promise<ExternalWebhookResult> {
  const claim = await claimDelivery(sender, delivery, rawBody);
  if (!claim) return { delivery, matched: false, woken: false, duplicate: true, reason: 'this delivery was received before' };
  try {
    return { delivery, duplicate: false, ...(await work()) };
  } catch (error) {
    // The sender retries a failed delivery: let it.
    await claim.release();
    throw error;
  }
}

export async function handleTerraform(body: TerraformWebhook, rawBody: string): Promise<ExternalWebhookResult> {
  const delivery = deliveryOf(undefined, rawBody);
  const trigger = body.notifications[0]?.trigger;
  // Terraform enables a notification configuration (Apollo's executor creates one per workspace) only when
  // this answers 2xx: a verification is answered 200 every time, and not claimed (it carries no run).
  const runId = body.run_id;
  if (trigger === 'verification' || !runId) return { delivery, matched: false, woken: false, duplicate: false, reason: 'a verification (or run-less) notification' };
  refuseStale(body.notifications.map((n) => n.run_updated_at ?? undefined).filter(Boolean).at(-1));
  return once(TERRAFORM_SENDER, delivery, rawBody, async () => {
    const status = body.notifications.map((n) => n.run_status).filter(Boolean).at(-1);
    const woke = await wakeExternal({ system: 'terraform', id: runId, delivery, summary: `run ${runId} is ${status ?? trigger ?? 'updated'}` });
    return { ...woke, ...(woke.matched ? {} : { reason: `no request waits for run ${runId}` }) };
  });
}

export async function handleJira(body: JiraWebhook, rawBody: string, identifier: string | undefined): Promise<ExternalWebhookResult> {
  const delivery = deliveryOf(identifier, rawBody);
  refuseStale(body.timestamp);
  return once(JIRA_SENDER, delivery, rawBody, async () => {
    const key = body.issue?.key;
    if (!key) return { matched: false, woken: false, reason: 'not about an issue' };
    const woke = await wakeExternal({ system: 'jira', id: key, delivery, summary: `${key} ${body.issue_event_type_name ?? body.webhookEvent}` });
    return { ...woke, ...(woke.matched ? {} : { reason: `no request waits for ${key}` }) };
  });
}
