/**
 * The realtime channel (ARCHITECTURE.md §5): an API Gateway WebSocket API whose `$connect` requires
 * a SigV4-presigned URL of an Apollo role (IAM authorization; the roles' `$connect` permission is in
 * their generated Invoke policies), with `$connect`, `$disconnect` and `$default` handled by the
 * `realtime` Lambda. The functions that publish get the `@connections` endpoint in
 * `APOLLO_REALTIME_ENDPOINT` and `execute-api:ManageConnections` on this stage's connections only.
 */
import { Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, AccessLogField } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { realtimeManageConnectionsResources, type ApiArnParts } from '#shared/iam-policy';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import { CALLER_LOG_FIELDS, type ApiThrottling } from './api.ts';
import type { ApolloFunction } from './apollo-function.ts';
import { wildcardFinding } from './nag.ts';

export interface ApolloRealtimeProps {
  /** The WebSocket stage's name (the Apollo stage), part of the URL and of the execute-api ARNs. */
  readonly stage: string;
  /** The `realtime` Lambda: `$connect`, `$disconnect` and `$default`. */
  readonly function: ApolloFunction;
  /** @default { rateLimit: 50, burstLimit: 100 } — messages and connects per second for the stage */
  readonly throttling?: ApiThrottling;
  /** @default RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: RetentionDays;
}

export class ApolloRealtime extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogs: LogGroup;
  /** `wss://<id>.execute-api.<region>.amazonaws.com/<stage>`: what the browser connects to. */
  readonly url: string;
  /** `https://<id>.execute-api.<region>.amazonaws.com/<stage>`: the `@connections` endpoint publishers post to. */
  readonly callbackUrl: string;
  /** The pieces of this API's execute-api ARNs, for shared/iam-policy.ts. */
  readonly arnParts: ApiArnParts;

  constructor(scope: Construct, id: string, props: ApolloRealtimeProps) {
    super(scope, id);
    const throttling = props.throttling ?? { rateLimit: 50, burstLimit: 100 };
    if (throttling.rateLimit <= 0 || throttling.burstLimit <= 0) throw new Error('throttling limits must be positive');
    const handler = props.function.function;

    this.api = new WebSocketApi(this, 'Api', {
      apiName: `apollo-${props.stage}-realtime`,
      description: 'Apollo realtime: topic subscriptions and live frames (ARCHITECTURE.md §5)',
      // Not "Default": CDK drops a construct id of that name from logical ids, and two would collide.
      connectRouteOptions: { integration: new WebSocketLambdaIntegration('ConnectIntegration', handler), authorizer: new WebSocketIamAuthorizer() },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('DisconnectIntegration', handler) },
      defaultRouteOptions: { integration: new WebSocketLambdaIntegration('DefaultIntegration', handler) },
    });
    // Only $connect can carry authorization in a WebSocket API: the others run on a connection that
    // $connect already authorized, and API Gateway refuses an authorizer on them.
    for (const route of ['$disconnect', '$default']) {
      const child = this.api.node.tryFindChild(`${route}-Route`);
      if (!child) throw new Error(`WebSocketApi has no ${route} route construct`);
      Validations.of(child).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route} runs only on a connection whose $connect passed IAM (SigV4) authorization; API Gateway allows an authorizer on $connect alone, and the realtime Lambda checks each subscription against the caller's permissions.`,
      });
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stage,
      autoDeploy: true,
      throttle: { rateLimit: throttling.rateLimit, burstLimit: throttling.burstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: accessLogFormat() },
    });

    this.url = this.stage.url;
    this.callbackUrl = this.stage.callbackUrl;
    this.arnParts = { partition: Aws.PARTITION, region: Aws.REGION, accountId: Aws.ACCOUNT_ID, apiId: this.api.apiId, stage: props.stage };
    this.grantPublish(props.function);
  }

  /** Lets `fn` publish: the `@connections` endpoint in its environment, and ManageConnections on this stage's connections. */
  grantPublish(fn: ApolloFunction): void {
    fn.addEnvironment(REALTIME_ENDPOINT_ENV, this.callbackUrl);
    const resources = realtimeManageConnectionsResources(this.arnParts);
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources }));
    for (const resource of resources) {
      Validations.of(fn).acknowledge({
        id: wildcardFinding(this, resource),
        reason: 'Connection ids are made by API Gateway when a client connects: @connections/* of this one WebSocket API stage is the narrowest resource a publisher can be given.',
      });
    }
  }
}

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(JSON.stringify({
    ...CALLER_LOG_FIELDS,
    routeKey: '$context.routeKey',
    eventType: '$context.eventType',
    connectionId: '$context.connectionId',
    status: AccessLogField.contextStatus(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    errorMessage: AccessLogField.contextErrorMessage(),
  }));
}
