/**
 * What other contexts may use of the AI context: the only module of it they import
 * (`#functions/ai/public`; functions/contexts.test.ts holds every context to that).
 */
// The realtime Lambda asks before a subscription to ai:<id>.
export { mayFollowSession } from './follow.ts';
// The incidents context's postmortem draft is written by the console's model when one is configured.
export { composeWithModel, configuredModel, modelConfiguredInEnvironment, type ComposeRequest, type Composed } from './compose.ts';
