/**
 * A per-caller rate limit on reads of logs, metrics and traces, each kind its own allowance of
 * APOLLO_LOGS_RATE_PER_MINUTE (a log page's live tail does not starve the metrics dashboard), counted per
 * one-minute window in the table (#lib/rate-limit), so every Lambda instance counts the same calls.
 */
import { takeAllowance as take } from '#lib/rate-limit';
import { observabilityConfig } from './config.ts';

export type ReadKind = 'logs' | 'metrics' | 'traces';
const WHAT: Record<ReadKind, string> = { logs: 'log reads', metrics: 'metric reads', traces: 'trace reads' };

export function takeLogsAllowance(principal: string, now = Date.now()): Promise<void> {
  return takeAllowance('logs', principal, now);
}

export function takeAllowance(kind: ReadKind, principal: string, now = Date.now()): Promise<void> {
  return take({ kind, principal, limit: observabilityConfig().ratePerMinute, message: (limit, wait) => `at most ${limit} ${WHAT[kind]} a minute; try again in ${wait} s` }, now);
}
