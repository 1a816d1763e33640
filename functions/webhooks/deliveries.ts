/**
 * Replay protection for webhooks. GitHub signs the body but not the delivery id, so a delivery is
 * claimed twice: by its `X-GitHub-Delivery` id (GitHub's redeliveries reuse it) and by the hash of
 * its signed body (a captured body replayed under a new id is still the same body). Claims expire
 * after RETENTION_SECONDS; a claim whose work failed is released so GitHub's redelivery can retry.
 *   PK WEBHOOK#<sender>  SK DELIVERY#<id> | BODY#<sha256>   expiresAt
 */
import { createHash } from 'node:crypto';
import { ConflictError, UnauthorizedError } from '#shared/errors';
import { deleteItem, putNew } from '#lib/table';

/** GitHub offers redelivery of the last 3 days; a week covers it with a margin. */
export const RETENTION_SECONDS = 7 * 24 * 3600;

export interface Claim {
  release(): Promise<void>;
}

/**
 * Refuses (401) a delivery whose signed body says it happened more than RETENTION_SECONDS ago: its claims would have
 * expired, so a captured delivery replayed that late could not be told from a new one. A sender retries for hours,
 * never for a week. (GitHub's bodies carry no delivery time: its deliveries rely on the claims alone.)
 */
export function refuseStale(at: string | number | undefined, now = Date.now()): void {
  const time = typeof at === 'number' ? at : at === undefined ? NaN : Date.parse(at);
  if (Number.isFinite(time) && now - time > RETENTION_SECONDS * 1000) {
    throw new UnauthorizedError(`stale delivery: it happened at ${new Date(time).toISOString()}, more than ${RETENTION_SECONDS / 86_400} days ago, when a replay can no longer be recognised`);
  }
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
