/**
 * The GitHub client against a GitHub that misbehaves (a loopback server): a call that gets no answer ends at the
 * client's timeout, a JSON answer that is not JSON is an error, and a run stopped by either says so.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRunFailure, type Run } from '../job-runs.ts';
import { GitHubClient } from './client.ts';
import { GitHubBadAnswerError, GitHubTimeoutError } from './errors.ts';

let server: Server;
let baseUrl: string;
const answers: Record<string, (res: ServerResponse) => void> = {
  '/repos/acme/hangs': () => undefined,
  '/repos/acme/garbage': (res) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('<html><body>502 Bad Gateway</body></html>'),
  '/repos/acme/fine/commits/main': (res) => res.writeHead(200, { 'content-type': 'application/vnd.github.sha; charset=utf-8' }).end('0123456789abcdef0123456789abcdef01234567'),
};

beforeAll(async () => {
  server = createServer((req, res) => (answers[req.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = () => new GitHubClient({ baseUrl, credentials: { credentials: () => Promise.resolve({ token: 'test-token' }) }, timeoutMs: 300 });

describe('GitHubClient against a misbehaving GitHub', () => {
  it('ends a call GitHub never answers at its timeout, and a run it stopped says so', async () => {
    // Act
    const github = client();
    const started = performance.now();
    const error = await github.call(() => github.octokit.rest.repos.get({ owner: 'acme', repo: 'hangs' })).catch((e: unknown) => e);
    const took = performance.now() - started;
    const run = { status: 'running' } as Run;
    recordRunFailure(run, error, { log: 'discovery failed', message: 'discovery failed; see the logs' });

    // Assess
    expect(error).toBeInstanceOf(GitHubTimeoutError);
    expect((error as Error).message).toBe('GitHub did not answer GET /repos/{owner}/{repo} within 300 ms');
    expect(took).toBeLessThan(2_000);
    expect(run).toMatchObject({ status: 'failed', error: 'GitHub did not answer GET /repos/{owner}/{repo} within 300 ms' });
  });

  it('refuses a JSON answer that is not JSON, and still reads a bare sha', async () => {
    const github = client();
    const garbage = await github.call(() => github.octokit.rest.repos.get({ owner: 'acme', repo: 'garbage' })).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(GitHubBadAnswerError);
    expect((garbage as Error).message).toBe('GitHub answered GET /repos/{owner}/{repo} with 200 and a body that is not JSON (application/json; charset=utf-8): <html><body>502 Bad Gateway</body></html>');
    expect(await github.headCommit('acme', 'fine', 'main')).toBe('0123456789abcdef0123456789abcdef01234567');
  });
});
