/**
 * PagerDuty v3 webhook signatures (PROTOCOLS.md §4; PagerDuty/developer-docs `docs/webhooks/04-Signatures.md`):
 * `X-PagerDuty-Signature: v1=<hex>,v1=<hex>`, one hex HMAC-SHA256 of the raw body per signing secret (several
 * while a secret is rotated). A delivery is authentic when any `v1` signature matches any secret we hold;
 * signatures of another scheme are ignored. Compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PAGERDUTY_SIGNATURE_HEADER = 'x-pagerduty-signature';
/** The same on every retry of one delivery: the key to claim it once. */
export const PAGERDUTY_WEBHOOK_ID_HEADER = 'x-webhook-id';

const SCHEME = 'v1=';
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** `v1=<hex HMAC-SHA256(secret, rawBody)>`: one entry of the header. */
export const pagerDutySignature = (secret: string, rawBody: string | Buffer): string => `${SCHEME}${createHmac('sha256', secret).update(rawBody).digest('hex')}`;

/** The header's `v1` signatures as bytes (malformed entries and other schemes dropped). */
function v1Signatures(header: string): Buffer[] {
  const found: Buffer[] = [];
  for (const entry of header.split(',')) {
    const trimmed = entry.trim();
    if (!trimmed.toLowerCase().startsWith(SCHEME)) continue;
    const hex = trimmed.slice(SCHEME.length).toLowerCase();
    if (HEX_SHA256.test(hex)) found.push(Buffer.from(hex, 'hex'));
  }
  return found;
}

/**
 * True when `header` carries a `v1` signature of `rawBody` made with one of `secrets` (the raw body exactly
 * as received: PagerDuty signs its bytes, and a re-serialised body would not match).
 */
export function verifyPagerDutySignature(secrets: readonly string[], rawBody: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const given = v1Signatures(header);
  if (given.length === 0) return false;
  let matched = false;
  for (const secret of secrets) {
    if (!secret) continue;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Every pair is compared, so the time taken says nothing about which one matched.
    for (const signature of given) if (timingSafeEqual(expected, signature)) matched = true;
  }
  return matched;
}

/**
 * The secrets held in one integration secret value: several (while rotating) are written one a line or
 * comma-separated, e.g. `new-secret,old-secret`.
 */
export const pagerDutySecretsOf = (stored: string | undefined): string[] => (stored ?? '').split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
