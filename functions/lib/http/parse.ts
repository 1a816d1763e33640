/**
 * Parsing a request before its handler runs: the raw body (decoded once), the body and query against
 * the route's schemas, each path parameter against its schema in the route table, and If-Match.
 */
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '#shared/errors';
import { PATH_PARAMETERS, type PathParameterName, type PathParameterSchema, type RouteDef } from '#shared/routes';
import { validate, type Validators } from '../validation.ts';
import type { Event } from './request.ts';

/** Bodies above this are refused with 413 before parsing (API Gateway's own limit is 10 MB). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Objects and arrays nested deeper than this are refused before parsing: no schema needs more, and recursion over them must not overflow the stack. */
export const MAX_BODY_DEPTH = 64;

/**
 * Where (a character offset, 1-based) JSON text first opens more than `limit` nested objects or
 * arrays, or 0; brackets inside strings do not count. One pass, no recursion.
 */
export function nestingBeyond(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91 /* { [ */) {
      if (++depth > limit) return i + 1;
    } else if (c === 125 || c === 93 /* } ] */) depth--;
  }
  return 0;
}

/** The body's bytes as sent, decoded once per request (a webhook's signature is over these). */
export function rawBytes(event: Event): Buffer {
  if (event.apolloRawBody !== undefined) return event.apolloRawBody;
  const raw = event.body == null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(`request body is larger than ${MAX_BODY_BYTES} bytes`);
  event.apolloRawBody = raw;
  return raw;
}

/** The body as text (UTF-8), for the JSON parser. */
export const rawBody = (event: Event): string => rawBytes(event).toString('utf8');

export function parseBody(event: Event, route: RouteDef, validators: Validators): unknown {
  const raw = rawBody(event);
  if (!route.bodySchema) {
    if (raw.trim() !== '') throw new ValidationError('this route takes no request body', { details: [{ path: '/body', message: 'must be empty' }] });
    return undefined;
  }
  if (raw.trim() === '') return validate(validators, route.bodySchema, {}, 'body');
  const type = event.headers['content-type'] ?? 'application/json';
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError('request bodies are JSON: send content-type application/json');
  const tooDeep = nestingBeyond(raw, MAX_BODY_DEPTH);
  if (tooDeep) throw new ValidationError(`request body is nested deeper than ${MAX_BODY_DEPTH} levels`, { details: [{ path: '/body', message: `nested deeper than ${MAX_BODY_DEPTH} levels at character ${tooDeep}` }] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ValidationError('request body is not valid JSON', { details: [{ path: '/body', message: (error as Error).message }], cause: error });
  }
  return validate(validators, route.bodySchema, parsed, 'body');
}

/** SigV4's query-string authentication (a presigned URL): the gateway's business, not the route's. */
const PRESIGN_PARAMETERS = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']);

export function parseQuery(event: Event, route: RouteDef, validators: Validators): unknown {
  const query: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (!PRESIGN_PARAMETERS.has(k)) query[k] = v;
  if (!route.querySchema) {
    const unknown = Object.keys(query);
    if (unknown.length) throw new ValidationError('this route takes no query parameters', { details: unknown.map((k) => ({ path: `/query/${k}`, message: 'unknown parameter' })) });
    return {};
  }
  return validate(validators, route.querySchema, query, 'query');
}

const patterns = new Map<string, RegExp>();
const patternOf = (schema: PathParameterSchema): RegExp => {
  let re = patterns.get(schema.pattern);
  if (!re) patterns.set(schema.pattern, (re = new RegExp(schema.pattern, 'u')));
  return re;
};

/** Why a decoded path parameter breaks its schema, or undefined when it keeps to it. */
export function pathParameterProblem(schema: PathParameterSchema, value: string): string | undefined {
  const length = [...value].length;
  if (length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
  if (length < (schema.minLength ?? 1)) return `must be at least ${schema.minLength ?? 1} characters`;
  if (!patternOf(schema).test(value)) return `must be ${schema.description.charAt(0).toLowerCase()}${schema.description.slice(1)}`;
  return undefined;
}

/** Decodes the path parameters and checks each against its schema: 400 naming every one that breaks it. */
export function parseParams(event: Event): Record<string, string> {
  const out: Record<string, string> = {};
  const details: Array<{ path: string; message: string }> = [];
  for (const [name, raw] of Object.entries(event.pathParameters ?? {})) {
    if (raw === undefined) continue;
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      details.push({ path: `/path/${name}`, message: 'is not valid percent-encoding' });
      continue;
    }
    const schema = (PATH_PARAMETERS as Record<string, PathParameterSchema | undefined>)[name as PathParameterName];
    const problem = schema ? pathParameterProblem(schema, value) : 'is not a parameter of this route';
    if (problem) details.push({ path: `/path/${name}`, message: problem });
    out[name] = value;
  }
  if (details.length) throw new ValidationError(`invalid path: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, { details });
  return out;
}

export function readIfMatch(headers: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = headers['if-match'];
  if (raw === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(raw.trim());
  if (!match) throw new ValidationError('If-Match must be an ETag this API returned, e.g. "3"', { details: [{ path: '/headers/if-match', message: 'not a version ETag' }] });
  return Number(match[1]);
}
