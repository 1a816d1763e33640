/** GET /api/v1/logs/services/{id}: a page of a service's log events in one environment, secrets masked. */
import { ValidationError } from '#shared/errors';
import type { ServiceLogs, ServiceLogsQuery } from '#schemas/index.ts';
import { observabilityDeps } from './deps.ts';
import { levelOf } from './levels.ts';
import { logTargetOf } from './log-groups.ts';
import { maskSecrets } from './mask-secrets.ts';
import { takeLogsAllowance } from './rate-limit.ts';
import { timeRange } from './time-range.ts';

const encodeCursor = (token: string): string => Buffer.from(JSON.stringify({ t: token })).toString('base64url');

function decodeCursor(cursor: string): string {
  try {
    const { t } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown };
    if (typeof t === 'string' && t) return t;
  } catch { /* answered below */ }
  throw new ValidationError('cursor is not one this API gave', { details: [{ path: '/query/cursor', message: 'not a cursor from a previous page' }] });
}

export async function serviceLogs(service: string, query: ServiceLogsQuery, principal: string): Promise<ServiceLogs> {
  const nextToken = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const { start, end } = timeRange(query.from, query.to, { from: '/query/from', to: '/query/to' });
  const target = await logTargetOf(service, query.environment);
  await takeLogsAllowance(principal);
  const { logs } = await observabilityDeps();
  const terms = [...(query.level ? [query.level] : []), ...(query.q?.split(/\s+/).filter(Boolean) ?? [])];
  const page = await logs.filterEvents({ logGroups: target.logGroups, start, end, terms, limit: query.limit ?? 100, scope: { service: target.service, environment: target.environment }, ...(nextToken ? { nextToken } : {}) });
  return {
    service: target.service,
    environment: target.environment,
    logGroups: [...target.logGroups],
    source: logs.sourceOf?.(target.logGroups) ?? logs.source,
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    items: page.events.map((event) => {
      const message = maskSecrets(event.message);
      const level = levelOf(message);
      return {
        timestamp: new Date(event.timestamp).toISOString(),
        message,
        ...(level ? { level } : {}),
        logGroup: event.logGroup,
        ...(event.logStream ? { logStream: event.logStream } : {}),
        ...(event.eventId ? { eventId: event.eventId } : {}),
      };
    }),
    nextCursor: page.nextToken ? encodeCursor(page.nextToken) : null,
  };
}
