/**
 * The local runtime's SIMULATED logs: every demo service's lines as a pure function of time, so
 * "the last hour" always has lines and an incident is reproducible, with nothing stored. A log
 * group names its service and environment (`/apollo/prod/core-service` by default; any template
 * naming them works); `/aws/lambda/apollo-<stage>-<context>` is Apollo's own.
 *
 * core-service in prod has the incident of the design doc's Appendix B in minutes 45–59 of every
 * hour: HikariCP pool exhaustion, socket read timeouts, and PostgreSQL's `too many connections`.
 * Once an hour (minute 7) core-service logs static AWS credentials it should not: the API must mask them.
 */
import { fnv1a as hash } from '#lib/fnv';
import type { LogRecord } from '../insights/execute.ts';
import { demoTraceId } from './demo-traces.ts';

/** Milliseconds between two lines of one log group (a group writes one line per tick). */
export const DEMO_TICK_MS = 2_000;
/** The minutes of every hour when core-service in prod runs out of database connections. */
export const DEMO_INCIDENT_MINUTES = { from: 45, to: 60 } as const;

const SERVICES = [
  'core-service', 'notification-service', 'violations-service', 'frontend', 'api-gateway', 'auth-service', 'billing-service',
  'search-service', 'reporting-worker', 'recommendations', 'postgres', 'redis', 'kafka',
].sort((a, b) => b.length - a.length);

/** The seeded line whose credentials must come back masked. */
export const DEMO_LEAKED_CREDENTIALS_LINE =
  'WARN  [main] c.c.core.config.S3ClientFactory : no instance role; using static credentials aws_access_key_id=AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export interface GroupIdentity { readonly service: string; readonly environment: string; readonly apollo: boolean }

export function identifyGroup(logGroup: string): GroupIdentity {
  const own = /\/aws\/lambda\/apollo-([a-z0-9-]+?)-([a-z]+)$/.exec(logGroup);
  if (own) return { service: `apollo-${own[2]}`, environment: own[1]!, apollo: true };
  const service = SERVICES.find((s) => logGroup.includes(s)) ?? logGroup.split('/').filter(Boolean).pop() ?? 'unknown';
  const environment = /\bprod\b|production/.test(logGroup) ? 'prod' : /\bstaging\b/.test(logGroup) ? 'staging' : /\bdev\b/.test(logGroup) ? 'dev' : 'prod';
  return { service, environment, apollo: false };
}

const pick = <T>(items: readonly T[], n: number): T => items[n % items.length]!;

export function inIncident(service: string, environment: string, t: number): boolean {
  if (service !== 'core-service' || environment !== 'prod') return false;
  const minute = new Date(t).getUTCMinutes();
  return minute >= DEMO_INCIDENT_MINUTES.from && minute < DEMO_INCIDENT_MINUTES.to;
}

const PATHS = ['/api/v1/accounts/{n}', '/api/v1/tenants/{n}/users', '/api/v1/orders/{n}', '/api/v1/health', '/api/v1/search?q=invoice', '/api/v1/notifications/{n}/ack'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'GET'];

function line(identity: GroupIdentity, t: number, h: number): string {
  const { service, environment } = identity;
  const thread = `http-nio-8080-exec-${(h % 12) + 1}`;
  const pkg = `c.c.${service.replace(/-service$/, '').replace(/-/g, '')}`;
  if (identity.apollo) return apolloLine(identity, t, h);
  if (inIncident(service, environment, t)) {
    const r = h % 100;
    // Every fifth minute opens with the database refusing: the rare line is always there to be found.
    if (t % 300_000 === 0) return `ERROR [${thread}] o.h.engine.jdbc.spi.SqlExceptionHelper : org.postgresql.util.PSQLException: FATAL: too many connections for role "cobalt"`;
    if (r < 10) return `ERROR [${thread}] com.zaxxer.hikari.pool.HikariPool : HikariPool-1 - Connection is not available, request timed out after 30000ms.${traced(service, environment, t)}`;
    if (r < 13) return `ERROR [${thread}] ${pkg}.web.AccountController : request failed: java.net.SocketTimeoutException: Read timed out`;
    if (r < 14) return `ERROR [${thread}] o.h.engine.jdbc.spi.SqlExceptionHelper : org.postgresql.util.PSQLException: FATAL: too many connections for role "cobalt"`;
    if (r < 20) return `WARN  [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool : HikariPool-1 - Pool stats (total=10, active=10, idle=0, waiting=${(h >>> 8) % 40 + 5})`;
  }
  const r = (h >>> 4) % 1000;
  if (r < 6) return `ERROR [${thread}] ${pkg}.client.UpstreamClient : call to postgres failed: java.net.SocketTimeoutException: Read timed out (after 5000 ms)`;
  if (r < 30) return `WARN  [${thread}] ${pkg}.web.RequestLogger : slow request ${pick(METHODS, h)} ${pick(PATHS, h >>> 3).replace('{n}', String(h % 9000 + 1000))} took ${(h >>> 6) % 2000 + 1000}ms${traced(service, environment, t)}`;
  if (r < 80) return `DEBUG [${thread}] ${pkg}.cache.CacheManager : cache ${h % 3 ? 'hit' : 'miss'} for key tenant:${h % 500}`;
  const status = r < 95 ? 404 : r < 110 ? 201 : 200;
  const ms = (h >>> 9) % 120 + 3;
  return `INFO  [${thread}] ${pkg}.web.RequestLogger : ${pick(METHODS, h)} ${pick(PATHS, h >>> 3).replace('{n}', String(h % 9000 + 1000))} ${status} ${ms}ms`;
}

/** The minute's slow demo trace (./demo-traces.ts), as a line names it, so the UI opens it from the line. */
function traced(service: string, environment: string, t: number): string {
  const id = demoTraceId(service, environment, t, 'slow');
  return id ? ` traceId=${id}` : '';
}

function apolloLine(identity: GroupIdentity, t: number, h: number): string {
  const context = identity.service.replace(/^apollo-/, '');
  const level = (h % 50) === 0 ? 'WARN' : 'INFO';
  const message = level === 'WARN' ? 'request refused' : pick(['request handled', 'request handled', 'item read', 'audit written'], h);
  return JSON.stringify({ level, message, service: `apollo-${context}`, timestamp: new Date(t).toISOString(), requestId: (h * 2654435761 >>> 0).toString(16).padStart(8, '0'), statusCode: level === 'WARN' ? 403 : 200, durationMs: (h >>> 5) % 80 + 2 });
}

/** `@timestamp` as Logs Insights writes it: `2026-12-05 05:45:12.000`. */
export const insightsTimestamp = (t: number): string => new Date(t).toISOString().replace('T', ' ').replace('Z', '');

/**
 * The records of `logGroups` in [start, end), oldest first (groups interleaved), one per group per
 * `tickMs`, with the fields Logs Insights gives: @timestamp, @message, @log, @logStream, @ingestionTime;
 * a JSON line's top-level fields are discovered too, as Logs Insights does.
 */
export function* demoRecords(logGroups: readonly string[], start: number, end: number, tickMs = DEMO_TICK_MS): Generator<LogRecord & { '@timestamp': string; '@message': string }> {
  const identities = logGroups.map(identifyGroup);
  const first = Math.ceil(start / tickMs) * tickMs;
  for (let t = first; t < end; t += tickMs) {
    for (let g = 0; g < logGroups.length; g++) {
      const identity = identities[g]!;
      const h = hash(`${logGroups[g]}#${t}`);
      const leak = !identity.apollo && identity.service === 'core-service' && t % 3_600_000 === 7 * 60_000;
      const message = leak ? DEMO_LEAKED_CREDENTIALS_LINE : line(identity, t, h);
      const pod = `${identity.service}-${(hash(identity.service) % 0xfffff).toString(16)}-${['x7k2p', 'm9q4d', 'c3v8n'][h % 3]}`;
      const record: Record<string, string> = {
        '@timestamp': insightsTimestamp(t),
        '@message': message,
        '@log': logGroups[g]!,
        '@logStream': identity.apollo ? `2026/12/05/[$LATEST]${(hash(identity.service) >>> 0).toString(16)}` : pod,
        '@ingestionTime': insightsTimestamp(t + 800),
      };
      if (message.startsWith('{')) {
        for (const [key, value] of Object.entries(JSON.parse(message) as Record<string, unknown>)) record[key] = String(value);
      }
      yield record as LogRecord & { '@timestamp': string; '@message': string };
    }
  }
}
