/**
 * The typed client: a route key or a body field that is not in the table fails typecheck (each
 * `@ts-expect-error` below fails `npm run check` the day it stops being an error), and a call sends
 * the method and filled path of its route.
 */
import { describe, expect, it } from 'vitest';
import { ApiClient } from './api-client.ts';

function recordingClient() {
  const sent: Array<{ method: string; url: string; body?: string }> = [];
  const client = new ApiClient({
    baseUrl: 'http://127.0.0.1:1',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    fetch: async (url, init) => {
      sent.push({ method: init?.method ?? 'GET', url: String(url), body: init?.body as string | undefined });
      return new Response('{"id":"platform"}', { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  return { client, sent };
}

describe('ApiClient.request', () => {
  it('sends the route\'s method to its path, parameters encoded, query and body as given', async () => {
    const { client, sent } = recordingClient();
    await client.request('PUT /api/v1/teams/{id}/members/{principal}', { params: { id: 'platform', principal: 'a b@corp' }, body: { role: 'lead' } });
    await client.request('GET /api/v1/services', { query: { q: 'core', limit: 5 } });
    expect(sent).toEqual([
      { method: 'PUT', url: 'http://127.0.0.1:1/api/v1/teams/platform/members/a%20b%40corp', body: '{"role":"lead"}' },
      { method: 'GET', url: 'http://127.0.0.1:1/api/v1/services?q=core&limit=5', body: undefined },
    ]);
  });

  it('refuses at typecheck what the table does not have', () => {
    const { client } = recordingClient();
    const typeOnly = (): unknown => [
      // @ts-expect-error: no such route
      client.request('GET /api/v1/nothing'),
      // @ts-expect-error: a body field the schema does not have
      client.request('POST /api/v1/teams', { body: { id: 'x', name: 'X', colour: 'red' } }),
      // @ts-expect-error: the route's path parameters are required
      client.request('GET /api/v1/teams/{id}'),
      // @ts-expect-error: a route without a body takes none
      client.request('GET /api/v1/me', { body: {} }),
    ];
    expect(typeof typeOnly).toBe('function');
  });
});
