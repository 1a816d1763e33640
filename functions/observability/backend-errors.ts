/**
 * An AWS SDK failure of a metrics or trace backend (CloudWatch, X-Ray) as the API's answer: throttling, a 5xx or
 * no answer at all is a 503 the caller may retry; anything else stays an internal error (a missing permission is
 * ours to fix, not the caller's). An HTTP backend's named error (Jaeger, Tempo: adapters/trace-http.ts) says
 * itself whether it is `retryable`.
 */
import { ServiceUnavailableError } from '#shared/errors';

export async function backendCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; retryable?: unknown };
    if (e.retryable === true) throw new ServiceUnavailableError(`${what} is unavailable or throttled; try again shortly`, { cause: error, retryAfterSeconds: 5 });
    const status = e.$metadata?.httpStatusCode;
    const sdkError = e.$metadata !== undefined;
    if (sdkError && (Boolean(e.$retryable) || status === undefined || status === 429 || status >= 500 || /Throttl/i.test(e.name ?? ''))) {
      throw new ServiceUnavailableError(`${what} is unavailable or throttled; try again shortly`, { cause: error, retryAfterSeconds: 5 });
    }
    throw error;
  }
}
