import { describe, expect, it } from 'vitest';
import type { Runbook } from '../../../../schemas/types.gen.ts';
import { runbookChanges, runbookValues, validateRunbook } from './runbook-rules.ts';

const runbook: Runbook = {
  id: 'rb-1', serviceId: 'core-service', title: 'High error rate', trigger: 'HighErrorRate', content: '1. Check the logs', automatable: true, aiPrompt: 'Be careful',
  source: 'manual', createdAt: '2026-01-01T00:00:00Z', createdBy: 'a@x', updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'a@x', version: 3,
};

describe('the runbook form rules', () => {
  it('accepts what the API accepts', () => {
    expect(validateRunbook(runbookValues(runbook))).toEqual({});
    expect(validateRunbook({ ...runbookValues(null), title: 'Disk full', trigger: 'kube.node:DiskPressure_2', content: '# Steps' })).toEqual({});
  });

  it('names each field the API would refuse, in words', () => {
    expect(validateRunbook({ title: ' ', trigger: 'High error rate', automatable: false, aiPrompt: 'x'.repeat(8001), content: '\n' })).toEqual({
      title: 'A runbook needs a title',
      trigger: 'The alert name as the alert sends it: letters, digits and _ . : -, no spaces (e.g. HighErrorRate)',
      aiPrompt: 'At most 8000 characters',
      content: 'Write the steps to follow (Markdown)',
    });
    expect(validateRunbook({ ...runbookValues(runbook), trigger: 'A'.repeat(129), content: 'x'.repeat(100_001) })).toEqual({
      trigger: 'The alert name as the alert sends it: letters, digits and _ . : -, no spaces (e.g. HighErrorRate)',
      content: 'At most 100,000 characters',
    });
  });

  it('sends only what changed, and an emptied AI prompt as null (removed)', () => {
    expect(runbookChanges(runbook, runbookValues(runbook))).toEqual({});
    expect(runbookChanges(runbook, { ...runbookValues(runbook), title: ' High error rate ' })).toEqual({});
    expect(runbookChanges(runbook, { ...runbookValues(runbook), title: 'Errors', automatable: false, aiPrompt: '  ' })).toEqual({ title: 'Errors', automatable: false, aiPrompt: null });
    expect(runbookChanges({ ...runbook, aiPrompt: undefined }, { ...runbookValues(runbook), aiPrompt: '', content: '2. Roll back' })).toEqual({ content: '2. Roll back' });
  });
});
