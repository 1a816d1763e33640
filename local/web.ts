/**
 * The web app on the local runtime's origin (ARCHITECTURE.md §7): `web/dist` served statically with
 * an SPA fallback, `/config.json` (mode local), and the loopback-only sign-in helpers: `GET
 * /local/users` (the local directory, the user pool's stand-in) and `POST /local/session` (one-hour
 * session credentials for the role a person has there now). None of this exists in AWS, where
 * Amplify hosts the app and Cognito signs people in.
 *
 * The LOCAL DEMO METRICS control is served here too, on loopback, for the service page's "Local demo only"
 * panel (same origin, so no CORS): `GET /local/demo-metrics?service=<id>` (its state; 404 when the runtime
 * serves no demo metrics, which is how the web app knows to show nothing) and `POST
 * /local/demo-metrics/control` (push an error rate, back to normal, a preset; local/fakes/metrics-server.ts).
 * And the LOCAL FAKE PagerDuty's demo alert for the Incidents page: `GET /local/pagerduty` (where the fake is;
 * 404 when a real PagerDuty is configured) and `POST /local/pagerduty/trigger` (fires HighErrorRate on
 * core-service in prod there; its signed webhook reaches Apollo's, which answers with the incident it opened).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRole, type Role } from '#shared/permissions';
import type { WebConfig } from '#schemas/index.ts';
import type { LocalCredentialStore } from './credentials.ts';
import type { DemoMetricsServer } from './fakes/metrics-server.ts';
import type { FakePagerDuty } from './fakes/pagerduty-server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_DIST = join(ROOT, 'web', 'dist');
/** What the web build reads: when any of it is newer than web/dist, `npm start` rebuilds. */
const WEB_SOURCES = ['web/src', 'web/index.html', 'web/public', 'web/vite.config.ts', 'shared', 'schemas/types.gen.ts', 'package-lock.json'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebContext {
  readonly region: string;
  readonly credentials: LocalCredentialStore;
  /** The built app; default web/dist. */
  readonly dist?: string;
  /** The demo metrics whose control `/local/demo-metrics` serves (absent: 404 there). */
  readonly demoMetrics?: Pick<DemoMetricsServer, 'control'>;
  /** The LOCAL FAKE PagerDuty whose demo alert `/local/pagerduty/trigger` fires (absent: 404 there). */
  readonly pagerDuty?: Pick<FakePagerDuty, 'trigger' | 'settled' | 'url' | 'deliveries'>;
}

export const isLoopback = (req: IncomingMessage): boolean => /^(127\.|::1$|::ffff:127\.)/.test(req.socket.remoteAddress ?? '');

function reply(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer, head = false): true {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(head ? undefined : body);
  return true;
}

const json = (res: ServerResponse, status: number, value: unknown): true =>
  reply(res, status, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify(value));

export function webConfig(region: string): WebConfig {
  return { mode: 'local', region, stage: 'local', apiUrl: '', realtimeUrl: '' };
}

// ---------------------------------------------------------------- sign-in helpers (loopback only)

interface DirectoryEntry { user: string; role: Role | null; enabled: boolean; teams: Array<{ id: string; role: string }> }

async function directoryUsers(): Promise<DirectoryEntry[]> {
  // Imported when first asked: the handlers' modules read the environment the runtime sets.
  const { LocalUserAdmin } = await import('../functions/identity/adapters/local-user-admin.ts');
  const { membershipsOf } = await import('#lib/memberships');
  const directory = new LocalUserAdmin();
  const users = [];
  let cursor: string | undefined;
  do {
    const page = await directory.list(100, cursor);
    users.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return Promise.all(users.map(async (u) => ({
    user: u.user,
    role: u.role,
    enabled: u.enabled,
    teams: (await membershipsOf(u.user)).map((m) => ({ id: m.teamId, role: m.role })),
  })));
}

async function session(res: ServerResponse, body: Buffer, credentials: LocalCredentialStore): Promise<true> {
  let request: { user?: unknown; role?: unknown };
  try {
    request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
  } catch {
    return json(res, 400, { message: 'body must be JSON: {"user": "admin@apollo.local"}' });
  }
  let role: Role;
  let principal: string | undefined;
  if (typeof request.user === 'string') {
    const { LocalUserAdmin } = await import('../functions/identity/adapters/local-user-admin.ts');
    principal = request.user.trim().toLowerCase();
    const found = await new LocalUserAdmin().get(principal);
    if (!found) return json(res, 404, { message: `${principal} is not in the local directory; GET /local/users lists who is` });
    if (!found.enabled) return json(res, 403, { message: `${principal} is disabled in the local directory` });
    if (!found.role) return json(res, 403, { message: `${principal} has no Apollo role; an admin gives them one on Admin → Users` });
    role = found.role;
  } else if (isRole(request.role)) {
    // The role's stand-in principal (viewer@apollo.local, …): scripts and older tests sign in this way.
    role = request.role;
  } else {
    return json(res, 400, { message: 'body must name a user: {"user": "admin@apollo.local"} (or a role: {"role": "viewer"})' });
  }
  const s = credentials.issueSession(role, principal);
  return json(res, 201, { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiration: s.expiration, principalArn: s.principalArn, role, user: principal ?? s.principalArn.split('/').pop() });
}

// ---------------------------------------------------------------- the demo metrics' control (loopback only)

function demoMetricsControl(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer, ctx: WebContext): true {
  if (!ctx.demoMetrics) return json(res, 404, { message: 'this runtime serves no demo metrics: APOLLO_METRICS names a real source' });
  const query = new URL(req.url ?? '/', 'http://local').searchParams;
  const answer = path === '/local/demo-metrics'
    ? ctx.demoMetrics.control(req.method ?? 'GET', '/_state', query, '')
    : ctx.demoMetrics.control(req.method ?? 'GET', '/_control', query, body.toString('utf8'));
  return answer ? json(res, answer.status, answer.body) : json(res, 405, { message: `${req.method ?? 'GET'} ${path} is not served` });
}

// ---------------------------------------------------------------- the fake PagerDuty's demo alert (loopback only)

async function pagerDutyControl(req: IncomingMessage, res: ServerResponse, path: string, ctx: WebContext): Promise<true> {
  const fake = ctx.pagerDuty;
  if (!fake) return json(res, 404, { message: 'this runtime has no fake PagerDuty: APOLLO_PAGERDUTY_API_URL names a real one' });
  if (path === '/local/pagerduty' && req.method === 'GET') return json(res, 200, { url: fake.url, label: 'LOCAL FAKE PagerDuty' });
  if (path !== '/local/pagerduty/trigger' || req.method !== 'POST') return json(res, 405, { message: `${req.method ?? 'GET'} ${path} is not served` });
  const { incident, deduplicated } = fake.trigger();
  // The webhook has reached Apollo once this settles: its answer names the incident Apollo opened.
  await fake.settled();
  const delivery = fake.deliveries.filter((d) => d.incidentId === incident.id && d.eventType === 'incident.triggered').at(-1);
  let apollo: unknown;
  try {
    apollo = delivery ? JSON.parse(delivery.response) : null;
  } catch {
    apollo = { answer: delivery?.response };
  }
  return json(res, 201, { pagerDuty: { id: incident.id, number: incident.number, title: incident.title, status: incident.status, url: `${fake.url}/incidents/${incident.id}` }, deduplicated, delivery: delivery ? { id: delivery.id, status: delivery.status } : null, apollo });
}

// ---------------------------------------------------------------- static files

function staticFile(res: ServerResponse, dist: string, path: string, head: boolean): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  const file = normalize(join(dist, decoded));
  if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) return false;
  const hashed = decoded.startsWith('/assets/');
  reply(res, 200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  }, readFileSync(file), head);
  return true;
}

function indexHtml(res: ServerResponse, dist: string, head: boolean): boolean {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) {
    return reply(res, 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      'The web app is not built: run `npm run build:web` (npm start does it when web/dist is missing or stale). The API routes are listed at /api.\n', head);
  }
  return reply(res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }, readFileSync(index), head);
}

const acceptsHtml = (req: IncomingMessage): boolean => (req.headers.accept ?? '').includes('text/html');

/**
 * Answers what belongs to the web app and the local sign-in; false for everything else (the API
 * gateway's). API paths (`/api/…`) never fall back to index.html.
 */
export async function handleWeb(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer, ctx: WebContext): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path.startsWith('/local/')) {
    if (!isLoopback(req)) return json(res, 403, { message: 'local endpoints answer loopback callers only' });
    if (path === '/local/users' && method === 'GET') return json(res, 200, { items: await directoryUsers() });
    if (path === '/local/session' && method === 'POST') return session(res, body, ctx.credentials);
    if (path === '/local/demo-metrics' || path === '/local/demo-metrics/control') return demoMetricsControl(req, res, path, body, ctx);
    if (path === '/local/pagerduty' || path === '/local/pagerduty/trigger') return pagerDutyControl(req, res, path, ctx);
    return json(res, 404, { message: `no local endpoint ${method} ${path}` });
  }
  if (method !== 'GET' && method !== 'HEAD') return false;
  const head = method === 'HEAD';
  if (path === '/config.json') return reply(res, 200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }, JSON.stringify(webConfig(ctx.region)), head);
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/realtime') || path.startsWith('/@')) return false;
  const dist = ctx.dist ?? WEB_DIST;
  if (path !== '/' && staticFile(res, dist, path, head)) return true;
  if (path === '/' || acceptsHtml(req)) return indexHtml(res, dist, head);
  return false;
}

// ---------------------------------------------------------------- build on start

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

/** Why web/dist needs a build, or null when it is up to date. */
export function webBuildReason(): string | null {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return 'web/dist is missing';
  const built = statSync(index).mtimeMs;
  const changed = WEB_SOURCES.find((p) => newestMtime(join(ROOT, p)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

/** Builds the web app when web/dist is missing or older than its sources (one line says so). */
export function ensureWebBuilt(): void {
  const reason = webBuildReason();
  if (!reason) return;
  console.log(`Building the web app (${reason}): npm run build:web …`);
  const result = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    console.error('The web app failed to build; the API still runs. Fix the error above and restart.');
  }
}
