/**
 * SigV4 verification as API Gateway does it, for the local gateway. Both the header form
 * (Authorization: AWS4-HMAC-SHA256 …) and the presigned-URL form (X-Amz-Signature in the query) are
 * accepted. The body hash is always computed here from the bytes received: `x-amz-content-sha256`
 * is never trusted, so a tampered body fails. The path is used exactly as sent (percent-encoded),
 * normalised and encoded again as AWS does for every service but S3.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SERVICE = 'execute-api';
export const MAX_SKEW_MS = 5 * 60_000;

export interface SignedRequest {
  readonly method: string;
  /** The path as sent, still percent-encoded, without the query. */
  readonly rawPath: string;
  /** The query string as sent, without `?`. */
  readonly rawQuery: string;
  /** Header name (any case) → values in the order received. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
}

export interface CredentialRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly principalArn: string;
  /** Temporary credentials carry a token and expire. */
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type VerifyResult =
  | { ok: true; credential: CredentialRecord }
  | { ok: false; errorType: string; message: string };

const fail = (errorType: string, message: string): VerifyResult => ({ ok: false, errorType, message });

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX. */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return uriEscape(normalised).replace(/%2F/g, '/');
}

export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (!rawQuery) return [];
  return rawQuery.split('&').filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [safeDecode(pair), ''] : [safeDecode(pair.slice(0, eq)), safeDecode(pair.slice(eq + 1))];
  });
}

export function canonicalQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const headerValue = (headers: ReadonlyMap<string, readonly string[]>, name: string): string | undefined => {
  for (const [k, v] of headers) if (k.toLowerCase() === name) return v.join(',');
  return undefined;
};

const trimHeader = (value: string): string => value.trim().replace(/\s+/g, ' ');

/** `20261124T233400Z` → Date, or undefined if malformed. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const amzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

interface AuthParts {
  credential: string;
  signedHeaders: string[];
  signature: string;
  date: string | undefined;
  sessionToken: string | undefined;
  presigned: boolean;
  expiresSeconds?: number;
}

function parseAuthorization(request: SignedRequest, query: Array<[string, string]>): AuthParts | VerifyResult {
  const header = headerValue(request.headers, 'authorization');
  const q = new Map(query);
  if (header !== undefined) {
    if (!header.startsWith(`${ALGORITHM} `)) {
      return fail('IncompleteSignatureException', `Authorization header requires the '${ALGORITHM}' algorithm.`);
    }
    const params = new Map<string, string>();
    for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((p) => !params.get(p));
    if (missing.length) {
      return fail('IncompleteSignatureException', missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' ') + ` Authorization=${header}`);
    }
    return {
      credential: params.get('Credential')!,
      signedHeaders: params.get('SignedHeaders')!.split(';'),
      signature: params.get('Signature')!,
      date: headerValue(request.headers, 'x-amz-date'),
      sessionToken: headerValue(request.headers, 'x-amz-security-token'),
      presigned: false,
    };
  }
  if (q.get('X-Amz-Algorithm') === ALGORITHM) {
    const missing = ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'].filter((p) => !q.get(p));
    if (missing.length) return fail('IncompleteSignatureException', missing.map((p) => `AWS query-string parameters must include '${p}'.`).join(' '));
    return {
      credential: q.get('X-Amz-Credential')!,
      signedHeaders: q.get('X-Amz-SignedHeaders')!.split(';'),
      signature: q.get('X-Amz-Signature')!,
      date: q.get('X-Amz-Date'),
      sessionToken: q.get('X-Amz-Security-Token'),
      presigned: true,
      expiresSeconds: q.has('X-Amz-Expires') ? Number(q.get('X-Amz-Expires')) : undefined,
    };
  }
  return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
}

export interface VerifyOptions {
  readonly region: string;
  readonly now?: Date;
  readonly lookup: (accessKeyId: string) => CredentialRecord | undefined;
  /**
   * `presigned`: only the query form is accepted, with `X-Amz-Expires` (the WebSocket `$connect`: a
   * browser cannot set headers on the upgrade). Default: either form.
   */
  readonly form?: 'presigned' | 'any';
}

export function verifySigV4(request: SignedRequest, options: VerifyOptions): VerifyResult {
  const query = parseQuery(request.rawQuery);
  const parts = parseAuthorization(request, query);
  if ('ok' in parts) return parts;
  if (options.form === 'presigned') {
    if (!parts.presigned) return fail('IncompleteSignatureException', "AWS query-string parameters must include 'X-Amz-Signature'.");
    if (parts.expiresSeconds === undefined) return fail('IncompleteSignatureException', "AWS query-string parameters must include 'X-Amz-Expires'.");
  }

  const signed = parts.signedHeaders.map((h) => h.toLowerCase());
  if (!signed.includes('host')) {
    return fail('IncompleteSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!parts.presigned && !signed.includes('x-amz-date')) {
    return fail('IncompleteSignatureException', "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const date = parseAmzDate(parts.date);
  if (!date) {
    return fail('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }

  const scope = parts.credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    return fail('IncompleteSignatureException', `Credential should be scoped to a valid region, not '${scope[2] ?? ''}'. Credential=${parts.credential}`);
  }
  const [accessKeyId, scopeDate, region, service] = scope as [string, string, string, string, string];
  if (scopeDate !== parts.date!.slice(0, 8)) {
    return fail('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${parts.date!.slice(0, 8)}', from '${parts.date}'.`);
  }
  if (region !== options.region) return fail('InvalidSignatureException', `Credential should be scoped to a valid region, not '${region}'. `);
  if (service !== SERVICE) return fail('InvalidSignatureException', `Credential should be scoped to correct service: '${SERVICE}'. `);

  const now = options.now ?? new Date();
  if (parts.presigned) {
    const expires = parts.expiresSeconds ?? 900;
    if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) return fail('IncompleteSignatureException', 'X-Amz-Expires must be between 1 and 604800 seconds.');
    if (date.getTime() - MAX_SKEW_MS > now.getTime()) return fail('InvalidSignatureException', `Signature not yet current: ${parts.date} is still later than ${amzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${amzDate(now)} + 5 min.)`);
    if (date.getTime() + expires * 1000 < now.getTime()) return fail('InvalidSignatureException', `Signature expired: ${parts.date} is now earlier than ${amzDate(new Date(now.getTime() - expires * 1000))} (${amzDate(now)} - ${expires} sec.)`);
  } else if (date.getTime() < now.getTime() - MAX_SKEW_MS) {
    return fail('InvalidSignatureException', `Signature expired: ${parts.date} is now earlier than ${amzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${amzDate(now)} - 5 min.)`);
  } else if (date.getTime() > now.getTime() + MAX_SKEW_MS) {
    return fail('InvalidSignatureException', `Signature not yet current: ${parts.date} is still later than ${amzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${amzDate(now)} + 5 min.)`);
  }

  const credential = options.lookup(accessKeyId);
  if (!credential) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (credential.sessionToken !== undefined) {
    if (parts.sessionToken === undefined || !equal(parts.sessionToken, credential.sessionToken)) {
      return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    if (credential.expiration && credential.expiration.getTime() <= now.getTime()) {
      return fail('ExpiredTokenException', 'The security token included in the request is expired');
    }
  } else if (parts.sessionToken !== undefined) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }

  const canonicalHeaders: string[] = [];
  for (const name of [...signed].sort()) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return fail('InvalidSignatureException', signatureMismatch);
    canonicalHeaders.push(`${name}:${trimHeader(value)}`);
  }
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.rawPath),
    canonicalQuery(query),
    canonicalHeaders.join('\n') + '\n',
    [...signed].sort().join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, parts.date, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credential.secretAccessKey}`, scopeDate), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (!equal(expected, parts.signature)) return fail('InvalidSignatureException', signatureMismatch);
  return { ok: true, credential };
}

const signatureMismatch =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function equal(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
