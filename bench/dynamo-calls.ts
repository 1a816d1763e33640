/**
 * Section 4: DynamoDB commands per API call (ARCHITECTURE.md §3: a small, bounded number of
 * GetItem/Query calls, never a Scan). The local runtime runs the handlers in this process, so a
 * middleware on their shared client sees every command they send.
 */
import type { ApiClient, ApiResponse } from '#shared/api-client';
import { fillPath, PATH_PARAMETERS, pathParameterNames, ROUTES, routeKey, type PathParameterName, type RouteDef, type RouteKey } from '#shared/routes';
import { countDynamoCommands, untilIdle, type CommandCounter, type CommandCounts } from './dynamo-counter.ts';
import type { Table } from './format.ts';

/** Calls per scenario: the first shows cold caches, the last the steady state. */
export const CALLS_PER_ROUTE = 3;
const COUNTER = 'apolloBenchCommandCounter';


export interface RouteCalls {
  readonly route: string;
  readonly first: CommandCounts;
  readonly warm: CommandCounts;
}

export interface DynamoCalls {
  readonly routes: readonly RouteCalls[];
  /** Routes that sent a Scan, which the table design forbids. */
  readonly scans: readonly string[];
  /** GET routes not counted, and why (nothing to read in the demo data yet). */
  readonly skipped: readonly string[];
  /** The requests seeded for the request routes to read, and their status. */
  readonly seededRequests: readonly string[];
}

interface Scenario {
  readonly route: string;
  call(client: ApiClient): Promise<ApiResponse>;
}

const freshTeamId = (() => {
  let n = 0;
  const run = Date.now().toString(36);
  return () => `bench-${run}-${++n}`;
})();

/** The team the PUT scenario edits, and the version its next If-Match must carry. */
interface EditedTeam { id: string; version: number }

const versionOf = (response: ApiResponse): number => Number(/\d+/.exec(response.headers.get('etag') ?? '')?.[0] ?? NaN);

/**
 * Queries worth counting beside a route's plain call (a search, a filter): data about routes, and a
 * route that is not here is still counted, plainly.
 */
const QUERY_VARIANTS: Partial<Record<RouteKey, ReadonlyArray<Record<string, string>>>> = {
  'GET /api/v1/audit': [{ actor: 'admin@apollo.local' }],
  'GET /api/v1/services': [{ q: 'core-servce' }],
  'GET /api/v1/catalog/search': [{ q: 'postgress' }],
  // The other scopes read other indexes (mine is the plain call).
  'GET /api/v1/requests': [{ scope: 'team', team: 'platform' }, { scope: 'all' }, { scope: 'all', status: 'completed' }],
  'GET /api/v1/requests/{id}/logs': [{ severity: 'warn' }],
};

/** The demo `dns-record` offering (examples/catalog, seeded by seedDemoData): two actions against the local fakes. */
const SEED_OFFERING = 'dns-record';

/** Polls a request's status until it is one of `statuses`. */
async function untilStatus(client: ApiClient, id: string, statuses: readonly string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = (await client.send('GET', `/api/v1/requests/${id}/status`)).body as { status: string };
    if (statuses.includes(status)) return status;
    if (Date.now() > deadline) throw new Error(`seeded request ${id} is still ${status} after ${timeoutMs / 1000} s (expected ${statuses.join(' or ')})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Requests for the request routes to read, as the admin submits them (not counted): a prod DNS record
 * waiting for approval (the approvals inbox has an item), then a dev one fulfilled end to end (its two
 * actions' attempts, outputs and log; newest, so the one `/api/v1/requests/{id}…` reads). Counting starts
 * once the local engine has finished in the background (the client has been quiet).
 */
async function seedRequests(client: ApiClient, counter: CommandCounter): Promise<string[]> {
  const run = Date.now().toString(36);
  const submit = async (environment: string) => {
    const res = await client.send('POST', '/api/v1/requests', { body: { offeringId: SEED_OFFERING, fields: { environment, name: `bench-${run}-${environment}`, type: 'CNAME', value: 'lb.example.com' } } });
    if (res.status !== 201) throw new Error(`seeding a request: POST /api/v1/requests answered ${res.status}: ${JSON.stringify(res.body)}`);
    return (res.body as { id: string }).id;
  };
  const waiting = await submit('prod');
  const waitingStatus = await untilStatus(client, waiting, ['awaiting_approval']);
  const done = await submit('dev');
  const doneStatus = await untilStatus(client, done, ['completed', 'failed']);
  if (doneStatus !== 'completed') throw new Error(`seeded request ${done} (${SEED_OFFERING}, dev) ${doneStatus}: the request routes would read a failure`);
  counter.reset();
  await untilIdle(counter);
  return [`${done} (${SEED_OFFERING}, dev: ${doneStatus})`, `${waiting} (${SEED_OFFERING}, prod: ${waitingStatus})`];
}

/**
 * A real value for each path variable of a route, from the demo data: the first item of the list
 * route the path continues (`GET /api/v1/teams` for `/api/v1/teams/{id}`; its field of the variable's
 * name, else its id), else the variable's example.
 */
async function pathFor(client: ApiClient, route: RouteDef): Promise<string | undefined> {
  const params: Record<string, string> = {};
  for (const name of pathParameterNames(route.path)) {
    const collection = route.path.slice(0, route.path.indexOf(`/{${name}}`));
    const list = ROUTES.find((r) => r.method === 'GET' && r.path === collection);
    let value: string | undefined;
    if (list && pathParameterNames(collection).length === 0) {
      const res = await client.send('GET', collection);
      const first = (res.body as { items?: Array<Record<string, unknown>> }).items?.[0];
      // The item's field of the variable's name (an offering's `category`), else its id.
      const field = first?.[name] ?? first?.id;
      value = typeof field === 'string' ? field : undefined;
      if (res.status === 200 && !first) return undefined; // nothing to read yet (no discovery run, say)
    }
    params[name] = value ?? PATH_PARAMETERS[name as PathParameterName].example;
  }
  return fillPath(route.path, params);
}

/** Every GET route of the table (and its query variants), called as an admin reads it. */
async function readScenarios(client: ApiClient): Promise<{ scenarios: Scenario[]; skipped: string[] }> {
  const scenarios: Scenario[] = [];
  const skipped: string[] = [];
  for (const route of ROUTES.filter((r) => r.method === 'GET' && r.auth === 'iam')) {
    const key = routeKey(route);
    const path = await pathFor(client, route);
    if (!path) { skipped.push(`${key} (no item in the demo data)`); continue; }
    const label = path === route.path ? key : `GET ${path}`;
    const variants = QUERY_VARIANTS[key as RouteKey] ?? [];
    // A route whose plain call is refused (it needs a query the demo can't choose) is counted with its variants only.
    const plain = await client.send('GET', path);
    if (plain.status < 300) scenarios.push({ route: label, call: (c) => c.send('GET', path) });
    else if (!variants.length) { skipped.push(`${key} (answered ${plain.status} without a query)`); continue; }
    for (const query of variants) {
      scenarios.push({ route: `${label}?${new URLSearchParams(query).toString()}`, call: (c) => c.send('GET', path, { query }) });
    }
  }
  return { scenarios, skipped };
}

/** Writes worth counting: a create and a versioned update (each audited, one idempotent). */
function writeScenarios(): Scenario[] {
  let edited: EditedTeam | undefined;
  const createTeam = async (client: ApiClient) => {
    const id = freshTeamId();
    const response = await client.request('POST /api/v1/teams', { body: { id, name: `Bench ${id}`, description: 'created by npm run bench' } });
    if (response.status === 201) edited ??= { id, version: versionOf(response) };
    return response;
  };
  return [
    { route: 'POST /api/v1/teams', call: createTeam },
    {
      route: 'PUT /api/v1/teams/{id} (If-Match)',
      call: async (c) => {
        if (!edited) throw new Error('no team to update: POST /api/v1/teams failed earlier');
        const response = await c.request('PUT /api/v1/teams/{id}', { params: { id: edited.id }, body: { description: `edited at ${new Date().toISOString()}` }, ifMatch: edited.version });
        if (response.status === 200) edited.version = versionOf(response);
        return response;
      },
    },
  ];
}

/**
 * Counts commands on the handlers' DynamoDB client while the scenarios run. The client must be
 * imported after the runtime has set the environment (it reads the endpoint when created), and
 * through the handlers' own specifier, so this is the very instance they use.
 */
export async function measureDynamoCalls(client: ApiClient): Promise<DynamoCalls> {
  const counter = await countDynamoCommands(COUNTER);
  try {
    // Writes first (their audit entries give the audit reads an item); the reads are found after them,
    // before their own counting: finding them reads the lists once.
    const routes: RouteCalls[] = [];
    const count = async (scenario: Scenario) => {
      const perCall: CommandCounts[] = [];
      for (let i = 0; i < CALLS_PER_ROUTE; i++) {
        counter.reset();
        const response = await scenario.call(client);
        if (response.status >= 300) throw new Error(`${scenario.route} answered ${response.status}: ${JSON.stringify(response.body)}`);
        perCall.push(counter.counts);
      }
      routes.push({ route: scenario.route, first: perCall[0]!, warm: perCall.at(-1)! });
    };
    for (const scenario of writeScenarios()) await count(scenario);
    // Not counted: requests for the request routes to read (after the writes, whose first call stays the process's first audited write).
    const seededRequests = await seedRequests(client, counter);
    const reads = await readScenarios(client);
    for (const scenario of reads.scenarios) await count(scenario);
    const total = routes.reduce((sum, r) => sum + Object.values(r.first).reduce((a, b) => a + b, 0), 0);
    if (total === 0) throw new Error('no DynamoDB command was counted: the middleware is not on the handlers\' client (module identity differs)');
    const scans = routes.filter((r) => r.first.Scan || r.warm.Scan).map((r) => r.route);
    return { routes, scans, skipped: reads.skipped, seededRequests };
  } finally {
    counter.remove();
  }
}

export const describeCounts = (counts: CommandCounts): string =>
  Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${name}×${n}`).join(', ') || 'none';

const totalOf = (counts: CommandCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);

export function dynamoCallsTable(result: DynamoCalls): Table {
  return {
    title: `4. DynamoDB commands per API call (call 1 and call ${CALLS_PER_ROUTE} of each route)`,
    columns: ['route', 'first call', 'n', 'warm call', 'n'],
    rows: result.routes.map((r) => [r.route, describeCounts(r.first), totalOf(r.first), describeCounts(r.warm), totalOf(r.warm)]),
    notes: [
      'counted on the handlers\' shared DynamoDB client (lib-dynamodb commands count as the command they send)',
      result.scans.length ? `!!! SCAN DETECTED on ${result.scans.join(', ')}: the table design forbids Scan (ARCHITECTURE.md §3) !!!` : 'no Scan on any route',
      'every GET route of the table, its path variables filled from the demo data (the first item of the list above it)',
      `request routes read: ${result.seededRequests.join('; ')}, submitted (not counted) after the writes and before the reads`,
      ...(result.skipped.length ? [`not counted: ${result.skipped.join('; ')}`] : []),
    ],
  };
}
