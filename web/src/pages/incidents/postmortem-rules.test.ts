import { describe, expect, it } from 'vitest';
import type { Postmortem } from '../../../../schemas/types.gen.ts';
import { actionProgress, adoptsNewer, bodyFromForm, formFromPostmortem, formProblems, fromLocalInput, isDirty, postmortemAuthorship, toLocalInput } from './postmortem-rules.ts';

const postmortem: Postmortem = {
  incidentId: '01JINCIDENT', status: 'draft', summary: 'Checkout failed for 40 min.', impact: '12 % of checkouts', rootCause: '',
  timeline: [{ at: '2026-12-05T06:00:00.000Z', content: 'HighErrorRate fired' }, { at: '2026-12-05T06:40:00.000Z', content: 'Rolled back to 2.14.1' }],
  actionItems: [{ title: 'Close the export\'s connections', owner: 'dev@apollo.local', due: '2026-12-12', done: false }, { title: 'Alert on pool saturation', owner: null, due: null, done: true }],
  generatedByAI: false, model: null, modelDraft: null, createdAt: '2026-12-05T07:00:00.000Z', createdBy: 'op@apollo.local', updatedAt: '2026-12-05T07:00:00.000Z', updatedBy: 'op@apollo.local', version: 1,
};

describe('the postmortem editor', () => {
  it('sends back what it was given when nothing was edited', () => {
    const form = formFromPostmortem(postmortem);
    expect(bodyFromForm(form)).toEqual({
      status: 'draft', summary: postmortem.summary, impact: postmortem.impact, rootCause: '',
      timeline: postmortem.timeline, actionItems: postmortem.actionItems,
    });
    expect(isDirty(form, postmortem)).toBe(false);
  });

  it('an edit makes it dirty; the timeline goes in time order, an empty owner or due date is none', () => {
    const form = formFromPostmortem(postmortem);
    const edited = {
      ...form, status: 'final' as const,
      timeline: [...form.timeline, { at: toLocalInput('2026-12-05T05:50:00.000Z'), content: ' Deploy 2.15.0 ' }],
      actionItems: [...form.actionItems, { title: ' Add a canary ', owner: ' ', due: '', done: false }],
    };
    const body = bodyFromForm(edited);
    expect(isDirty(edited, postmortem)).toBe(true);
    expect(body.status).toBe('final');
    expect(body.timeline!.map((t) => t.content)).toEqual(['Deploy 2.15.0', 'HighErrorRate fired', 'Rolled back to 2.14.1']);
    expect(body.actionItems![2]).toEqual({ title: 'Add a canary', owner: null, due: null, done: false });
  });

  it('says which rows the API would refuse, by field path', () => {
    const form = formFromPostmortem(postmortem);
    expect(formProblems(form)).toEqual({});
    const bad = {
      ...form,
      timeline: [{ at: '', content: 'x' }, { at: toLocalInput('2026-12-05T06:00:00.000Z'), content: '  ' }],
      actionItems: [{ title: '', owner: 'not an owner!', due: '12/12/2026', done: false }],
    };
    expect(Object.keys(formProblems(bad)).sort()).toEqual(['actionItems/0/due', 'actionItems/0/owner', 'actionItems/0/title', 'timeline/0/at', 'timeline/1/content']);
  });

  it('a row\'s time is sent back to the millisecond unless it was changed', () => {
    const precise = { ...postmortem, timeline: [{ at: '2026-12-05T06:00:12.345Z', content: 'HighErrorRate fired' }] };
    const form = formFromPostmortem(precise);
    expect(bodyFromForm(form).timeline).toEqual([{ at: '2026-12-05T06:00:12.345Z', content: 'HighErrorRate fired' }]);
    const moved = { ...form, timeline: [{ ...form.timeline[0]!, at: toLocalInput('2026-12-05T06:05:00.000Z') }] };
    expect(bodyFromForm(moved).timeline).toEqual([{ at: '2026-12-05T06:05:00.000Z', content: 'HighErrorRate fired' }]);
  });

  it('datetime-local values round-trip to the minute', () => {
    expect(fromLocalInput(toLocalInput('2026-12-05T06:40:00.000Z'))).toBe('2026-12-05T06:40:00.000Z');
    expect(fromLocalInput('')).toBeUndefined();
    expect(toLocalInput('not a time')).toBe('');
  });

  it('counts the action items done', () => {
    expect(actionProgress(postmortem.actionItems)).toBe('1 of 2 done');
    expect(actionProgress([])).toBe('no action items');
  });
});

describe('who wrote the postmortem', () => {
  const requestedAt = '2026-12-05T07:00:00.000Z';
  it('says the model is writing, then who wrote it, or that it was drafted from the records', () => {
    expect(postmortemAuthorship({ ...postmortem, modelDraft: { status: 'writing', requestedAt, finishedAt: null, error: null } })).toEqual({ state: 'writing', byline: 'The model is writing the draft…' });
    expect(postmortemAuthorship({ ...postmortem, generatedByAI: true, model: 'claude-sonnet-5-5', modelDraft: { status: 'written', requestedAt, finishedAt: requestedAt, error: null } })).toEqual({ state: 'model', byline: 'Written by claude-sonnet-5-5' });
    expect(postmortemAuthorship(postmortem)).toEqual({ state: 'records', byline: 'Drafted from the records' });
  });

  it('says why the model\'s draft is not there: it failed, or an edit came first', () => {
    expect(postmortemAuthorship({ ...postmortem, modelDraft: { status: 'failed', requestedAt, finishedAt: requestedAt, error: 'the Anthropic API answered 401' } })).toEqual({
      state: 'records', byline: 'Drafted from the records', note: { intent: 'warning', text: 'The model could not write the draft: the Anthropic API answered 401. The draft from the records stays.' },
    });
    expect(postmortemAuthorship({ ...postmortem, modelDraft: { status: 'abandoned', requestedAt, finishedAt: requestedAt, error: null } }).note?.text).toMatch(/edited before the model finished/);
  });

  it('takes the model\'s version without asking only over the draft it was writing, with nothing typed', () => {
    const writing = { ...postmortem, modelDraft: { status: 'writing' as const, requestedAt, finishedAt: null, error: null } };
    const written = { ...postmortem, version: 2, generatedByAI: true, model: 'claude-sonnet-5-5' };
    expect(adoptsNewer(writing, written, false)).toBe(true);
    expect(adoptsNewer(writing, written, true)).toBe(false);
    expect(adoptsNewer(postmortem, written, false)).toBe(false);
    expect(adoptsNewer(writing, null, false)).toBe(false);
  });
});
