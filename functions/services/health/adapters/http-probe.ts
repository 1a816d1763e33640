/**
 * The HTTP health probe: one GET of the environment's health endpoint (a Spring actuator, a JSON
 * `/healthz`, anything that answers with a status code), timed to the response headers. Redirects
 * are not followed (a health endpoint that redirects is misconfigured: degraded, not healthy). The
 * body is not read: the status code is the contract every health endpoint keeps.
 */
import type { HealthProbe } from '../ports.ts';
import type { HttpObservation } from '../rules.ts';

const USER_AGENT = 'apollo-health/1';

/** The reason a request failed, in words (undici puts the system error in `cause`). */
export function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'connection closed',
    CERT_HAS_EXPIRED: 'TLS certificate expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
    ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not name the host',
  };
  if (code && words[code]) return words[code];
  return (cause?.message ?? (error as Error).message ?? 'request failed').slice(0, 200);
}

export class FetchHealthProbe implements HealthProbe {
  async probe(url: string, timeoutMs: number): Promise<HttpObservation> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { outcome: 'unreachable', latencyMs: 0, error: 'not a URL' };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { outcome: 'unreachable', latencyMs: 0, error: `not an http(s) URL (${parsed.protocol})` };
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(parsed, { method: 'GET', redirect: 'manual', signal, headers: { accept: 'application/json, */*;q=0.5', 'user-agent': USER_AGENT } });
      const latencyMs = performance.now() - started;
      // Free the connection without waiting for a body nobody reads.
      await response.body?.cancel().catch(() => undefined);
      return { outcome: 'response', statusCode: response.status, latencyMs };
    } catch (error) {
      const latencyMs = performance.now() - started;
      if (signal.aborted) return { outcome: 'timeout', latencyMs: Math.max(latencyMs, timeoutMs) };
      return { outcome: 'unreachable', latencyMs, error: networkError(error) };
    }
  }
}
