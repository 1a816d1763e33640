/**
 * The synthesized template says what the architecture says: IAM on exactly the `iam` routes, each
 * role's Invoke policy generated from the route table, the table and Lambda settings, one schedule
 * per job, the audit archive locked for 7 years. Synthesized once, with the Lambdas really bundled.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aws } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { invokeDenyResources, invokeResources, realtimeConnectResources } from '#shared/iam-policy';
import { DESCRIPTORS, JOBS } from '#functions/contexts';
import { isEventJob, isScheduledJob } from '#shared/jobs';
import { ROLES } from '#shared/permissions';
import { CONTEXTS, ROUTES, routeKey } from '#shared/routes';
import { TABLE_DESIGN } from '#shared/table-design';
import { ESM_REQUIRE_BANNER } from './apollo-function.ts';
import { ApolloStack } from './apollo-stack.ts';
import { AUDIT_RETENTION_DAYS } from './audit.ts';
import { pascal, tableAccessOf } from './functions.ts';
import { MFA_ROLES } from './identity.ts';
import { invokeResourcesOfRole, nestedTemplates, resourcesOfType, sortedJson, templateMethods, templateResourcePaths, testApp, WEB_DIST_FIXTURE } from './testing.ts';

const STAGE = 'test';
/** Every Apollo Lambda: a descriptor's, and each of its workflows' steps Lambda. */
const FUNCTION_NAMES = [...DESCRIPTORS.map((d) => d.name), ...DESCRIPTORS.flatMap((d) => (d.workflows ?? []).map((w) => `${d.name}-${w.name}-steps`))];
const ORIGIN = 'https://apollo.example.com';
let stack: ApolloStack;
let template: Template;
let assemblyDir: string;

beforeAll(() => {
  const app = testApp({ bundling: true });
  stack = new ApolloStack(app, 'Apollo-test', {
    stage: STAGE,
    allowedOrigin: ORIGIN,
    build: { version: '1.2.3', commit: 'abc123', buildTime: '2026-11-01T00:00:00Z' },
    webDist: WEB_DIST_FIXTURE,
  });
  template = Template.fromStack(stack);
  assemblyDir = app.synth().directory;
}, 180_000);

describe('API', () => {
  it('puts AWS_IAM on every iam route, nothing on hmac routes and CORS preflights, and has no other method', () => {
    // Prepare
    const methods = templateMethods(stack);
    const byKey = new Map(methods.map((m) => [`${m.httpMethod} ${m.path}`, m]));
    // Assess
    for (const route of ROUTES) {
      const method = byKey.get(routeKey(route));
      expect(method, routeKey(route)).toBeDefined();
      expect(method!.authorizationType, routeKey(route)).toBe(route.auth === 'iam' ? 'AWS_IAM' : 'NONE');
      expect(byKey.get(`OPTIONS ${route.path}`)?.authorizationType, `preflight of ${route.path}`).toBe('NONE');
    }
    const routeKeys = new Set(ROUTES.map(routeKey));
    const others = methods.filter((m) => m.httpMethod !== 'OPTIONS' && !routeKeys.has(`${m.httpMethod} ${m.path}`));
    expect(others.map((m) => `${m.httpMethod} ${m.path}`)).toEqual([]);
    const unauthenticated = methods.filter((m) => m.authorizationType === 'NONE').map((m) => `${m.httpMethod} ${m.path}`);
    const allowed = new Set([...ROUTES.filter((r) => r.auth === 'hmac').map(routeKey), ...ROUTES.map((r) => `OPTIONS ${r.path}`)]);
    expect(unauthenticated.filter((key) => !allowed.has(key))).toEqual([]);
  });

  it('sends each route to the Lambda of its context, through a request validator', () => {
    const methods = new Map(templateMethods(stack).map((m) => [`${m.httpMethod} ${m.path}`, m]));
    for (const route of ROUTES) {
      const { properties } = methods.get(routeKey(route))!;
      const uri = JSON.stringify((properties.Integration as { Uri: unknown }).Uri);
      expect(uri, routeKey(route)).toContain(`Functions${pascal(route.context)}Function`);
      expect(properties.RequestValidatorId, routeKey(route)).toBeDefined();
      if (route.bodySchema) expect(properties.RequestModels, routeKey(route)).toEqual({ 'application/json': { Ref: expect.any(String) } });
    }
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
  });

  it('lets only the web origin in, with the headers SigV4 and Apollo use', () => {
    const preflight = templateMethods(stack).find((m) => m.httpMethod === 'OPTIONS' && m.path === '/api/v1/teams/{id}')!;
    const headers = (preflight.properties.Integration as { IntegrationResponses: { ResponseParameters: Record<string, string> }[] }).IntegrationResponses[0]!.ResponseParameters;
    expect(headers['method.response.header.Access-Control-Allow-Origin']).toBe(`'${ORIGIN}'`);
    expect(headers['method.response.header.Access-Control-Allow-Methods']).toBe("'GET,PUT,DELETE,OPTIONS'");
    expect(headers['method.response.header.Access-Control-Allow-Headers']).toContain('X-Amz-Security-Token');
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Access-Control-Allow-Origin': `'${ORIGIN}'` }),
      });
    }
  });

  it('keeps the routes in one nested stack per top-level path, each path resource created once, every template far within CloudFormation\'s limits', () => {
    // Prepare
    const nested = nestedTemplates(stack);
    const parent = template.toJSON() as { Resources: Record<string, { Type: string; DependsOn?: string[] }> };
    const typesIn = (t: Template) => Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    // Assess: the parent holds the API and its shared prefix, none of the routes
    expect(typesIn(template).filter((type) => /^AWS::ApiGateway::(Method|Model)$/.test(type))).toEqual([]);
    expect(Object.values(resourcesOfType(template, 'AWS::ApiGateway::Resource')).map((r) => r.Properties.PathPart).sort()).toEqual(['api', 'v1']);
    const groups = [...new Set(ROUTES.map((route) => route.path.split('/').slice(0, 4).join('/')))];
    expect(nested.map((n) => n.stack.node.id).sort()).toEqual(groups.map((group) => `Routes${pascal(group)}`).sort());
    // Each path is one API Gateway resource (API Gateway refuses a second one)
    const paths = templateResourcePaths(stack);
    expect(paths.length).toBeGreaterThan(groups.length);
    expect(paths.filter((path, i) => paths.indexOf(path) !== i)).toEqual([]);
    expect(new Set(paths)).toEqual(new Set(ROUTES.flatMap((route) => route.path.split('/').slice(1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`))));
    for (const t of [template, ...nested.map((n) => n.template)]) {
      expect(typesIn(t).length).toBeLessThan(500 / 2);
      expect(JSON.stringify(t.toJSON()).length).toBeLessThan(1_000_000 / 2);
    }
    // The deployment waits for every nested stack: a stage missing routes can't be deployed
    const [deployment] = Object.values(parent.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Deployment');
    expect(deployment!.DependsOn).toEqual(expect.arrayContaining(nested.map((n) => n.logicalId)));
  });

  it('lets API Gateway invoke each context\'s function with one permission for the whole API', () => {
    const apiId = stack.resolve(stack.api.api.restApiId) as { Ref: string };
    // Those of the REST API (the WebSocket API has its own), all on the whole API: any stage, method and path.
    const permissions = Object.values(resourcesOfType(stack, 'AWS::Lambda::Permission'))
      .filter((p) => p.Properties.Principal === 'apigateway.amazonaws.com' && JSON.stringify(p.Properties.SourceArn).includes(JSON.stringify(apiId)));
    const functionsOf = permissions.map((p) => JSON.stringify(p.Properties.FunctionName));
    const contexts = new Set(ROUTES.map((route) => route.context));
    for (const context of contexts) expect(functionsOf.filter((fn) => fn.includes(`Functions${pascal(context)}Function`)), context).toHaveLength(1);
    expect(permissions).toHaveLength(contexts.size);
    for (const permission of permissions) expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`${JSON.stringify(apiId)},"/*/*/*"`);
    // In the parent: the nested stacks create none
    for (const { template: t } of nestedTemplates(stack)) expect(Object.keys(resourcesOfType(t, 'AWS::Lambda::Permission'))).toEqual([]);
  });

  it('logs access as JSON, throttles the stage, traces, and keeps per-method metrics', () => {
    const [stage] = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Stage'));
    const props = stage!.Properties as { StageName: string; TracingEnabled: boolean; AccessLogSetting: { Format: string }; MethodSettings: Record<string, unknown>[] };
    expect(props.StageName).toBe(STAGE);
    expect(props.TracingEnabled).toBe(true);
    expect(Object.keys(JSON.parse(props.AccessLogSetting.Format) as object)).toEqual(expect.arrayContaining(['requestId', 'userArn', 'status', 'resourcePath']));
    expect(props.MethodSettings).toEqual([expect.objectContaining({
      HttpMethod: '*', ResourcePath: '/*', MetricsEnabled: true, DataTraceEnabled: false, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100,
    })]);
  });
});

describe('identity', () => {
  const parts = () => ({ partition: Aws.PARTITION, region: Aws.REGION, accountId: Aws.ACCOUNT_ID, apiId: stack.api.api.restApiId, stage: STAGE });

  it.each(ROLES)("gives the %s role exactly the Invoke resources the route table allows it, and the realtime $connect", (role) => {
    const actual = invokeResourcesOfRole(template, `Apollo${pascal(role)}-${STAGE}`);
    const expected = stack.resolve([...invokeResources(role, parts()), ...realtimeConnectResources(stack.realtime.arnParts)]) as unknown[];
    expect(expected.length).toBeGreaterThan(1);
    expect(sortedJson(actual)).toEqual(sortedJson(expected));
  });

  it.each(ROLES)('denies the %s role explicitly the routes it may not call that its wildcards would cover', (role) => {
    const denied = invokeResourcesOfRole(template, `Apollo${pascal(role)}-${STAGE}`, 'Deny');
    expect(sortedJson(denied)).toEqual(sortedJson(stack.resolve(invokeDenyResources(role, parts())) as unknown[]));
    expect(sortedJson(invokeResourcesOfRole(template, `ApolloWeb${pascal(role)}-${STAGE}`, 'Deny'))).toEqual(sortedJson(denied));
  });

  it.each(ROLES)('lets the %s role be assumed with a SourceIdentity, with MFA for operator and admin', (role) => {
    const [resource] = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).filter((r) => r.Properties.RoleName === `Apollo${pascal(role)}-${STAGE}`);
    const statements = (resource!.Properties.AssumeRolePolicyDocument as { Statement: { Action: string | string[]; Condition?: unknown }[] }).Statement;
    const actions = statements.flatMap((s) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(['sts:AssumeRole', 'sts:SetSourceIdentity']));
    for (const statement of statements) {
      if (MFA_ROLES.includes(role)) expect(statement.Condition).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
      else expect(statement.Condition).toBeUndefined();
    }
  });

  it('gives each Lambda a role of its own, with no AWS-managed policy', () => {
    const roles = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).filter((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'));
    const apollo = roles.filter((r) => String(r.Properties.Description).startsWith('Execution role of the Apollo'));
    expect(apollo).toHaveLength(FUNCTION_NAMES.length);
    // Besides them: the two deploy-time helpers of the web deployment (copy the build, start Amplify's deployment).
    expect(roles).toHaveLength(FUNCTION_NAMES.length + 2);
    for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const actions = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement)
      .flatMap((s) => s.Action);
    expect(actions.filter((a) => /^dynamodb:(Scan|Batch|Describe|CreateTable|DeleteTable|\*)/.test(a))).toEqual([]);
  });

  it('lets a context write table items only when its routes write; jobs (health records) and realtime write items too', () => {
    const policies = resourcesOfType(template, 'AWS::IAM::Policy');
    const dynamoActionsOf = (name: string): string[] => {
      const role = stack.functions.all.find((fn) => fn.node.id === pascal(name))!.role;
      const roleId = stack.resolve((role.node.defaultChild as CfnRole).logicalId) as string;
      return Object.values(policies)
        .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement)
        .flatMap((st) => [st.Action].flat())
        .filter((a) => a.startsWith('dynamodb:'))
        .sort();
    };
    for (const context of CONTEXTS) {
      const expected = tableAccessOf(context) === 'readWrite'
        ? ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']
        : ['dynamodb:GetItem', 'dynamodb:Query'];
      expect(dynamoActionsOf(context), context).toEqual(expected);
    }
    expect(dynamoActionsOf('jobs')).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamoActionsOf('realtime')).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('invites web users to sign in at the given origin (a custom domain in front of the Amplify app)', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: Match.objectLike({ EmailMessage: Match.stringLikeRegexp(`Sign in at ${ORIGIN} `) }) },
    });
  });

  it('makes the admin-actions role usable only with a SourceIdentity', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `ApolloAdminActions-${STAGE}`,
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Condition: { StringLike: { 'sts:SourceIdentity': '*' } } })],
      },
    });
  });
});

describe('table', () => {
  it('is on-demand, with point-in-time recovery, deletion protection, TTL and the GSIs of TABLE_DESIGN', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_DESIGN.ttlAttribute, Enabled: true },
        KeySchema: [{ AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' }, { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: TABLE_DESIGN.globalSecondaryIndexes.map((index) => Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, { AttributeName: index.sortKey, KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    });
  });
});

describe('Lambdas', () => {
  // Apollo's own functions; aws-cdk-lib's deploy-time helpers (web deployment) are nameless and not held to these rules.
  const functions = () => Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).filter((f) => String(f.Properties.FunctionName).startsWith(`apollo-${STAGE}-`));
  const named = (name: string) => functions().find((f) => f.Properties.FunctionName === `apollo-${STAGE}-${name}`)!;

  it('has one function per context, one for jobs, one for realtime and one per workflow for its steps', () => {
    expect(functions().map((f) => f.Properties.FunctionName).sort()).toEqual(FUNCTION_NAMES.map((name) => `apollo-${STAGE}-${name}`).sort());
  });

  it('runs every function on arm64 Node 22 with tracing, explicit memory and timeout, and a log group with a retention', () => {
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    for (const fn of functions()) {
      const p = fn.Properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.MemorySize).toEqual(expect.any(Number));
      expect(p.Timeout).toEqual(expect.any(Number));
      expect(p.Handler).toBe('index.handler');
      const logGroup = logGroups[p.LoggingConfig.LogGroup.Ref as string];
      expect(logGroup?.Properties.RetentionInDays, p.FunctionName).toEqual(expect.any(Number));
    }
  });

  it('gives every function the environment its config.ts reads, and never AWS_REGION', () => {
    for (const fn of functions()) {
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env).toMatchObject({
        TABLE_NAME: { Ref: expect.any(String) }, APOLLO_RUNTIME: 'aws', APOLLO_STAGE: STAGE, APOLLO_VERSION: '1.2.3',
        APOLLO_COMMIT: 'abc123', APOLLO_BUILD_TIME: '2026-11-01T00:00:00Z', APOLLO_ALLOWED_ORIGIN: ORIGIN,
      });
      expect(env.AWS_REGION).toBeUndefined();
    }
    const api = Object.values(resourcesOfType(template, 'AWS::ApiGateway::RestApi'))[0]!;
    const envOf = (name: string) => (named(name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    // What a binding names (infra/bindings.ts): the API by its name, the audit bucket by its reference.
    for (const d of DESCRIPTORS.filter((x) => x.bindings?.includes('api-metrics'))) expect(envOf(d.name).APOLLO_API_NAME).toBe(api.Properties.Name);
    expect(envOf('jobs').APOLLO_AUDIT_BUCKET).toEqual({ Ref: expect.stringMatching(/^AuditArchive/) });
  });

  it('bundles each handler as one minified ESM file with the AWS SDK inside', () => {
    const assets = functions().map((f) => (f.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, ''));
    expect(assets).toHaveLength(FUNCTION_NAMES.length);
    for (const d of DESCRIPTORS) {
      // The files a context reads at run time are beside its bundle.
      const hash = (named(d.name).Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      for (const name of Object.keys(d.files ?? {})) expect(existsSync(join(assemblyDir, `asset.${hash}`, name)), `${d.name}: ${name}`).toBe(true);
    }
    for (const hash of assets) {
      const file = join(assemblyDir, `asset.${hash}`, 'index.mjs');
      expect(existsSync(file), file).toBe(true);
      const code = readFileSync(file, 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(code.length / code.split('\n').length, 'minified: long lines').toBeGreaterThan(1000);
      expect(existsSync(`${file}.map`)).toBe(true);
    }
  });

  it('sends failed job runs to a dead-letter queue', () => {
    expect(named('jobs').Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^FunctionsFailedRuns/), 'Arn'] } });
  });
});

describe('jobs', () => {
  it('lets the jobs function (the health poll) and the deployment steps (rollouts without Argo CD) describe EKS clusters of the account and region, and only that of EKS', () => {
    const statements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
      .filter((st) => [st.Action].flat().some((a) => a.startsWith('eks:')));
    const allClusters = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':cluster/*']] };
    expect(statements.map((st) => [st.Action, stack.resolve(st.Resource)])).toEqual([
      ['eks:DescribeCluster', allClusters],
      ['eks:DescribeCluster', allClusters],
    ]);
    const roleOf = (fn: { role: { node: { defaultChild: unknown } } }) => stack.resolve((fn.role.node.defaultChild as CfnRole).logicalId) as string;
    const steps = stack.workflows.workflows.get('deployment')!.steps;
    const holders = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('eks:DescribeCluster'))
      .flatMap((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    expect(holders.sort()).toEqual([roleOf(stack.functions.jobs), roleOf(steps)].sort());
  });

  it('has one schedule per scheduled job, with the same expression, invoking the jobs Lambda with the job name', () => {
    // Schedules only (event jobs and a workflow's execution-ended rule are event patterns, checked below and in workflows.test.ts).
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression !== undefined);
    expect(rules).toHaveLength(JOBS.filter(isScheduledJob).length);
    for (const job of JOBS.filter(isScheduledJob)) {
      const rule = rules.find((r) => r.Properties.Name === `apollo-${STAGE}-${job.name}`);
      expect(rule?.Properties.ScheduleExpression, job.name).toBe(job.schedule);
      const [target] = rule!.Properties.Targets as { Arn: unknown; Input: string; DeadLetterConfig?: unknown }[];
      expect(target!.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FunctionsJobsFunction/), 'Arn'] });
      expect(JSON.parse(target!.Input)).toEqual({ job: job.name });
      expect(target!.DeadLetterConfig).toBeDefined();
    }
  });

  it('has one event rule per event job, matching its pattern and passing the whole event to the jobs Lambda, with the schedules\' retries', () => {
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule'));
    const alarm = rules.find((r) => r.Properties.Name === `apollo-${STAGE}-incident-alarm`);
    expect(alarm?.Properties).toMatchObject({
      State: 'ENABLED',
      EventPattern: { 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    });
    expect(alarm!.Properties.ScheduleExpression).toBeUndefined();
    expect(alarm!.Properties.EventBusName).toBeUndefined();
    for (const job of JOBS.filter(isEventJob)) {
      const rule = rules.find((r) => r.Properties.Name === `apollo-${STAGE}-${job.name}`)!;
      expect(rule.Properties.EventPattern, job.name).toEqual(job.eventPattern);
      const [target, ...others] = rule.Properties.Targets as Record<string, unknown>[];
      expect(others).toEqual([]);
      expect(target).toEqual({
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FunctionsJobsFunction/), 'Arn'] },
        // EventBridge's predefined variable for the whole matched event; no paths map.
        InputTransformer: { InputTemplate: `{"job":"${job.name}","event":<aws.events.event.json>}` },
        DeadLetterConfig: { Arn: expect.anything() },
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 4 },
      });
    }
  });
});

describe('audit', () => {
  it('locks the archive bucket in compliance mode for 7 years, versioned, private and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: AUDIT_RETENTION_DAYS } } },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      }),
    });
    expect(AUDIT_RETENTION_DAYS).toBe(7 * 365 + 2);
  });

  it('records the account in a multi-region trail with log file validation', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', { EnableLogFileValidation: true, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true });
  });
});

describe('outputs', () => {
  it('names the API URL, the table, the audit bucket, each role, the web app, the realtime URL and the pools', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs).toEqual(expect.arrayContaining([
      'ApiUrl', 'TableName', 'AuditBucketName', 'AdminActionsRoleArn', ...ROLES.map((r) => `${pascal(r)}RoleArn`),
      'WebUrl', 'RealtimeUrl', 'UserPoolId', 'UserPoolClientId', 'IdentityPoolId', ...ROLES.map((r) => `Web${pascal(r)}RoleArn`),
    ]));
  });
});
