/**
 * The REST API, generated from the route table: one resource per path segment, one method per route,
 * AWS_IAM (SigV4) on every `iam` route, no IAM on `hmac` routes (their handler verifies the sender),
 * and a CORS preflight on every resource with routes, the only other method without authorization. Detailed
 * per-method metrics feed `GET /api/v1/metrics`; access logs are JSON; the stage is throttled.
 */
import { Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
  type Model,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { SCHEMAS } from '#schemas/index.ts';
import { ROUTES, routeKey, type ContextName, type RouteDef } from '#shared/routes';
import type { ApolloFunction } from './apollo-function.ts';
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
/** Response headers the web app reads. */
export const CORS_EXPOSE_HEADERS = ['ETag', 'X-Amzn-RequestId', 'X-Amzn-ErrorType', 'Retry-After'];

export interface ApiThrottling {
  /** Steady-state requests per second for the whole stage. */
  readonly rateLimit: number;
  /** Burst, in requests. */
  readonly burstLimit: number;
}

export interface ApolloApiProps {
  /** The stage name, part of every URL and of the execute-api ARNs the role policies name. */
  readonly stage: string;
  /** The RestApi's name (the system function reads the API's CloudWatch metrics by it). */
  readonly apiName: string;
  /** The Lambda of each context the routes name. */
  readonly functions: (context: ContextName) => ApolloFunction;
  /** The web app's origin: the only one CORS lets in. `*` only where nothing better is known (local/dev). */
  readonly allowedOrigin: string;
  /** @default ROUTES */
  readonly routes?: readonly RouteDef[];
  /** @default { rateLimit: 50, burstLimit: 100 } — a control plane for people and CI, not a public API */
  readonly throttling?: ApiThrottling;
  /** @default RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: RetentionDays;
  /**
   * Execution (error) logging needs the account-wide API Gateway CloudWatch role. The stack sets it
   * unless the account already manages it elsewhere.
   * @default true
   */
  readonly configureAccountCloudWatchRole?: boolean;
  /** An existing regional WAF web ACL to put in front of the stage. @default - none */
  readonly webAclArn?: string;
}

const PATH = /^\/(?:[A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9_]*\})(?:\/(?:[A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9_]*\}))*$/;

export class ApolloApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  readonly routes: readonly RouteDef[];
  /** The method of each route, by `routeKey` (`GET /api/v1/teams`). */
  readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: ApolloApiProps) {
    super(scope, id);
    const routes = props.routes ?? ROUTES;
    validateRoutes(routes);
    const throttling = props.throttling ?? { rateLimit: 50, burstLimit: 100 };
    if (throttling.rateLimit <= 0 || throttling.burstLimit <= 0) throw new Error('throttling limits must be positive');
    this.routes = routes;

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'Apollo: the platform control plane API (routes generated from shared/routes.ts)',
      endpointTypes: [EndpointType.REGIONAL],
      minCompressionSize: Size.kibibytes(1),
      cloudWatchRole: props.configureAccountCloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Never: it would log request and response bodies, secrets included.
        dataTraceEnabled: false,
      },
    });

    const validator = new RequestValidator(this, 'Validator', {
      restApi: this.api,
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.addGatewayResponses(props.allowedOrigin);

    const integrations = new Map<ContextName, LambdaIntegration>();
    const integrationOf = (context: ContextName): LambdaIntegration => {
      let integration = integrations.get(context);
      if (!integration) {
        // One permission per function for the whole API rather than one per method: the function's
        // resource policy (20 KB at most) stays small however many routes the context has.
        integration = new LambdaIntegration(props.functions(context).function, { proxy: true, scopePermissionToMethod: false });
        integrations.set(context, integration);
      }
      return integration;
    };

    const models = new Map<string, Model>();
    const methods = new Map<string, Method>();
    for (const route of routes) {
      const resource = this.api.root.resourceForPath(route.path);
      const model = route.bodySchema ? this.modelFor(route.bodySchema, models) : undefined;
      const method = resource.addMethod(route.method, integrationOf(route.context), {
        authorizationType: route.auth === 'iam' ? AuthorizationType.IAM : AuthorizationType.NONE,
        requestValidator: validator,
        requestModels: model ? { 'application/json': model } : undefined,
        requestParameters: Object.fromEntries(pathParameters(route.path).map((name) => [`method.request.path.${name}`, true])),
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
    for (const route of routes) byPath.set(route.path, (byPath.get(route.path) ?? new Set()).add(route.method));
    for (const [path, allowed] of byPath) {
      this.api.root.resourceForPath(path).addCorsPreflight({
        allowOrigins: [props.allowedOrigin],
        allowMethods: [...allowed, 'OPTIONS'],
        allowHeaders: CORS_ALLOW_HEADERS,
        // As the local gateway answers (local/gateway/rest.ts).
        maxAge: Duration.minutes(10),
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Apollo authorizes with IAM (SigV4) on every route people and tools call; web users come through the Cognito identity pool, i.e. as IAM roles too. A user-pool authorizer would be a second authorization beside the role policies generated from the route table.',
    });

    if (props.webAclArn) {
      new CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: props.webAclArn });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'Every route but webhooks and CORS preflights requires a valid SigV4 signature of an Apollo role, checked by API Gateway before any integration, and the stage is throttled; a WAF web ACL (priced per ACL and request) can be attached with the webAclArn prop.',
      });
    }
    if (props.configureAccountCloudWatchRole ?? true) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "API Gateway's account-wide CloudWatch role uses the AWS-maintained AmazonAPIGatewayPushToCloudWatchLogs policy, the documented policy for it; it only writes API Gateway's own log groups.",
      });
    }
  }

  /**
   * A JSON-Schema model API Gateway can check before the function runs: the top-level `type`, `required`
   * and `minProperties` of the route's schema (draft-04 keywords). Never stricter than the function's
   * full ajv validation; an empty body stands for `{}`, as in the function.
   */
  private modelFor(schemaName: keyof typeof SCHEMAS, models: Map<string, Model>): Model | undefined {
    const existing = models.get(schemaName);
    if (existing) return existing;
    const schema = SCHEMAS[schemaName] as { type?: unknown; required?: readonly string[]; minProperties?: number; title?: string };
    if (schema.type !== 'object') return undefined;
    const model = this.api.addModel(pascal(schemaName), {
      contentType: 'application/json',
      modelName: pascal(schemaName),
      description: `The top level of schemas/api/${schemaName}.schema.json; the function validates the whole body`,
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: schema.title ?? pascal(schemaName),
        type: JsonSchemaType.OBJECT,
        ...(schema.required?.length ? { required: [...schema.required] } : {}),
        ...(schema.minProperties !== undefined ? { minProperties: schema.minProperties } : {}),
      },
    });
    models.set(schemaName, model);
    return model;
  }

  /** API Gateway's own refusals (403, 429, 5xx) carry CORS headers, so the web app can read them. */
  private addGatewayResponses(allowedOrigin: string): void {
    const cors = {
      'Access-Control-Allow-Origin': `'${allowedOrigin}'`,
      'Access-Control-Expose-Headers': `'${CORS_EXPOSE_HEADERS.join(',')}'`,
    };
    this.api.addGatewayResponse('Default4xx', { type: ResponseType.DEFAULT_4XX, responseHeaders: cors });
    this.api.addGatewayResponse('Default5xx', { type: ResponseType.DEFAULT_5XX, responseHeaders: cors });
    // A body the validator refuses answers in Apollo's error shape, as the function would.
    this.api.addGatewayResponse('BadRequestBody', {
      type: ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      responseHeaders: cors,
      templates: {
        // Fixed text: API Gateway's validationErrorString contains quotes and can't be put in JSON here.
        'application/json':
          '{"error":{"code":"ValidationError","message":"the request body must be a JSON object with the properties the route requires","details":[{"path":"/body","message":"does not match the route\'s schema"}]},"requestId":"$context.requestId"}',
      },
    });
  }
}

/** The fields every Apollo API access log starts with: who called, when, from where. */
export const CALLER_LOG_FIELDS = {
  requestId: AccessLogField.contextRequestId(),
  requestTime: AccessLogField.contextRequestTime(),
  ip: AccessLogField.contextIdentitySourceIp(),
  userArn: AccessLogField.contextIdentityUserArn(),
  userAgent: AccessLogField.contextIdentityUserAgent(),
};

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(JSON.stringify({
    ...CALLER_LOG_FIELDS,
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    path: AccessLogField.contextPath(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    errorType: AccessLogField.contextErrorResponseType(),
    errorMessage: AccessLogField.contextErrorMessage(),
  }));
}

const pathParameters = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/** The route table must describe an API that can be built; anything else fails the synth, early. */
export function validateRoutes(routes: readonly RouteDef[]): void {
  const seen = new Set<string>();
  for (const route of routes) {
    const key = routeKey(route);
    if (seen.has(key)) throw new Error(`route ${key} is defined twice`);
    seen.add(key);
    if (!PATH.test(route.path)) throw new Error(`route ${key}: the path must be /segment/{param}/…`);
    if (route.auth === 'none') throw new Error(`route ${key}: auth "none" is for CORS preflight only, which the API adds itself`);
    if (route.auth === 'iam' && !route.permission) throw new Error(`route ${key}: an iam route needs a permission`);
  }
}
