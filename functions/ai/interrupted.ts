/**
 * Crash recovery for the AI console: a turn runs in the process that took the message (locally the runtime itself),
 * so a crash or restart cuts it off with its session still saying a turn runs, and the session would refuse every
 * next message (409 "is answering") for good. At start the local runtime ends each such turn: what it streamed and
 * did until then stays in the transcript (the frames kept as it went), an `error` frame says it was interrupted and
 * that asking again goes on, and an `end` frame closes it; the session is idle again. Nothing re-runs by itself: the
 * model is not asked twice for one message.
 *
 * In AWS a turn runs in the jobs Lambda, which a timeout (or a crash) can end before the turn writes its end: the
 * `ai-sweep` job (every 10 minutes) ends the turns still running past the ai-turn job's time, the same way.
 */
import { logger } from '#lib/observability';
import { queryPage, type Item } from '#lib/table';
import type { AiSession } from '#schemas/index.ts';
import { endTurn, reserveSeqs } from './records.ts';
import { FrameStream } from './stream.ts';

async function withTurnRunning(status: AiSession['status'], startedBefore: string): Promise<AiSession[]> {
  const found: AiSession[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item & AiSession>({
      index: 'GSI2', partition: `AISTATUS#${status}`, limit: 200, cursor,
      filter: {
        FilterExpression: '#turn.#status = :running AND #turn.#started <= :before',
        ExpressionAttributeNames: { '#turn': 'turn', '#status': 'status', '#started': 'startedAt' }, ExpressionAttributeValues: { ':running': 'running', ':before': startedBefore },
      },
    });
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/**
 * Ends every turn a session says runs that began at least `olderThanMs` ago (at the local runtime's start, none runs
 * in this process yet: all of them); answers how many.
 */
export async function endInterruptedTurns(why = 'Apollo restarted', olderThanMs = 0, now = new Date()): Promise<number> {
  let ended = 0;
  const before = new Date(now.getTime() - olderThanMs).toISOString();
  for (const session of [...(await withTurnRunning('active', before)), ...(await withTurnRunning('terminated', before))]) {
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
  if (ended) logger.warn('ai turns cut off: ended', { ended, why });
  return ended;
}
