/**
 * Named business errors, mapped to HTTP statuses in one place (STATUS_BY_ERROR).
 * Below 500 the message is shown to the caller; at 500 and above only generic text is.
 */
export interface ErrorDetail {
  /** JSON pointer-ish path of the offending field, e.g. `/body/members/0/principal`. */
  readonly path: string;
  readonly message: string;
}

export abstract class ApolloError extends Error {
  abstract readonly code: string;
  readonly details: readonly ErrorDetail[];
  /**
   * Seconds after which the same request may succeed (a `Retry-After` header), when that is known; null when waiting
   * will not help (no `Retry-After`, not even the default of a 429 or 503).
   */
  readonly retryAfterSeconds: number | null | undefined;
  constructor(message: string, options: { details?: readonly ErrorDetail[]; cause?: unknown; retryAfterSeconds?: number | null } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class ValidationError extends ApolloError {
  readonly code = 'ValidationError';
}
export class UnauthorizedError extends ApolloError {
  readonly code = 'Unauthorized';
}
export class ForbiddenError extends ApolloError {
  readonly code = 'Forbidden';
}
export class NotFoundError extends ApolloError {
  readonly code = 'NotFound';
}
export class MethodNotAllowedError extends ApolloError {
  readonly code = 'MethodNotAllowed';
}
export class ConflictError extends ApolloError {
  readonly code = 'Conflict';
}
export class PreconditionFailedError extends ApolloError {
  readonly code = 'PreconditionFailed';
}
export class PreconditionRequiredError extends ApolloError {
  readonly code = 'PreconditionRequired';
}
export class PayloadTooLargeError extends ApolloError {
  readonly code = 'PayloadTooLarge';
}
export class UnsupportedMediaTypeError extends ApolloError {
  readonly code = 'UnsupportedMediaType';
}
export class UnprocessableError extends ApolloError {
  readonly code = 'Unprocessable';
}
export class TooManyRequestsError extends ApolloError {
  readonly code = 'TooManyRequests';
}
export class ServiceUnavailableError extends ApolloError {
  readonly code = 'ServiceUnavailable';
}

export const STATUS_BY_ERROR: ReadonlyMap<string, number> = new Map([
  ['ValidationError', 400],
  ['Unauthorized', 401],
  ['Forbidden', 403],
  ['NotFound', 404],
  ['MethodNotAllowed', 405],
  ['Conflict', 409],
  ['PreconditionFailed', 412],
  ['PayloadTooLarge', 413],
  ['UnsupportedMediaType', 415],
  ['Unprocessable', 422],
  ['PreconditionRequired', 428],
  ['TooManyRequests', 429],
  ['ServiceUnavailable', 503],
]);

/** The body of every error response (ARCHITECTURE.md §1 conventions). */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
  requestId: string;
}
