/**
 * A code change's adapters, made on first use: GitHub (the settings read from the environment on each
 * call, so the local runtime's fake and a rotated secret apply) and the table. Tests may swap them.
 */
import { githubCredentials } from '#lib/github/credentials';
import { readGitHubRunSettings } from '#lib/github/runs';
import { dynamoChangeStore } from './adapters/dynamo-changes.ts';
import { GitHubCodeHost } from './adapters/github-changes.ts';
import type { ChangeStore, CodeHost } from './change-ports.ts';

export interface ChangeDeps {
  /** Throws GitHubNotConfiguredError when GitHub is not configured (a 503 saying what to set). */
  host(): CodeHost;
  readonly store: ChangeStore;
}

let made: { apiUrl: string; host: GitHubCodeHost } | undefined;

function gitHubHost(env: NodeJS.ProcessEnv = process.env): CodeHost {
  const settings = readGitHubRunSettings(env, 'code changes');
  if (made?.apiUrl !== settings.apiUrl) {
    made = {
      apiUrl: settings.apiUrl,
      // A request never sleeps through a rate limit: it answers 503 with Retry-After instead.
      host: new GitHubCodeHost({ baseUrl: settings.apiUrl, maxWaitMs: 0, credentials: { credentials: (options) => githubCredentials(env).credentials(options) } }),
    };
  }
  return made.host;
}

let deps: ChangeDeps | undefined;

export function changeDeps(): ChangeDeps {
  deps ??= { host: () => gitHubHost(), store: dynamoChangeStore };
  return deps;
}

export function configureChanges(overrides: Partial<ChangeDeps>): void {
  deps = { ...changeDeps(), ...overrides };
}
