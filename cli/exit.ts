/**
 * Exit codes, one per class of error, so scripts and CI can tell them apart. `apollo --help` and the
 * README list them; change them only with a major version.
 */
import { CommanderError } from 'commander';
import { ApiError } from '#shared/api-client';

export const EXIT = {
  ok: 0,
  /** The server failed (5xx), the network did, or the work ended badly (a request failed, a deploy rolled back). */
  failure: 1,
  /** The command line or the input was wrong: a missing argument, an unknown flag, a 400 with the field. */
  usage: 2,
  /** No credentials, expired or unknown ones, a bad signature (401; API Gateway's 403 for the signature). */
  auth: 3,
  notFound: 4,
  /** The thing changed or is in a state that forbids it (409, 412, 428, 422); a cancelled or expired outcome. */
  conflict: 5,
  /** Refused by policy: your role may not (IAM's AccessDenied, Apollo's 403), a safeguard (freeze, lock, window, quota), a rejection, a rate limit. */
  policy: 6,
  /** `--wait` gave up at `--timeout` while the work still runs (it goes on: follow it again). */
  timeout: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_HELP = [
  'Exit codes:',
  '  0  done (with --wait: the request completed, the deployment succeeded)',
  '  1  server or network failure; with --wait: the work failed or was rolled back',
  '  2  usage: a bad flag or argument, or input the API refused with the field that was wrong',
  '  3  auth: no credentials, expired or unknown ones, or a signature the API refused',
  '  4  not found',
  '  5  conflict or precondition: it changed meanwhile, or its state forbids it; cancelled or expired',
  '  6  refused by policy: your role or team may not, a safeguard (freeze, lock, window, quota), a rejection',
  '  7  --wait gave up at --timeout; the work goes on',
].join('\n');

/** A failure the CLI itself explains (a missing configuration, an outcome seen with --wait). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode, readonly hint?: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * API Gateway's refusals of who is calling (the key, the token or the signature), as opposed to what
 * they may do: its AccessDeniedException is the role's IAM policy saying no, which is policy (6).
 */
const GATEWAY_AUTH_TYPES = /^(MissingAuthenticationTokenException|UnrecognizedClientException|InvalidSignatureException|IncompleteSignatureException|ExpiredTokenException|InvalidClientTokenId|SignatureDoesNotMatch)$/;
/** A 409 that is a safeguard's or a quota's refusal rather than a race (their messages say so). */
const POLICY_CONFLICT = /^refused\b|\bquota\b|\bfrozen\b|\bfreeze\b|\blocked\b|deployment window|\bsandbox\b/i;

export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ApiError) return exitCodeOfStatus(error.status, error.code, error.message);
  return EXIT.failure;
}

export function exitCodeOfStatus(status: number, code: string, message: string): ExitCode {
  if (status === 401) return EXIT.auth;
  if (status === 403) return GATEWAY_AUTH_TYPES.test(code) ? EXIT.auth : EXIT.policy;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return POLICY_CONFLICT.test(message) ? EXIT.policy : EXIT.conflict;
  if (status === 412 || status === 428 || status === 422) return EXIT.conflict;
  if (status === 429) return EXIT.policy;
  if (status >= 400 && status < 500) return EXIT.usage;
  return EXIT.failure;
}
