/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature` carries one `v1=<hex HMAC-SHA256(secret, body)>` per signing
 * secret, checked timing-safe against the integration secret `pagerduty_webhook_secret` (several secrets,
 * comma- or newline-separated, while one is rotated); each delivery (`X-Webhook-Id`, the same on PagerDuty's
 * retries) is claimed once, then the incidents context applies the event.
 */
import type { PagerDutyWebhook, PagerDutyWebhookResult } from '#schemas/index.ts';
import { ServiceUnavailableError, UnauthorizedError } from '#shared/errors';
import type { SignedRequest } from '#lib/http';
import { integrationSecret } from '#functions/requests/public';
import {
  applyPagerDutySignal, PAGERDUTY_SIGNATURE_HEADER, PAGERDUTY_WEBHOOK_SECRET, pagerDutySecretsOf, parsePagerDutyWebhook, verifyPagerDutySignature,
} from '#functions/incidents/public';
import { claimDelivery, refuseStale } from './deliveries.ts';

export const PAGERDUTY_SENDER = 'pagerduty';

export async function verifyPagerDuty(request: SignedRequest): Promise<string> {
  const secrets = pagerDutySecretsOf(await integrationSecret(PAGERDUTY_WEBHOOK_SECRET));
  if (!secrets.length) throw new ServiceUnavailableError(`the PagerDuty webhook is not configured (no integration secret ${PAGERDUTY_WEBHOOK_SECRET})`);
  if (!verifyPagerDutySignature(secrets, request.rawBody, request.headers[PAGERDUTY_SIGNATURE_HEADER])) throw new UnauthorizedError('invalid signature');
  return PAGERDUTY_SENDER;
}

export async function handlePagerDuty(body: PagerDutyWebhook, rawBody: string, webhookId: string | undefined): Promise<PagerDutyWebhookResult> {
  const signal = parsePagerDutyWebhook(body);
  refuseStale(signal.occurredAt);
  // X-Webhook-Id names the delivery (a retry keeps it); without one, the event's own id.
  const delivery = webhookId || signal.eventId;
  const claim = await claimDelivery(PAGERDUTY_SENDER, delivery, rawBody);
  if (!claim) return { delivery, duplicate: true, outcome: 'unchanged', reason: 'this delivery was received before' };
  try {
    return { delivery, duplicate: false, ...(await applyPagerDutySignal(signal)) };
  } catch (error) {
    // PagerDuty retries a failed delivery: let it.
    await claim.release();
    throw error;
  }
}
