/** The audit context: searching and reading the audit log. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'audit',
  summary: 'Searching and reading the audit log (admins)',
  topics: ['audit'],
  local: async () => {
    // Nothing is served yet: an intent still pending from before was cut off by a crash, and says so from now on.
    const { explainInterruptedIntents } = await import('./interrupted.ts');
    const marked = await explainInterruptedIntents();
    return marked ? [`Audit: ${marked} intent(s) were cut off when Apollo stopped (their outcome was never recorded): marked Interrupted`] : [];
  },
};
