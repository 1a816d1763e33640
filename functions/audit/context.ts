/** The audit context: searching and reading the audit log. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'audit',
  summary: 'Searching and reading the audit log (admins)',
  topics: ['audit'],
  jobs: [{
    name: 'audit-sweep',
    description: 'Every 30 minutes: marks Interrupted the audit intents still pending 20 minutes after they were written (a Lambda timed out or died between a change\'s intent and its outcome)',
    schedule: 'rate(30 minutes)',
    timeoutSeconds: 120,
    run: async () => {
      const { explainInterruptedIntents } = await import('./interrupted.ts');
      const marked = await explainInterruptedIntents(new Date(), 20 * 60_000);
      return { result: { marked }, summary: { marked } };
    },
  }],
  local: async () => {
    // Nothing is served yet: an intent still pending from before was cut off by a crash, and says so from now on.
    const { explainInterruptedIntents } = await import('./interrupted.ts');
    const marked = await explainInterruptedIntents();
    return marked ? [`Audit: ${marked} intent(s) were cut off when Apollo stopped (their outcome was never recorded): marked Interrupted`] : [];
  },
};
