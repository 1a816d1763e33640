/**
 * Section 4: DynamoDB commands per API call (ARCHITECTURE.md §3: a small, bounded number of
 * GetItem/Query calls, never a Scan). The local runtime runs the handlers in this process, so a
 * middleware on their shared client sees every command they send.
 */
import type { ApiClient, ApiResponse } from '#shared/api-client';
import { countDynamoCommands, type CommandCounts } from './dynamo-counter.ts';
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

function scenarios(): Scenario[] {
  let edited: EditedTeam | undefined;
  const createTeam = async (client: ApiClient) => {
    const id = freshTeamId();
    const response = await client.request('POST /api/v1/teams', { body: { id, name: `Bench ${id}`, description: 'created by npm run bench' } });
    if (response.status === 201) edited ??= { id, version: versionOf(response) };
    return response;
  };
  return [
    { route: 'GET /api/v1/health', call: (c) => c.request('GET /api/v1/health') },
    { route: 'GET /api/v1/me', call: (c) => c.request('GET /api/v1/me') },
    { route: 'GET /api/v1/teams', call: (c) => c.request('GET /api/v1/teams') },
    { route: 'GET /api/v1/teams/platform', call: (c) => c.request('GET /api/v1/teams/{id}', { params: { id: 'platform' } }) },
    { route: 'GET /api/v1/audit', call: (c) => c.request('GET /api/v1/audit') },
    { route: 'GET /api/v1/audit?actor=…', call: (c) => c.request('GET /api/v1/audit', { query: { actor: 'admin@apollo.local' } }) },
    { route: 'GET /api/v1/services', call: (c) => c.request('GET /api/v1/services') },
    { route: 'GET /api/v1/services?q=core-servce', call: (c) => c.request('GET /api/v1/services', { query: { q: 'core-servce' } }) },
    { route: 'GET /api/v1/services/core-service', call: (c) => c.request('GET /api/v1/services/{id}', { params: { id: 'core-service' } }) },
    { route: 'GET /api/v1/services/core-service/dependencies', call: (c) => c.request('GET /api/v1/services/{id}/dependencies', { params: { id: 'core-service' } }) },
    { route: 'GET /api/v1/services/core-service/health', call: (c) => c.request('GET /api/v1/services/{id}/health', { params: { id: 'core-service' } }) },
    { route: 'GET /api/v1/catalog', call: (c) => c.request('GET /api/v1/catalog') },
    { route: 'GET /api/v1/catalog/databases', call: (c) => c.request('GET /api/v1/catalog/{category}', { params: { category: 'databases' } }) },
    { route: 'GET /api/v1/catalog/search?q=postgress', call: (c) => c.request('GET /api/v1/catalog/search', { query: { q: 'postgress' } }) },
    { route: 'GET /api/v1/catalog/items/postgresql-database', call: (c) => c.request('GET /api/v1/catalog/items/{item_id}', { params: { item_id: 'postgresql-database' } }) },
    { route: 'GET /api/v1/catalog/items/postgresql-database/schema', call: (c) => c.request('GET /api/v1/catalog/items/{item_id}/schema', { params: { item_id: 'postgresql-database' } }) },
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
    const routes: RouteCalls[] = [];
    for (const scenario of scenarios()) {
      const perCall: CommandCounts[] = [];
      for (let i = 0; i < CALLS_PER_ROUTE; i++) {
        counter.reset();
        const response = await scenario.call(client);
        if (response.status >= 300) throw new Error(`${scenario.route} answered ${response.status}: ${JSON.stringify(response.body)}`);
        perCall.push(counter.counts);
      }
      routes.push({ route: scenario.route, first: perCall[0]!, warm: perCall.at(-1)! });
    }
    const total = routes.reduce((sum, r) => sum + Object.values(r.first).reduce((a, b) => a + b, 0), 0);
    if (total === 0) throw new Error('no DynamoDB command was counted: the middleware is not on the handlers\' client (module identity differs)');
    const scans = routes.filter((r) => r.first.Scan || r.warm.Scan).map((r) => r.route);
    return { routes, scans };
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
    ],
  };
}
