/**
 * OpenAPI 3.1 from the route table and schemas/: one path item per path, one operation per route,
 * the JSON Schemas as components (their `$ref`s between files rewritten to components), path
 * parameters from PATH_PARAMETERS, query parameters from the route's query schema, SigV4 as the
 * security scheme. `npm run gen:schemas` writes it to schemas/openapi.gen.json; the system context
 * serves it at `GET /api/v1/openapi.json` with the caller's own server URL.
 */
import { permissionLabel, PATH_PARAMETERS, pathParameterNames, routeKey, type PathParameterName, type RouteDef } from './routes.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Schemas = Readonly<Record<string, { readonly $id: string }>>;

export interface OpenApiOptions {
  readonly version: string;
  /** @default a placeholder API Gateway URL; the system context answers with the caller's. */
  readonly servers?: ReadonlyArray<{ url: string; description?: string }>;
}

const COMPONENT = '#/components/schemas/';

/** Rewrites every `$ref` of `schema` (relative to `baseId`) to a component reference. */
function rewriteRefs(value: unknown, baseId: string, componentOf: ReadonlyMap<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, baseId, componentOf));
  if (typeof value !== 'object' || value === null) return value as Json;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$id' || key === '$schema' || key === 'tsType') continue;
    if (key === '$ref' && typeof v === 'string') {
      const target = new URL(v, baseId);
      const fragment = decodeURIComponent(target.hash.slice(1));
      target.hash = '';
      const name = componentOf.get(target.href);
      if (!name) throw new Error(`${baseId}: $ref ${v} names no registered schema`);
      out.$ref = `${COMPONENT}${name}${fragment}`;
      continue;
    }
    out[key] = rewriteRefs(v, baseId, componentOf);
  }
  return out;
}

/** `GET /api/v1/services/{id}/health` → `getServicesIdHealth`. */
export function operationId(route: Pick<RouteDef, 'method' | 'path'>): string {
  const words = route.path.replace(/^\/api\/v1\//, '').split(/[/{}_.-]+/).filter(Boolean);
  return route.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

const successStatus = (route: RouteDef): string => String(route.status ?? (route.responseSchema || route.produces ? 200 : 204));

function describe(route: RouteDef): string {
  const lines = [route.summary + '.'];
  if (route.auth === 'iam') lines.push(`Permission: \`${permissionLabel(route.permission)}\`.`);
  if (route.auth === 'hmac') lines.push('Authenticated by the sender\'s signature (no IAM).');
  if (route.audit) lines.push(`Audited as \`${route.audit.action}\` (written before the change: no audit, no change).`);
  if (route.idempotent) lines.push('Send `Idempotency-Key` to make a retry safe: the first answer is replayed for 24 h.');
  if (route.versioned) lines.push('Send `If-Match` with the ETag you read: 412 when it changed since, 428 without it.');
  return lines.join('\n\n');
}

function parameters(route: RouteDef, components: JsonObject): JsonObject[] {
  const params: JsonObject[] = pathParameterNames(route.path).map((name) => {
    const { description, example, ...schema } = PATH_PARAMETERS[name as PathParameterName];
    return { name, in: 'path', required: true, description, example, schema: schema as unknown as Json };
  });
  if (route.querySchema) {
    const query = components[route.querySchema] as { properties?: Record<string, JsonObject>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      const { description, ...rest } = schema;
      params.push({ name, in: 'query', required: (query.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  if (route.versioned) params.push({ name: 'If-Match', in: 'header', required: true, description: 'The ETag last read, e.g. "3".', schema: { type: 'string' } });
  if (route.idempotent) params.push({ name: 'Idempotency-Key', in: 'header', required: false, description: '8-128 of letters, digits, ".", "_", ":" or "-" (a UUID or ULID).', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' } });
  return params;
}

function operation(route: RouteDef, components: JsonObject): JsonObject {
  const error = { description: 'Apollo\'s error: a code, a message, and each problem with its field path.', content: { 'application/json': { schema: { $ref: `${COMPONENT}error` } } } };
  const success: JsonObject = { description: 'OK' };
  if (route.responseSchema) success.content = { 'application/json': { schema: { $ref: `${COMPONENT}${route.responseSchema}` } } };
  else if (route.produces) success.content = Object.fromEntries([route.produces, ...(route.alsoProduces ?? [])].map((type) => [type.split(';')[0]!, { schema: { type: 'string' } }]));
  const op: JsonObject = {
    operationId: operationId(route),
    tags: [route.context],
    summary: route.summary.length > 120 ? `${route.summary.slice(0, 117)}…` : route.summary,
    description: describe(route),
    parameters: parameters(route, components),
    responses: { [successStatus(route)]: success, '400': error, '403': error, default: error },
    security: route.auth === 'iam' ? [{ sigv4: [] }] : [],
  };
  if (route.bodySchema) op.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `${COMPONENT}${route.bodySchema}` } } } };
  if (route.auth === 'iam' && route.permission) op['x-apollo-permission'] = permissionLabel(route.permission);
  return op;
}

export function buildOpenApi(routes: readonly RouteDef[], schemas: Schemas, options: OpenApiOptions): JsonObject {
  const componentOf = new Map(Object.entries(schemas).map(([name, s]) => [s.$id, name]));
  const components: JsonObject = {};
  for (const [name, schema] of Object.entries(schemas)) components[name] = rewriteRefs(schema, schema.$id, componentOf);
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method.toLowerCase()]) throw new Error(`two routes ${routeKey(route)}`);
    item[route.method.toLowerCase()] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Apollo API',
      version: options.version,
      description: 'The platform control plane\'s API. Every call a person or tool makes is signed with AWS Signature Version 4 for the service `execute-api`; webhooks are authenticated by their sender\'s signature. Lists take `limit` and an opaque `cursor` and answer `{ items, nextCursor }`.',
    },
    servers: (options.servers ?? [{ url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}', description: 'Apollo in your AWS account' }]).map((s) => ({ ...s })) as unknown as Json,
    tags: [...new Set(routes.map((r) => r.context))].map((name) => ({ name })),
    paths: paths as Record<string, Json>,
    components: {
      schemas: components,
      securitySchemes: {
        sigv4: {
          type: 'apiKey', name: 'Authorization', in: 'header',
          description: 'AWS Signature Version 4 (service execute-api) with the credentials of an Apollo IAM role or of a web session.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}
