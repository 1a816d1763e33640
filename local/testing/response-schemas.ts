/**
 * Every response the integration tests receive is checked against its route's schemas, so a handler
 * and its schema cannot drift: a success against `responseSchema` (no body where the route has
 * none), an error against the error shape. API Gateway's own refusals (a bad signature, an IAM
 * denial: `{ "message" }` with `x-amzn-errortype`) are AWS's shape, not ours, and pass as they are.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SCHEMAS, type SchemaName } from '#schemas/index.ts';
import { matchRoute, routeKey, type RouteDef } from '#shared/routes';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function validatorOf(name: SchemaName): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addKeyword({ keyword: 'tsType', schemaType: 'string' });
    for (const schema of Object.values(SCHEMAS)) ajv.addSchema(schema);
  }
  let fn = compiled.get(name);
  if (!fn) compiled.set(name, (fn = ajv.getSchema(SCHEMAS[name].$id)!));
  return fn;
}

export class ResponseSchemaError extends Error {
  override readonly name = 'ResponseSchemaError';
}

function check(route: RouteDef, status: number, name: SchemaName, body: unknown): void {
  const validate = validatorOf(name);
  if (validate(body)) return;
  const problems = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`);
  throw new ResponseSchemaError(`${routeKey(route)} answered ${status} with a body that breaks the schema ${name}: ${problems.join('; ')}\n${JSON.stringify(body).slice(0, 2000)}`);
}

/** Throws ResponseSchemaError when a response does not keep to its route's schemas. */
export function checkResponse(method: string, pathname: string, status: number, headers: Headers, text: string): void {
  const match = matchRoute(method, pathname);
  if (!match.route) return; // not an API route (the web app, /api) or a 404/405 of the gateway
  const route = match.route;
  const type = headers.get('content-type') ?? '';
  const body: unknown = text && type.includes('json') ? JSON.parse(text) : text;
  const isObject = typeof body === 'object' && body !== null;
  if (status >= 400) {
    if (headers.get('x-amzn-errortype') && isObject && ('message' in body || 'Message' in body)) return;
    // A 503 of a health route answers its own shape (what is down).
    const apolloError = isObject && 'error' in body && 'requestId' in body;
    if (route.responseSchema && status === 503 && !apolloError) return check(route, status, route.responseSchema, body);
    return check(route, status, 'error', body);
  }
  if (route.produces) {
    const types = [route.produces, ...(route.alsoProduces ?? [])].map((t) => t.split(';')[0]!);
    if (!types.some((t) => type.startsWith(t))) throw new ResponseSchemaError(`${routeKey(route)} answered ${type}, not ${types.join(' or ')}`);
    return;
  }
  if (!route.responseSchema) {
    if (text !== '') throw new ResponseSchemaError(`${routeKey(route)} has no response schema but answered a body: ${text.slice(0, 500)}`);
    return;
  }
  check(route, status, route.responseSchema, body);
}

/** The path as routed, or as sent when its percent-encoding is broken (a fuzzed path). */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A fetch that checks every API response it receives (the test harness's clients use it). */
export function checkingFetch(base: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    checkResponse(method.toUpperCase(), safeDecode(url.pathname), response.status, response.headers, await response.clone().text());
    return response;
  };
}
