/**
 * Apollo in one stack (ARCHITECTURE.md §2 `infra/`), one construct per concern: data, audit,
 * functions, api, realtime, identity, web identity (Cognito), web hosting (Amplify), jobs,
 * workflows. Routes, role policies and Lambdas are generated from the route table; nothing here
 * lists them. The API's routes are in nested stacks of this one, one per top-level path
 * (infra/api-routes.ts), so the stack stays within CloudFormation's 500 resources as routes are added.
 */
import { Aws, CfnOutput, Fn, Stack, Tags, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { SecurityGroup, Subnet, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { JobDef } from '#shared/jobs';
import type { Binding } from '#lib/context';
import { JOBS } from '#functions/contexts';
import { ROLES } from '#shared/permissions';
import { ROUTES, type RouteDef } from '#shared/routes';
import { ApolloApi, type ApiThrottling } from './api.ts';
import { ApolloAudit } from './audit.ts';
import { ApolloData } from './data.ts';
import { ApolloBindings, type CatalogRepositorySettings, type AiModelSettings, type CostsSettings, type SecretsSettings, type ConsoleSettings, type DeploymentTargetSettings, type GitHubSettings } from './bindings.ts';
import { ApolloFunctions, pascal, type BuildInfo, type FunctionName, type FunctionNetwork, type FunctionSizing } from './functions.ts';
import { ApolloIdentity } from './identity.ts';
import { ApolloJobs } from './jobs.ts';
import { ApolloRealtime } from './realtime.ts';
import { ApolloWebHosting } from './web-hosting.ts';
import { ApolloWebIdentity, USER_POOL_ENV } from './web-identity.ts';
import { ApolloWorkflows } from './workflows.ts';

export interface ApolloNetworkProps {
  readonly vpcId: string;
  /**
   * The private subnets (with a route to the internet or to VPC endpoints for the AWS services
   * Apollo calls) to put the functions in. Given, synth needs nothing from the account; omitted, the
   * VPC is looked up (credentials and an explicit account/region once, then cached in cdk.context.json)
   * and its private subnets with egress are used.
   */
  readonly subnetIds?: readonly string[];
  /** @default - a security group per function that allows all outbound traffic */
  readonly securityGroupIds?: readonly string[];
  /** The functions placed in the VPC. @default - all */
  readonly functions?: readonly FunctionName[];
}

export interface ApolloStackProps extends StackProps {
  /** `dev`, `staging`, `prod`…: part of resource names (roles `ApolloAdmin-<stage>`, functions `apollo-<stage>-<context>`) and the API stage. */
  readonly stage: string;
  /**
   * The web app's origin (`https://apollo.example.com`, e.g. a custom domain in front of the Amplify
   * app): the only origin CORS allows. `*` is refused for the `prod` stage.
   * @default - the Amplify app's URL, `https://main.<appId>.amplifyapp.com`
   */
  readonly allowedOrigin?: string;
  /** The built web app Amplify serves (a directory with index.html). @default web/dist */
  readonly webDist?: string;
  /** Who may assume the Apollo roles. @default - the account root, i.e. any principal of the account IAM allows to */
  readonly trustedPrincipalArns?: readonly string[];
  /** A VPC for the Lambdas that must reach private endpoints. @default - no VPC */
  readonly network?: ApolloNetworkProps;
  /** The EKS clusters the health poll may describe. @default - every cluster of the account and region */
  readonly healthClusters?: readonly string[];
  /** What the egress guard lets the requests' actions and the health poll call besides public addresses (ApolloBindingsProps.egressAllow). */
  readonly egressAllow?: string;
  /** Where the catalog services' logs are (`,`-separated log group templates). @default /apollo/{environment}/{service} */
  readonly logGroupTemplate?: string;
  /** The consoles the observability hub's deep links open. */
  readonly consoles?: ConsoleSettings;
  /** The AI console's model. */
  readonly ai?: AiModelSettings;
  /** Where each environment's secrets are (default: this account and region). */
  readonly secrets?: SecretsSettings;
  /** What the cost-ingest job reads beyond Cost Explorer (EBS regions, each cluster's OpenCost, the anomaly monitor). */
  readonly costs?: CostsSettings;
  /** Service discovery in GitHub: the organisation, the credentials secret's name, the API URL. @default - no organisation (see ApolloDiscoveryProps) */
  readonly discovery?: GitHubSettings;
  /** The self-service catalog's Git repository (`owner/name`) and directory; GitHub's secret and API URL are discovery's. @default - none (see ApolloCatalogRefreshProps) */
  readonly catalog?: CatalogRepositorySettings;
  /** Where deployments go: the GitOps repository, Argo CD or the EKS clusters (infra/bindings.ts `deployment-targets`). */
  readonly deployments?: DeploymentTargetSettings;
  /** What `GET /api/v1/version` reports. @default { version: '0.0.0', commit: 'unknown', buildTime: 'unknown' } */
  readonly build?: BuildInfo;
  /** @default ROUTES (a different table is for tests) */
  readonly routes?: readonly RouteDef[];
  /** @default JOBS */
  readonly jobs?: readonly (JobDef & { readonly bindings?: readonly Binding[] })[];
  /** @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttling?: ApiThrottling;
  /** @default - 512 MB and 10 s per API function; the longest job's timeout for jobs */
  readonly sizing?: Partial<Record<FunctionName, FunctionSizing>>;
  /** Lambda log retention. @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /**
   * Object Lock retention of exported audit days. Compliance mode can't be shortened or lifted, and
   * the bucket can't be deleted while an object is locked: give a throwaway stage a few days.
   * @default 2557 (7 years)
   */
  readonly auditRetentionDays?: number;
  /** @default true — turn off where an organization trail already records the account */
  readonly trail?: boolean;
  /** @default true — false where the account's API Gateway CloudWatch role is managed elsewhere */
  readonly configureAccountCloudWatchRole?: boolean;
  /** A regional WAF web ACL for the API stage. @default - none */
  readonly webAclArn?: string;
  /**
   * Apollo's public base URL, where outside systems are told to send their webhooks (Terraform's notification
   * configurations: `<publicUrl>/api/v1/webhooks/terraform`), e.g. a custom domain in front of the API.
   * @default - the REST API's URL, `https://<api id>.execute-api.<region>.<suffix>/<stage>`
   */
  readonly publicUrl?: string;
}

const STAGE = /^[a-z][a-z0-9-]{0,15}$/;
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

export class ApolloStack extends Stack {
  readonly data: ApolloData;
  readonly audit: ApolloAudit;
  readonly functions: ApolloFunctions;
  readonly api: ApolloApi;
  readonly realtime: ApolloRealtime;
  readonly identity: ApolloIdentity;
  /** What the descriptors asked for, bound (infra/bindings.ts). */
  readonly bindings: ApolloBindings;
  readonly webIdentity: ApolloWebIdentity;
  readonly web: ApolloWebHosting;
  readonly jobs: ApolloJobs;
  /** Each descriptor's workflows: state machines and their steps Lambdas. */
  readonly workflows: ApolloWorkflows;

  constructor(scope: Construct, id: string, props: ApolloStackProps) {
    super(scope, id, {
      description: `Apollo platform control plane (${props.stage})`,
      // The template nears CloudFormation's 1 MB with every context added; indentation is a third of it.
      suppressTemplateIndentation: true,
      ...props,
    });
    const { stage } = props;
    if (!STAGE.test(stage)) throw new Error(`stage must be 1-16 lowercase letters, digits or dashes starting with a letter, not "${stage}"`);
    const given = props.allowedOrigin;
    if (given !== undefined && given !== '*' && !ORIGIN.test(given)) throw new Error(`allowedOrigin must be an origin like https://apollo.example.com (no path), not "${given}"`);
    if (given === '*' && stage === 'prod') throw new Error('the prod stage can\'t allow every origin: leave allowedOrigin out (the Amplify app\'s URL) or name the web origin');
    const routes = props.routes ?? ROUTES;
    const jobs = props.jobs ?? JOBS;
    const apiName = `apollo-${stage}`;
    Tags.of(this).add('apollo:stage', stage);

    this.data = new ApolloData(this, 'Data');
    this.audit = new ApolloAudit(this, 'Audit', { stage, trail: props.trail, retentionDays: props.auditRetentionDays });
    // The Amplify app references nothing else, so its URL can be the API's and the functions' origin.
    this.web = new ApolloWebHosting(this, 'Web', { stage, dist: props.webDist, accessLogsBucket: this.audit.accessLogsBucket, logRetention: props.logRetention });
    const allowedOrigin = given ?? this.web.url;
    const network = this.network(props.network);
    this.functions = new ApolloFunctions(this, 'Functions', {
      stage,
      data: this.data,
      allowedOrigin,
      build: props.build ?? { version: '0.0.0', commit: 'unknown', buildTime: 'unknown' },
      routes,
      jobs,
      sizing: props.sizing,
      logRetention: props.logRetention,
      network,
    });
    this.api = new ApolloApi(this, 'Api', {
      stage,
      apiName,
      functions: (context) => this.functions.of(context),
      allowedOrigin,
      routes,
      throttling: props.throttling,
      configureAccountCloudWatchRole: props.configureAccountCloudWatchRole,
      webAclArn: props.webAclArn,
    });
    this.realtime = new ApolloRealtime(this, 'Realtime', { stage, function: this.functions.realtime });
    // Audit entries are published from every mutating context, so every REST context publishes; the
    // jobs publish their runs' progress and what they find (health changes, discovery, refreshes).
    for (const fn of this.functions.contexts.values()) this.realtime.grantPublish(fn);
    this.realtime.grantPublish(this.functions.jobs);
    this.identity = new ApolloIdentity(this, 'Identity', {
      stage,
      api: this.api.api,
      routes,
      trustedPrincipalArns: props.trustedPrincipalArns,
      realtime: this.realtime.arnParts,
    });

    // The invitation names where to sign in: the given origin (a custom domain) or the Amplify URL.
    this.webIdentity = new ApolloWebIdentity(this, 'WebIdentity', { stage, webUrl: given && given !== '*' ? given : this.web.url });
    for (const role of ROLES) this.webIdentity.attachPolicies(role, this.identity.roles.get(role)!.invokePolicies);
    for (const fn of this.functions.callerFacing) {
      fn.addEnvironment(USER_POOL_ENV, this.webIdentity.userPool.userPoolId);
      this.webIdentity.grantUserDirectory(fn);
    }

    // What each context's descriptor asks for, and each job's for the jobs Lambda (infra/bindings.ts).
    // The API's URL from its id and the stage's name as given (not `api.url`: see ApolloBindingsProps.publicUrl).
    const publicUrl = props.publicUrl ?? `https://${this.api.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${stage}`;
    this.bindings = new ApolloBindings(this, 'Bindings', {
      stage, apiName, jobs: this.functions.jobs, audit: this.audit, webIdentity: this.webIdentity,
      github: props.discovery, catalog: props.catalog, deployments: props.deployments, healthClusters: props.healthClusters, egressAllow: props.egressAllow, logGroupTemplate: props.logGroupTemplate, consoles: props.consoles, ai: props.ai, secrets: props.secrets, costs: props.costs, publicUrl,
    });
    for (const [descriptor, fn] of this.functions.descriptors) this.bindings.bind(fn, descriptor.bindings ?? []);
    for (const job of jobs) this.bindings.bind(this.functions.jobs, job.bindings ?? []);

    this.workflows = new ApolloWorkflows(this, 'Workflows', {
      stage, data: this.data, functions: this.functions.descriptors, bindings: this.bindings, realtime: this.realtime,
      environment: this.functions.environment, sizing: props.sizing, network, logRetention: props.logRetention,
      deadLetterQueue: this.functions.deadLetterQueue,
    });

    this.jobs = new ApolloJobs(this, 'Jobs', { stage, function: this.functions.jobs, deadLetterQueue: this.functions.deadLetterQueue, jobs });

    this.web.publish({
      mode: 'aws',
      region: Aws.REGION,
      stage,
      apiUrl: `https://${this.api.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${this.api.api.deploymentStage.stageName}`,
      realtimeUrl: this.realtime.url,
      auth: {
        userPoolId: this.webIdentity.userPool.userPoolId,
        userPoolClientId: this.webIdentity.userPoolClient.userPoolClientId,
        identityPoolId: this.webIdentity.identityPool.ref,
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'The API base URL (append api/v1/…)' });
    new CfnOutput(this, 'ApiName', { value: apiName });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'AuditBucketName', { value: this.audit.bucket.bucketName, description: 'Exported audit days (Object Lock, compliance, 7 years)' });
    new CfnOutput(this, 'AdminActionsRoleArn', { value: this.audit.adminActionsRole.roleArn });
    for (const role of ROLES) {
      const { role: iamRole, invokePolicies } = this.identity.roles.get(role)!;
      new CfnOutput(this, `${pascal(role)}RoleArn`, { value: iamRole.roleArn, description: `Assume to use Apollo as ${role}` });
      new CfnOutput(this, `${pascal(role)}InvokePolicyNames`, {
        value: invokePolicies.map((policy) => policy.managedPolicyName).join(','),
        description: `Customer-managed policies to reference from an IAM Identity Center permission set named Apollo${pascal(role)}`,
      });
    }
    new CfnOutput(this, 'FailedRunsQueueUrl', { value: this.functions.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'WebUrl', { value: this.web.url, description: 'The web app (Amplify Hosting)' });
    new CfnOutput(this, 'AllowedOrigin', { value: allowedOrigin, description: 'The only origin the API\'s CORS lets in' });
    new CfnOutput(this, 'RealtimeUrl', { value: this.realtime.url, description: 'The WebSocket API (connect with a SigV4-presigned URL)' });
    new CfnOutput(this, 'UserPoolId', { value: this.webIdentity.userPool.userPoolId, description: 'Web users: invite them here and put them in a group (viewer, developer, operator, admin)' });
    new CfnOutput(this, 'UserPoolClientId', { value: this.webIdentity.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'IdentityPoolId', { value: this.webIdentity.identityPool.ref });
    for (const role of ROLES) {
      new CfnOutput(this, `Web${pascal(role)}RoleArn`, { value: this.webIdentity.roles.get(role)!.roleArn, description: `What a web user in the ${role} group becomes` });
    }
  }

  private network(props: ApolloNetworkProps | undefined): FunctionNetwork | undefined {
    if (!props) return undefined;
    if (!/^vpc-[0-9a-f]+$/.test(props.vpcId)) throw new Error(`network.vpcId must be a VPC id (vpc-…), not "${props.vpcId}"`);
    const securityGroups = props.securityGroupIds?.map((id) => SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${id}`, id));
    if (props.subnetIds) {
      if (!props.subnetIds.length) throw new Error('network.subnetIds is empty');
      const subnets = props.subnetIds.map((id) => {
        const subnet = Subnet.fromSubnetId(this, `Subnet-${id}`, id);
        Validations.of(subnet).acknowledge({
          id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
          reason: 'Only the subnet id is needed to place a function in it; nothing in the stack reads the subnet\'s route table.',
        });
        return subnet;
      });
      // The AZs are never read: the functions are given their subnets by id.
      const vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpcId, availabilityZones: props.subnetIds.map((_, i) => Fn.select(i, Fn.getAzs())) });
      return { vpc, subnets: { subnets }, securityGroups, functions: props.functions };
    }
    if (Token.isUnresolved(this.account) || Token.isUnresolved(this.region)) {
      throw new Error('network.vpcId without subnetIds is looked up in the account: give subnetIds, or deploy with an explicit account and region (credentials, or CDK_DEFAULT_ACCOUNT/CDK_DEFAULT_REGION)');
    }
    const vpc = Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
    return { vpc, subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS }, securityGroups, functions: props.functions };
  }
}
