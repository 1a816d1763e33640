/**
 * A per-caller rate limit on log reads: a fixed one-minute window counted in the table
 * (`RATE#logs#<principal>` / `<window start>`, expiring with the window), so every Lambda
 * instance counts the same calls. Over the limit: 429 with Retry-After.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/table';
import { TooManyRequestsError } from '#shared/errors';
import { observabilityConfig } from './config.ts';

const WINDOW_MS = 60_000;

export async function takeLogsAllowance(principal: string, now = Date.now()): Promise<void> {
  const limit = observabilityConfig().ratePerMinute;
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(),
    Key: { PK: `RATE#logs#${principal}`, SK: String(windowStart) },
    UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':one': 1, ':expires': Math.ceil((windowStart + 2 * WINDOW_MS) / 1000) },
    ReturnValues: 'UPDATED_NEW',
  }));
  const count = Number(Attributes?.count ?? 0);
  if (count > limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    throw new TooManyRequestsError(`at most ${limit} log reads a minute; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
