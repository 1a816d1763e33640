/**
 * Replay protection for webhooks. GitHub signs the body but not the delivery id, so a delivery is
 * claimed twice: by its `X-GitHub-Delivery` id (GitHub's redeliveries reuse it) and by the hash of
 * its signed body (a captured body replayed under a new id is still the same body). Claims expire
 * after RETENTION_SECONDS; a claim whose work failed is released so GitHub's redelivery can retry.
 *   PK WEBHOOK#<sender>  SK DELIVERY#<id> | BODY#<sha256>   expiresAt
 */
import { createHash } from 'node:crypto';
import { ConflictError } from '#shared/errors';
import { deleteItem, putNew } from '#lib/table';

/** GitHub offers redelivery of the last 3 days; a week covers it with a margin. */
export const RETENTION_SECONDS = 7 * 24 * 3600;

export interface Claim {
  release(): Promise<void>;
}

/** Claims a delivery; undefined when it (or the same body) was seen before. */
export async function claimDelivery(sender: string, deliveryId: string, rawBody: string): Promise<Claim | undefined> {
  const PK = `WEBHOOK#${sender}`;
  const expiresAt = Math.floor(Date.now() / 1000) + RETENTION_SECONDS;
  const keys = [
    { PK, SK: `DELIVERY#${deliveryId}` },
    { PK, SK: `BODY#${createHash('sha256').update(rawBody).digest('hex')}` },
  ];
  const claimed: typeof keys = [];
  try {
    for (const key of keys) {
      await putNew({ ...key, entity: 'webhook-delivery', deliveryId, receivedAt: new Date().toISOString(), expiresAt }, 'delivery seen before');
      claimed.push(key);
    }
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    await Promise.all(claimed.map((key) => deleteItem(key)));
    return undefined;
  }
  return { release: async () => { await Promise.all(keys.map((key) => deleteItem(key))); } };
}
