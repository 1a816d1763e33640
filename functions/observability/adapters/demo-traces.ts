/**
 * The local runtime's SIMULATED traces, as X-Ray segment documents made from the id alone (nothing stored):
 * an id is `1-<start, 8 hex unix seconds>-<service 2 hex><environment 2 hex><kind 2 hex><check 18 hex>`, so
 * every demo service has, in every minute, one slow trace and one fast one, and `demoTraceIds` names them.
 *
 * The slow one is core-service waiting on its HikariCP pool before it reaches postgres (1.2–2 s); in prod during
 * the incident minutes of the demo logs (45–59 of every hour, the design doc's Appendix B) it gives up after
 * 30 s with HikariCP's "Connection is not available" and answers 500. The fast one reads a cached row in ~40 ms.
 */
import { createHash } from 'node:crypto';
import type { TraceList } from '#schemas/index.ts';
import { traceTree, type RawTrace, type RecentTracesQuery, type SegmentDocument, type TracesPort } from '../traces.ts';
import { inIncident } from './demo-logs.ts';

/** The demo services (local/demo-services.ts names them; this list only decides the ids' service byte). */
const SERVICES = ['core-service', 'notification-service', 'violations-service', 'frontend', 'api-gateway', 'auth-service', 'billing-service', 'search-service', 'reporting-worker', 'recommendations'] as const;
const ENVIRONMENTS = ['prod', 'staging', 'dev'] as const;
const KINDS = ['slow', 'fast'] as const;
export type DemoTraceKind = (typeof KINDS)[number];

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const digest = (...parts: readonly (string | number)[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex');

/** The id of a service's slow or fast demo trace of the minute holding `t`. */
export function demoTraceId(service: string, environment: string, t: number, kind: DemoTraceKind): string | undefined {
  const s = SERVICES.indexOf(service as (typeof SERVICES)[number]);
  const e = ENVIRONMENTS.indexOf(environment as (typeof ENVIRONMENTS)[number]);
  if (s < 0 || e < 0) return undefined;
  const minute = Math.floor(t / 60_000);
  const second = minute * 60 + (parseInt(digest(service, environment, minute, kind).slice(0, 4), 16) % 55);
  const head = `${hex(s, 2)}${hex(e, 2)}${hex(KINDS.indexOf(kind), 2)}`;
  return `1-${hex(second, 8)}-${head}${digest(second, head).slice(0, 18)}`;
}

/** The demo traces that started in [from, to], newest first (at most `limit`). */
export function demoTraceIds(service: string, environment: string, from: number, to: number, kind: DemoTraceKind, limit = 20): string[] {
  const ids: string[] = [];
  for (let minute = Math.floor(to / 60_000); minute >= Math.floor(from / 60_000) && ids.length < limit; minute--) {
    const id = demoTraceId(service, environment, minute * 60_000, kind);
    const started = id ? parseInt(id.slice(2, 10), 16) * 1000 : Number.NaN;
    if (id && started >= from && started <= to) ids.push(id);
  }
  return ids;
}

function decode(traceId: string): { service: string; environment: string; kind: DemoTraceKind; start: number } | undefined {
  const m = /^1-([0-9a-f]{8})-([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{18})$/.exec(traceId);
  if (!m) return undefined;
  const [, second, s, e, k] = m;
  const service = SERVICES[parseInt(s!, 16)];
  const environment = ENVIRONMENTS[parseInt(e!, 16)];
  const kind = KINDS[parseInt(k!, 16)];
  if (!service || !environment || !kind) return undefined;
  const start = parseInt(second!, 16);
  return demoTraceId(service, environment, start * 1000, kind) === traceId ? { service, environment, kind, start } : undefined;
}

export class DemoTraces implements TracesPort {
  readonly source = 'SIMULATED demo traces';
  readonly simulated = true;

  async getTrace(traceId: string): Promise<RawTrace | undefined> {
    const id = /^[0-9a-f]{32}$/.test(traceId) ? `1-${traceId.slice(0, 8)}-${traceId.slice(8)}` : traceId;
    const found = decode(id);
    return found && { traceId: id, segments: segments(id, found.service, found.environment, found.kind, found.start) };
  }

  async recent(query: RecentTracesQuery): Promise<TraceList['items']> {
    const ids = KINDS.flatMap((kind) => demoTraceIds(query.service, query.environment, query.start, query.end, kind, query.limit));
    const items: Array<TraceList['items'][number]> = [];
    for (const id of ids) {
      const tree = traceTree((await this.getTrace(id))!, this.source, true);
      if (tree.durationMs < query.minDurationMs) continue;
      const root = tree.spans[0]!;
      items.push({ traceId: id, startedAt: tree.startedAt, durationMs: tree.durationMs, error: root.error, fault: root.fault, ...(root.http ? { http: root.http } : {}) });
    }
    return items.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, query.limit);
  }
}

function segments(traceId: string, service: string, environment: string, kind: DemoTraceKind, start: number): SegmentDocument[] {
  const ids = (name: string) => digest(traceId, name).slice(0, 16);
  const jitter = (name: string, spread: number) => (parseInt(digest(traceId, name).slice(0, 6), 16) / 0xffffff) * spread;
  const incident = kind === 'slow' && inIncident(service, environment, start * 1000);
  const path = kind === 'slow' ? `/api/v1/accounts/${4100 + Math.floor(jitter('account', 800))}/orders` : `/api/v1/accounts/${4100 + Math.floor(jitter('account', 800))}`;
  const at = (ms: number) => start + ms / 1000;
  // Where the service spends its time: waiting for a pooled connection, then postgres (or a cache hit).
  const waitMs = kind === 'fast' ? 0.4 : incident ? 30_000 : 1_100 + jitter('wait', 800);
  const dbMs = kind === 'fast' ? 3 + jitter('db', 4) : 18 + jitter('db', 25);
  const gatewayMs = 2 + jitter('gw', 3);
  const appStart = gatewayMs;
  const poolEnd = appStart + 1.5 + waitMs;
  const appEnd = incident ? poolEnd + 2 : poolEnd + dbMs + 1.5;
  const status = incident ? 500 : 200;
  const url = `https://${service}.${environment}.internal${path}`;
  const downstream: SegmentDocument[] = [
    {
      id: ids('pool'), name: 'HikariPool-1.getConnection', start_time: at(appStart + 1.5), end_time: at(poolEnd),
      ...(incident ? { fault: true, cause: { exceptions: [{ type: 'java.sql.SQLTransientConnectionException', message: 'HikariPool-1 - Connection is not available, request timed out after 30000ms.' }] } } : {}),
      annotations: { pool: 'HikariPool-1', active: incident ? 20 : kind === 'slow' ? 20 : 4, waiting: incident ? 57 : kind === 'slow' ? 12 : 0 },
    },
    ...(incident ? [] : [{
      id: ids('db'), name: 'postgres', namespace: 'remote', start_time: at(poolEnd), end_time: at(poolEnd + dbMs),
      sql: { sanitized_query: kind === 'slow' ? 'SELECT o.* FROM orders o WHERE o.account_id = ? ORDER BY o.created_at DESC LIMIT ?' : 'SELECT a.* FROM accounts a WHERE a.id = ?', url: `postgresql://core-db.${environment}.internal:5432/core` },
    }]),
  ];
  return [
    {
      id: ids('gateway'), trace_id: traceId, name: 'api-gateway', start_time: at(0), end_time: at(appEnd + 1),
      http: { request: { method: 'GET', url: `https://api.example.com${path}` }, response: { status } },
      ...(incident ? { fault: true } : {}),
      subsegments: [{ id: ids('gateway-call'), name: service, namespace: 'remote', start_time: at(gatewayMs - 0.5), end_time: at(appEnd + 0.5), http: { request: { method: 'GET', url }, response: { status } }, ...(incident ? { fault: true } : {}) }],
    },
    {
      id: ids('app'), trace_id: traceId, parent_id: ids('gateway-call'), name: service, start_time: at(appStart), end_time: at(appEnd),
      http: { request: { method: 'GET', url }, response: { status } },
      annotations: { environment, simulated: true },
      ...(incident ? { fault: true, cause: { exceptions: [{ type: 'org.springframework.jdbc.CannotGetJdbcConnectionException', message: 'Failed to obtain JDBC Connection; HikariPool-1 - Connection is not available, request timed out after 30000ms.' }] } } : {}),
      subsegments: downstream,
    },
  ];
}
