/**
 * What other contexts may use of the costs context: the only module of it they import
 * (`#functions/costs/public`; functions/contexts.test.ts holds every context to that).
 */
// The AI console's `costs <service>` command and its read tools.
export { costService, costSummary } from './queries.ts';
export { costRecommendations } from './recommendations.ts';
