/**
 * Crash recovery for the AI console: a turn runs in the process that took the message (locally the runtime itself),
 * so a crash or restart cuts it off with its session still saying a turn runs, and the session would refuse every
 * next message (409 "is answering") for good. At start the local runtime ends each such turn: what it streamed and
 * did until then stays in the transcript (the frames kept as it went), an `error` frame says it was interrupted and
 * that asking again goes on, and an `end` frame closes it; the session is idle again. Nothing re-runs by itself: the
 * model is not asked twice for one message.
 */
import { logger } from '#lib/observability';
import { queryPage, type Item } from '#lib/table';
import type { AiSession } from '#schemas/index.ts';
import { endTurn, reserveSeqs } from './records.ts';
import { FrameStream } from './stream.ts';

async function withTurnRunning(status: AiSession['status']): Promise<AiSession[]> {
  const found: AiSession[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item & AiSession>({
      index: 'GSI2', partition: `AISTATUS#${status}`, limit: 200, cursor,
      filter: { FilterExpression: '#turn.#status = :running', ExpressionAttributeNames: { '#turn': 'turn', '#status': 'status' }, ExpressionAttributeValues: { ':running': 'running' } },
    });
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/** Ends every turn a session says runs (none runs in this process yet); answers how many. */
export async function endInterruptedTurns(why = 'Apollo restarted'): Promise<number> {
  let ended = 0;
  for (const session of [...(await withTurnRunning('active')), ...(await withTurnRunning('terminated'))]) {
    const turnId = session.turn.turnId;
    if (!turnId) continue;
    const first = await reserveSeqs(session.id, 2);
    const stream = new FrameStream(session.id, turnId, first, first + 1, 0);
    await stream.emit({ type: 'error', code: 'Interrupted', message: `The turn was interrupted: its run was lost (${why}). What it said and did until then is kept above; a tool call without a result did not finish. Ask again to go on.`, retryable: true });
    // Idle before the end frame, as a turn ends: whoever reads the end may send the next message at once.
    await endTurn(session.id, turnId, { inputTokens: 0, outputTokens: 0, toolCalls: 0, costUsd: 0 }, new Date().toISOString());
    await stream.emit({ type: 'end', stopReason: 'error' });
    await stream.close();
    ended += 1;
  }
  if (ended) logger.warn('ai turns interrupted by a restart', { ended });
  return ended;
}
