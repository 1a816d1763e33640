/**
 * GitHub answers Apollo with its credentials: a token asks GET /rate_limit (which costs no request
 * of the rate limit), a GitHub App GET /app with its JWT. Plain fetch, no Octokit: the system
 * Lambda stays small.
 */
import { appJwt } from '#lib/github/app-token';
import type { GitHubCredentialSource } from '#lib/github/credentials';
import type { HealthProbe } from '../ports.ts';

export function githubProbe(apiUrl: string, credentials: () => GitHubCredentialSource, fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)): HealthProbe {
  const base = apiUrl.replace(/\/$/, '');
  return {
    name: 'github',
    // Discovery and the catalog refresh wait; the catalog serves what it holds.
    critical: false,
    check: async (signal) => {
      const creds = await credentials().credentials();
      const [path, authorization] = 'token' in creds ? ['/rate_limit', `token ${creds.token}`] : ['/app', `bearer ${appJwt(creds.appId, creds.privateKey)}`];
      const response = await fetchFn(`${base}${path}`, { headers: { authorization, accept: 'application/vnd.github+json', 'user-agent': 'apollo' }, signal });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`GitHub answered ${response.status} to GET ${path}${response.status === 401 ? ': the credentials were refused' : ''}`);
    },
  };
}
