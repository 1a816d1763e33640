/**
 * The REST API, generated from the route table: one resource per path segment, one method per route,
 * AWS_IAM (SigV4) on every `iam` route, no IAM on `hmac` routes (their handler verifies the sender),
 * and a CORS preflight on every resource with routes, the only other method without authorization. Detailed
 * per-method metrics feed `GET /api/v1/metrics`; access logs are JSON; the stage is throttled.
 *
 * The routes live in nested stacks, one per top-level path (infra/api-routes.ts): a stack holds 500
 * resources and 1 MB, and each route costs a method, often a resource, a preflight and a model. This
 * construct keeps what the whole API shares: the RestApi, the shared path prefix (`/api/v1`), the request
 * validator, the gateway responses, the one Lambda permission per function, the deployment and the stage.
 */
import { RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ROUTES, routeKey, type ContextName, type RouteDef } from '#shared/routes';
import type { ApolloFunction } from './apollo-function.ts';
import { ApolloApiRoutes, groupBaseOf, routeGroupOf, SHARED_PATH_DEPTH } from './api-routes.ts';
import { pascal } from './functions.ts';

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
  /** The nested stacks of the routes, one per top-level path. */
  readonly routeStacks: readonly ApolloApiRoutes[];

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

    // Each path resource is created in one place: the parent owns the shared prefix, a group's stack
    // everything below its top-level path.
    const groups = new Map<string, RouteDef[]>();
    for (const route of routes) {
      const group = routeGroupOf(route.path);
      groups.set(group, [...(groups.get(group) ?? []), route]);
    }
    // A model's name is unique in the API: a schema used in two groups is named after each group there.
    const groupsOfSchema = new Map<string, Set<string>>();
    for (const route of routes.filter((r) => r.bodySchema)) groupsOfSchema.set(route.bodySchema!, (groupsOfSchema.get(route.bodySchema!) ?? new Set()).add(routeGroupOf(route.path)));
    const methods = new Map<string, Method>();
    const routeStacks: ApolloApiRoutes[] = [];
    for (const [group, groupRoutes] of groups) {
      const stack = new ApolloApiRoutes(this, `Routes${pascal(group)}`, {
        api: this.api,
        group,
        base: this.api.root.resourceForPath(groupBaseOf(group)),
        routes: groupRoutes,
        integrationOf,
        validator,
        allowedOrigin: props.allowedOrigin,
        modelName: (schema) => (groupsOfSchema.get(schema)!.size > 1 ? `${pascal(group)}${pascal(schema)}` : pascal(schema)),
      });
      for (const [key, method] of stack.methods) methods.set(key, method);
      routeStacks.push(stack);
    }
    this.methods = methods;
    this.routeStacks = routeStacks;

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

/** The route table must describe an API that can be built; anything else fails the synth, early. */
export function validateRoutes(routes: readonly RouteDef[]): void {
  const seen = new Set<string>();
  for (const route of routes) {
    const key = routeKey(route);
    if (seen.has(key)) throw new Error(`route ${key} is defined twice`);
    seen.add(key);
    if (!PATH.test(route.path)) throw new Error(`route ${key}: the path must be /segment/{param}/…`);
    // Every route lives in the nested stack of its top-level path (infra/api-routes.ts), below the shared prefix.
    if (route.path.split('/').length - 1 <= SHARED_PATH_DEPTH) throw new Error(`route ${key}: the path must go below a shared prefix of ${SHARED_PATH_DEPTH} segments (/api/v1/<name>…)`);
    if (route.auth === 'none') throw new Error(`route ${key}: auth "none" is for CORS preflight only, which the API adds itself`);
    if (route.auth === 'iam' && !route.permission) throw new Error(`route ${key}: an iam route needs a permission`);
  }
}
