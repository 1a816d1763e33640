/** The audit context: searching and reading the audit log. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'audit',
  summary: 'Searching and reading the audit log (admins)',
  topics: ['audit'],
};
