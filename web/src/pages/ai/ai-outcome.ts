/** How a session ended, as its owner said: who may say it, the tag that shows it, the body that saves it. */
import type { Intent, IconName } from '@blueprintjs/core';
import type { AiSession, AiSessionOutcome } from '../../../../schemas/types.gen.ts';

export type OutcomeValue = AiSessionOutcome['outcome'];
export type SessionOutcome = NonNullable<AiSession['outcome']>;

/** In the order the header offers them. */
export const OUTCOMES: readonly OutcomeValue[] = ['resolved', 'escalated', 'failed'];

/** What each outcome looks like: green, yellow, red. */
export const OUTCOME_LOOK: Readonly<Record<OutcomeValue, { readonly label: string; readonly intent: Intent; readonly icon: IconName; readonly meaning: string }>> = {
  resolved: { label: 'Resolved', intent: 'success', icon: 'tick-circle', meaning: 'the problem is solved' },
  escalated: { label: 'Escalated', intent: 'warning', icon: 'people', meaning: 'handed to people' },
  failed: { label: 'Failed', intent: 'danger', icon: 'error', meaning: 'it did not help' },
};

/** Only the owner says how the session ended, and only with ai:sessions:create (the API decides; the control shows where it will agree). */
export const maySetOutcome = (session: Pick<AiSession, 'owner'>, me: { principal: string; permissions: readonly string[] } | undefined): boolean =>
  me !== undefined && session.owner === me.principal && me.permissions.includes('ai:sessions:create');

/** `Escalated by dana@example.com at <time>: Paged the DB team.` (the tag's tooltip). */
export function outcomeSaid(outcome: SessionOutcome, formatTime: (iso: string) => string): string {
  return `${OUTCOME_LOOK[outcome.value].label} by ${outcome.setBy} at ${formatTime(outcome.setAt)}${outcome.note ? `: ${outcome.note}` : ''}`;
}

/** The characters the API refuses in a note: controls other than tab and newlines, bidirectional overrides and isolates. */
const refusedInNote = (code: number): boolean =>
  (code <= 0x1f && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);

/** The PUT's body: the note trimmed, without the characters the API refuses, left out when nothing is left. */
export function outcomeBody(outcome: OutcomeValue, note: string): AiSessionOutcome {
  const clean = [...note].filter((ch) => !refusedInNote(ch.codePointAt(0)!)).join('').trim();
  return clean ? { outcome, note: clean } : { outcome };
}
