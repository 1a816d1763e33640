/**
 * Requesters rate their completed requests (1-5 and a comment); the owning team reads the ratings in its catalog
 * analytics (GET /api/v1/teams/{id}/catalog).
 *
 *   REQ#<id> / META                        `rating` (the request's current one)
 *   OFFERRATING#<offering> / <at>#<id>     each current rating, newest last (the catalog shows the newest comments)
 *   RSTATS#ALL / DAY#<day>                 `rate|sum|<offering>`, `rate|n|<offering>` on the day it was given
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RequestRating, RequestRatingPut } from '#schemas/index.ts';
import { ConflictError, ForbiddenError } from '#shared/errors';
import { db, deleteItem, isConditionFailure, putItem, queryPage, tableName, type Item } from '#lib/table';
import type { RequestCaller } from './access.ts';
import { requireReadable } from './access.ts';
import { requestPartition } from './records.ts';
import { applyWrites, daySk, PLATFORM_PARTITION } from './stats.ts';

const RATEABLE = new Set(['completed', 'deprovisioned']);
const ratingsPartition = (offering: string): string => `OFFERRATING#${offering}`;

export async function rateRequest(id: string, body: RequestRatingPut, caller: RequestCaller, now = new Date()): Promise<RequestRating> {
  const record = await requireReadable(id, caller, true);
  if (record.requester.toLowerCase() !== caller.principal.toLowerCase()) throw new ForbiddenError(`only ${record.requester}, who asked for it, rates request ${id}`);
  if (!RATEABLE.has(record.status)) throw new ConflictError(`request ${id} is ${record.status}: rate it once it has completed`);
  const previous = record.rating;
  const rating: RequestRating = {
    requestId: id, offering: record.offering.id, score: body.score, comment: body.comment?.trim() || null, by: record.requester, at: now.toISOString(),
  };
  try {
    // On the rating read: two ratings at once cannot both count.
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: requestPartition(id), SK: 'META' },
      UpdateExpression: 'SET #rating = :rating',
      ConditionExpression: previous ? '#rating.#at = :previousAt' : 'attribute_not_exists(#rating)',
      ExpressionAttributeNames: { '#rating': 'rating', ...(previous ? { '#at': 'at' } : {}) },
      ExpressionAttributeValues: { ':rating': rating, ...(previous ? { ':previousAt': previous.at } : {}) },
    }));
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError(`request ${id} was rated meanwhile: reload it`, { cause: error });
    throw error;
  }
  const offering = record.offering.id;
  if (previous) {
    await deleteItem({ PK: ratingsPartition(offering), SK: `${previous.at}#${id}` });
    await applyWrites([{ partition: PLATFORM_PARTITION, sk: daySk(previous.at.slice(0, 10)), delta: { add: { [`rate|sum|${offering}`]: -previous.score, [`rate|n|${offering}`]: -1 }, sets: {} } }]);
  }
  await putItem({ PK: ratingsPartition(offering), SK: `${rating.at}#${id}`, entity: 'request-rating', ...rating });
  await applyWrites([{ partition: PLATFORM_PARTITION, sk: daySk(rating.at.slice(0, 10)), delta: { add: { [`rate|sum|${offering}`]: rating.score, [`rate|n|${offering}`]: 1 }, sets: {} } }]);
  return rating;
}

/** The newest ratings of an offering that say something (at most `limit`; one Query of the newest few). */
export async function recentComments(offering: string, limit = 3): Promise<RequestRating[]> {
  const page = await queryPage<Item & RequestRating>({ partition: ratingsPartition(offering), limit: 20, newestFirst: true });
  return page.items.filter((r) => r.comment).slice(0, limit).map((r) => ({ requestId: r.requestId, offering: r.offering, score: r.score, comment: r.comment, by: r.by, at: r.at }));
}
