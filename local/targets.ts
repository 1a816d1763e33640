/**
 * Health targets the local runtime serves, so the health job has something real to poll on a laptop:
 * `GET /local/targets/<service>/<env>/health` (no signature; loopback callers only) answers like a
 * Spring Boot actuator. Every target is up and quick, except:
 * - notification-service staging flaps: up for 2 minutes, down (503) for the next 2, by the clock
 *   (UTC minutes 0–1 of every 4 up, 2–3 down), so a test can choose the state with the time;
 * - violations-service staging is slow: it answers after 2.5 s (degraded: slower than 2 s);
 * - reporting-worker dev runs one replica short (the simulated cluster reports it: degraded).
 * The demo services' environments point here (local/seed.ts); the simulated cluster reads the same
 * state (functions/services/health/adapters/simulated-cluster.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthProbe } from '#functions/services/health/ports';

export const TARGETS_PATH = '/local/targets/';
/** The flapping target changes state this often. */
export const FLAP_PERIOD_MS = 2 * 60_000;
/** How long the slow target takes to answer. */
export const SLOW_TARGET_MS = 2_500;

export type TargetBehaviour = 'steady' | 'flapping' | 'slow' | 'short';

/** The targets that misbehave, by `<service>/<env>`. */
export const TARGET_BEHAVIOURS: Readonly<Record<string, TargetBehaviour>> = {
  'notification-service/staging': 'flapping',
  'violations-service/staging': 'slow',
  'reporting-worker/dev': 'short',
};

export interface TargetState {
  readonly behaviour: TargetBehaviour;
  readonly up: boolean;
  /** How long the target waits before answering. */
  readonly delayMs: number;
  /** Replicas the simulated cluster reports as not ready (besides all of them when down). */
  readonly missingReplicas: number;
}

let clock: () => number = () => Date.now();

/** Tests move the targets' clock (and only theirs: signatures keep the real time). Undefined restores the real one. */
export function setTargetClock(now?: () => number): void {
  clock = now ?? (() => Date.now());
}

/** The target's state at `now` (ms since the epoch; default the targets' clock). */
export function targetState(service: string, env: string, now: number = clock()): TargetState {
  const behaviour = TARGET_BEHAVIOURS[`${service}/${env}`] ?? 'steady';
  return {
    behaviour,
    up: behaviour !== 'flapping' || Math.floor(now / FLAP_PERIOD_MS) % 2 === 0,
    delayMs: behaviour === 'slow' ? SLOW_TARGET_MS : 0,
    missingReplicas: behaviour === 'short' ? 1 : 0,
  };
}

/** The URL of a target on a runtime listening at `baseUrl` (`http://127.0.0.1:3000`). */
export const targetUrl = (baseUrl: string, service: string, env: string): string =>
  `${baseUrl}${TARGETS_PATH}${encodeURIComponent(service)}/${encodeURIComponent(env)}/health`;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A probe that sends a local target's URL to this runtime whatever port it was seeded with: the demo
 * data keeps the port of the `npm start` that seeded it, and a later start on another PORT (or
 * `npm run job health-poll`, on a free port) must not see every demo environment as down.
 */
export function localTargetsProbe(inner: HealthProbe, baseUrl: string): HealthProbe {
  const base = new URL(baseUrl);
  return {
    probe(url, timeoutMs) {
      let target: URL | undefined;
      try {
        target = new URL(url);
      } catch {
        target = undefined;
      }
      if (target && target.protocol === 'http:' && LOOPBACK_HOSTS.has(target.hostname) && target.pathname.startsWith(TARGETS_PATH)) {
        target.host = base.host;
        return inner.probe(target.toString(), timeoutMs);
      }
      return inner.probe(url, timeoutMs);
    },
  };
}

const PATH = /^\/local\/targets\/([a-z][a-z0-9-]{1,62})\/([a-z][a-z0-9-]{0,30})\/health$/;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/vnd.spring-boot.actuator.v3+json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function actuatorBody(service: string, env: string, state: TargetState): Record<string, unknown> {
  const db = state.up
    ? { status: 'UP', details: { database: 'PostgreSQL', validationQuery: 'isValid()' } }
    : { status: 'DOWN', details: { error: 'org.postgresql.util.PSQLException: Connection to postgres:5432 refused' } };
  return {
    status: state.up ? 'UP' : 'DOWN',
    components: { db, diskSpace: { status: 'UP', details: { total: 53_687_091_200, free: 31_138_512_896, threshold: 10_485_760 } }, ping: { status: 'UP' } },
    apollo: { service, environment: env, simulated: true, behaviour: state.behaviour },
  };
}

/** Answers a `/local/targets/…` request. Returns false for any other path. */
export function handleTarget(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (!path.startsWith(TARGETS_PATH)) return false;
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    reply(res, 403, { status: 'FORBIDDEN', message: 'local health targets answer loopback callers only' });
    return true;
  }
  const match = PATH.exec(path);
  if (!match) {
    reply(res, 404, { status: 'NOT_FOUND', message: 'a target is /local/targets/<service>/<env>/health' });
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  const [, service, env] = match as unknown as [string, string, string];
  const state = targetState(service, env);
  const answer = () => reply(res, state.up ? 200 : 503, actuatorBody(service, env, state));
  if (state.delayMs) setTimeout(answer, state.delayMs).unref();
  else answer();
  return true;
}
