/** The Octokit adapter against the fake GitHub over real HTTP: pagination, App auth, rate limits, files. */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub, type FakeRepo } from '../../../local/fakes/github-server.ts';
import { GitHubRateLimitedError } from '#lib/github/errors';
import type { GitHubCredentials } from '../discovery-ports.ts';
import { OctokitRepositorySource, rateLimitReset } from './github-octokit.ts';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
let fake: FakeGitHub;
const credentialsOf = (value: GitHubCredentials) => ({ credentials: async () => value });

beforeAll(async () => {
  fake = await FakeGitHub.start({
    org: 'acme',
    tokens: ['t0ken'],
    app: { appId: 42, installationId: 7, publicKey },
    repos: Array.from({ length: 5 }, (_, i): FakeRepo => ({ name: `repo-${i}`, files: i === 0 ? { 'apollo.yaml': 'kind: Service\n', 'docs/a.md': '# A\n' } : {} })),
  });
});
afterAll(async () => { await fake.close(); });

describe('OctokitRepositorySource', () => {
  it('lists every repository across Link-paginated pages', async () => {
    // Prepare: 105 repositories, two pages of 100.
    for (let i = 5; i < 105; i++) fake.putRepo({ name: `repo-${i}`, files: {} });
    const source = new OctokitRepositorySource({ org: 'acme', baseUrl: fake.url, credentials: credentialsOf({ token: 't0ken' }) });
    const before = fake.requests.length;

    // Act
    const repos = await source.listRepositories();

    // Assess
    expect(repos).toHaveLength(105);
    expect(repos[0]).toEqual({ name: 'repo-0', defaultBranch: 'main', archived: false, htmlUrl: 'https://github.com/acme/repo-0' });
    expect(fake.requests.slice(before)).toEqual(['GET /orgs/acme/repos?per_page=100&type=all', expect.stringMatching(/^GET \/orgs\/acme\/repos\?.*page=2/)]);
  });

  it('reads a file and the head commit at the default branch; a missing file is undefined', async () => {
    const source = new OctokitRepositorySource({ org: 'acme', baseUrl: fake.url, credentials: credentialsOf({ token: 't0ken' }) });
    expect(await source.readFile('repo-0', 'docs/a.md', 'main')).toEqual({ path: 'docs/a.md', text: '# A\n', sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(await source.readFile('repo-0', 'nope.md', 'main')).toBeUndefined();
    expect(await source.headCommit('repo-0', 'main')).toBe(fake.headOf('repo-0'));
    expect(await source.getRepository('no-such-repo')).toBeUndefined();
  });

  it('authenticates as a GitHub App: an RS256 JWT exchanged for an installation token, reused while fresh', async () => {
    const source = new OctokitRepositorySource({ org: 'acme', baseUrl: fake.url, credentials: credentialsOf({ appId: 42, privateKey, installationId: 7 }) });
    const before = fake.requests.length;
    expect(await source.readFile('repo-0', 'docs/a.md', 'main')).toMatchObject({ text: '# A\n' });
    expect(await source.headCommit('repo-0', 'main')).toBe(fake.headOf('repo-0'));
    expect(fake.requests.slice(before).filter((r) => r.includes('access_tokens'))).toEqual(['POST /app/installations/7/access_tokens']);
  });

  it('refuses bad credentials as GitHub does (401), after re-reading them once', async () => {
    let refreshes = 0;
    const credentials = { credentials: async (options: { refresh?: boolean } = {}) => { if (options.refresh) refreshes += 1; return { token: 'wrong' }; } };
    const source = new OctokitRepositorySource({ org: 'acme', baseUrl: fake.url, credentials });
    await expect(source.listRepositories()).rejects.toMatchObject({ status: 401 });
    expect(refreshes).toBe(1);
  });

  it('waits out a near rate-limit reset and goes on', async () => {
    const slept: number[] = [];
    const source = new OctokitRepositorySource({ org: 'acme', baseUrl: fake.url, credentials: credentialsOf({ token: 't0ken' }), sleep: async (ms) => { slept.push(ms); } });
    fake.limit({ kind: 'secondary', resetInSeconds: 5, times: 1 });
    expect(await source.headCommit('repo-0', 'main')).toBe(fake.headOf('repo-0'));
    expect(slept).toEqual([5000]);
  });

  it('stops with the reset time when the reset is further than it may wait', async () => {
    const source = new OctokitRepositorySource({ org: 'acme', baseUrl: fake.url, credentials: credentialsOf({ token: 't0ken' }), maxWaitMs: 60_000 });
    fake.limit({ kind: 'primary', resetInSeconds: 1800 });
    try {
      const error = await source.listRepositories().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitHubRateLimitedError);
      expect(Math.round(((error as GitHubRateLimitedError).resetAt.getTime() - Date.now()) / 60_000)).toBe(30);
    } finally {
      fake.limit(undefined);
    }
  });
});

describe('rateLimitReset', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  it('reads retry-after, then x-ratelimit-reset when nothing remains; a plain 403 is no rate limit', () => {
    expect(rateLimitReset({ status: 429, response: { headers: { 'retry-after': '30' } } }, now)).toEqual(new Date(now + 30_000));
    expect(rateLimitReset({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 600) } } }, now)).toEqual(new Date(now + 600_000));
    expect(rateLimitReset({ status: 403, response: { headers: { 'x-ratelimit-remaining': '12' } } }, now)).toBeUndefined();
    expect(rateLimitReset({ status: 500, response: { headers: { 'retry-after': '1' } } }, now)).toBeUndefined();
  });
});
