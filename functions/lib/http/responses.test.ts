/**
 * Errors as answers: what AWS says when it is busy or slow (after the SDK's own retries) is a 503 with its reason
 * and a Retry-After, found also as the cause of another error; anything unnamed stays a bare 500.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ServiceUnavailableError, TooManyRequestsError } from '#shared/errors';
import { errorResult, statusOf } from './responses.ts';

const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name });
const body = (result: { body: string }) => JSON.parse(result.body) as { error: { code: string; message: string } };

describe('errorResult', () => {
  it('answers DynamoDB throttling, directly or as a cause, with 503, the reason and Retry-After', () => {
    // Prepare
    const throttled = named('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.');
    const wrapped = new Error('Failed to save in progress record to idempotency store', { cause: named('ThrottlingException') });

    // Act
    const direct = errorResult(throttled, 'req-1');
    const viaCause = errorResult(wrapped, 'req-2');

    // Assess
    expect([direct.statusCode, direct.headers!['retry-after'], body(direct).error]).toEqual([503, '2', { code: 'ServiceUnavailable', message: 'AWS is throttling Apollo\'s requests (ProvisionedThroughputExceededException); retry in a few seconds', details: [] }]);
    expect([viaCause.statusCode, body(viaCause).error.message]).toEqual([503, 'AWS is throttling Apollo\'s requests (ThrottlingException); retry in a few seconds']);
    expect(statusOf(wrapped)).toBe(503);
  });

  it('answers a timed-out call with 503 saying so, and leaves named and unnamed errors as they were', () => {
    const timedOut = errorResult(named('TimeoutError', 'a request has exceeded the configured 2000 ms requestTimeout'), 'req-3');
    const ownMessage = errorResult(new ServiceUnavailableError('the audit log is unavailable, so nothing was changed; retry shortly', { cause: named('ThrottlingException') }), 'req-4');
    const notFound = errorResult(new NotFoundError('team x not found'), 'req-5');
    const bug = errorResult(new TypeError('cannot read properties of undefined'), 'req-6');

    expect([timedOut.statusCode, body(timedOut).error.message]).toEqual([503, 'a backing service did not answer in time (TimeoutError); retry in a few seconds']);
    expect(body(ownMessage).error.message).toBe('the audit log is unavailable, so nothing was changed; retry shortly');
    expect([notFound.statusCode, body(notFound).error.code]).toEqual([404, 'NotFound']);
    expect([bug.statusCode, body(bug).error, bug.headers!['retry-after']]).toEqual([500, { code: 'InternalError', message: 'internal error', details: [] }, undefined]);
  });
});

describe('Retry-After on a 429', () => {
  it('sends the time given, the default when none is, and nothing when waiting will not help', () => {
    // Prepare
    const timed = new TooManyRequestsError('at most 10 a minute', { retryAfterSeconds: 42 });
    const untimed = new TooManyRequestsError('busy');
    const never = new TooManyRequestsError('this session used its budget: start a new session', { retryAfterSeconds: null });

    // Act
    const answers = [timed, untimed, never].map((error) => errorResult(error, 'req-7'));

    // Assess
    expect(answers.map((a) => [a.statusCode, a.headers!['retry-after']])).toEqual([[429, '42'], [429, '5'], [429, undefined]]);
  });
});
