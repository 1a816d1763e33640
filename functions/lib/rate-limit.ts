/**
 * A per-principal rate limit counted in the table, so every Lambda instance counts the same calls: a fixed
 * one-minute window (`RATE#<kind>#<principal>` / `<window start>`, expiring with the window), one atomic ADD a call.
 * Over the limit: 429 with Retry-After and when the window resets.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TooManyRequestsError } from '#shared/errors';
import { db, tableName } from './table.ts';

const WINDOW_MS = 60_000;

export interface Allowance {
  /** What is counted (`logs`, `ai-turns`): part of the key. */
  readonly kind: string;
  readonly principal: string;
  /** Calls a minute. */
  readonly limit: number;
  /** The refusal's message from the limit and the seconds to wait (`at most 6 log reads a minute; try again in 12 s`). */
  message(limit: number, retryAfterSeconds: number): string;
}

export async function takeAllowance(allowance: Allowance, now = Date.now()): Promise<void> {
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(),
    Key: { PK: `RATE#${allowance.kind}#${allowance.principal}`, SK: String(windowStart) },
    UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':one': 1, ':expires': Math.ceil((windowStart + 2 * WINDOW_MS) / 1000) },
    ReturnValues: 'UPDATED_NEW',
  }));
  if (Number(Attributes?.count ?? 0) > allowance.limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    throw new TooManyRequestsError(allowance.message(allowance.limit, retryAfterSeconds), {
      retryAfterSeconds, details: [{ path: '/rate', message: `resets at ${new Date(windowStart + WINDOW_MS).toISOString()}` }],
    });
  }
}
