/**
 * The stack follows the route table with no other edit: a route added to it appears in the API and in
 * the role policies (and an hmac route gets no IAM and no policy). Also: functions in a VPC, policies
 * split when the routes outgrow one, and the props the stack refuses. Lambdas are not bundled here.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { invokeResources, realtimeConnectResources } from '#shared/iam-policy';
import { ROLES } from '#shared/permissions';
import { ROUTES, roleMayInvoke, routeKey, type RouteDef } from '#shared/routes';
import { ApolloStack, type ApolloStackProps } from './apollo-stack.ts';
import { pascal, tableAccessOf } from './functions.ts';
import { chunk } from './identity.ts';
import { addNagPacks } from './nag.ts';
import { invokeResourcesOfRole, nestedTemplates, resourcesOfType, sortedJson, templateMethods, testApp, WEB_DIST_FIXTURE } from './testing.ts';

const WIDGET: RouteDef = { method: 'GET', path: '/api/v1/widgets/{id}', context: 'system', auth: 'iam', permission: 'services:read', summary: 'A synthetic route' };
const WIDGET_DELETE: RouteDef = { method: 'DELETE', path: '/api/v1/widgets/{id}', context: 'system', auth: 'iam', permission: 'catalog:manage', summary: 'A synthetic admin route' };
const WEBHOOK: RouteDef = { method: 'POST', path: '/api/v1/webhooks/example', context: 'system', auth: 'hmac', summary: 'A synthetic webhook' };

function synth(props: Partial<ApolloStackProps> = {}, nag = false): { stack: ApolloStack; template: Template } {
  const app = testApp();
  const stack = new ApolloStack(app, 'Apollo-opt', { stage: 'opt', allowedOrigin: 'https://apollo.example.com', webDist: WEB_DIST_FIXTURE, ...props });
  if (nag) addNagPacks(app);
  return { stack, template: Template.fromStack(stack) };
}

const partsOf = (stack: ApolloStack) => ({ partition: Aws.PARTITION, region: Aws.REGION, accountId: Aws.ACCOUNT_ID, apiId: stack.api.api.restApiId, stage: 'opt' });

describe('a route added to the route table', () => {
  const routes = [...ROUTES, WIDGET, WIDGET_DELETE, WEBHOOK];
  let stack: ApolloStack;
  let template: Template;
  beforeAll(() => {
    // Prepare (with cdk-nag: the new webhook's waiver must come with it)
    ({ stack, template } = synth({ routes }, true));
  });

  it('appears in the API with its auth, and with a CORS preflight', () => {
    const methods = new Map(templateMethods(stack).map((m) => [`${m.httpMethod} ${m.path}`, m.authorizationType]));
    expect(methods.get('GET /api/v1/widgets/{id}')).toBe('AWS_IAM');
    expect(methods.get('DELETE /api/v1/widgets/{id}')).toBe('AWS_IAM');
    expect(methods.get('POST /api/v1/webhooks/example')).toBe('NONE');
    expect(methods.get('OPTIONS /api/v1/widgets/{id}')).toBe('NONE');
    expect(methods.get('OPTIONS /api/v1/webhooks/example')).toBe('NONE');
  });

  it('goes to the nested stack of its top-level path: a new one for a new path, the existing one otherwise', () => {
    const stackIdOf = (id: string) => nestedTemplates(stack).find((n) => n.stack.node.id === id)!.logicalId;
    const stackOfRoute = (key: string) => templateMethods(stack).find((m) => `${m.httpMethod} ${m.path}` === key)!.logicalId.split('.')[0];
    expect(stackOfRoute('GET /api/v1/widgets/{id}')).toBe(stackIdOf('RoutesApiV1Widgets'));
    expect(stackOfRoute('DELETE /api/v1/widgets/{id}')).toBe(stackIdOf('RoutesApiV1Widgets'));
    expect(stackOfRoute('POST /api/v1/webhooks/example')).toBe(stackIdOf('RoutesApiV1Webhooks'));
    expect(stackOfRoute('POST /api/v1/webhooks/example')).toBe(stackOfRoute(routeKey(ROUTES.find((r) => r.path.startsWith('/api/v1/webhooks/'))!)));
  });

  it('redeploys the stage (a new deployment), as a changed route does, and nothing else does', () => {
    const deploymentOf = (t: Template) => Object.keys(resourcesOfType(t, 'AWS::ApiGateway::Deployment'));
    const before = deploymentOf(synth().template);
    expect(before).toHaveLength(1);
    expect(deploymentOf(template)).not.toEqual(before);
    const renamed = ROUTES.map((route, i) => (i === 0 ? { ...route, summary: `${route.summary} (renamed)` } : route));
    expect(deploymentOf(synth({ routes: renamed }).template)).not.toEqual(before);
    expect(deploymentOf(synth().template)).toEqual(before);
  });

  it.each(ROLES)('appears in the %s role policy exactly when the role holds its permission', (role) => {
    const actual = sortedJson(invokeResourcesOfRole(template, `Apollo${pascal(role)}-opt`));
    expect(actual).toEqual(sortedJson(stack.resolve([...invokeResources(role, partsOf(stack), routes), ...realtimeConnectResources(stack.realtime.arnParts)]) as unknown[]));
    const widget = JSON.stringify(stack.resolve(invokeResources(role, partsOf(stack), [WIDGET])));
    const widgetDelete = JSON.stringify(stack.resolve(invokeResources(role, partsOf(stack), [WIDGET_DELETE])));
    expect(actual.some((arn) => `[${arn}]` === widget)).toBe(roleMayInvoke(role, WIDGET));
    expect(actual.some((arn) => `[${arn}]` === widgetDelete)).toBe(roleMayInvoke(role, WIDGET_DELETE));
    expect(actual.some((arn) => arn.includes('webhooks'))).toBe(false);
  });
});

describe('policies larger than IAM allows in one', () => {
  it('are split into several managed policies that together grant every route', () => {
    // Sharing a prefix: each route adds one API resource, one method and a preflight (in the nested
    // stack of /api/v1/synthetic-collection).
    const many: RouteDef[] = Array.from({ length: 30 }, (_, i) => ({
      method: 'GET', path: `/api/v1/synthetic-collection/{id}/detail-number-${i}`, context: 'system', auth: 'iam', permission: 'system:read', summary: `synthetic ${i}`,
    }));
    const routes = [...ROUTES, ...many];
    const { stack, template } = synth({ routes });
    const adminPolicies = Object.values(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))
      .filter((p) => String(p.Properties.ManagedPolicyName).startsWith('ApolloAdminInvoke-opt'));
    expect(adminPolicies.length).toBeGreaterThan(1);
    const expected = [...invokeResources('admin', partsOf(stack), routes), ...realtimeConnectResources(stack.realtime.arnParts)];
    expect(sortedJson(invokeResourcesOfRole(template, 'ApolloAdmin-opt'))).toEqual(sortedJson(stack.resolve(expected) as unknown[]));
    // The web admin role holds the very same policies.
    expect(sortedJson(invokeResourcesOfRole(template, 'ApolloWebAdmin-opt'))).toEqual(sortedJson(stack.resolve(expected) as unknown[]));
  });

  it('chunk() keeps each run within the budget and loses nothing', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const runs = chunk(items, items.map(() => 30), 100);
    expect(runs).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(() => chunk([1], [101], 100)).toThrow(/can't fit/);
  });
});

describe('functions in a VPC', () => {
  it('puts only the named functions in the given subnets, with the VPC execution policy, offline', () => {
    // Prepare
    const { template } = synth({ network: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], functions: ['system'] } }, true);
    // Assess
    const functions = Object.values(resourcesOfType(template, 'AWS::Lambda::Function'));
    const inVpc = functions.filter((f) => f.Properties.VpcConfig).map((f) => f.Properties.FunctionName);
    expect(inVpc).toEqual(['apollo-opt-system']);
    const system = functions.find((f) => f.Properties.FunctionName === 'apollo-opt-system')!;
    expect((system.Properties.VpcConfig as { SubnetIds: string[] }).SubnetIds).toEqual(['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1']);
    const roles = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).filter((r) => JSON.stringify(r.Properties.ManagedPolicyArns ?? '').includes('AWSLambdaVPCAccessExecutionRole'));
    expect(roles).toHaveLength(1);
  });
});

describe('props the stack refuses', () => {
  const attempt = (props: Partial<ApolloStackProps>) => () => new ApolloStack(testApp(), 'Apollo-bad', { stage: 'opt', webDist: WEB_DIST_FIXTURE, ...props });

  it('refuses a prod stage open to every origin, and origins that are not origins', () => {
    expect(attempt({ stage: 'prod', allowedOrigin: '*' })).toThrow(/every origin/);
    expect(attempt({ stage: 'prod' })).not.toThrow();
    expect(attempt({ allowedOrigin: 'https://apollo.example.com/app' })).toThrow(/allowedOrigin/);
    expect(attempt({ stage: 'Prod_1' })).toThrow(/stage/);
  });

  it('refuses to synthesize without a web build, saying how to make one', () => {
    expect(attempt({ webDist: '/nonexistent/web/dist' })).toThrow(/npm run build:web/);
  });

  it('refuses route tables the API cannot be built from', () => {
    expect(attempt({ routes: [...ROUTES, ROUTES[0]!] })).toThrow(/defined twice/);
    expect(attempt({ routes: [{ ...WIDGET, permission: undefined }] })).toThrow(/needs a permission/);
    expect(attempt({ routes: [{ ...WIDGET, auth: 'none' }] })).toThrow(/CORS preflight only/);
    expect(attempt({ routes: [{ ...WIDGET, path: 'api/v1/widgets' }] })).toThrow(/path/);
    expect(attempt({ routes: [{ ...WIDGET, path: '/api/v1' }] })).toThrow(/shared prefix/);
  });

  it('refuses a VPC lookup it cannot do offline', () => {
    expect(attempt({ network: { vpcId: 'vpc-0123456789abcdef0' } })).toThrow(/looked up/);
  });

  it('refuses a health cluster that is not an EKS cluster name', () => {
    expect(attempt({ healthClusters: ['prod/*'] })).toThrow(/not an EKS cluster name/);
  });

  it('sizes the jobs function for the longest job, and refuses jobs it cannot schedule or finish', () => {
    const slow = { name: 'slow', description: 'slow', schedule: 'rate(1 hour)', timeoutSeconds: 600 };
    expect(attempt({ jobs: [slow] })).not.toThrow();
    expect(attempt({ jobs: [slow], sizing: { jobs: { timeout: Duration.seconds(60) } } })).toThrow(/times out after 60 s/);
    expect(attempt({ jobs: [{ ...slow, schedule: 'every hour' }] })).toThrow(/rate\(\) or cron\(\)/);
    expect(attempt({ jobs: [slow, slow] })).toThrow(/defined twice/);
    const onEvent = { name: 'on-event', description: 'on event', eventPattern: { source: [] }, timeoutSeconds: 60 };
    expect(attempt({ jobs: [onEvent] })).toThrow(/an event pattern with a source/);
    expect(attempt({ jobs: [{ ...onEvent, eventPattern: { source: ['aws.cloudwatch'] } }] })).not.toThrow();
  });
});

describe('named health clusters', () => {
  it('scope DescribeCluster (the health poll, the deployment steps) to exactly those clusters, with no wildcard to waive (cdk-nag passes)', () => {
    // Act
    const { template } = synth({ healthClusters: ['apollo-prod', 'apollo-staging'] }, true);

    // Assess
    const statements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
      .filter((st) => [st.Action].flat().includes('eks:DescribeCluster'));
    const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:cluster/${name}`]] });
    expect(statements.map((st) => st.Resource)).toEqual([[arn('apollo-prod'), arn('apollo-staging')], [arn('apollo-prod'), arn('apollo-staging')]]);
  });
});

describe('the egress allowlist', () => {
  it('reaches the functions whose outside calls keep to the egress guard (health poll, request actions, the studio\'s dry run), and no other', () => {
    // Act
    const { template } = synth({ egressAllow: '10.20.0.0/16,*.internal.example.com' });

    // Assess
    const withIt = Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))
      .filter((f) => (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.APOLLO_EGRESS_ALLOW === '10.20.0.0/16,*.internal.example.com')
      .map((f) => f.Properties.FunctionName as string);
    expect(withIt.sort()).toEqual(['apollo-opt-jobs', 'apollo-opt-offerings', 'apollo-opt-requests-fulfillment-steps']);
  });

  it('refuses an entry the guard would refuse at cold start, at synth', () => {
    expect(() => new ApolloStack(testApp(), 'Apollo-bad', { stage: 'opt', webDist: WEB_DIST_FIXTURE, egressAllow: '.internal.example.com' })).toThrow(/^egressAllow: '.internal.example.com' is neither/);
  });
});

describe('the waivers stay true', () => {
  it('still cover every finding when the account and region are known (cdk-nag then names them in the findings)', () => {
    const app = testApp();
    new ApolloStack(app, 'Apollo-env', { stage: 'env', webDist: WEB_DIST_FIXTURE, env: { account: '123456789012', region: 'eu-west-1' } });
    addNagPacks(app);
    expect(() => app.synth()).not.toThrow();
  });

  it('fails the synth when a `*` resource reaches a function role other than through grantUnscoped', () => {
    const stack = new ApolloStack(testApp(), 'Apollo-star', { stage: 'star', webDist: WEB_DIST_FIXTURE });
    stack.functions.of('audit').role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(() => Template.fromStack(stack)).toThrow(/s3:GetObject on \* was added to the audit function's default policy: use grantUnscoped/);
  });
});

describe('table access', () => {
  it('follows the route table: writes for a context that mutates, audits or keeps idempotency records', () => {
    const read: RouteDef = { method: 'GET', path: '/api/v1/things', context: 'audit', auth: 'iam', permission: 'audit:read', summary: 'read' };
    expect(tableAccessOf('audit', [read])).toBe('read');
    expect(tableAccessOf('audit', [read, { ...read, audit: { action: 'things.read', resourceType: 'thing' } }])).toBe('readWrite');
    expect(tableAccessOf('audit', [read, { ...read, method: 'POST' }])).toBe('readWrite');
    expect(tableAccessOf('system', [read, { ...read, method: 'POST' }])).toBe('read');
  });
});
