/**
 * The route table: the one source for every route's method, path, Lambda (context), auth kind,
 * permission, schemas, audit and idempotency. CDK, the local gateway, the IAM role policies, the
 * web client, the CLI and the authorization tests all read it. A route appears here when it works.
 */
import type { SchemaName, SchemaTypes } from '../schemas/index.ts';
import type { Permission, Role } from './permissions.ts';
import { roleHas } from './permissions.ts';

export const CONTEXTS = ['system', 'audit', 'identity', 'services', 'offerings', 'requests', 'deployments', 'webhooks', 'observability', 'incidents', 'ai', 'secrets', 'costs'] as const;
export type ContextName = (typeof CONTEXTS)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** `iam`: SigV4 (every route a person or tool calls); `hmac`: webhooks verified by their handler; `none`: CORS preflight only. */
export type AuthKind = 'iam' | 'hmac' | 'none';

/** What a resolver sees of a request: enough to decide permissions that depend on the body. */
export interface RequestFacts {
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/**
 * A permission that IAM cannot decide because it depends on the request (e.g. `deployments:create:prod`
 * vs `:non-prod`). The gateway lets through any role holding one of `anyOf`; the handler resolves.
 */
export interface PermissionResolver {
  readonly name: string;
  readonly anyOf: readonly Permission[];
  resolve(request: RequestFacts): Permission;
}

export type PermissionRule = Permission | PermissionResolver;

export interface AuditSpec {
  /** The action name recorded in the audit log, e.g. `teams.create`. */
  readonly action: string;
  readonly resourceType: string;
  /** Path parameter naming the resource, when the path has it (creates set it from the result). */
  readonly resourceIdParam?: string;
  /** Body field naming the resource a create makes, so a refused create (a 409) is on its history too. */
  readonly resourceIdBodyField?: string;
  /** Body fields never recorded, whatever their name (a secret's value): the entry says they were given. */
  readonly omitBodyFields?: readonly string[];
}

/**
 * A path parameter's schema: always a bounded string (a key longer than DynamoDB's 2,048 bytes must
 * never reach it), checked like a body before the handler runs.
 */
export interface PathParameterSchema {
  readonly type: 'string';
  readonly pattern: string;
  readonly minLength?: number;
  readonly maxLength: number;
  readonly description: string;
  /** A value that keeps to the schema (OpenAPI, the authorization matrix and the route fuzz test use it). */
  readonly example: string;
}

/**
 * Every path variable of the table, by name: one name, one meaning, one schema (a route-table test
 * holds every `{name}` to it, and one name per path level, as API Gateway requires at deploy).
 */
export const PATH_PARAMETERS = {
  id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 128, description: 'The resource\'s id: a service\'s or team\'s slug name, or a ULID', example: 'core-service' },
  principal: { type: 'string', pattern: '^(?!\\.+$)[A-Za-z0-9_=,.@+-]+$', minLength: 2, maxLength: 128, description: 'A principal: an email or an IAM session name (not only dots)', example: 'dana@example.com' },
  user: { type: 'string', pattern: '^(?!\\.+$)[A-Za-z0-9_=,.@+-]+$', minLength: 2, maxLength: 128, description: 'A web user: their email', example: 'dana@example.com' },
  env: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 32, description: 'An environment name: 1-32 of a-z 0-9 -, starting with a letter (prod, staging, dev)', example: 'prod' },
  runbookId: { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', maxLength: 26, description: 'A runbook\'s id (a ULID)', example: '01JDZ6V7Q3M4X8K2N5P9R0T1AB' },
  category: { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 63, description: 'An offering category (a slug)', example: 'databases' },
  item_id: { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 63, description: 'An offering\'s id (a slug)', example: 'postgresql-database' },
  field_id: { type: 'string', pattern: '^[a-z][a-zA-Z0-9_]*$', maxLength: 64, description: 'A form field\'s id', example: 'environment' },
  service: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', maxLength: 63, description: 'A catalog service (its slug)', example: 'core-service' },
  secret: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', maxLength: 128, description: "A secret's name under its service and environment (apollo/<env>/<service>/<secret> in Secrets Manager)", example: 'db-password' },
  traceId: { type: 'string', pattern: '^(1-[0-9a-f]{8}-[0-9a-f]{24}|[0-9a-f]{32})$', maxLength: 35, description: 'A trace id: X-Ray\'s (1-<8 hex>-<24 hex>) or W3C\'s (32 hex)', example: '1-5759e988-bd862e3fe1be46a994272793' },
} as const satisfies Record<string, PathParameterSchema>;
export type PathParameterName = keyof typeof PATH_PARAMETERS;

export interface RouteDef {
  readonly method: HttpMethod;
  /** API Gateway resource path with `{param}` placeholders. */
  readonly path: string;
  readonly context: ContextName;
  readonly auth: AuthKind;
  /** Required for `iam` routes; `hmac` routes authenticate the sender instead. */
  readonly permission?: PermissionRule;
  readonly summary: string;
  readonly bodySchema?: SchemaName;
  readonly querySchema?: SchemaName;
  readonly responseSchema?: SchemaName;
  /** Present on every mutating route: the mutation is audited, fail closed. */
  readonly audit?: AuditSpec;
  /**
   * A POST that changes nothing: a check or preview whose input (a whole document) does not fit a
   * query string. Not audited; it needs no table writes of its own.
   */
  readonly readOnly?: boolean;
  /** POSTs that start work (and a PUT that makes a new version) honour `Idempotency-Key`. */
  readonly idempotent?: boolean;
  /** PUT/DELETE on versioned items require `If-Match`. */
  readonly versioned?: boolean;
  /** Response content type when not JSON. */
  readonly produces?: string;
  /** Other content types a `produces` route answers when asked (a query parameter says which). */
  readonly alsoProduces?: readonly string[];
  /** The success status when it is not 200 (a body) or 204 (none): 201 for creates, 202 for work started. */
  readonly status?: 201 | 202;
}

/** An IAM-authenticated route; its literal types are kept, so handlers and clients are typed from it. */
const iam = <const D extends Omit<RouteDef, 'auth'>>(def: D): D & { readonly auth: 'iam' } => ({ ...def, auth: 'iam' });

/**
 * The environments whose deployments need `deployments:create:prod` (and the prod approval gate):
 * `prod` and `production` unless APOLLO_PROD_ENVIRONMENTS names others (comma-separated). Read where the
 * gateway, the handler and the web app run, so all three agree.
 */
export function isProductionEnvironment(environment: string): boolean {
  // The web app has no `process`: it reads the default names (the API holds the same rule either way).
  const configured = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.APOLLO_PROD_ENVIRONMENTS;
  const names = (configured ?? 'prod,production').split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  return names.includes(environment.toLowerCase());
}

/** `deployments:create:prod` when the body's `field` names a production environment, else `:non-prod`. */
const deployTo = (field: 'environment' | 'to'): PermissionResolver => ({
  name: `deployments:create:<environment of ${field}>`,
  anyOf: ['deployments:create:non-prod', 'deployments:create:prod'],
  resolve: ({ body }) => {
    const value = (body as Record<string, unknown> | null | undefined)?.[field];
    // No environment (a body the schema will refuse): the stricter permission, so nothing slips through.
    return typeof value !== 'string' || isProductionEnvironment(value) ? 'deployments:create:prod' : 'deployments:create:non-prod';
  },
});

const TABLE = [
  // system: Apollo's own health, identity and metrics
  iam({ method: 'GET', path: '/api/v1/health', context: 'system', permission: 'system:read', summary: 'Component health of Apollo and its integrations', responseSchema: 'health' }),
  iam({ method: 'GET', path: '/api/v1/health/ready', context: 'system', permission: 'system:read', summary: 'Readiness: can Apollo serve requests', responseSchema: 'ready' }),
  iam({ method: 'GET', path: '/api/v1/version', context: 'system', permission: 'system:read', summary: 'Version, commit, build time, stage and region', responseSchema: 'version' }),
  iam({ method: 'GET', path: '/api/v1/openapi.json', context: 'system', permission: 'system:read', summary: 'This API as an OpenAPI 3.1 document (for Postman, Insomnia or a generated client)', responseSchema: 'openapi-document' }),
  iam({ method: 'GET', path: '/api/v1/metrics', context: 'system', permission: 'system:read', summary: 'Prometheus metrics: requests, errors and latency per route', produces: 'text/plain; version=0.0.4' }),

  // audit
  iam({ method: 'GET', path: '/api/v1/audit', context: 'audit', permission: 'audit:read', summary: 'Search the audit log', querySchema: 'audit-query', responseSchema: 'audit-list' }),
  iam({ method: 'GET', path: '/api/v1/audit/requests', context: 'audit', permission: 'audit:read', summary: 'The request audit trail: requests, approvals (and delegations) and quotas, newest first (filters: request, actor, action prefix, outcome, time range)', querySchema: 'request-audit-query', responseSchema: 'audit-list' }),
  iam({ method: 'GET', path: '/api/v1/audit/requests/export', context: 'audit', permission: 'audit:read', summary: 'The request audit trail as a file: CSV (default) or JSON, the same filters, at most 10,000 entries (oldest first)', querySchema: 'request-audit-export-query', produces: 'text/csv; charset=utf-8', alsoProduces: ['application/json'] }),
  iam({ method: 'GET', path: '/api/v1/audit/{id}', context: 'audit', permission: 'audit:read', summary: 'One audit entry', responseSchema: 'audit-entry' }),

  // identity: who I am, teams and membership
  iam({ method: 'GET', path: '/api/v1/me', context: 'identity', permission: 'system:read', summary: 'Who I am: principal, role, teams and permissions', responseSchema: 'me' }),
  iam({ method: 'GET', path: '/api/v1/me/notifications', context: 'identity', permission: 'system:read', summary: 'Your notifications, newest first (an approval waiting for you, your request done), with the unread count', querySchema: 'list-query', responseSchema: 'notification-list' }),
  iam({ method: 'POST', path: '/api/v1/me/notifications/read', context: 'identity', permission: 'system:read', summary: 'Mark your notifications read (the named ones, or all)', bodySchema: 'notifications-read', responseSchema: 'notifications-read-result', audit: { action: 'notifications.read', resourceType: 'notification' } }),
  iam({ method: 'GET', path: '/api/v1/teams', context: 'identity', permission: 'teams:read', summary: 'List teams', querySchema: 'list-query', responseSchema: 'team-list' }),
  iam({ method: 'POST', path: '/api/v1/teams', context: 'identity', permission: 'users:manage', summary: 'Create a team', bodySchema: 'team-create', responseSchema: 'team', audit: { action: 'teams.create', resourceType: 'team', resourceIdBodyField: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/teams/{id}', context: 'identity', permission: 'teams:read', summary: 'One team', responseSchema: 'team' }),
  iam({ method: 'PUT', path: '/api/v1/teams/{id}', context: 'identity', permission: 'users:manage', summary: 'Update a team (If-Match)', bodySchema: 'team-update', responseSchema: 'team', audit: { action: 'teams.update', resourceType: 'team', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'DELETE', path: '/api/v1/teams/{id}', context: 'identity', permission: 'users:manage', summary: 'Delete a team and its memberships (If-Match)', audit: { action: 'teams.delete', resourceType: 'team', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'GET', path: '/api/v1/teams/{id}/members', context: 'identity', permission: 'teams:read', summary: "A team's members", querySchema: 'list-query', responseSchema: 'team-member-list' }),
  iam({ method: 'PUT', path: '/api/v1/teams/{id}/members/{principal}', context: 'identity', permission: 'users:manage', summary: 'Add a member or change their team role', bodySchema: 'team-member-put', responseSchema: 'team-member', audit: { action: 'teams.members.put', resourceType: 'team', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/users', context: 'identity', permission: 'users:manage', summary: 'Web users with their role and teams', querySchema: 'list-query', responseSchema: 'user-list' }),
  iam({ method: 'PUT', path: '/api/v1/users/{user}/role', context: 'identity', permission: 'users:manage', summary: "Change a web user's role (their group)", bodySchema: 'user-role-put', responseSchema: 'user', audit: { action: 'users.role.set', resourceType: 'user', resourceIdParam: 'user' } }),
  iam({ method: 'DELETE', path: '/api/v1/teams/{id}/members/{principal}', context: 'identity', permission: 'users:manage', summary: 'Remove a member', audit: { action: 'teams.members.delete', resourceType: 'team', resourceIdParam: 'id' } }),

  // services: the service catalog (services, environments, dependencies, runbooks, health)
  iam({ method: 'GET', path: '/api/v1/services', context: 'services', permission: 'services:read', summary: 'List and search services (filters, sort, typo-tolerant q)', querySchema: 'service-list-query', responseSchema: 'service-list' }),
  iam({ method: 'POST', path: '/api/v1/services', context: 'services', permission: 'services:write', summary: 'Register a service (your own team, or any with catalog:manage)', bodySchema: 'service-create', responseSchema: 'service', audit: { action: 'services.register', resourceType: 'service', resourceIdBodyField: 'name' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/services/{id}', context: 'services', permission: 'services:read', summary: 'One service with its environments, dependencies and runbooks (deregistered ones too)', responseSchema: 'service' }),
  iam({ method: 'PUT', path: '/api/v1/services/{id}', context: 'services', permission: 'services:write', summary: "Edit a service (If-Match; owning team or catalog:manage)", bodySchema: 'service-update', responseSchema: 'service', audit: { action: 'services.update', resourceType: 'service', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'DELETE', path: '/api/v1/services/{id}', context: 'services', permission: 'services:write', summary: 'Deregister a service, keeping its name resolvable (If-Match; owning team or catalog:manage)', responseSchema: 'service', audit: { action: 'services.deregister', resourceType: 'service', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'GET', path: '/api/v1/services/{id}/environments', context: 'services', permission: 'services:read', summary: "A service's environments with their deployment, endpoints, resources, secrets and health", responseSchema: 'environment-list' }),
  iam({ method: 'PUT', path: '/api/v1/services/{id}/environments/{env}', context: 'services', permission: 'services:write', summary: 'Create or replace an environment (If-Match optional; owning team or catalog:manage)', bodySchema: 'environment-put', responseSchema: 'environment', audit: { action: 'services.environments.put', resourceType: 'service', resourceIdParam: 'id' } }),
  iam({ method: 'DELETE', path: '/api/v1/services/{id}/environments/{env}', context: 'services', permission: 'services:write', summary: 'Remove an environment (owning team or catalog:manage)', audit: { action: 'services.environments.delete', resourceType: 'service', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/services/{id}/dependencies', context: 'services', permission: 'services:read', summary: 'Dependency graph: direct and transitive, what it depends on and what depends on it', querySchema: 'dependency-query', responseSchema: 'dependency-graph' }),
  iam({ method: 'PUT', path: '/api/v1/services/{id}/dependencies', context: 'services', permission: 'services:write', summary: "Replace a service's direct dependencies (owning team or catalog:manage)", bodySchema: 'dependencies-put', responseSchema: 'dependency-graph', audit: { action: 'services.dependencies.put', resourceType: 'service', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/services/{id}/runbooks', context: 'services', permission: 'services:read', summary: "A service's runbooks (Markdown)", responseSchema: 'runbook-list' }),
  iam({ method: 'POST', path: '/api/v1/services/{id}/runbooks', context: 'services', permission: 'services:write', summary: 'Add a runbook (owning team or catalog:manage)', bodySchema: 'runbook-create', responseSchema: 'runbook', audit: { action: 'services.runbooks.create', resourceType: 'service', resourceIdParam: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'PUT', path: '/api/v1/services/{id}/runbooks/{runbookId}', context: 'services', permission: 'services:write', summary: 'Edit a runbook (If-Match; owning team or catalog:manage)', bodySchema: 'runbook-update', responseSchema: 'runbook', audit: { action: 'services.runbooks.update', resourceType: 'service', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'DELETE', path: '/api/v1/services/{id}/runbooks/{runbookId}', context: 'services', permission: 'services:write', summary: 'Delete a runbook (If-Match; owning team or catalog:manage)', audit: { action: 'services.runbooks.delete', resourceType: 'service', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'POST', path: '/api/v1/services/{id}/changes', context: 'services', permission: 'services:write', summary: "Open a code change on the service's repository as a GitHub pull request (a new branch with one commit of up to 20 files), with Apollo's GitHub credentials (owning team or catalog:manage)", bodySchema: 'service-change-create', responseSchema: 'service-change', audit: { action: 'services.changes.create', resourceType: 'service', resourceIdParam: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/services/{id}/health', context: 'services', permission: 'services:read', summary: 'Aggregated health with each environment and its last 24 h', responseSchema: 'service-health' }),

  // services: discovery of apollo.yaml manifests in the GitHub organisation
  iam({ method: 'POST', path: '/api/v1/discovery/sync', context: 'services', permission: 'catalog:manage', summary: "Scan the GitHub organisation's apollo.yaml manifests (or the named repositories); 202 with a job followed on discovery:<id>", bodySchema: 'discovery-sync', responseSchema: 'discovery-sync-accepted', audit: { action: 'discovery.sync', resourceType: 'discovery-job' }, idempotent: true, status: 202 }),
  iam({ method: 'GET', path: '/api/v1/discovery/jobs', context: 'services', permission: 'catalog:manage', summary: 'Discovery runs, newest first', querySchema: 'list-query', responseSchema: 'discovery-job-list' }),
  iam({ method: 'GET', path: '/api/v1/discovery/jobs/{id}', context: 'services', permission: 'catalog:manage', summary: 'One discovery run: progress, outcome and per-repository errors', responseSchema: 'discovery-job' }),

  // offerings: the self-service catalog (Schema v2.0 documents from the catalog repository). Static
  // paths win over {category}, whose reserved names (items, search, refresh, validation) are refused.
  iam({ method: 'GET', path: '/api/v1/catalog', context: 'offerings', permission: 'catalog:read', summary: 'Offerings you may see, by category then name (filters: category, owner, tag, lifecycle); each says whether you may request it', querySchema: 'catalog-list-query', responseSchema: 'catalog-list' }),
  iam({ method: 'GET', path: '/api/v1/catalog/search', context: 'offerings', permission: 'catalog:read', summary: 'Search offerings: ranked, typo-tolerant, with highlighted matches', querySchema: 'catalog-search-query', responseSchema: 'catalog-search-result' }),
  iam({ method: 'GET', path: '/api/v1/catalog/{category}', context: 'offerings', permission: 'catalog:read', summary: 'Offerings of one category (filters: owner, tag, lifecycle)', querySchema: 'catalog-category-query', responseSchema: 'catalog-list' }),
  iam({ method: 'GET', path: '/api/v1/catalog/items/{item_id}', context: 'offerings', permission: 'catalog:read', summary: 'One offering: its current document, source and validation, and whether you may request it', responseSchema: 'catalog-item' }),
  iam({ method: 'GET', path: '/api/v1/catalog/items/{item_id}/source', context: 'offerings', permission: 'catalog:read', summary: "The YAML file an offering's served version came from, as written (for the offering studio)", responseSchema: 'catalog-item-source' }),
  iam({ method: 'GET', path: '/api/v1/catalog/items/{item_id}/schema', context: 'offerings', permission: 'catalog:read', summary: "An offering's request form for @rjsf/core: JSON Schema, UI schema, steps; data sources resolved for you", responseSchema: 'catalog-item-form' }),
  iam({ method: 'GET', path: '/api/v1/catalog/items/{item_id}/options/{field_id}', context: 'offerings', permission: 'catalog:read', summary: "A data-source field's options given the values chosen so far (e.g. the environments of the chosen service)", querySchema: 'catalog-options-query', responseSchema: 'catalog-options' }),
  iam({ method: 'GET', path: '/api/v1/catalog/validation/{item_id}', context: 'offerings', permission: 'catalog:read', summary: "An offering's validation: the last refresh's record and a fresh check of the version served", responseSchema: 'catalog-validation-report' }),
  iam({ method: 'POST', path: '/api/v1/validate/catalog-item', context: 'offerings', permission: 'catalog:read', summary: 'Check a Schema v2.0 document (YAML or JSON): errors with paths and lines, warnings, best-practice hints; stores nothing', bodySchema: 'catalog-item-check', responseSchema: 'catalog-item-check-result', readOnly: true }),
  iam({ method: 'POST', path: '/api/v1/preview/form', context: 'offerings', permission: 'catalog:read', summary: "Preview a document's request form: the compiled form, the fields visible for given values and those values' problems; stores nothing", bodySchema: 'form-preview', responseSchema: 'form-preview-result', readOnly: true }),
  iam({ method: 'POST', path: '/api/v1/test/variables', context: 'offerings', permission: 'catalog:read', summary: 'Render templates with sample data in preview mode (secrets masked): the result, where each variable came from, and errors; stores nothing', bodySchema: 'variable-test', responseSchema: 'variable-test-result', readOnly: true }),
  iam({ method: 'POST', path: '/api/v1/simulate/fulfillment', context: 'offerings', permission: 'catalog:read', summary: "Dry-run a request's fulfilment for an offering (saved, or a document from the studio) and sample values: the real state machine run in-process with every action, approval and quota decision simulated; the path, each action's masked input, retry and timeout settings, the decisions, the expected duration and what would fail. Scenarios: an action fails, approval rejected, cancel after an action. Calls nothing, stores nothing", bodySchema: 'simulation-request', responseSchema: 'simulation-result', readOnly: true }),

  // offerings: the catalog refresh from the catalog Git repository (functions/offerings/refresh*). Its
  // jobs are not under /api/v1/catalog/: IAM's `*` spans slashes, so catalog:read's
  // `GET /api/v1/catalog/*` (from {category}) would let every role past the gateway to them.
  iam({ method: 'POST', path: '/api/v1/catalog/refresh', context: 'offerings', permission: 'catalog:manage', summary: "Refresh the offerings from the catalog repository (every document, or the named files): valid ones stored, invalid ones keep their last good version; 202 with a job followed on catalog-refresh:<id>", bodySchema: 'catalog-refresh', responseSchema: 'catalog-refresh-accepted', audit: { action: 'catalog.refresh', resourceType: 'catalog-refresh-job' }, idempotent: true, status: 202 }),
  iam({ method: 'GET', path: '/api/v1/catalog-refresh/jobs', context: 'offerings', permission: 'catalog:manage', summary: 'Catalog refreshes, newest first', querySchema: 'list-query', responseSchema: 'catalog-refresh-job-list' }),
  iam({ method: 'GET', path: '/api/v1/catalog-refresh/jobs/{id}', context: 'offerings', permission: 'catalog:manage', summary: 'One catalog refresh: progress, and per file what it did (errors with paths and lines)', responseSchema: 'catalog-refresh-job' }),

  // requests: self-service requests and their fulfilment (functions/requests; the fulfillment state
  // machine runs them). requests:read is scoped in the handler to one's own and one's teams' requests
  // unless requests:manage; approval decisions are gated by requests:create and decided by the rule.
  iam({ method: 'POST', path: '/api/v1/requests', context: 'requests', permission: 'requests:create', summary: "Submit a request for an offering: its fields checked against the offering's form, then validated, approved when the offering's rule asks, and fulfilled; answers the request with its estimated completion", bodySchema: 'request-create', responseSchema: 'request', audit: { action: 'requests.submit', resourceType: 'request' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/requests', context: 'requests', permission: 'requests:read', summary: "Requests, newest first: yours (scope=mine), a team's (scope=team&team=…) or everyone's (scope=all, requests:manage); filters status, offering, from, to", querySchema: 'request-list-query', responseSchema: 'request-list' }),
  // quotas: a team's limits per resource (an offering's quota.resource: a count, or a sum such as storage GiB), per environment or for all, reserved at submit
  // (a request over quota is refused with the numbers), held while fulfilled, released when it fails, is cancelled or deprovisioned.
  iam({ method: 'GET', path: '/api/v1/quota/usage/{id}', context: 'requests', permission: 'teams:read', summary: "A team's quotas: limits (in effect and pending), use and reservations with the requests holding them, the pace and when it would be full, alerts at 80 % and 100 %", responseSchema: 'quota-usage' }),
  iam({ method: 'POST', path: '/api/v1/quota/limits/{id}', context: 'requests', permission: 'quotas:manage', summary: "Set or remove a team's quota limits (per resource, per environment or for all, from an effective date), within the organization's caps; the team is told", bodySchema: 'quota-limits-put', responseSchema: 'quota-usage', audit: { action: 'quotas.limits.set', resourceType: 'team', resourceIdParam: 'id' }, idempotent: true }),
  // Team and platform analytics: aggregates kept per team / offering / day on every transition (never a read of every request).
  iam({ method: 'GET', path: '/api/v1/teams/{id}/requests', context: 'requests', permission: 'teams:read', summary: "A team's requests over a window: counts, success rate, completion times and failure patterns (from the aggregates), and the requests newest first (the team's members and requests:manage)", querySchema: 'team-requests-query', responseSchema: 'team-request-history' }),
  iam({ method: 'GET', path: '/api/v1/teams/{id}/catalog', context: 'requests', permission: 'teams:read', summary: 'The offerings a team owns with their adoption: requests, requesters, teams, success rate, median and p90 time against the SLA', querySchema: 'analytics-query', responseSchema: 'team-catalog' }),
  iam({ method: 'GET', path: '/api/v1/teams/{id}/usage', context: 'requests', permission: 'teams:read', summary: "What a team's requests provisioned, by kind: in place now, and provisioned / deprovisioned per week", querySchema: 'analytics-query', responseSchema: 'team-usage' }),
  iam({ method: 'GET', path: '/api/v1/teams/{id}/analytics', context: 'requests', permission: 'teams:read', summary: "A team's KPIs and trends: requests per week, median and p90 time to fulfil against each offering's SLA, approval wait, top failure reasons", querySchema: 'analytics-query', responseSchema: 'team-analytics' }),
  iam({ method: 'GET', path: '/api/v1/stats/usage', context: 'requests', permission: 'stats:read', summary: 'Platform-wide use: popular offerings, adoption by team, weekly active engineers as a share of the directory (target 80 %)', querySchema: 'analytics-query', responseSchema: 'usage-stats' }),
  iam({ method: 'GET', path: '/api/v1/stats/performance', context: 'requests', permission: 'stats:read', summary: 'Fulfilment performance per offering: p50/p90, SLA compliance, time against the manual baseline (the 90 % reduction goal), and the bottleneck (approval, queue or an action)', querySchema: 'analytics-query', responseSchema: 'performance-stats' }),
  iam({ method: 'GET', path: '/api/v1/requests/{id}', context: 'requests', permission: 'requests:read', summary: 'One request: fields (secrets masked), timeline, actions with attempts and outputs, approval, next steps', responseSchema: 'request' }),
  iam({ method: 'GET', path: '/api/v1/requests/{id}/status', context: 'requests', permission: 'requests:read', summary: "A request's status, progress, current action and ETA (one read)", responseSchema: 'request-status' }),
  iam({ method: 'GET', path: '/api/v1/requests/{id}/logs', context: 'requests', permission: 'requests:read', summary: "A request's execution log, oldest first (filters: action, severity and above)", querySchema: 'request-logs-query', responseSchema: 'request-log-list' }),
  iam({ method: 'POST', path: '/api/v1/requests/{id}/complete', context: 'requests', permission: 'requests:create', summary: "End a manually fulfilled request as completed or failed (the offering's owning team, or requests:manage)", bodySchema: 'request-complete', responseSchema: 'request', audit: { action: 'requests.complete', resourceType: 'request', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'POST', path: '/api/v1/requests/{id}/retry', context: 'requests', permission: 'requests:create', summary: 'Retry a failed, interrupted or cancelled request from the first action not done (your own, or any with requests:manage): without confirm the plan only (what runs again, what is kept); changed fields are checked again and may ask approval again', bodySchema: 'request-retry', responseSchema: 'request-retry-result', audit: { action: 'requests.retry', resourceType: 'request', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'POST', path: '/api/v1/requests/{id}/cancel', context: 'requests', permission: 'requests:create', summary: "Cancel a request (your own, or any with requests:manage): before its work, it stops; in progress, what it did is rolled back in reverse order; refused while a critical action runs", bodySchema: 'request-cancel', responseSchema: 'request', audit: { action: 'requests.cancel', resourceType: 'request', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'POST', path: '/api/v1/requests/{id}/deprovision', context: 'requests', permission: 'requests:create', summary: "Deprovision a completed request (your own, or any with requests:manage): its actions' rollbacks run in reverse order, after the offering's approval when its rule asks", bodySchema: 'request-deprovision', responseSchema: 'request', audit: { action: 'requests.deprovision', resourceType: 'request', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'PUT', path: '/api/v1/requests/{id}/rating', context: 'requests', permission: 'requests:create', summary: 'Rate your completed request, 1 to 5 with a comment (again: replaces it); the owning team sees it in its catalog analytics', bodySchema: 'request-rating-put', responseSchema: 'request-rating', audit: { action: 'requests.rate', resourceType: 'request', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/approvals/pending', context: 'requests', permission: 'requests:create', summary: 'Approvals waiting, those you may decide first (each says whether you may and why)', querySchema: 'list-query', responseSchema: 'approval-list' }),
  iam({ method: 'POST', path: '/api/v1/approvals/decide', context: 'requests', permission: 'requests:create', summary: 'Decide several approvals at once (the inbox\'s selection, at most 50): each decided and audited on its own, in order; one refused does not stop the others', bodySchema: 'approval-batch', responseSchema: 'approval-batch-result', audit: { action: 'approvals.batch', resourceType: 'approval' }, idempotent: true }),
  iam({ method: 'GET', path: '/api/v1/approvals/delegation', context: 'requests', permission: 'requests:create', summary: 'Your delegation (a delegate deciding in your place for a period) and the approvers whose delegate you are', responseSchema: 'approval-delegations' }),
  iam({ method: 'PUT', path: '/api/v1/approvals/delegation', context: 'requests', permission: 'requests:create', summary: 'Name a delegate for a period (at most 90 days): they may decide what you may, on your behalf; replaces your delegation', bodySchema: 'approval-delegation-put', responseSchema: 'approval-delegation', audit: { action: 'approvals.delegation.set', resourceType: 'approval-delegation' } }),
  iam({ method: 'DELETE', path: '/api/v1/approvals/delegation', context: 'requests', permission: 'requests:create', summary: 'End your delegation now', audit: { action: 'approvals.delegation.end', resourceType: 'approval-delegation' } }),
  iam({ method: 'POST', path: '/api/v1/approvals/{id}/approve', context: 'requests', permission: 'requests:create', summary: "Approve a request as one of its rule's approvers (never your own); with mode all, it proceeds once every listed approver has", bodySchema: 'approval-approve', responseSchema: 'approval', audit: { action: 'approvals.approve', resourceType: 'approval', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'POST', path: '/api/v1/approvals/{id}/reject', context: 'requests', permission: 'requests:create', summary: 'Reject a request with a reason (the requester is told); the request fails', bodySchema: 'approval-reject', responseSchema: 'approval', audit: { action: 'approvals.reject', resourceType: 'approval', resourceIdParam: 'id' }, idempotent: true }),

  // deployments: deploy, rollback, promote, scale and restart over GitOps (functions/deployments; the
  // deployment state machine runs each). Creating one needs deployments:create:prod or :non-prod by the
  // environment it targets; cancel is gated by :non-prod and decided in the handler (prod: operators, or your own).
  iam({ method: 'POST', path: '/api/v1/deployments', context: 'deployments', permission: deployTo('environment'), summary: "Deploy an image tag of a service to an environment: committed to the GitOps repository (production: a pull request, merged once an operator other than you approves), then followed until the rollout is healthy; the catalog shows the new tag", bodySchema: 'deployment-create', responseSchema: 'deployment', audit: { action: 'deployments.create', resourceType: 'deployment' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/deployments/history', context: 'deployments', permission: 'deployments:read', summary: 'Deployments newest first: filters service, environment, status, operation, who, date range; cursor', querySchema: 'deployment-history-query', responseSchema: 'deployment-list' }),
  iam({ method: 'GET', path: '/api/v1/deployments/stats', context: 'deployments', permission: 'deployments:read', summary: "DORA statistics over a date range (default the last 30 days): deployment frequency, lead time from the source commit, change failure rate, time to restore, and the failed-deployment rate against its 5 % target, each with DORA's band; a trend per day or week; filters service, team, environment; groups per service, team or environment", querySchema: 'deployment-stats-query', responseSchema: 'deployment-stats' }),
  iam({ method: 'GET', path: '/api/v1/deployments/versions', context: 'deployments', permission: 'deployments:read', summary: "The versions an environment can be deployed to: its GitOps history's tags and what the other environments run", querySchema: 'deployment-versions-query', responseSchema: 'deployment-versions' }),
  iam({ method: 'POST', path: '/api/v1/deployments/preflight', context: 'deployments', permission: 'deployments:read', summary: 'What a deployment would meet before you ask for it: your permission, the environment, its lock, freezes, deployment window, runtime dependencies and a deployment running there; each pass, warn or block with the reason and how to get past it', bodySchema: 'deployment-preflight', responseSchema: 'deployment-preflight-result', readOnly: true }),
  iam({ method: 'GET', path: '/api/v1/deployments/locks', context: 'deployments', permission: 'deployments:read', summary: 'The environment locks in force (manual, and those of open critical incidents)', responseSchema: 'environment-lock-list' }),
  iam({ method: 'PUT', path: '/api/v1/services/{id}/environments/{env}/lock', context: 'deployments', permission: 'deployments:policy', summary: "Lock an environment against deploys and promotes, with a reason and an optional end (rollback, scale and restart still run)", bodySchema: 'environment-lock-put', responseSchema: 'environment-lock', audit: { action: 'deployments.lock', resourceType: 'service', resourceIdParam: 'id' } }),
  iam({ method: 'DELETE', path: '/api/v1/services/{id}/environments/{env}/lock', context: 'deployments', permission: 'deployments:policy', summary: 'Unlock an environment (its manual lock; an incident\'s lies with the incident)', audit: { action: 'deployments.unlock', resourceType: 'service', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/deployments/freezes', context: 'deployments', permission: 'deployments:read', summary: 'Deployment freezes: upcoming, active, and those that ended in the last 30 days', responseSchema: 'deployment-freeze-list' }),
  iam({ method: 'POST', path: '/api/v1/deployments/freezes', context: 'deployments', permission: 'deployments:govern', summary: "Stop the line: no deploys or promotes org-wide or for a team's services (every environment or the ones named) until its end; a deploy during it needs an exception an admin approves; rollback, scale and restart still run", bodySchema: 'deployment-freeze-create', responseSchema: 'deployment-freeze', audit: { action: 'deployments.freeze', resourceType: 'freeze' }, idempotent: true, status: 201 }),
  iam({ method: 'DELETE', path: '/api/v1/deployments/freezes/{id}', context: 'deployments', permission: 'deployments:govern', summary: 'End a freeze now (it stays on the record with who ended it)', responseSchema: 'deployment-freeze', audit: { action: 'deployments.unfreeze', resourceType: 'freeze', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/deployments/windows', context: 'deployments', permission: 'deployments:read', summary: 'Deployment windows per environment, and whether each is open now', responseSchema: 'deployment-window-list' }),
  iam({ method: 'PUT', path: '/api/v1/deployments/windows/{env}', context: 'deployments', permission: 'deployments:govern', summary: "Set when deploys and promotes to an environment may run (days, hours, time zone); outside it a deploy is refused or queued, or an admin overrides it with a reason", bodySchema: 'deployment-window-put', responseSchema: 'deployment-window', audit: { action: 'deployments.window', resourceType: 'environment', resourceIdParam: 'env' } }),
  iam({ method: 'DELETE', path: '/api/v1/deployments/windows/{env}', context: 'deployments', permission: 'deployments:govern', summary: 'Remove an environment\'s deployment window (deploys at any time)', audit: { action: 'deployments.window.delete', resourceType: 'environment', resourceIdParam: 'env' } }),
  iam({ method: 'GET', path: '/api/v1/deployments/{id}', context: 'deployments', permission: 'deployments:read', summary: 'One deployment: stage, Git change (commit or pull request, diff), approval, rollout progress and timeline', responseSchema: 'deployment' }),
  iam({ method: 'POST', path: '/api/v1/deployments/{id}/cancel', context: 'deployments', permission: 'deployments:create:non-prod', summary: "Cancel a deployment that has not ended (your own, or a production one with deployments:create:prod): waiting for approval it stops and its pull request is closed; in progress, what it changed in Git is put back", bodySchema: 'deployment-cancel', responseSchema: 'deployment', audit: { action: 'deployments.cancel', resourceType: 'deployment', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'POST', path: '/api/v1/deployments/{id}/canary', context: 'deployments', permission: 'deployments:create:non-prod', summary: "Decide a paused canary (its service pauses failed canaries for a human): promote it, or roll it back; your own deployment, or a production one with deployments:create:prod", bodySchema: 'deployment-canary-decision', responseSchema: 'deployment', audit: { action: 'deployments.canary', resourceType: 'deployment', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'GET', path: '/api/v1/services/{id}/canary', context: 'deployments', permission: 'deployments:read', summary: "A service's canary analysis: the thresholds that apply (the installation's defaults with its overrides) and where the numbers come from", responseSchema: 'canary-settings' }),
  iam({ method: 'PUT', path: '/api/v1/services/{id}/canary', context: 'deployments', permission: 'deployments:policy', summary: "Set a service's canary overrides: interval, iterations, failed-check threshold, success rate, p99, roll back or pause for a human, or off", bodySchema: 'canary-settings-put', responseSchema: 'canary-settings', audit: { action: 'deployments.canary.settings', resourceType: 'service', resourceIdParam: 'id' } }),
  iam({ method: 'DELETE', path: '/api/v1/services/{id}/canary', context: 'deployments', permission: 'deployments:policy', summary: "Drop a service's canary overrides (the defaults apply)", audit: { action: 'deployments.canary.settings.delete', resourceType: 'service', resourceIdParam: 'id' } }),
  iam({ method: 'POST', path: '/api/v1/services/{id}/rollback', context: 'deployments', permission: deployTo('environment'), summary: "Roll an environment back to its last known good version (or a named tag): a deployment record like any other", bodySchema: 'service-rollback', responseSchema: 'deployment', audit: { action: 'deployments.rollback', resourceType: 'service', resourceIdParam: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'POST', path: '/api/v1/services/{id}/promote', context: 'deployments', permission: deployTo('to'), summary: "Promote the image tag one environment runs to another (staging → prod)", bodySchema: 'service-promote', responseSchema: 'deployment', audit: { action: 'deployments.promote', resourceType: 'service', resourceIdParam: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'POST', path: '/api/v1/services/{id}/scale', context: 'deployments', permission: deployTo('environment'), summary: "Set an environment's replica count (committed to the GitOps repository)", bodySchema: 'service-scale', responseSchema: 'deployment', audit: { action: 'deployments.scale', resourceType: 'service', resourceIdParam: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'POST', path: '/api/v1/services/{id}/restart', context: 'deployments', permission: deployTo('environment'), summary: "A rolling restart of an environment's pods", bodySchema: 'service-restart', responseSchema: 'deployment', audit: { action: 'deployments.restart', resourceType: 'service', resourceIdParam: 'id' }, idempotent: true, status: 201 }),

  // observability: logs of every catalog service (functions/observability; CloudWatch Logs in AWS,
  // SIMULATED demo logs locally), secrets masked before they leave the API; viewers hold logs:read.
  iam({ method: 'POST', path: '/api/v1/logs/query', context: 'observability', permission: 'logs:read', summary: "Start a log query (Logs Insights; APL where Axiom is the backend) over a catalog service's log groups in one environment (or the named ones of them): at most 7 days (default the last hour), at most 10,000 rows; 202 with the query, read with GET /api/v1/logs/query/{id} until it ends; audited; rate-limited per caller", bodySchema: 'log-query-create', responseSchema: 'log-query', audit: { action: 'logs.query', resourceType: 'log-query' }, idempotent: true, status: 202 }),
  iam({ method: 'GET', path: '/api/v1/logs/query/{id}', context: 'observability', permission: 'logs:read', summary: 'A log query you started: status (Scheduled, Running, Complete, Failed, Cancelled, Timeout), its rows so far (field/value, secrets masked) and statistics', responseSchema: 'log-query' }),
  iam({ method: 'DELETE', path: '/api/v1/logs/query/{id}', context: 'observability', permission: 'logs:read', summary: 'Stop a log query you started that is still running (409 once it has ended)', responseSchema: 'log-query', audit: { action: 'logs.query.stop', resourceType: 'log-query', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/logs/services/{id}', context: 'observability', permission: 'logs:read', summary: "A service's log lines in one environment (its log groups from the catalog): time range (at most 7 days, default the last hour), level, text filter, cursor; secrets masked; rate-limited per caller", querySchema: 'service-logs-query', responseSchema: 'service-logs' }),
  iam({ method: 'GET', path: '/api/v1/logs/trace/{traceId}', context: 'observability', permission: 'logs:read', summary: 'One trace as a tree of spans (segments and subsegments: services, durations, errors and faults, HTTP and SQL): X-Ray BatchGetTraces in AWS (or Jaeger or Tempo by config), SIMULATED demo traces locally', responseSchema: 'trace' }),
  iam({ method: 'GET', path: '/api/v1/logs/traces/services/{id}', context: 'observability', permission: 'logs:read', summary: "A service's recent traces in one environment, newest first: the slow ones by default (at least 1 s), at most 6 hours back; X-Ray GetTraceSummaries in AWS (or Jaeger or Tempo by config), SIMULATED demo traces locally", querySchema: 'trace-list-query', responseSchema: 'trace-list' }),
  iam({ method: 'GET', path: '/api/v1/metrics/services/{id}', context: 'observability', permission: 'logs:read', summary: "A service's error rate, request rate, latency p50/p99, CPU, memory and replicas in one environment over a range (default the last 3 hours, at most 7 days, at most 1,440 points), with its deployments in the range", querySchema: 'service-metrics-query', responseSchema: 'service-metrics' }),
  iam({ method: 'POST', path: '/api/v1/metrics/query', context: 'observability', permission: 'logs:read', summary: 'A PromQL query to Prometheus or Amazon Managed Prometheus, instant or over a range (at most 7 days, at most 11,000 points a series); audited (the query in the entry); rate-limited per caller', bodySchema: 'metrics-query', responseSchema: 'metrics-query-result', audit: { action: 'metrics.query', resourceType: 'promql' } }),
  iam({ method: 'GET', path: '/api/v1/observability/deeplink', context: 'observability', permission: 'logs:read', summary: 'A link into Grafana, CloudWatch Logs Insights, Axiom, Jaeger or X-Ray with the time range and filters in view (400 naming the setting when a target is not configured)', querySchema: 'deeplink-query', responseSchema: 'deeplink' }),

  // incidents: PagerDuty and CloudWatch alarms in, the lifecycle triggered → acknowledged → investigating →
  // resolved (and reopened), the alert's runbook, a timeline joined to Apollo's own records, postmortems.
  iam({ method: 'GET', path: '/api/v1/incidents', context: 'incidents', permission: 'incidents:read', summary: 'Incidents newest first: filters status (or open), severity, affected service, team, source, date range; cursor', querySchema: 'incident-list-query', responseSchema: 'incident-list' }),
  iam({ method: 'GET', path: '/api/v1/incidents/stats', context: 'incidents', permission: 'incidents:read', summary: 'MTTA and MTTR overall and by severity, service and team, and incidents per week, over a date range (default the last 90 days)', querySchema: 'incident-stats-query', responseSchema: 'incident-stats' }),
  iam({ method: 'POST', path: '/api/v1/incidents', context: 'incidents', permission: 'incidents:manage', summary: "Declare an incident by hand: assigned to the first affected service's team, its alert's runbook matched; a critical one locks its environments for deploy and promote until it is resolved", bodySchema: 'incident-create', responseSchema: 'incident', audit: { action: 'incidents.create', resourceType: 'incident' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/incidents/{id}', context: 'incidents', permission: 'incidents:read', summary: 'One incident: status with who and when, source, affected services and environments, assignee, runbook, locks', responseSchema: 'incident' }),
  iam({ method: 'PUT', path: '/api/v1/incidents/{id}', context: 'incidents', permission: 'incidents:manage', summary: 'Change an incident (If-Match): title, description, severity, status acknowledged or investigating, assignee, affected services and environments; locks follow severity and status', bodySchema: 'incident-update', responseSchema: 'incident', audit: { action: 'incidents.update', resourceType: 'incident', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'POST', path: '/api/v1/incidents/{id}/acknowledge', context: 'incidents', permission: 'incidents:manage', summary: 'Acknowledge (you become the assignee if there is none); sent to PagerDuty when the incident came from there; again: no change', bodySchema: 'incident-action', responseSchema: 'incident', audit: { action: 'incidents.acknowledge', resourceType: 'incident', resourceIdParam: 'id' } }),
  iam({ method: 'POST', path: '/api/v1/incidents/{id}/resolve', context: 'incidents', permission: 'incidents:manage', summary: "Resolve: its environments' locks are lifted; sent to PagerDuty when the incident came from there; again: no change", bodySchema: 'incident-action', responseSchema: 'incident', audit: { action: 'incidents.resolve', resourceType: 'incident', resourceIdParam: 'id' } }),
  iam({ method: 'POST', path: '/api/v1/incidents/{id}/reopen', context: 'incidents', permission: 'incidents:manage', summary: 'Reopen a resolved incident (triggered again; a critical one locks its environments again)', bodySchema: 'incident-action', responseSchema: 'incident', audit: { action: 'incidents.reopen', resourceType: 'incident', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/incidents/{id}/timeline', context: 'incidents', permission: 'incidents:read', summary: "The incident's timeline oldest first: its alerts, status changes, comments and actions, joined by id with Apollo's own records of the affected services in its window (deploys, rollbacks, scales, restarts; requests fulfilled for them), each linking to its record", responseSchema: 'incident-timeline' }),
  iam({ method: 'POST', path: '/api/v1/incidents/{id}/timeline', context: 'incidents', permission: 'incidents:comment', summary: 'Add a comment or an action to the timeline', bodySchema: 'incident-timeline-entry-create', responseSchema: 'incident-timeline-entry', audit: { action: 'incidents.timeline.add', resourceType: 'incident', resourceIdParam: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/incidents/{id}/runbook', context: 'incidents', permission: 'incidents:read', summary: "The runbook for the incident's alert: an affected service's whose trigger is the alert's name, and other services' for the same alert", responseSchema: 'incident-runbook' }),
  iam({ method: 'GET', path: '/api/v1/incidents/{id}/postmortem', context: 'incidents', permission: 'incidents:read', summary: "The incident's postmortem (404 until drafted)", responseSchema: 'postmortem' }),
  iam({ method: 'POST', path: '/api/v1/incidents/{id}/postmortem', context: 'incidents', permission: 'incidents:manage', summary: "Draft the postmortem from the timeline's facts (summary, impact, timeline, root cause, action items), marked a draft; 409 when there is one unless replace", bodySchema: 'postmortem-create', responseSchema: 'postmortem', audit: { action: 'incidents.postmortem.draft', resourceType: 'incident', resourceIdParam: 'id' }, idempotent: true, status: 201 }),
  iam({ method: 'PUT', path: '/api/v1/incidents/{id}/postmortem', context: 'incidents', permission: 'incidents:manage', summary: 'Edit the postmortem (If-Match), or mark it final', bodySchema: 'postmortem-update', responseSchema: 'postmortem', audit: { action: 'incidents.postmortem.update', resourceType: 'incident', resourceIdParam: 'id' }, versioned: true }),

  // ai: the AI operations console (ARCHITECTURE.md §6): sessions whose turns stream over the realtime topic ai:<id>.
  iam({ method: 'POST', path: '/api/v1/ai/sessions', context: 'ai', permission: 'ai:sessions:create', summary: 'Open an AI session about a service (in an environment), an incident, or nothing in particular; its frames stream on the realtime topic ai:<id>', bodySchema: 'ai-session-create', responseSchema: 'ai-session', audit: { action: 'ai.sessions.create', resourceType: 'ai-session' }, idempotent: true, status: 201 }),
  iam({ method: 'GET', path: '/api/v1/ai/sessions', context: 'ai', permission: 'ai:read', summary: 'Your AI sessions, newest first', querySchema: 'ai-session-list-query', responseSchema: 'ai-session-list' }),
  iam({ method: 'GET', path: '/api/v1/ai/sessions/active', context: 'ai', permission: 'ai:admin', summary: "Everyone's active AI sessions (admins: the kill switch's list)", querySchema: 'ai-session-list-query', responseSchema: 'ai-session-list' }),
  iam({ method: 'GET', path: '/api/v1/ai/sessions/{id}', context: 'ai', permission: 'ai:read', summary: 'One AI session with its transcript and usage (yours; ai:admin: anyone\'s)', responseSchema: 'ai-session-detail' }),
  iam({ method: 'DELETE', path: '/api/v1/ai/sessions/{id}', context: 'ai', permission: 'ai:sessions:create', summary: "Terminate an AI session (yours; ai:admin: anyone's): its stream stops within a second, the partial transcript is kept, further messages are refused", responseSchema: 'ai-session', audit: { action: 'ai.sessions.terminate', resourceType: 'ai-session', resourceIdParam: 'id' } }),
  iam({ method: 'POST', path: '/api/v1/ai/sessions/{id}/message', context: 'ai', permission: 'ai:sessions:create', summary: 'Send a message (a built-in command or a question): 202 at once, the turn streams on ai:<id>; one turn at a time (409 while one runs)', bodySchema: 'ai-message-create', responseSchema: 'ai-message-accepted', audit: { action: 'ai.sessions.message', resourceType: 'ai-session', resourceIdParam: 'id' }, idempotent: true, status: 202 }),
  iam({ method: 'POST', path: '/api/v1/ai/sessions/{id}/approve', context: 'ai', permission: 'ai:sessions:create', summary: "Approve a pending action by its id (the hash of the session, the call's index, the tool and its exact arguments): it runs once, now, as the session's owner through the Apollo route it names, with that route's safeguards; the owner or ai:admin, holding the route's permission; 409 once decided or expired", bodySchema: 'ai-action-decision', responseSchema: 'ai-action', audit: { action: 'ai.actions.approve', resourceType: 'ai-session', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'POST', path: '/api/v1/ai/sessions/{id}/reject', context: 'ai', permission: 'ai:sessions:create', summary: 'Reject a pending action by its id: it never runs (the owner or ai:admin); 409 once decided or expired', bodySchema: 'ai-action-decision', responseSchema: 'ai-action', audit: { action: 'ai.actions.reject', resourceType: 'ai-session', resourceIdParam: 'id' }, idempotent: true }),
  iam({ method: 'PUT', path: '/api/v1/ai/sessions/{id}/tools', context: 'ai', permission: 'ai:sessions:create', summary: "Allow this session's model only the read tools named (null: every read tool your role allows); changes are never allowlisted: each needs its approval", bodySchema: 'ai-session-tools-put', responseSchema: 'ai-session', audit: { action: 'ai.sessions.tools', resourceType: 'ai-session', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/ai/users', context: 'ai', permission: 'ai:admin', summary: "Who used the AI console on a day (default today), with their tokens, cost and turns against the budgets, and their sandbox", querySchema: 'ai-user-list-query', responseSchema: 'ai-user-list' }),
  iam({ method: 'GET', path: '/api/v1/ai/users/{principal}', context: 'ai', permission: 'ai:read', summary: "One person's AI console standing (yourself; ai:admin: anyone): sandbox (read-only) or not, today's usage, the budgets and when they reset", responseSchema: 'ai-user' }),
  iam({ method: 'PUT', path: '/api/v1/ai/users/{principal}/sandbox', context: 'ai', permission: 'ai:admin', summary: "Put a person in the AI console's sandbox (read-only: every change refused) or lift it, with a reason; new users start in it", bodySchema: 'ai-sandbox-put', responseSchema: 'ai-user', audit: { action: 'ai.users.sandbox', resourceType: 'user', resourceIdParam: 'principal' } }),
  iam({ method: 'PUT', path: '/api/v1/ai/sessions/{id}/outcome', context: 'ai', permission: 'ai:sessions:create', summary: 'Say how your session ended: resolved, escalated or failed (with a note); again: replaces it', bodySchema: 'ai-session-outcome', responseSchema: 'ai-session', audit: { action: 'ai.sessions.outcome', resourceType: 'ai-session', resourceIdParam: 'id' } }),
  iam({ method: 'GET', path: '/api/v1/ai/stats', context: 'ai', permission: 'stats:read', summary: 'The AI sessions\' resolution rate (resolved / sessions with an outcome; target > 60 %) overall, per built-in command and per team, over a range (default the last 30 days)', querySchema: 'ai-stats-query', responseSchema: 'ai-stats' }),
  iam({ method: 'GET', path: '/api/v1/ai/audit', context: 'ai', permission: 'ai:read', summary: "An AI session's replay: its messages, the model's answers and every tool call with its arguments and result, in order (yours; anyone's with audit:read)", querySchema: 'ai-replay-query', responseSchema: 'ai-replay' }),
  iam({ method: 'POST', path: '/api/v1/incidents/{id}/ai-session', context: 'ai', permission: 'ai:sessions:create', summary: 'Open an AI session about an incident (its services, timeline and runbook in its context)', responseSchema: 'ai-session', audit: { action: 'ai.sessions.create', resourceType: 'incident', resourceIdParam: 'id' }, idempotent: true, status: 201 }),

  // secrets: AWS Secrets Manager per environment (apollo/<env>/<service>/<name>), reached as the caller (an assumed
  // role whose SourceIdentity names them); values never stored, logged or returned in full; metadata cached for lists.
  iam({ method: 'GET', path: '/api/v1/secrets', context: 'secrets', permission: 'secrets:metadata', summary: "Secrets' metadata (never values): filters environment, service, category, owner, due (overdue, due-soon, unused, ok, scheduled-deletion); developers see their teams' services, operators and up all; cursor", querySchema: 'secret-list-query', responseSchema: 'secret-list' }),
  iam({ method: 'GET', path: '/api/v1/secrets/expiring', context: 'secrets', permission: 'secrets:metadata', summary: 'The expiry dashboard: overdue and due-soon secrets by their category\'s rotation policy (database 90 d, API keys 180 d, internal 30 d, certificates before expiry) or their own, unused ones, and the share rotated on schedule per day', querySchema: 'secret-expiring-query', responseSchema: 'secret-expiring' }),
  iam({ method: 'GET', path: '/api/v1/secrets/audit', context: 'secrets', permission: 'audit:read', summary: 'Every metadata read, masked read and change of secrets, newest first (never a value): filters environment, service, name, date range; cursor', querySchema: 'secret-audit-query', responseSchema: 'audit-list' }),
  iam({ method: 'GET', path: '/api/v1/secrets/{env}/{service}/{secret}', context: 'secrets', permission: 'secrets:metadata', summary: "A secret's metadata (the value untouched); with reveal=true also its masked value (the last 4 characters), for secrets:read (admins): a read of the value, audited, that Secrets Manager counts as an access", querySchema: 'secret-get-query', responseSchema: 'secret' }),
  iam({ method: 'POST', path: '/api/v1/secrets/{env}/{service}/{secret}', context: 'secrets', permission: 'secrets:write', summary: 'Create a secret (its value given or generated) with its category, owner and rotation tags; production needs MFA (the admin role requires it); again: 409, but a retry with the same Idempotency-Key replays the first answer', bodySchema: 'secret-create', responseSchema: 'secret', audit: { action: 'secrets.create', resourceType: 'secret', omitBodyFields: ['value'] }, idempotent: true, status: 201 }),
  iam({ method: 'PUT', path: '/api/v1/secrets/{env}/{service}/{secret}', context: 'secrets', permission: 'secrets:write', summary: 'A new value (a new version, AWSCURRENT; the old one AWSPREVIOUS), given or generated, and/or its description, owner, rotation days or expiry; a retry with the same Idempotency-Key makes no second version', bodySchema: 'secret-update', responseSchema: 'secret', audit: { action: 'secrets.update', resourceType: 'secret', omitBodyFields: ['value'] }, idempotent: true }),
  iam({ method: 'DELETE', path: '/api/v1/secrets/{env}/{service}/{secret}', context: 'secrets', permission: 'secrets:write', summary: 'Schedule a secret\'s deletion after a recovery window (7-30 days, default 30); restore it within the window', querySchema: 'secret-delete-query', responseSchema: 'secret', audit: { action: 'secrets.delete', resourceType: 'secret' } }),
  iam({ method: 'POST', path: '/api/v1/secrets/{env}/{service}/{secret}/rotate', context: 'secrets', permission: 'secrets:write', summary: 'Rotate now: Secrets Manager\'s rotation Lambda where one is configured; else for internal secrets a generated value staged AWSPENDING then promoted AWSCURRENT (other categories: 409 saying to update the value); the services using it are offered a restart', bodySchema: 'secret-action', responseSchema: 'secret', audit: { action: 'secrets.rotate', resourceType: 'secret' }, idempotent: true }),
  iam({ method: 'GET', path: '/api/v1/secrets/{env}/{service}/{secret}/history', context: 'secrets', permission: 'secrets:metadata', summary: "A secret's versions newest first: staging labels (AWSCURRENT, AWSPREVIOUS, AWSPENDING), when, and who made each through Apollo", responseSchema: 'secret-history' }),
  iam({ method: 'POST', path: '/api/v1/secrets/{env}/{service}/{secret}/rollback', context: 'secrets', permission: 'secrets:write', summary: 'Move AWSCURRENT back to an earlier version (UpdateSecretVersionStage); the version it leaves becomes AWSPREVIOUS', bodySchema: 'secret-rollback', responseSchema: 'secret', audit: { action: 'secrets.rollback', resourceType: 'secret' }, idempotent: true }),
  iam({ method: 'POST', path: '/api/v1/secrets/{env}/{service}/{secret}/restore', context: 'secrets', permission: 'secrets:write', summary: 'Cancel a scheduled deletion within its recovery window', bodySchema: 'secret-action', responseSchema: 'secret', audit: { action: 'secrets.restore', resourceType: 'secret' } }),

  // costs: AWS Cost Explorer by the apollo:service and apollo:environment cost allocation tags, ingested daily by the
  // cost-ingest job (Cost Explorer bills per request: no read below calls it); budgets alert through notifications.
  iam({ method: 'GET', path: '/api/v1/costs/summary', context: 'costs', permission: 'costs:read', summary: 'The organization\'s spend: month to date, last month, the forecast, by environment, the top services, daily history, anomalies and cost visibility (the share of services and of spend attributed)', querySchema: 'cost-summary-query', responseSchema: 'cost-summary' }),
  iam({ method: 'GET', path: '/api/v1/costs/environments/{env}', context: 'costs', permission: 'costs:read', summary: "One environment's month as an allocation tree: cluster → namespace → service, the managed datastores (RDS, ElastiCache, MSK), shared cost", querySchema: 'cost-environment-query', responseSchema: 'cost-environment' }),
  iam({ method: 'GET', path: '/api/v1/costs/services/{id}', context: 'costs', permission: 'costs:read', summary: "A service's daily cost by resource type and environment (default 90 days), month to date, forecast, anomalies and budget", querySchema: 'cost-service-query', responseSchema: 'cost-service' }),
  iam({ method: 'GET', path: '/api/v1/costs/forecast', context: 'costs', permission: 'costs:read', summary: "Where the month ends: Cost Explorer's forecast for the organization (80 % interval), and each environment's and service's by the trailing average", responseSchema: 'cost-forecast' }),
  iam({ method: 'GET', path: '/api/v1/costs/anomalies', context: 'costs', permission: 'costs:read', summary: "Cost anomalies newest first: Cost Anomaly Detection's and Apollo's own (a service's day beyond its trailing 14 days), each with the deployments and requests of that service the day before", querySchema: 'cost-anomaly-list-query', responseSchema: 'cost-anomaly-list' }),
  iam({ method: 'GET', path: '/api/v1/costs/recommendations', context: 'costs', permission: 'costs:read', summary: 'Ways to spend less, each with its monthly saving: right-sizing from requested vs used resources (Kubernetes allocation) and Cost Explorer\'s EC2 rightsizing, idle non-production outside business hours, workloads suited to Spot, steady datastores Reserved capacity would cover, Savings Plans, EBS volumes attached to nothing and old snapshots', querySchema: 'cost-recommendation-list-query', responseSchema: 'cost-recommendation-list' }),
  iam({ method: 'GET', path: '/api/v1/costs/budgets', context: 'costs', permission: 'costs:read', summary: 'Budgets per service, team or environment with the month against each (state ok, at-risk by forecast, breached), burn-down', querySchema: 'cost-budget-list-query', responseSchema: 'cost-budget-list' }),
  iam({ method: 'POST', path: '/api/v1/costs/budgets', context: 'costs', permission: 'costs:manage', summary: 'Set a monthly budget for a service, a team or an environment, alerting its owners on actual or forecast spend (one per scope: again is 409, but a retry with the same Idempotency-Key replays the first answer)', bodySchema: 'cost-budget-create', responseSchema: 'cost-budget', audit: { action: 'costs.budgets.create', resourceType: 'cost-budget' }, status: 201, idempotent: true }),
  iam({ method: 'GET', path: '/api/v1/costs/budgets/{id}', context: 'costs', permission: 'costs:read', summary: 'One budget with the month against it and its burn-down', responseSchema: 'cost-budget' }),
  iam({ method: 'PUT', path: '/api/v1/costs/budgets/{id}', context: 'costs', permission: 'costs:manage', summary: "Change a budget's amount, alerts or description (If-Match)", bodySchema: 'cost-budget-update', responseSchema: 'cost-budget', audit: { action: 'costs.budgets.update', resourceType: 'cost-budget', resourceIdParam: 'id' }, versioned: true }),
  iam({ method: 'DELETE', path: '/api/v1/costs/budgets/{id}', context: 'costs', permission: 'costs:manage', summary: 'Delete a budget (If-Match)', audit: { action: 'costs.budgets.delete', resourceType: 'cost-budget', resourceIdParam: 'id' }, versioned: true }),

  // webhooks: senders verified by their signature (no IAM)
  { method: 'POST', path: '/api/v1/webhooks/github', context: 'webhooks', auth: 'hmac', summary: "GitHub webhook (X-Hub-Signature-256): a push to the catalog repository's default branch touching its documents or CODEOWNERS refreshes those files; a push to another default branch touching apollo.yaml or Markdown re-syncs that repository; redeliveries are answered once", bodySchema: 'github-webhook', responseSchema: 'github-webhook-result', audit: { action: 'webhooks.github', resourceType: 'repository' } },
  { method: 'POST', path: '/api/v1/webhooks/terraform', context: 'webhooks', auth: 'hmac', summary: "Terraform Cloud run notifications (X-TFE-Notification-Signature, HMAC-SHA512): wakes the request action waiting for that run, which then reads the run's status from Terraform; redeliveries are answered once", bodySchema: 'terraform-webhook', responseSchema: 'external-webhook-result', audit: { action: 'webhooks.terraform', resourceType: 'terraform-run' } },
  { method: 'POST', path: '/api/v1/webhooks/pagerduty', context: 'webhooks', auth: 'hmac', summary: "PagerDuty v3 webhooks (X-PagerDuty-Signature, v1= HMAC-SHA256, any of several while a secret rotates): an incident triggered opens one in Apollo, acknowledged, resolved, reopened and annotated follow it; redeliveries (X-Webhook-Id) are answered once", bodySchema: 'pagerduty-webhook', responseSchema: 'pagerduty-webhook-result', audit: { action: 'webhooks.pagerduty', resourceType: 'pagerduty-incident' } },
  { method: 'POST', path: '/api/v1/webhooks/jira', context: 'webhooks', auth: 'hmac', summary: "JIRA issue events (X-Hub-Signature, HMAC-SHA256): wakes the request waiting for that ticket (a manual request completes when its ticket is done; comments join its timeline); redeliveries are answered once", bodySchema: 'jira-webhook', responseSchema: 'external-webhook-result', audit: { action: 'webhooks.jira', resourceType: 'jira-issue' } },
] as const satisfies readonly RouteDef[];

export const ROUTES: readonly RouteDef[] = TABLE;

// ---------------------------------------------------------------- types derived from the table

type TableRoute = (typeof TABLE)[number];
type KeyOf<R> = R extends { readonly method: infer M extends string; readonly path: infer P extends string } ? `${M} ${P}` : never;
/** `'GET /api/v1/services/{id}'`: a route of the table, and nothing else. */
export type RouteKey = KeyOf<TableRoute>;
type RouteMap = { [R in TableRoute as KeyOf<R>]: R };
export type RouteFor<K extends RouteKey> = RouteMap[K];
/** The route keys a context serves. */
export type ContextRouteKey<C extends ContextName> = KeyOf<Extract<TableRoute, { readonly context: C }>>;

/** `'a/{x}/b/{y}'` → `'x' | 'y'`. */
export type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamNames<Rest> : never;
export type ParamsOf<K extends RouteKey> = { readonly [N in ParamNames<RouteFor<K>['path']>]: string };
/** The parsed, validated body (defaults filled); `undefined` for routes that take none. */
export type BodyOf<K extends RouteKey> = RouteFor<K> extends { readonly bodySchema: infer S extends SchemaName } ? SchemaTypes[S] : undefined;
/** The parsed, validated query (coerced, defaults filled); empty for routes that take none. */
export type QueryOf<K extends RouteKey> = RouteFor<K> extends { readonly querySchema: infer S extends SchemaName } ? SchemaTypes[S] : Record<string, never>;
/** A success response's body: its schema's type, text for `produces` routes, nothing otherwise. */
export type ResponseOf<K extends RouteKey> = RouteFor<K> extends { readonly responseSchema: infer S extends SchemaName }
  ? SchemaTypes[S]
  : RouteFor<K> extends { readonly produces: string } ? string : undefined;

/** Every `{name}` of the table has a schema in PATH_PARAMETERS: typecheck names the one that lacks it. */
type UnknownPathParameters = Exclude<ParamNames<TableRoute['path']>, PathParameterName>;
const everyPathParameterHasASchema: [UnknownPathParameters] extends [never] ? true : UnknownPathParameters = true;
void everyPathParameterHasASchema;

/**
 * `'/api/v1/teams/{id}'` + `{ id: 'a b' }` → `'/api/v1/teams/a%20b'`. A value of `.` or `..` is
 * refused here: every URL parser resolves it (percent-encoded too) into another route.
 */
export function fillPath(path: string, params: Readonly<Record<string, string>>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path ${path} needs the parameter ${name}`);
    if (value === '.' || value === '..') throw new Error(`the path parameter ${name} can't be "${value}": a URL would resolve it into another route`);
    return encodeURIComponent(value);
  });
}

/** The `{name}`s of a path, in order. */
export const pathParameterNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

export const routeKey = (route: Pick<RouteDef, 'method' | 'path'>): string => `${route.method} ${route.path}`;

export function routesOf(context: ContextName): RouteDef[] {
  return ROUTES.filter((route) => route.context === context);
}

/** The permissions a role must hold one of to get past IAM: what the gateway can know. */
export function gatePermissions(rule: PermissionRule): readonly Permission[] {
  return typeof rule === 'string' ? [rule] : rule.anyOf;
}

/** Whether IAM lets the role invoke the route (the generated execute-api:Invoke policy). */
export function roleMayInvoke(role: Role, route: RouteDef): boolean {
  if (route.auth !== 'iam') return false;
  if (!route.permission) return false;
  return gatePermissions(route.permission).some((permission) => roleHas(role, permission));
}

/** The permission a request needs, once its body is known. */
export function requiredPermission(rule: PermissionRule, request: RequestFacts): Permission {
  return typeof rule === 'string' ? rule : rule.resolve(request);
}

/** The permission name shown to people (a resolver's name for body-dependent ones). */
export function permissionLabel(rule: PermissionRule | undefined): string {
  if (!rule) return 'none';
  return typeof rule === 'string' ? rule : `${rule.name} (one of ${rule.anyOf.join(', ')})`;
}

/** Matches a concrete path against the table. Static segments win over `{param}` ones. */
export function matchRoute(
  method: string,
  path: string,
  routes: readonly RouteDef[] = ROUTES,
): { route: RouteDef; pathParameters: Record<string, string> } | { route: null; allowed: HttpMethod[] } {
  const segments = path.split('/');
  let best: { route: RouteDef; pathParameters: Record<string, string>; score: number } | null = null;
  const allowed = new Set<HttpMethod>();
  for (const route of routes) {
    const template = route.path.split('/');
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < template.length; i++) {
      const t = template[i]!;
      const s = segments[i]!;
      if (t.startsWith('{') && t.endsWith('}')) {
        if (s === '') { ok = false; break; }
        params[t.slice(1, -1)] = s;
      } else if (t === s) {
        score += 1;
      } else { ok = false; break; }
    }
    if (!ok) continue;
    if (route.method !== method) { allowed.add(route.method); continue; }
    if (!best || score > best.score) best = { route, pathParameters: params, score };
  }
  return best ? { route: best.route, pathParameters: best.pathParameters } : { route: null, allowed: [...allowed] };
}
