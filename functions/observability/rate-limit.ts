/**
 * A per-caller rate limit on reads of logs, metrics and traces, each kind its own allowance of
 * APOLLO_LOGS_RATE_PER_MINUTE (a log page's live tail does not starve the metrics dashboard): a fixed
 * one-minute window counted in the table (`RATE#<kind>#<principal>` / `<window start>`, expiring with the
 * window), so every Lambda instance counts the same calls. Over the limit: 429 with Retry-After.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/table';
import { TooManyRequestsError } from '#shared/errors';
import { observabilityConfig } from './config.ts';

const WINDOW_MS = 60_000;

export type ReadKind = 'logs' | 'metrics' | 'traces';
const WHAT: Record<ReadKind, string> = { logs: 'log reads', metrics: 'metric reads', traces: 'trace reads' };

export function takeLogsAllowance(principal: string, now = Date.now()): Promise<void> {
  return takeAllowance('logs', principal, now);
}

export async function takeAllowance(kind: ReadKind, principal: string, now = Date.now()): Promise<void> {
  const limit = observabilityConfig().ratePerMinute;
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(),
    Key: { PK: `RATE#${kind}#${principal}`, SK: String(windowStart) },
    UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':one': 1, ':expires': Math.ceil((windowStart + 2 * WINDOW_MS) / 1000) },
    ReturnValues: 'UPDATED_NEW',
  }));
  const count = Number(Attributes?.count ?? 0);
  if (count > limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    throw new TooManyRequestsError(`at most ${limit} ${WHAT[kind]} a minute; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
