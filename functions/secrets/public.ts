/**
 * What other contexts may use of the secrets context: the only module of it they import
 * (`#functions/secrets/public`; functions/contexts.test.ts holds every context to that).
 */
// An incident's timeline joins its services' secret value changes (rotate, update, rollback) by time.
export { changesOf as secretChangesOf, type SecretChange } from './records.ts';
