/**
 * Section 5: what the local gateway and a handler add to a request. The same JSON bodies are served
 * by a bare `node:http` server and fetched unsigned; the difference is SigV4 signing and
 * verification, the proxy event, middy's middleware and the handler's own work (its DynamoDB calls).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, splitKey, type Credentials } from '#shared/api-client';
import { formatMs, formatRatio, type Table } from './format.ts';
import { percentile, ratio, timeInterleaved } from './stats.ts';

export const LATENCY_RUNS = 300;
export const LATENCY_WARMUP = 30;
/** Routes without parameters, so the bare server serves each at its path. */
export const LATENCY_ROUTES = ['GET /api/v1/health', 'GET /api/v1/me'] as const;
const pathOf = (key: (typeof LATENCY_ROUTES)[number]): string => splitKey(key).path;

export interface Quantiles { readonly p50Ms: number; readonly p99Ms: number }

export interface RouteLatency {
  readonly path: string;
  readonly gateway: Quantiles;
  readonly bare: Quantiles;
  readonly ratioP50: number;
  readonly ratioP99: number;
}

export interface ClientCost {
  readonly unsignedP50Ms: number;
  readonly signedP50Ms: number;
  readonly ratio: number;
}

export interface GatewayLatency {
  readonly routes: readonly RouteLatency[];
  readonly client: ClientCost;
}

export interface GatewayTarget {
  readonly url: string;
  readonly region: string;
  readonly credentials: Credentials;
}

const quantiles = (samples: readonly number[]): Quantiles => ({ p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) });

/** Fails the benchmark rather than timing error responses, which are cheaper than the real thing. */
function expectOk(what: string, status: number): void {
  if (status !== 200) throw new Error(`${what} answered ${status}; the benchmark needs 200`);
}

/** A server that answers each path with a fixed body: the floor of any HTTP round trip here. */
async function startBareServer(bodies: ReadonlyMap<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const body = bodies.get(req.url ?? '');
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** Plain fetch, reading and parsing the body as ApiClient does, so only signing differs. */
async function unsignedGet(url: string): Promise<void> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  expectOk(url, response.status);
  JSON.parse(await response.text());
}

export async function measureGatewayLatency(target: GatewayTarget, runs = LATENCY_RUNS, warmup = LATENCY_WARMUP): Promise<GatewayLatency> {
  const client = new ApiClient({ baseUrl: target.url, region: target.region, credentials: target.credentials });

  // Serve the very bodies the product returns, so both sides move the same bytes.
  const bodies = new Map<string, string>();
  for (const key of LATENCY_ROUTES) {
    const response = await client.request(key);
    expectOk(key, response.status);
    bodies.set(pathOf(key), JSON.stringify(response.body));
  }
  const bare = await startBareServer(bodies);
  try {
    const routes: RouteLatency[] = [];
    for (const key of LATENCY_ROUTES) {
      const path = pathOf(key);
      const [gatewayMs = [], bareMs = []] = await timeInterleaved([
        async () => expectOk(path, (await client.request(key)).status),
        () => unsignedGet(`${bare.url}${path}`),
      ], runs, warmup);
      const gateway = quantiles(gatewayMs);
      const baseline = quantiles(bareMs);
      routes.push({ path, gateway, bare: baseline, ratioP50: ratio(gateway.p50Ms, baseline.p50Ms), ratioP99: ratio(gateway.p99Ms, baseline.p99Ms) });
    }
    return { routes, client: await measureClientCost(bare.url, target, runs, warmup) };
  } finally {
    await bare.close();
  }
}

/** The caller's share: ApiClient (sign + fetch + parse) against plain fetch, both to the bare server. */
async function measureClientCost(bareUrl: string, target: GatewayTarget, runs: number, warmup: number): Promise<ClientCost> {
  const key = LATENCY_ROUTES[0];
  const path = pathOf(key);
  const signing = new ApiClient({ baseUrl: bareUrl, region: target.region, credentials: target.credentials });
  const [signedMs = [], unsignedMs = []] = await timeInterleaved([
    async () => expectOk(path, (await signing.request(key)).status),
    () => unsignedGet(`${bareUrl}${path}`),
  ], runs, warmup);
  const signed = percentile(signedMs, 50);
  const unsigned = percentile(unsignedMs, 50);
  return { unsignedP50Ms: unsigned, signedP50Ms: signed, ratio: ratio(signed, unsigned) };
}

export function gatewayLatencyTables(result: GatewayLatency): Table[] {
  return [
    {
      title: `5. Handler latency through the local gateway (${LATENCY_RUNS} sequential requests after ${LATENCY_WARMUP} warm-up)`,
      columns: ['route', 'gateway p50', 'gateway p99', 'bare p50', 'bare p99', 'ratio p50', 'ratio p99'],
      rows: result.routes.map((r) => [`GET ${r.path}`, formatMs(r.gateway.p50Ms), formatMs(r.gateway.p99Ms), formatMs(r.bare.p50Ms), formatMs(r.bare.p99Ms), formatRatio(r.ratioP50), formatRatio(r.ratioP99)]),
      notes: ['gateway: signed ApiClient as admin → local gateway → handler (in-process, dynalite)', 'bare: unsigned fetch → node:http server answering the same body; ratio = gateway / bare'],
    },
    {
      title: '5b. Client-side cost of signing (both against the bare server)',
      columns: ['client', 'p50', 'ratio'],
      rows: [
        ['unsigned fetch', formatMs(result.client.unsignedP50Ms), formatRatio(1)],
        ['ApiClient (SigV4)', formatMs(result.client.signedP50Ms), formatRatio(result.client.ratio)],
      ],
      notes: [`signing adds ≈ ${formatMs(result.client.signedP50Ms - result.client.unsignedP50Ms)} per request on the caller's side`],
    },
  ];
}
