/**
 * Crash recovery for the AI console: a turn runs in the process that took the message (locally the runtime itself),
 * so a crash or restart cuts it off with its session still saying a turn runs, and the session would refuse every
 * next message (409 "is answering") for good. At start the local runtime ends each such turn: what it streamed and
 * did until then stays in the transcript (the frames kept as it went), an `error` frame says it was interrupted and
 * that asking again goes on, and an `end` frame closes it; the session is idle again. Nothing re-runs by itself: the
 * model is not asked twice for one message.
 *
 * In AWS a turn runs in the jobs Lambda, which a timeout (or a crash) can end before the turn writes its end: the
 * `ai-sweep` job (every 30 minutes) ends the turns still running past the ai-turn job's time, the same way, finding
 * them by the mark each turn leaves when it begins (records.ts), not by reading every session.
 */
import { logger } from '#lib/observability';
import { getItem, putItem, queryPage, type Item } from '#lib/table';
import type { AiSession } from '#schemas/index.ts';
import { endTurn, readSession, reserveSeqs, turnsBegun } from './records.ts';
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

/** Ends every turn a session says runs (at the local runtime's start none runs in this process yet); answers how many. */
export async function endInterruptedTurns(why = 'Apollo restarted'): Promise<number> {
  let ended = 0;
  for (const session of [...(await withTurnRunning('active')), ...(await withTurnRunning('terminated'))]) {
    if (await endTurnCutOff(session, why)) ended += 1;
  }
  if (ended) logger.warn('ai turns cut off: ended', { ended, why });
  return ended;
}

const SWEEP = { PK: 'AITURNSWEEP', SK: 'LAST' };

/**
 * The ai-sweep job: ends the turns begun at least `olderThanMs` ago that still run. It reads each turn's mark once,
 * as it comes of age (a marker keeps where the last sweep stopped), and its session: a handful of reads a run, not
 * every session.
 */
export async function endStaleTurns(why: string, olderThanMs: number, now = new Date()): Promise<number> {
  const last = await getItem<Item & { at: string }>(SWEEP, { consistent: true });
  const until = new Date(now.getTime() - olderThanMs).toISOString();
  const after = last?.at ?? new Date(now.getTime() - 86_400_000).toISOString();
  if (after >= until) return 0;
  let ended = 0;
  let cursor: string | undefined;
  do {
    const page = await turnsBegun(after, until, cursor);
    for (const mark of page.items) {
      const session = await readSession(mark.sessionId, true);
      if (session?.turn.status === 'running' && session.turn.turnId === mark.turnId && await endTurnCutOff(session, why)) ended += 1;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  await putItem({ ...SWEEP, at: until });
  if (ended) logger.warn('ai turns cut off: ended', { ended, why });
  return ended;
}

/** Ends a session's running turn: an error frame saying why, idle again, an end frame. False when it was not running. */
async function endTurnCutOff(session: AiSession, why: string): Promise<boolean> {
  const turnId = session.turn.turnId;
  if (!turnId) return false;
  const first = await reserveSeqs(session.id, 2);
  const stream = new FrameStream(session.id, turnId, first, first + 1, 0);
  await stream.emit({ type: 'error', code: 'Interrupted', message: `The turn was interrupted: its run was lost (${why}). What it said and did until then is kept above; a tool call without a result did not finish. Ask again to go on.`, retryable: true });
  // Idle before the end frame, as a turn ends: whoever reads the end may send the next message at once.
  await endTurn(session.id, turnId, { inputTokens: 0, outputTokens: 0, toolCalls: 0, costUsd: 0 }, new Date().toISOString());
  await stream.emit({ type: 'end', stopReason: 'error' });
  await stream.close();
  return true;
}
