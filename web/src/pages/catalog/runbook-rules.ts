/** The runbook form's fields and the API's rules for them (schemas/api/runbook-create.schema.json), checked before sending. */
import type { Runbook, RunbookUpdate } from '../../../../schemas/types.gen.ts';
import type { FieldErrors } from '../../components/field-errors.ts';

export const RUNBOOK_FIELDS = ['title', 'trigger', 'automatable', 'aiPrompt', 'content'] as const;

export interface RunbookValues {
  title: string;
  trigger: string;
  automatable: boolean;
  aiPrompt: string;
  content: string;
}

const TRIGGER = /^[A-Za-z0-9_.:-]{1,128}$/;

export const runbookValues = (r: Runbook | null): RunbookValues => ({
  title: r?.title ?? '', trigger: r?.trigger ?? '', automatable: r?.automatable ?? false, aiPrompt: r?.aiPrompt ?? '', content: r?.content ?? '',
});

export function validateRunbook(v: RunbookValues): FieldErrors {
  const e: FieldErrors = {};
  if (!v.title.trim()) e.title = 'A runbook needs a title';
  else if (v.title.length > 200) e.title = 'At most 200 characters';
  if (!TRIGGER.test(v.trigger)) e.trigger = 'The alert name as the alert sends it: letters, digits and _ . : -, no spaces (e.g. HighErrorRate)';
  if (v.aiPrompt.length > 8000) e.aiPrompt = 'At most 8000 characters';
  if (!v.content.trim()) e.content = 'Write the steps to follow (Markdown)';
  else if (v.content.length > 100_000) e.content = 'At most 100,000 characters';
  return e;
}

/** What an edit sends: only the changed fields; an emptied AI prompt is removed (null). Empty when nothing changed. */
export function runbookChanges(before: Runbook, v: RunbookValues): RunbookUpdate {
  const body: RunbookUpdate = {};
  const title = v.title.trim();
  if (title !== before.title) body.title = title;
  if (v.trigger !== before.trigger) body.trigger = v.trigger;
  if (v.content !== before.content) body.content = v.content;
  if (v.automatable !== before.automatable) body.automatable = v.automatable;
  const prompt = v.aiPrompt.trim();
  if (prompt !== (before.aiPrompt ?? '')) body.aiPrompt = prompt === '' ? null : prompt;
  return body;
}
