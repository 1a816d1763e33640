import { generateKeyPairSync } from 'node:crypto';
import { ApiGatewayManagementApiClient, ForbiddenException, GetConnectionCommand, GoneException } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubCredentials } from '#lib/github/credentials';
import { githubProbe } from './github-probe.ts';
import { realtimeProbe } from './realtime-probe.ts';

const management = mockClient(ApiGatewayManagementApiClient);
afterEach(() => management.reset());

const signal = new AbortController().signal;
const source = (credentials: GitHubCredentials) => () => ({ credentials: async () => credentials });

function recordingFetch(status: number) {
  const asked: Array<{ url: string; authorization: string }> = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    asked.push({ url, authorization: (init.headers as Record<string, string>).authorization! });
    return new Response('{}', { status });
  }) as unknown as typeof fetch;
  return { asked, fetchFn };
}

describe('the GitHub probe', () => {
  it('asks GET /rate_limit with a token (it costs nothing of the limit) and passes on 200', async () => {
    const { asked, fetchFn } = recordingFetch(200);
    await githubProbe('https://ghe.example.com/api/v3/', source({ token: 'ghp_x' }), fetchFn).check(signal);
    expect(asked).toEqual([{ url: 'https://ghe.example.com/api/v3/rate_limit', authorization: 'token ghp_x' }]);
  });

  it('asks GET /app as a GitHub App, with its JWT', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const { asked, fetchFn } = recordingFetch(200);
    await githubProbe('https://api.github.com', source({ appId: 7, privateKey, installationId: '9' }), fetchFn).check(signal);
    expect(asked[0]!.url).toBe('https://api.github.com/app');
    expect(asked[0]!.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('fails saying the credentials were refused on 401', async () => {
    const { fetchFn } = recordingFetch(401);
    await expect(githubProbe('https://api.github.com', source({ token: 'bad' }), fetchFn).check(signal)).rejects.toThrow('GitHub answered 401 to GET /rate_limit: the credentials were refused');
  });
});

describe('the realtime probe', () => {
  const client = () => new ApiGatewayManagementApiClient({ endpoint: 'https://x.execute-api.us-east-1.amazonaws.com/prod', region: 'us-east-1' });

  it('passes when the endpoint answers 410 Gone for a connection that cannot exist', async () => {
    management.on(GetConnectionCommand).rejects(new GoneException({ message: '', $metadata: { httpStatusCode: 410 } }));
    await expect(realtimeProbe('https://x', 'us-east-1', client()).check(signal)).resolves.toBeUndefined();
  });

  it('fails naming what the endpoint said otherwise (a missing permission)', async () => {
    management.on(GetConnectionCommand).rejects(new ForbiddenException({ message: 'not authorized', $metadata: { httpStatusCode: 403 } }));
    await expect(realtimeProbe('https://x', 'us-east-1', client()).check(signal)).rejects.toThrow('the @connections endpoint answered 403: not authorized');
  });
});
