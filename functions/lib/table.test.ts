/**
 * The handlers' DynamoDB client against an endpoint that accepts connections and never answers: each attempt
 * ends at the client's request timeout and is retried, so the command fails with TimeoutError well inside an API
 * Lambda's 10 s (unbounded, the SDK would wait out its 300 s socket default).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

let blackHole: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  blackHole = createServer((socket) => { sockets.add(socket); socket.resume(); });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const { port } = blackHole.address() as { port: number };
  // The client reads its endpoint when the module makes it.
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', `http://127.0.0.1:${port}`);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('TABLE_NAME', 'apollo-test');
  // AWS's bound (the tests' own default is longer: dynalite on a busy runner is load, not a fault).
  vi.stubEnv('APOLLO_DYNAMO_TIMEOUT_MS', '2000');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackHole.close(resolve));
});

it('gives up on a hung DynamoDB with TimeoutError after its attempts, inside an API Lambda\'s 10 s', async () => {
  // Prepare
  const { DYNAMO_REQUEST_TIMEOUT_MS, getItem } = await import('./table.ts');

  // Act
  const started = performance.now();
  const error = (await getItem({ PK: 'TEAM#x', SK: 'META' }).catch((e: unknown) => e)) as (Error & { $metadata?: { attempts?: number } }) | undefined;
  const took = performance.now() - started;

  // Assess
  expect(error).toMatchObject({ name: 'TimeoutError' });
  expect(error?.$metadata?.attempts).toBe(4);
  expect(took).toBeGreaterThanOrEqual(4 * DYNAMO_REQUEST_TIMEOUT_MS);
  expect(took).toBeLessThan(10_000);
}, 20_000);
