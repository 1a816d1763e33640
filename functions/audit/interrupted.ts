/**
 * Intents a crash cut off (ARCHITECTURE.md §1: the intent is written before a mutation, its outcome after): a process
 * that dies between the two leaves the entry `pending`, and nothing will ever record its outcome. When the local
 * runtime starts, no mutation of its own runs yet, so every intent still pending from before was cut off: each is
 * marked with the errorCode `Interrupted` (its outcome stays pending, which is the truth: the change may or may not
 * have happened; the resource says which). Only the entries since the previous start are read (a marker keeps its
 * time), so a start reads what one run wrote, not the whole log.
 *
 * In AWS a Lambda that times out or dies between the two leaves the same: the `audit-sweep` job (every 30 minutes)
 * marks the intents still pending 20 minutes after they were written (longer than any function may run: 15 min).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { auditDaysBetween } from '#lib/audit-days';
import { logger } from '#lib/observability';
import { db, getItem, putItem, queryPage, tableName, type Item } from '#lib/table';

const MARKER = { PK: 'AUDITSWEEP', SK: 'LAST' };
/** What the first sweep of a home reads back (its log's entries older than this were never swept). */
const FIRST_SWEEP_DAYS = 31;
export const INTERRUPTED_CODE = 'Interrupted';

/**
 * Marks the intents still pending that were written at least `olderThanMs` before `now` (those of a run that ended
 * without recording them: at the local runtime's start, all of them); answers how many.
 */
export async function explainInterruptedIntents(now = new Date(), olderThanMs = 0): Promise<number> {
  const last = await getItem<Item & { at: string }>(MARKER, { consistent: true });
  const to = new Date(now.getTime() - olderThanMs).toISOString();
  const from = last?.at ?? new Date(now.getTime() - FIRST_SWEEP_DAYS * 86_400_000).toISOString();
  if (from >= to) return 0;
  let marked = 0;
  for (const day of await auditDaysBetween(from.slice(0, 10), to.slice(0, 10), FIRST_SWEEP_DAYS + 1)) {
    let cursor: string | undefined;
    do {
      const page = await queryPage<Item & { outcome: string }>({
        partition: `AUDIT#${day}`, sortKey: { between: [from, to] }, limit: 200, cursor,
        filter: { FilterExpression: '#o = :pending AND attribute_not_exists(#e)', ExpressionAttributeNames: { '#o': 'outcome', '#e': 'errorCode' }, ExpressionAttributeValues: { ':pending': 'pending' } },
      });
      for (const item of page.items) {
        await db.send(new UpdateCommand({
          TableName: tableName(), Key: { PK: item.PK, SK: item.SK },
          UpdateExpression: 'SET #e = :e', ConditionExpression: '#o = :pending',
          ExpressionAttributeNames: { '#e': 'errorCode', '#o': 'outcome' }, ExpressionAttributeValues: { ':e': INTERRUPTED_CODE, ':pending': 'pending' },
        })).catch((error: Error) => { if (error.name !== 'ConditionalCheckFailedException') throw error; });
        marked += 1;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  await putItem({ ...MARKER, at: to });
  if (marked) logger.warn('audit intents cut off: marked Interrupted', { marked });
  return marked;
}
