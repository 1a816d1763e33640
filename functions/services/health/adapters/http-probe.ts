/**
 * The HTTP health probe: one GET of the environment's health endpoint (a Spring actuator, a JSON
 * `/healthz`, anything that answers with a status code) on a fresh connection, timed from the start
 * to the response headers (so connect and TLS count, the same way every minute). Redirects are not
 * followed (a health endpoint that redirects is misconfigured: degraded, not healthy) and the body
 * is not read: the status code is the contract every health endpoint keeps. node:http rather than
 * fetch, whose browser port blocklist would refuse endpoints on ports such as 6000 or 10080.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthProbe } from '../ports.ts';
import type { HttpObservation } from '../rules.ts';
import { networkError } from '#lib/network-errors';

const USER_AGENT = 'apollo-health/1';


export class NodeHealthProbe implements HealthProbe {
  probe(url: string, timeoutMs: number): Promise<HttpObservation> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return Promise.resolve({ outcome: 'unreachable', latencyMs: 0, error: 'not a URL' });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return Promise.resolve({ outcome: 'unreachable', latencyMs: 0, error: `not an http(s) URL (${parsed.protocol})` });
    }
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(parsed, {
        method: 'GET',
        signal,
        agent: false,
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
