/**
 * Web sign-in (Cognito), the realtime channel (WebSocket API) and the web hosting (Amplify) say what
 * the architecture says: MFA for everyone, a role only through an Apollo group, web roles with the
 * very same generated policies as the Apollo roles, IAM on `$connect` only, every publisher allowed to
 * post to connections, and a deployment that publishes the build with a config.json made of the
 * stack's own values. Lambdas are not bundled here.
 */
import { Aws, FileSystem } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { invokeResources, realtimeConnectResources, realtimeManageConnectionsResources } from '#shared/iam-policy';
import { ROLES } from '#shared/permissions';
import { CONTEXTS } from '#shared/routes';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import { ApolloStack } from './apollo-stack.ts';
import { pascal } from './functions.ts';
import { invokeResourcesOfRole, lambdaEnv, type PolicyStatement, resourcesOfType, roleStatements, sortedJson, templateMethods, testApp, WEB_DIST_FIXTURE } from './testing.ts';
import { BUILD_EXCLUDE, SITE_PREFIX, SPA_REWRITE_SOURCE, WEB_BRANCH } from './web-hosting.ts';
import { USER_ADMIN_ACTIONS, USER_DIRECTORY_ACTIONS, USER_POOL_ENV } from './web-identity.ts';

const STAGE = 'web';
let stack: ApolloStack;
let template: Template;

beforeAll(() => {
  // No allowedOrigin: the Amplify app's URL is the origin.
  stack = new ApolloStack(testApp(), 'Apollo-web', { stage: STAGE, webDist: WEB_DIST_FIXTURE });
  template = Template.fromStack(stack);
});

const one = (type: string) => {
  const found = Object.entries(resourcesOfType(template, type));
  expect(found, type).toHaveLength(1);
  return { logicalId: found[0]![0], ...found[0]![1] };
};
const ref = (construct: { node: { defaultChild?: unknown } }) => stack.resolve((construct.node.defaultChild as { ref: string }).ref);
/** The identity-based statements attached to the execution role of Apollo function `name`. */
const statementsOf = (name: string) => roleStatements(stack, template, name);
const actionsOn = (name: string, resource: unknown): string[] =>
  statementsOf(name).filter((s) => JSON.stringify([s.Resource].flat()).includes(JSON.stringify(resource))).flatMap((s) => [s.Action].flat()).sort();
const envOf = (name: string) => lambdaEnv(template, STAGE, name);
const callerFacing = [...CONTEXTS, 'realtime'];

describe('web sign-in (Cognito user pool)', () => {
  it('lets only invited users in, by email, with a strong password and TOTP required of everyone', () => {
    const pool = one('AWS::Cognito::UserPool');
    expect(pool.DeletionPolicy).toBe('Retain');
    expect(pool.Properties).toMatchObject({
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      DeletionProtection: 'ACTIVE',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      Policies: { PasswordPolicy: { RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
      Schema: [{ Name: 'email', Required: true, Mutable: false }],
    });
    expect((pool.Properties.Policies as { PasswordPolicy: { MinimumLength: number } }).PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    // The invitation carries the user name and temporary password, and says where to sign in: the Amplify URL.
    const invite = JSON.stringify((pool.Properties.AdminCreateUserConfig as { InviteMessageTemplate: unknown }).InviteMessageTemplate);
    expect(invite).toContain('{username}');
    expect(invite).toContain('{####}');
    expect(invite).toContain(JSON.stringify(stack.resolve(stack.web.app.attrDefaultDomain)));
  });

  it('has one SPA client: no secret, SRP only, no OAuth, one-hour tokens', () => {
    const client = one('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AuthSessionValidity: 10,
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  it('has a group per role, the higher role first, each naming its ApolloWeb role', () => {
    const groups = Object.values(resourcesOfType(template, 'AWS::Cognito::UserPoolGroup')).map((g) => g.Properties);
    expect(groups.map((g) => g.GroupName).sort()).toEqual([...ROLES].sort());
    const precedence = (role: string) => groups.find((g) => g.GroupName === role)!.Precedence as number;
    for (let i = 1; i < ROLES.length; i++) expect(precedence(ROLES[i]!), ROLES[i]).toBeLessThan(precedence(ROLES[i - 1]!));
    for (const role of ROLES) {
      expect(groups.find((g) => g.GroupName === role)!.RoleArn).toEqual(stack.resolve(stack.webIdentity.roles.get(role)!.roleArn));
    }
  });
});

describe('web sign-in (identity pool)', () => {
  it('admits no unauthenticated identity, and only the SPA client, with server-side token checks', () => {
    expect(one('AWS::Cognito::IdentityPool').Properties).toMatchObject({
      AllowUnauthenticatedIdentities: false,
      AllowClassicFlow: false,
      CognitoIdentityProviders: [{ ClientId: ref(stack.webIdentity.userPoolClient), ServerSideTokenCheck: true }],
    });
  });

  it('takes the role from the token (the highest group) and denies a user in no Apollo group, with no default role', () => {
    const attachment = one('AWS::Cognito::IdentityPoolRoleAttachment').Properties;
    expect(attachment.Roles).toBeUndefined();
    expect(Object.values(attachment.RoleMappings as object)).toEqual([{
      Type: 'Token',
      AmbiguousRoleResolution: 'Deny',
      IdentityProvider: stack.resolve(`${stack.webIdentity.userPool.userPoolProviderName}:${stack.webIdentity.userPoolClient.userPoolClientId}`),
    }]);
  });

  it.each(ROLES)('lets only authenticated identities of this pool become ApolloWeb%s', (role) => {
    const [webRole] = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).filter((r) => r.Properties.RoleName === `ApolloWeb${pascal(role)}-${STAGE}`);
    expect((webRole!.Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'cognito-identity.amazonaws.com:aud': stack.resolve(stack.webIdentity.identityPool.ref) },
        'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
      },
    }]);
  });

  it.each(ROLES)('gives ApolloWeb%s exactly the Invoke resources of the Apollo role of that name', (role) => {
    const parts = { partition: Aws.PARTITION, region: Aws.REGION, accountId: Aws.ACCOUNT_ID, apiId: stack.api.api.restApiId, stage: STAGE };
    const expected = sortedJson(stack.resolve([...invokeResources(role, parts), ...realtimeConnectResources(stack.realtime.arnParts)]) as unknown[]);
    expect(sortedJson(invokeResourcesOfRole(template, `ApolloWeb${pascal(role)}-${STAGE}`))).toEqual(expected);
    expect(sortedJson(invokeResourcesOfRole(template, `Apollo${pascal(role)}-${STAGE}`))).toEqual(expected);
  });

  it('tells the functions that identify callers where the user pool is, and lets them only look users up', () => {
    const poolArn = stack.resolve(stack.webIdentity.userPool.userPoolArn);
    for (const name of callerFacing) {
      expect(envOf(name)[USER_POOL_ENV], name).toEqual(ref(stack.webIdentity.userPool));
      const expected = name === 'identity' ? [...USER_ADMIN_ACTIONS].sort() : [...USER_DIRECTORY_ACTIONS].sort();
      expect([...new Set(actionsOn(name, poolArn))].sort(), name).toEqual(expected);
    }
    expect(envOf('jobs')[USER_POOL_ENV]).toBeUndefined();
    expect(actionsOn('jobs', poolArn)).toEqual([]);
  });
});

describe('realtime (WebSocket API)', () => {
  it('has $connect with IAM authorization, and $disconnect and $default (which cannot have any), all to the realtime Lambda', () => {
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    expect(routes.map((r) => [r.RouteKey, r.AuthorizationType]).sort()).toEqual([['$connect', 'AWS_IAM'], ['$default', 'NONE'], ['$disconnect', 'NONE']]);
    const integrations = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'));
    expect(integrations).toHaveLength(3);
    const realtimeArn = JSON.stringify(stack.resolve(stack.functions.realtime.function.functionArn));
    for (const integration of integrations) expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(realtimeArn);
  });

  it('deploys the stage named after the Apollo stage, throttled, with JSON access logs', () => {
    const stage = one('AWS::ApiGatewayV2::Stage').Properties as { StageName: string; AutoDeploy: boolean; DefaultRouteSettings: object; AccessLogSettings: { Format: string } };
    expect(stage.StageName).toBe(STAGE);
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) });
    expect(Object.keys(JSON.parse(stage.AccessLogSettings.Format) as object)).toEqual(expect.arrayContaining(['requestId', 'userArn', 'routeKey', 'connectionId', 'status']));
  });

  it('lets every publisher (the REST contexts, realtime and the jobs\' health poll) post to, read and close this stage\'s connections, and nobody else', () => {
    const endpoint = stack.resolve(`https://${stack.realtime.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${STAGE}`);
    const resources = sortedJson(stack.resolve(realtimeManageConnectionsResources(stack.realtime.arnParts)) as unknown[]);
    const manage = (name: string) => statementsOf(name).filter((s) => [s.Action].flat().includes('execute-api:ManageConnections'));
    for (const name of [...callerFacing, 'jobs']) {
      expect(envOf(name)[REALTIME_ENDPOINT_ENV], name).toEqual(endpoint);
      expect(manage(name).map((s) => sortedJson([s.Resource].flat())), name).toEqual([resources]);
    }
    expect(resources.every((arn) => arn.includes('/@connections/*'))).toBe(true);
  });
});

describe('web hosting (Amplify)', () => {
  it('is a WEB app with no repository, a main branch that never builds itself, and SPA routing that spares config.json and assets', () => {
    const app = one('AWS::Amplify::App').Properties;
    expect(app.Platform).toBe('WEB');
    expect(app.Repository).toBeUndefined();
    expect(app.CustomRules).toEqual([{ Source: SPA_REWRITE_SOURCE, Target: '/index.html', Status: '200' }]);
    expect(one('AWS::Amplify::Branch').Properties).toMatchObject({ BranchName: WEB_BRANCH, EnableAutoBuild: false });
    const spa = new RegExp(SPA_REWRITE_SOURCE.slice(2, -2));
    for (const path of ['/', '/audit', '/admin/users', '/requests/01HZX']) expect(spa.test(path), path).toBe(true);
    for (const path of ['/config.json', '/assets/index-3f2a.js', '/assets/index.css', '/favicon.svg', '/assets/font.woff2']) expect(spa.test(path), path).toBe(false);
  });

  it('makes the Amplify URL the only origin CORS and the functions allow when none is given', () => {
    const origin = stack.resolve(`https://${WEB_BRANCH}.${stack.web.app.attrDefaultDomain}`);
    const quoted = stack.resolve(`'https://${WEB_BRANCH}.${stack.web.app.attrDefaultDomain}'`);
    const preflight = templateMethods(stack).find((m) => m.httpMethod === 'OPTIONS' && m.path === '/api/v1/me')!;
    const headers = (preflight.properties.Integration as { IntegrationResponses: { ResponseParameters: Record<string, unknown> }[] }).IntegrationResponses[0]!.ResponseParameters;
    expect(headers['method.response.header.Access-Control-Allow-Origin']).toEqual(quoted);
    for (const name of [...callerFacing, 'jobs']) expect(envOf(name).APOLLO_ALLOWED_ORIGIN, name).toEqual(origin);
  });

  it('stages the build in a private, TLS-only, logged bucket that only this branch of Amplify may read', () => {
    const bucket = Object.values(resourcesOfType(template, 'AWS::S3::Bucket')).find((b) => JSON.stringify(b.Properties.LoggingConfiguration ?? '').includes('web-staging/'))!;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    const policy = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy')).find((p) => JSON.stringify(p.Properties).includes('amplify.amazonaws.com'))!;
    const statements = (policy.Properties.PolicyDocument as { Statement: { Effect: string; Principal: unknown; Action: string; Condition?: Record<string, Record<string, unknown>> }[] }).Statement;
    expect(statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}')).toBe(true);
    const amplify = statements.filter((s) => JSON.stringify(s.Principal) === '{"Service":"amplify.amazonaws.com"}');
    expect(amplify.map((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    for (const statement of amplify) {
      expect(statement.Condition!.StringEquals!['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
      expect(JSON.stringify(statement.Condition!.StringEquals!['aws:SourceArn'])).toContain(`%2Fbranches%2F${WEB_BRANCH}`);
    }
  });

  it('copies the build and a config.json of the stack\'s own values, then starts an Amplify deployment from that prefix', () => {
    const copy = one('Custom::CDKBucketDeployment').Properties;
    expect(copy).toMatchObject({ DestinationBucketKeyPrefix: SITE_PREFIX, Prune: true, RetainOnDelete: false });
    const deployment = one('Custom::AmplifyDeployment');
    const call = (deployment.Properties.Create as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const text = call.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
    expect(text).toContain('"service":"Amplify","action":"startDeployment"');
    expect(text).toContain(`"branchName":"${WEB_BRANCH}","sourceUrl":"s3://${JSON.stringify(ref(stack.web.stagingBucket))}/${SITE_PREFIX}","sourceUrlType":"BUCKET_PREFIX"`);
    expect(deployment.Properties.Update).toEqual(deployment.Properties.Create);
    expect(deployment.Properties.BuildHash).toBe(FileSystem.fingerprint(WEB_DIST_FIXTURE, { exclude: BUILD_EXCLUDE }));
    const deployPolicy = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties).includes('amplify:StartDeployment'))!;
    const deployStatements = (deployPolicy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('amplify:')));
    expect(deployStatements.flatMap((st) => [st.Action].flat())).toEqual(['amplify:StartDeployment']);
    expect(JSON.stringify(deployStatements[0]!.Resource)).not.toContain('*');
    expect((template.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[deployment.logicalId]!.DependsOn)
      .toEqual(expect.arrayContaining([expect.stringMatching(/^WebCopyCustomResource/), expect.stringMatching(/^WebBranch/)]));
  });

  it('writes config.json in the web config shape: aws mode, the API URL without its slash, the wss URL, region, stage and the Cognito ids', () => {
    const deployment = one('Custom::AmplifyDeployment');
    const expected = stack.resolve(stack.toJsonString({
      mode: 'aws',
      region: Aws.REGION,
      stage: STAGE,
      apiUrl: `https://${stack.api.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${stack.api.api.deploymentStage.stageName}`,
      realtimeUrl: `wss://${stack.realtime.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${STAGE}`,
      auth: {
        userPoolId: stack.webIdentity.userPool.userPoolId,
        userPoolClientId: stack.webIdentity.userPoolClient.userPoolClientId,
        identityPoolId: stack.webIdentity.identityPool.ref,
      },
    }));
    expect(deployment.Properties.Config).toEqual(expected);
    // The same values reach the file itself (deploy-time markers of the BucketDeployment).
    const markers = JSON.stringify(one('Custom::CDKBucketDeployment').Properties.SourceMarkers);
    for (const value of [ref(stack.webIdentity.userPool), ref(stack.webIdentity.userPoolClient), stack.resolve(stack.webIdentity.identityPool.ref), ref(stack.api.api), stack.resolve(stack.realtime.api.apiId)]) {
      expect(markers).toContain(JSON.stringify(value));
    }
  });
});

describe('the stack as a whole', () => {
  it('has no circular dependency between resources (the Amplify app depends on nothing of Apollo)', () => {
    const resources = template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
    const edges = new Map<string, string[]>();
    for (const [id, resource] of Object.entries(resources)) {
      const text = JSON.stringify({ ...resource, DependsOn: undefined });
      const refs = [...text.matchAll(/"Ref":"([A-Za-z0-9]+)"|"Fn::GetAtt":\["([A-Za-z0-9]+)"/g)].map((m) => m[1] ?? m[2]!).filter((r) => r in resources);
      edges.set(id, [...refs, ...(resource.DependsOn ?? [])]);
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === 'done' || cycle.length) return;
      if (state.get(id) === 'visiting') { cycle.push(...path, id); return; }
      state.set(id, 'visiting');
      for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of edges.keys()) visit(id, []);
    expect(cycle).toEqual([]);
    expect(edges.get(one('AWS::Amplify::App').logicalId)).toEqual([]);
  });
});
