/**
 * The routes under one top-level path of the REST API (`/api/v1/teams`…), in a nested stack of their
 * own: its API Gateway resources, one method per route, the CORS preflights and the request models. The
 * RestApi, its validator, gateway responses, deployment and stage stay in the parent (infra/api.ts),
 * so the parent grows by one resource per top-level path, not by four per route. The parent's RestApi is
 * used as is: CDK passes its ids in as parameters, and its deployment still depends on, and is
 * re-created with, every method here.
 */
import { Duration, NestedStack, Validations, type NestedStackProps } from 'aws-cdk-lib';
import {
  AuthorizationType,
  type IRequestValidator,
  type IResource,
  JsonSchemaType,
  JsonSchemaVersion,
  type LambdaIntegration,
  type Method,
  Model,
  Resource,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { SCHEMAS } from '#schemas/index.ts';
import { pathParameterNames, routeKey, type ContextName, type RouteDef } from '#shared/routes';
import { pascal } from './functions.ts';

/** Request headers a browser may send: SigV4's, plus what Apollo's conventions use (ARCHITECTURE.md §1). */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-Amz-Date',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
  'If-Match',
  'Idempotency-Key',
];

/** Segments of a path owned by the parent stack (`/api/v1`); the next one names a route group. */
export const SHARED_PATH_DEPTH = 2;

const segmentsOf = (path: string): string[] => path.split('/').filter(Boolean);

/**
 * The group of a route: its path down to one segment below the shared prefix (`/api/v1/teams` for
 * `/api/v1/teams/{id}/members`). A path always lands in the same group, so a route added never moves
 * an existing resource between stacks (API Gateway would refuse to create it before the old one is gone).
 */
export const routeGroupOf = (path: string): string => `/${segmentsOf(path).slice(0, SHARED_PATH_DEPTH + 1).join('/')}`;

/** The path the parent stack owns above a group's resources (`/api/v1` for `/api/v1/teams`). */
export const groupBaseOf = (group: string): string => `/${segmentsOf(group).slice(0, SHARED_PATH_DEPTH).join('/')}`;

export interface ApolloApiRoutesProps extends NestedStackProps {
  /** The parent's RestApi. */
  readonly api: RestApi;
  /** The group's path (`/api/v1/teams`): every route's path starts with it. */
  readonly group: string;
  /** The parent's resource the group hangs from (`/api/v1`). */
  readonly base: IResource;
  /** The routes of the group. */
  readonly routes: readonly RouteDef[];
  /** The Lambda integration of each context (one per function for the whole API, so one permission each). */
  readonly integrationOf: (context: ContextName) => LambdaIntegration;
  readonly validator: IRequestValidator;
  /** The web app's origin: the only one the preflights let in. */
  readonly allowedOrigin: string;
  /** The name of a body schema's model: unique in the API. @default - the schema's name in PascalCase */
  readonly modelName?: (schemaName: keyof typeof SCHEMAS) => string;
}

export class ApolloApiRoutes extends NestedStack {
  /** The method of each route, by `routeKey` (`GET /api/v1/teams`). */
  readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: ApolloApiRoutesProps) {
    super(scope, id, { description: `Apollo API routes under ${props.group} (generated from shared/routes.ts)`, ...props });
    const { group, base } = props;
    const outside = props.routes.filter((route) => routeGroupOf(route.path) !== group);
    if (outside.length) throw new Error(`routes outside ${group} can't be in its stack: ${outside.map(routeKey).join(', ')}`);
    if (groupBaseOf(group) !== base.path || segmentsOf(group).length !== SHARED_PATH_DEPTH + 1) throw new Error(`the group ${group} must hang right below ${base.path}`);

    // The group's own resource and all below it are created here, in this stack.
    const pathPart = segmentsOf(group).at(-1)!;
    const groupResource = new Resource(this, pathPart, { parent: base, pathPart });
    const resourceOf = (path: string): IResource => groupResource.resourceForPath(path.slice(group.length).replace(/^\//, ''));

    const models = new Map<string, Model | undefined>();
    const modelOf = (schemaName: keyof typeof SCHEMAS): Model | undefined => {
      if (!models.has(schemaName)) models.set(schemaName, this.model(props.api, schemaName, props.modelName?.(schemaName) ?? pascal(schemaName)));
      return models.get(schemaName);
    };

    const methods = new Map<string, Method>();
    for (const route of props.routes) {
      const model = route.bodySchema ? modelOf(route.bodySchema) : undefined;
      const method = resourceOf(route.path).addMethod(route.method, props.integrationOf(route.context), {
        authorizationType: route.auth === 'iam' ? AuthorizationType.IAM : AuthorizationType.NONE,
        requestValidator: props.validator,
        requestModels: model ? { 'application/json': model } : undefined,
        requestParameters: Object.fromEntries(pathParameterNames(route.path).map((name) => [`method.request.path.${name}`, true])),
        operationName: route.summary,
      });
      if (route.auth === 'hmac') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is a webhook: the sender (GitHub, JIRA, …) cannot sign with SigV4, so its handler verifies the sender's HMAC signature (timing-safe) and rejects replays.`,
        });
      }
      methods.set(routeKey(route), method);
    }
    this.methods = methods;

    // A preflight on every resource that has routes, allowing exactly their methods (as the local
    // gateway answers); the functions add the CORS headers of the actual responses.
    const byPath = new Map<string, Set<string>>();
    for (const route of props.routes) byPath.set(route.path, (byPath.get(route.path) ?? new Set()).add(route.method));
    for (const [path, allowed] of byPath) {
      resourceOf(path).addCorsPreflight({
        allowOrigins: [props.allowedOrigin],
        allowMethods: [...allowed, 'OPTIONS'],
        allowHeaders: CORS_ALLOW_HEADERS,
        // As the local gateway answers (local/gateway/rest.ts).
        maxAge: Duration.minutes(10),
      });
    }

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Apollo authorizes with IAM (SigV4) on every route people and tools call; web users come through the Cognito identity pool, i.e. as IAM roles too. A user-pool authorizer would be a second authorization beside the role policies generated from the route table.',
    });
  }

  /**
   * A JSON-Schema model API Gateway can check before the function runs: the top-level `type`, `required`
   * and `minProperties` of the route's schema (draft-04 keywords). Never stricter than the function's
   * full ajv validation; an empty body stands for `{}`, as in the function.
   */
  private model(api: RestApi, schemaName: keyof typeof SCHEMAS, modelName: string): Model | undefined {
    const schema = SCHEMAS[schemaName] as { type?: unknown; required?: readonly string[]; minProperties?: number; title?: string };
    if (schema.type !== 'object') return undefined;
    return new Model(this, pascal(schemaName), {
      restApi: api,
      contentType: 'application/json',
      modelName,
      description: `The top level of schemas/api/${schemaName}.schema.json; the function validates the whole body`,
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: schema.title ?? pascal(schemaName),
        type: JsonSchemaType.OBJECT,
        ...(schema.required?.length ? { required: [...schema.required] } : {}),
        ...(schema.minProperties !== undefined ? { minProperties: schema.minProperties } : {}),
      },
    });
  }
}
