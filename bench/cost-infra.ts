/**
 * What the stack creates, read from its synthesized template (the CDK app in this process, as the infra tests build
 * it: cdk.json's context, the Lambdas not bundled), for the cost model: each function's memory and architecture,
 * the resources that cost something every month whether anyone uses Apollo or not (alarms, dashboards, KMS keys,
 * WAF web ACLs, NAT gateways, VPC endpoints, secrets), the access-log formats (each API call writes one line), the
 * log groups' retention, the state machines' logging level and the user pool's feature plan. Counted by resource
 * type over the stack and its nested stacks (infra/testing.ts `stackResources`).
 */

export interface InfraFacts {
  readonly stage: string;
  /** Every Apollo function by its Apollo name (`services`, `jobs`, `deployments-deployment-steps`…). */
  readonly functions: Readonly<Record<string, { readonly memoryMb: number; readonly architecture: string; readonly tracing: boolean }>>;
  /** Resources by CloudFormation type. */
  readonly resourceCounts: Readonly<Record<string, number>>;
  readonly alarms: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  readonly wafWebAcls: number;
  readonly natGateways: number;
  readonly interfaceEndpoints: number;
  readonly secrets: number;
  readonly stateMachines: ReadonlyArray<{ readonly name: string; readonly type: string; readonly logLevel: string; readonly executionData: boolean; readonly tracing: boolean }>;
  /** The REST stage's and the WebSocket stage's access-log line format (`$context.…` placeholders). */
  readonly restAccessLogFormat: string;
  readonly realtimeAccessLogFormat: string;
  /** Log retention in days: of the functions' log groups, the access logs, the state machines' logs. */
  readonly retentionDays: { readonly functions: number; readonly accessLogs: number; readonly stateMachines: number };
  readonly userPoolTier: string;
  readonly tablePitr: boolean;
  readonly tableBillingMode: string;
  readonly trails: number;
  readonly synthMs: number;
}

type Resource = { Type: string; Properties: Record<string, unknown> };

export async function readInfra(stage = 'prod'): Promise<InfraFacts> {
  const started = performance.now();
  const [{ ApolloStack }, { stackResources, testApp, WEB_DIST_FIXTURE }] = await Promise.all([import('../infra/apollo-stack.ts'), import('../infra/testing.ts')]);
  const app = testApp();
  const stack = new ApolloStack(app, 'Apollo-cost', { stage, build: { version: '0.0.0', commit: 'bench', buildTime: 'bench' }, webDist: WEB_DIST_FIXTURE });
  const resources = Object.entries(stackResources(stack) as Record<string, Resource>);
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const resourceCounts: Record<string, number> = {};
  for (const [, r] of resources) resourceCounts[r.Type] = (resourceCounts[r.Type] ?? 0) + 1;

  const prefix = `apollo-${stage}-`;
  const functions: Record<string, { memoryMb: number; architecture: string; tracing: boolean }> = {};
  for (const [, r] of ofType('AWS::Lambda::Function')) {
    const name = r.Properties.FunctionName;
    if (typeof name !== 'string' || !name.startsWith(prefix)) continue;
    functions[name.slice(prefix.length)] = {
      memoryMb: Number(r.Properties.MemorySize ?? 128),
      architecture: ((r.Properties.Architectures as string[] | undefined) ?? ['x86_64'])[0]!,
      tracing: (r.Properties.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active',
    };
  }

  const retentionOf = (match: (id: string, r: Resource) => boolean): number => {
    const days = ofType('AWS::Logs::LogGroup').filter(([id, r]) => match(id, r)).map(([, r]) => Number(r.Properties.RetentionInDays ?? 0));
    return days.length ? Math.max(...days) : 0;
  };
  const logGroupName = (r: Resource): string => (typeof r.Properties.LogGroupName === 'string' ? r.Properties.LogGroupName : '');

  const restStage = ofType('AWS::ApiGateway::Stage')[0]?.[1];
  const realtimeStage = ofType('AWS::ApiGatewayV2::Stage')[0]?.[1];
  const table = ofType('AWS::DynamoDB::Table')[0]?.[1];
  const userPool = ofType('AWS::Cognito::UserPool')[0]?.[1];
  const tier = (userPool?.Properties.UserPoolTier as string | undefined) ?? ((userPool?.Properties.UserPoolAddOns as { AdvancedSecurityMode?: string } | undefined)?.AdvancedSecurityMode === 'ENFORCED' ? 'PLUS' : 'ESSENTIALS');

  return {
    stage,
    functions,
    resourceCounts,
    alarms: ofType('AWS::CloudWatch::Alarm').length,
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    kmsKeys: ofType('AWS::KMS::Key').length,
    wafWebAcls: ofType('AWS::WAFv2::WebACL').length,
    natGateways: ofType('AWS::EC2::NatGateway').length,
    interfaceEndpoints: ofType('AWS::EC2::VPCEndpoint').filter(([, r]) => r.Properties.VpcEndpointType === 'Interface').length,
    secrets: ofType('AWS::SecretsManager::Secret').length,
    stateMachines: ofType('AWS::StepFunctions::StateMachine').map(([, r]) => {
      const logging = r.Properties.LoggingConfiguration as { Level?: string; IncludeExecutionData?: boolean } | undefined;
      return {
        name: String(r.Properties.StateMachineName), type: String(r.Properties.StateMachineType ?? 'STANDARD'),
        logLevel: logging?.Level ?? 'OFF', executionData: logging?.IncludeExecutionData === true,
        tracing: (r.Properties.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled === true,
      };
    }),
    restAccessLogFormat: String((restStage?.Properties.AccessLogSetting as { Format?: string } | undefined)?.Format ?? ''),
    realtimeAccessLogFormat: String((realtimeStage?.Properties.AccessLogSettings as { Format?: string } | undefined)?.Format ?? ''),
    retentionDays: {
      functions: retentionOf((_, r) => logGroupName(r).startsWith(`/aws/lambda/${prefix}`)),
      accessLogs: retentionOf((id) => /AccessLogs/.test(id)),
      stateMachines: retentionOf((_, r) => logGroupName(r).startsWith('/aws/vendedlogs/states/')),
    },
    userPoolTier: tier,
    tablePitr: (table?.Properties.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: boolean } | undefined)?.PointInTimeRecoveryEnabled === true,
    tableBillingMode: String(table?.Properties.BillingMode ?? 'PROVISIONED'),
    trails: ofType('AWS::CloudTrail::Trail').length,
    synthMs: Math.round(performance.now() - started),
  };
}

/** Representative values of API Gateway's `$context` variables: a web user (Cognito identity pool role) in a browser. */
const CONTEXT_SAMPLES: Readonly<Record<string, string>> = {
  '$context.requestId': '3f1c2a9e-5b7d-4e21-9a0c-8d6f4b2e1a7c',
  '$context.extendedRequestId': 'Ab1CdEfGhIjKlM=',
  '$context.requestTime': '06/Dec/2026:10:15:42 +0000',
  '$context.identity.sourceIp': '203.0.113.27',
  '$context.identity.userArn': 'arn:aws:sts::123456789012:assumed-role/ApolloDeveloper-prod/CognitoIdentityCredentials',
  '$context.identity.userAgent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  '$context.httpMethod': 'GET',
  '$context.resourcePath': '/api/v1/services/{id}/health',
  '$context.path': '/prod/api/v1/services/billing-service/health',
  '$context.status': '200',
  '$context.responseLength': '1843',
  '$context.responseLatency': '48',
  '$context.integrationLatency': '41',
  '$context.error.responseType': '-',
  '$context.error.message': '-',
  '$context.routeKey': '$default',
  '$context.eventType': 'MESSAGE',
  '$context.connectionId': 'L0SM9cOFvHcCIhw=',
};

/** Bytes of one access-log line in `format`, filled with representative values (CloudWatch adds 26 bytes an event). */
export function accessLogLineBytes(format: string): number {
  const line = format.replace(/\$context\.[A-Za-z.]+/g, (name) => CONTEXT_SAMPLES[name] ?? '-');
  return Buffer.byteLength(line);
}
