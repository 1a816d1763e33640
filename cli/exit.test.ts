/** Each error class has its own exit code: scripts and CI branch on them. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '#shared/api-client';
import { CliError, EXIT, exitCodeOf, exitCodeOfStatus } from './exit.ts';

describe('exit codes', () => {
  it('map statuses to classes', () => {
    expect(exitCodeOfStatus(400, 'ValidationError', 'bad')).toBe(EXIT.usage);
    expect(exitCodeOfStatus(401, 'Unauthorized', 'x')).toBe(EXIT.auth);
    expect(exitCodeOfStatus(404, 'NotFound', 'x')).toBe(EXIT.notFound);
    expect(exitCodeOfStatus(409, 'Conflict', 'approval 01 is approved already')).toBe(EXIT.conflict);
    expect(exitCodeOfStatus(412, 'PreconditionFailed', 'x')).toBe(EXIT.conflict);
    expect(exitCodeOfStatus(428, 'PreconditionRequired', 'x')).toBe(EXIT.conflict);
    expect(exitCodeOfStatus(429, 'TooManyRequests', 'x')).toBe(EXIT.policy);
    expect(exitCodeOfStatus(500, 'InternalError', 'x')).toBe(EXIT.failure);
    expect(exitCodeOfStatus(503, 'ServiceUnavailable', 'x')).toBe(EXIT.failure);
  });

  it('tell who you are (auth) from what you may do (policy) in a 403', () => {
    for (const type of ['InvalidSignatureException', 'UnrecognizedClientException', 'MissingAuthenticationTokenException', 'ExpiredTokenException']) {
      expect(exitCodeOfStatus(403, type, 'x')).toBe(EXIT.auth);
    }
    expect(exitCodeOfStatus(403, 'AccessDeniedException', 'User: … is not authorized to perform: execute-api:Invoke')).toBe(EXIT.policy);
    expect(exitCodeOfStatus(403, 'Forbidden', 'dana lacks services:write')).toBe(EXIT.policy);
  });

  it('read a safeguard\'s or a quota\'s 409 as policy', () => {
    expect(exitCodeOfStatus(409, 'Conflict', 'refused: core-service prod is locked by ops')).toBe(EXIT.policy);
    expect(exitCodeOfStatus(409, 'Conflict', "payments's databases quota is full (3 of 3 taken)")).toBe(EXIT.policy);
  });

  it('keep the CLI\'s own and the API client\'s errors apart from unforeseen ones', () => {
    expect(exitCodeOf(new CliError('x', EXIT.timeout))).toBe(EXIT.timeout);
    expect(exitCodeOf(new ApiError(404, 'NotFound', 'no', [], undefined))).toBe(EXIT.notFound);
    expect(exitCodeOf(new TypeError('boom'))).toBe(EXIT.failure);
  });
});
