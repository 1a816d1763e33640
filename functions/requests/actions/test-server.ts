/**
 * A programmable HTTP server on 127.0.0.1 (a free port) for the executors' tests: routes answer what
 * a test says, and every request is recorded as received (method, path, headers, raw body).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string or a Buffer as it is. */
  readonly body?: unknown;
  readonly delayMs?: number;
}

export type Route = (request: Received) => Reply | Promise<Reply>;

export interface TestServer {
  readonly url: string;
  readonly received: Received[];
  /** Answers `METHOD /path` (the path without its query). */
  route(method: string, path: string, handler: Route): void;
  /** How many requests reached `METHOD /path`. */
  count(method: string, path: string): number;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const url = req.url ?? '/';
        const request: Received = { method: req.method ?? 'GET', url, path: url.split('?')[0]!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        received.push(request);
        const handler = routes.get(`${request.method} ${request.path}`);
        const reply: Reply = handler ? await handler(request) : { status: 404, body: { message: 'no such route' } };
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (res.destroyed) return;
        const json = reply.body !== undefined && typeof reply.body !== 'string' && !Buffer.isBuffer(reply.body);
        const body = reply.body === undefined ? '' : json ? JSON.stringify(reply.body) : (reply.body as string | Buffer);
        res.writeHead(reply.status, { ...(json ? { 'content-type': 'application/json' } : {}), ...reply.headers });
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    route: (method, path, handler) => { routes.set(`${method} ${path}`, handler); },
    count: (method, path) => received.filter((r) => r.method === method && r.path === path).length,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** What the call threw (the test fails when it did not): for asserting on an adapter's error beyond its message. */
export async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call succeeded');
}
