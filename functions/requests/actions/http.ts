/**
 * One HTTP exchange for an action, on node:http(s) rather than fetch: the connection goes to the
 * address the egress guard checked (a `lookup` that answers only it, so a second DNS answer cannot
 * rebind the host), TLS still verifies the host name, redirects are not followed (a 3xx is the
 * answer), the response is capped and the whole exchange ends with the caller's AbortSignal.
 */
import type { LookupFunction } from 'node:net';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Responses above this are refused (an action's answer is a record, not a download). */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
export const USER_AGENT = 'Apollo-Actions/1';

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  /** The vetted address to connect to (ssrf.ts). */
  readonly address: string;
  readonly family: 4 | 6;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
  readonly maxResponseBytes: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Sends one request; rejects on a network error, the signal, or a response over the cap (ResponseTooLargeError). */
export type HttpFetch = (request: HttpRequest) => Promise<HttpResponse>;

export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

export const nodeFetch: HttpFetch = (request) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const send = request.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const req = send(request.url, { method: request.method, headers, signal: request.signal, agent: false, lookup: pinnedLookup(request.address, request.family) }, (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > request.maxResponseBytes) {
        res.destroy();
        reject(new ResponseTooLargeError(`the response is ${declared} bytes, over the ${request.maxResponseBytes}-byte limit`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) {
          res.destroy();
          reject(new ResponseTooLargeError(`the response is over the ${request.maxResponseBytes}-byte limit`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
      request.signal.addEventListener('abort', () => res.destroy(request.signal.reason as Error), { once: true });
    });
    req.on('error', reject);
    req.end(request.body);
  });


/** Retry-After (seconds or an HTTP date) in milliseconds from now, when present and sensible. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d{1,7}$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A header's value as one string. */
export const headerText = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
};
