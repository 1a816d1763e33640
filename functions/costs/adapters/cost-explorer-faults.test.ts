/**
 * Cost Explorer misbehaving at the wire, through the client costExplorerClient makes (no aws-sdk-client-mock here:
 * its timeouts, retries and deserializer are what is tested): a server that never answers ends each try at the
 * client's limit, a 500 and a page of HTML are named as Cost Explorer's, never passed on as the SDK's bare words.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '#shared/errors';
import { failure } from '../../requests/actions/test-server.ts';
import { CostExplorerSource, costExplorerClient } from './cost-explorer.ts';

type Behaviour = 'hang' | 'fail' | 'garbage';
let behaviour: Behaviour = 'hang';
let requests = 0;
let server: Server;
const sockets = new Set<Socket>();
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      if (behaviour === 'fail') res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' }).end('{"__type":"InternalServerException","message":"We encountered an internal error."}');
      else if (behaviour === 'garbage') res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
    });
  });
  server.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const source = (timeoutMs: number) => new CostExplorerSource({ timeoutMs, client: costExplorerClient(timeoutMs, { endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }) });
const range = { start: '2026-11-01', end: '2026-11-03' };


describe('Cost Explorer misbehaving', () => {
  it('ends a request Cost Explorer never answers at the client\'s limit, each of the SDK\'s tries, saying so', async () => {
    // Prepare
    behaviour = 'hang';
    requests = 0;

    // Act
    const started = Date.now();
    const error = await failure(source(300).costs(range, ['prod']));
    const took = Date.now() - started;

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toBe('Cost Explorer did not answer GetCostAndUsage within 0.3 s (each of the SDK\'s tries): run the cost ingest again later');
    expect(took).toBeLessThan(5_000);
    // Two environments' queries at a time (prod and the untagged cost), three tries each.
    expect(requests).toBeLessThanOrEqual(6);
  });

  it('names a 500 (after the SDK\'s retries) and an answer that is not JSON as Cost Explorer\'s', async () => {
    behaviour = 'fail';
    const failed = await failure(source(2_000).forecast({ start: '2026-11-10', end: '2026-12-01' }));
    behaviour = 'garbage';
    const garbled = await failure(source(2_000).forecast({ start: '2026-11-10', end: '2026-12-01' }));

    expect(failed).toBeInstanceOf(ServiceUnavailableError);
    expect(failed.message).toBe('Cost Explorer failed GetCostForecast (500: We encountered an internal error.): run the cost ingest again later');
    expect(garbled).toBeInstanceOf(ServiceUnavailableError);
    expect(garbled.message).toMatch(/^Cost Explorer answered GetCostForecast with something that is not its JSON \(a proxy in the way\?\): /);
  });
});
