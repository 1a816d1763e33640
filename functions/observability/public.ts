/**
 * What other contexts may use of the observability context: the only module of it they import
 * (`#functions/observability/public`; functions/contexts.test.ts holds every context to that).
 */
// The AI console's read tools (functions/ai/tools) read logs, metrics and traces as the routes do, rate-limited alike.
export { serviceLogs } from './service-logs.ts';
export { readServiceMetrics } from './service-metrics.ts';
export { queryMetrics } from './metrics-query.ts';
export { listTraces, readTrace } from './traces.ts';
export { takeAllowance } from './rate-limit.ts';
