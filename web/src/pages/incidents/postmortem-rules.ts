/**
 * The postmortem editor's form: what it holds (times as the datetime-local inputs show them, empty strings for
 * nothing), the PUT body it makes, what must be fixed before it is sent, and whether anything changed.
 */
import type { Postmortem, PostmortemUpdate } from '../../../../schemas/types.gen.ts';

export interface TimelineRow {
  /** Local time as a datetime-local input holds it (`2026-12-05T14:02`). */
  readonly at: string;
  readonly content: string;
  /** The time as the API gave it (to the millisecond): sent back as it was unless the row's time was changed. */
  readonly original?: string;
}

export interface ActionItemRow {
  readonly title: string;
  readonly owner: string;
  /** `YYYY-MM-DD`, or '' for none. */
  readonly due: string;
  readonly done: boolean;
}

export interface PostmortemForm {
  readonly status: Postmortem['status'];
  readonly summary: string;
  readonly impact: string;
  readonly rootCause: string;
  readonly timeline: readonly TimelineRow[];
  readonly actionItems: readonly ActionItemRow[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as a datetime-local input's value (local time, minutes); '' when it is not a time. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value as ISO; undefined when it is not a time. */
export function fromLocalInput(local: string): string | undefined {
  if (!local.trim()) return undefined;
  const ms = Date.parse(local);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function formFromPostmortem(p: Postmortem): PostmortemForm {
  return {
    status: p.status,
    summary: p.summary,
    impact: p.impact,
    rootCause: p.rootCause,
    timeline: p.timeline.map((t) => ({ at: toLocalInput(t.at), content: t.content, original: t.at })),
    actionItems: p.actionItems.map((a) => ({ title: a.title, owner: a.owner ?? '', due: a.due ?? '', done: a.done })),
  };
}

/**
 * The rows the API would refuse, by field path (`timeline/2/at`, `actionItems/0/title`, `actionItems/1/owner`), each
 * with what to do; empty when it can be sent.
 */
export function formProblems(form: PostmortemForm): Record<string, string> {
  const problems: Record<string, string> = {};
  form.timeline.forEach((row, i) => {
    if (!fromLocalInput(row.at)) problems[`timeline/${i}/at`] = 'Give the time it happened.';
    if (!row.content.trim()) problems[`timeline/${i}/content`] = 'Say what happened, or remove the row.';
  });
  form.actionItems.forEach((row, i) => {
    if (!row.title.trim()) problems[`actionItems/${i}/title`] = 'Say what is to be done, or remove the item.';
    if (row.owner.trim() && !/^[A-Za-z0-9_=,.@+-]{2,128}$/.test(row.owner.trim())) problems[`actionItems/${i}/owner`] = 'An owner is a principal (someone@example.com).';
    if (row.due && !/^\d{4}-\d{2}-\d{2}$/.test(row.due)) problems[`actionItems/${i}/due`] = 'A due date is a day (YYYY-MM-DD).';
  });
  return problems;
}

/** The PUT body: the whole postmortem as the form holds it, the timeline in time order. */
export function bodyFromForm(form: PostmortemForm): PostmortemUpdate {
  return {
    status: form.status,
    summary: form.summary,
    impact: form.impact,
    rootCause: form.rootCause,
    timeline: form.timeline
      .map((row) => ({ at: row.original && toLocalInput(row.original) === row.at ? row.original : fromLocalInput(row.at) ?? row.at, content: row.content.trim() }))
      .sort((a, b) => a.at.localeCompare(b.at)),
    actionItems: form.actionItems.map((a) => ({ title: a.title.trim(), owner: a.owner.trim() || null, due: a.due || null, done: a.done })),
  };
}

/** Whether the form says anything the postmortem does not. */
export const isDirty = (form: PostmortemForm, p: Postmortem): boolean =>
  JSON.stringify(bodyFromForm(form)) !== JSON.stringify(bodyFromForm(formFromPostmortem(p)));

/** Action items done of all ("2 of 5 done"). */
export function actionProgress(items: readonly { done: boolean }[]): string {
  if (items.length === 0) return 'no action items';
  return `${items.filter((i) => i.done).length} of ${items.length} done`;
}

/** Who wrote the draft, as the postmortem's byline says it, and whether the model is still at it. */
export interface PostmortemAuthorship {
  /** `writing`: the model is writing (the draft from the records is shown meanwhile). */
  readonly state: 'writing' | 'model' | 'records';
  readonly byline: string;
  /** What went wrong with the model's draft, or what became of it, when there is something to say. */
  readonly note?: { readonly intent: 'warning' | 'none'; readonly text: string };
}

export function postmortemAuthorship(p: Pick<Postmortem, 'generatedByAI' | 'model' | 'modelDraft'>): PostmortemAuthorship {
  const draft = p.modelDraft;
  if (draft?.status === 'writing') return { state: 'writing', byline: 'The model is writing the draft…' };
  if (p.generatedByAI) return { state: 'model', byline: `Written by ${p.model ?? 'the model'}` };
  const byline = 'Drafted from the records';
  if (draft?.status === 'failed') return { state: 'records', byline, note: { intent: 'warning', text: `The model could not write the draft: ${draft.error ?? 'no reason given'}. The draft from the records stays.` } };
  if (draft?.status === 'abandoned') return { state: 'records', byline, note: { intent: 'none', text: 'It was edited before the model finished, so the model\'s draft was dropped.' } };
  return { state: 'records', byline };
}

/** A newer version to take without asking: the model's (or its failure) replacing the draft it was writing over, nothing typed since. */
export const adoptsNewer = (base: Pick<Postmortem, 'modelDraft'>, newer: Postmortem | null, dirty: boolean): newer is Postmortem =>
  Boolean(newer) && !dirty && base.modelDraft?.status === 'writing';
