/**
 * How far a request got: the `progress` (0–100) its record carries, which the Requests list and a request's page
 * draw as a bar. On its way: 5 validating, 10 awaiting approval, 15 queued, then 15 to 95 by the share of its
 * actions done, 100 completed. A request that ends without completing (failed, cancelled) shows the share of its
 * actions done and still holding, 0 to 100, with nothing left from the phase it stopped in: one that failed at its
 * first action did none of its work (not "15%"), one that failed at the last of three after two did 67%, one whose
 * rollback undid what it did holds nothing. A skipped action (its `when` did not hold) is no work to do: it counts
 * neither way, so two done and one skipped is all of it. Pure, so it is unit-tested.
 */
import type { AttemptRecord, PlannedAction } from './records.ts';

/** Where a request is when its actions begin (it passed validation, approval and the queue). */
export const QUEUED_PROGRESS = 15;
/** The part of the bar its actions fill (15 to 95: it reaches 100 when completed). */
const ACTIONS_SPAN = 80;

type Planned = PlannedAction & { readonly skipped?: boolean };

/** The actions that are work to do, and those of them done (a succeeded attempt no rollback undid). */
export function actionsDone(plan: readonly Planned[] | undefined, attempts: readonly Pick<AttemptRecord, 'actionId' | 'status' | 'rolledBack'>[]): { done: number; total: number } {
  const todo = (plan ?? []).filter((p) => !p.skipped);
  const done = todo.filter((p) => attempts.some((a) => a.actionId === p.id && a.status === 'succeeded' && !a.rolledBack)).length;
  return { done, total: todo.length };
}

/** A request under way, from the queue on: 15 plus its share of the actions done (kept from an earlier run too), at most 95. */
export function progressOf(plan: readonly Planned[] | undefined, attempts: Parameters<typeof actionsDone>[1]): number {
  const { done, total } = actionsDone(plan, attempts);
  return total === 0 ? QUEUED_PROGRESS : QUEUED_PROGRESS + Math.round((ACTIONS_SPAN * done) / total);
}

/** A request that ended without completing (failed, cancelled): the share of its actions done and still holding. */
export function endedProgress(plan: readonly Planned[] | undefined, attempts: Parameters<typeof actionsDone>[1]): number {
  const { done, total } = actionsDone(plan, attempts);
  return total === 0 ? 0 : Math.round((100 * done) / total);
}
