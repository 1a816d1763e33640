/**
 * Log queries (POST/GET/DELETE /api/v1/logs/query): Logs Insights runs longer than API Gateway's
 * 29 s, so a query is started (202), read until it ends, or stopped. Its record
 * (`LOGQUERY#<id>` / `META`, expiring after APOLLO_LOG_QUERY_TTL_HOURS) keeps the backend's query
 * id, what was asked and who asked: only they read or stop it (anyone else: 404, as if absent).
 */
import { ulid } from 'ulidx';
import { getItem, putNew } from '#lib/table';
import { ConflictError, NotFoundError } from '#shared/errors';
import type { LogQuery, LogQueryCreate } from '#schemas/index.ts';
import { observabilityConfig } from './config.ts';
import { observabilityDeps } from './deps.ts';
import { logTargetOf } from './log-groups.ts';
import { maskSecrets } from './mask-secrets.ts';
import type { LogSource, QueryResults } from './ports.ts';
import { takeLogsAllowance } from './rate-limit.ts';
import { timeRange } from './time-range.ts';

interface LogQueryItem {
  PK: string;
  SK: 'META';
  id: string;
  backendQueryId: string;
  source: LogSource;
  owner: string;
  query: string;
  service: string;
  environment: string;
  logGroups: string[];
  start: number;
  end: number;
  limit: number;
  createdAt: string;
  expiresAt: number;
  [key: string]: unknown;
}

const keyOf = (id: string) => ({ PK: `LOGQUERY#${id}`, SK: 'META' });

export async function startLogQuery(body: LogQueryCreate, principal: string): Promise<LogQuery> {
  const { start, end } = timeRange(body.start, body.end, { from: '/body/start', to: '/body/end' });
  const target = await logTargetOf(body.service, body.environment, body.logGroups);
  await takeLogsAllowance(principal);
  const { logs } = await observabilityDeps();
  const limit = body.limit ?? 1000;
  const backendQueryId = await logs.startQuery({ logGroups: target.logGroups, query: body.query, start, end, limit, scope: { service: target.service, environment: target.environment } });
  const id = ulid();
  const createdAt = new Date();
  const item: LogQueryItem = {
    ...keyOf(id),
    SK: 'META',
    id,
    backendQueryId,
    source: logs.sourceOf?.(target.logGroups) ?? logs.source,
    owner: principal,
    query: body.query,
    service: target.service,
    environment: target.environment,
    logGroups: [...target.logGroups],
    start,
    end,
    limit,
    createdAt: createdAt.toISOString(),
    expiresAt: Math.floor(createdAt.getTime() / 1000) + observabilityConfig().queryTtlHours * 3600,
  };
  await putNew(item, `log query ${id} exists`);
  return toLogQuery(item, { status: 'Scheduled', results: [], statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 } });
}

async function ownQuery(id: string, principal: string): Promise<LogQueryItem> {
  const item = await getItem<LogQueryItem>(keyOf(id), { consistent: true });
  // Someone else's query reads as absent: its existence is theirs too.
  if (!item || item.owner !== principal) throw new NotFoundError(`log query ${id} not found (queries are kept ${observabilityConfig().queryTtlHours} hours, and only their author reads them)`);
  return item;
}

export async function getLogQuery(id: string, principal: string): Promise<LogQuery> {
  const item = await ownQuery(id, principal);
  const { logs } = await observabilityDeps();
  return toLogQuery(item, await logs.getQueryResults(item.backendQueryId));
}

export async function stopLogQuery(id: string, principal: string): Promise<LogQuery> {
  const item = await ownQuery(id, principal);
  const { logs } = await observabilityDeps();
  const stopped = await logs.stopQuery(item.backendQueryId);
  const now = await logs.getQueryResults(item.backendQueryId);
  if (!stopped) throw new ConflictError(`log query ${id} has already ended (${now.status}): there is nothing to stop`);
  return toLogQuery(item, now);
}

function toLogQuery(item: LogQueryItem, results: QueryResults): LogQuery {
  return {
    id: item.id,
    status: results.status,
    source: item.source,
    query: item.query,
    service: item.service,
    environment: item.environment,
    logGroups: item.logGroups,
    start: new Date(item.start).toISOString(),
    end: new Date(item.end).toISOString(),
    limit: item.limit,
    createdAt: item.createdAt,
    createdBy: item.owner,
    results: results.results.map((row) => row.map(({ field, value }) => ({ field, value: maskSecrets(value) }))),
    statistics: { ...results.statistics },
    ...(results.error ? { error: maskSecrets(results.error) } : {}),
  };
}
