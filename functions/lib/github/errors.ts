/** GitHub's named failures, shared by discovery and the catalog refresh (not HTTP errors: a job records them). */
import { ServiceUnavailableError } from '#shared/errors';

/** GitHub's rate limit stopped the run; it can resume after `resetAt`. */
export class GitHubRateLimitedError extends Error {
  override readonly name = 'GitHubRateLimitedError';
  constructor(readonly resetAt: Date, options: { cause?: unknown } = {}) {
    super(`GitHub rate limit reached; it resets at ${resetAt.toISOString()}`, options);
  }
}

/** GitHub did not answer one call in time (APOLLO_GITHUB_TIMEOUT_MS): it accepted the connection and went quiet. */
export class GitHubTimeoutError extends Error {
  override readonly name = 'GitHubTimeoutError';
}

/** GitHub (or something in front of it) answered a body that is not the JSON it said it sent. */
export class GitHubBadAnswerError extends Error {
  override readonly name = 'GitHubBadAnswerError';
}

/** GitHub credentials are missing or unreadable (the secret, or the local settings), or what to read is not configured. */
export class GitHubNotConfiguredError extends Error {
  override readonly name = 'GitHubNotConfiguredError';
}

/** `make()`'s result; a missing configuration is a 503 that says what to set (what a route answers). */
export function configuredOr503<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof GitHubNotConfiguredError) throw new ServiceUnavailableError(error.message, { cause: error });
    throw error;
  }
}
