/**
 * The HTTP health probe: one GET of the environment's health endpoint (a Spring actuator, a JSON
 * `/healthz`, anything that answers with a status code) on a fresh connection, timed from the start
 * to the response headers (so the name lookup, connect and TLS count, the same way every minute). Redirects are not
 * followed (a health endpoint that redirects is misconfigured: degraded, not healthy) and the body
 * is not read: the status code is the contract every health endpoint keeps. node:http rather than
 * fetch, whose browser port blocklist would refuse endpoints on ports such as 6000 or 10080.
 *
 * A service's owners (or its apollo.yaml) write the endpoint, so it keeps to the egress guard the requests' actions
 * keep to (#lib/egress): loopback, link-local (the metadata address), private and reserved addresses are refused
 * without a request unless APOLLO_EGRESS_ALLOW allowlists them, and the request goes to the address checked. Plain
 * http to a public address stays allowed: the probe sends no credentials.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HealthProbe } from '../ports.ts';
import type { HttpObservation } from '../rules.ts';
import { networkError } from '#lib/network-errors';
import { egressAllowFromEnv, EgressRefusedError, HostLookupError, parseEgressAllow, systemResolve, vetUrl, type EgressAllowlist, type Resolve, type VettedTarget } from '#lib/egress';

const USER_AGENT = 'apollo-health/1';

export interface NodeHealthProbeOptions {
  /** Egress allowlist entries besides APOLLO_EGRESS_ALLOW's, in its syntax (the local runtime's own health targets). */
  readonly allow?: string;
  /** How host names resolve (tests answer them). @default the system resolver */
  readonly resolve?: Resolve;
}

/** A lookup that answers only the vetted address. */
const pinned = (address: string, family: 4 | 6): LookupFunction => (_hostname, options, callback) => {
  if (options?.all) callback(null, [{ address, family }]);
  else callback(null, address, family);
};

export class NodeHealthProbe implements HealthProbe {
  private readonly extra: EgressAllowlist | undefined;

  constructor(private readonly options: NodeHealthProbeOptions = {}) {
    this.extra = options.allow ? parseEgressAllow(options.allow) : undefined;
  }

  private allowlist(): EgressAllowlist {
    const env = egressAllowFromEnv();
    const extra = this.extra;
    if (!extra) return env;
    return { cidrs: [...env.cidrs, ...extra.cidrs], hosts: new Set([...env.hosts, ...extra.hosts]), suffixes: [...env.suffixes, ...extra.suffixes], prefixes: [...env.prefixes, ...extra.prefixes] };
  }

  async probe(url: string, timeoutMs: number): Promise<HttpObservation> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { outcome: 'unreachable', latencyMs: 0, error: 'not a URL' };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return { outcome: 'unreachable', latencyMs: 0, error: `not an http(s) URL (${parsed.protocol})` };
    }
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    let target: VettedTarget;
    try {
      const timedOut = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      target = await Promise.race([vetUrl(url, { allow: this.allowlist(), resolve: this.options.resolve ?? systemResolve, plainHttp: true }), timedOut]);
    } catch (error) {
      if (error instanceof EgressRefusedError) return { outcome: 'unreachable', latencyMs: 0, error: `refused: ${error.message}` };
      if (signal.aborted) return { outcome: 'timeout', latencyMs: Math.max(performance.now() - started, timeoutMs) };
      if (error instanceof HostLookupError) return { outcome: 'unreachable', latencyMs: performance.now() - started, error: networkError(error.cause ?? error) };
      throw error;
    }
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(parsed, {
        method: 'GET',
        signal,
        agent: false,
        lookup: pinned(target.address, target.family),
        headers: { accept: 'application/json, */*;q=0.5', 'user-agent': USER_AGENT },
      }, (res) => {
        const latencyMs = performance.now() - started;
        res.destroy();
        resolve({ outcome: 'response', statusCode: res.statusCode ?? 0, latencyMs });
      });
      req.on('error', (error) => {
        const latencyMs = performance.now() - started;
        if (signal.aborted) resolve({ outcome: 'timeout', latencyMs: Math.max(latencyMs, timeoutMs) });
        else resolve({ outcome: 'unreachable', latencyMs, error: networkError(error) });
      });
      req.end();
    });
  }
}
