/**
 * The web app on Amplify Hosting (ARCHITECTURE.md §9: `aws-cdk-lib/aws-amplify` L1; the alpha L2
 * adds nothing a manual-deploy app needs). An app with no Git repository deploys nothing by itself,
 * so `cdk deploy` publishes the build: the built files (`web/dist`) and a `config.json` generated
 * from the stack's own values (API and realtime URLs, Cognito ids: one build serves any account) are
 * copied to a private staging bucket, then Amplify's StartDeployment takes them from that bucket
 * prefix. It runs again whenever the build or the config changes.
 *
 * The app itself references nothing else in the stack, so its URL can be the API's CORS origin and
 * the functions' without a circular dependency.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, type CfnResource, Duration, FileSystem, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnApp, CfnBranch } from 'aws-cdk-lib/aws-amplify';
import type { Policy} from 'aws-cdk-lib/aws-iam';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { AwsCustomResource, AwsCustomResourcePolicy, Logging, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { WebConfig } from '#schemas/types.gen.ts';
import { PROJECT_ROOT } from './functions.ts';
import { wildcardFinding } from './nag.ts';

/** Where `npm run build:web` writes the app. */
export const DEFAULT_WEB_DIST = join(PROJECT_ROOT, 'web', 'dist');
/** The Amplify branch that serves the app. */
export const WEB_BRANCH = 'main';
/** The staging bucket prefix Amplify deploys from. */
export const SITE_PREFIX = 'site/';
/**
 * Single-page app routing: every path without a file extension (or with one that isn't a static
 * asset's) is answered with index.html; `/config.json`, scripts, styles, images and fonts are served as files.
 */
export const SPA_REWRITE_SOURCE = '</^[^.]+$|\\.(?!(css|gif|ico|jpg|jpeg|js|json|map|png|svg|txt|ttf|webmanifest|webp|woff|woff2)$)([^.]+$)/>';

/** Left out of the published build: the deployment writes its own config.json. */
export const BUILD_EXCLUDE = ['config.json'];

/** The `config.json` the deployment writes (schemas/api/web-config.schema.json), values as tokens. */
export type DeployedWebConfig = WebConfig & { readonly mode: 'aws'; readonly auth: NonNullable<WebConfig['auth']> };

export interface ApolloWebHostingProps {
  readonly stage: string;
  /** The built web app: a directory with index.html. @default DEFAULT_WEB_DIST (web/dist) */
  readonly dist?: string;
  /** Where the staging bucket's server access logs go. */
  readonly accessLogsBucket: IBucket;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
}

export class ApolloWebHosting extends Construct {
  readonly app: CfnApp;
  readonly branch: CfnBranch;
  /** `https://main.<appId>.amplifyapp.com`: the web app's origin. */
  readonly url: string;
  /** Private, TLS-only bucket the deployment copies the build and config.json to, for Amplify to take. */
  readonly stagingBucket: Bucket;
  /** The branch's ARN (`arn:…:amplify:<region>:<account>:apps/<appId>/branches/main`). */
  readonly branchArn: string;
  private readonly dist: string;
  private readonly logRetention: RetentionDays;
  private published = false;

  constructor(scope: Construct, id: string, props: ApolloWebHostingProps) {
    super(scope, id);
    this.dist = props.dist ?? DEFAULT_WEB_DIST;
    if (!existsSync(join(this.dist, 'index.html'))) {
      throw new Error(`the web app is not built: ${join(this.dist, 'index.html')} is missing (run npm run build:web)`);
    }
    this.logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    this.app = new CfnApp(this, 'App', {
      name: `apollo-${props.stage}`,
      description: `Apollo web app (${props.stage}), deployed by cdk deploy`,
      platform: 'WEB',
      customRules: [{ source: SPA_REWRITE_SOURCE, target: '/index.html', status: '200' }],
      customHeaders: customHeaders(),
    });
    this.branch = new CfnBranch(this, 'Branch', {
      appId: this.app.attrAppId,
      branchName: WEB_BRANCH,
      stage: 'PRODUCTION',
      enableAutoBuild: false,
      description: 'Deployed from the staging bucket by cdk deploy (no Git repository)',
    });
    this.url = `https://${WEB_BRANCH}.${this.app.attrDefaultDomain}`;

    this.stagingBucket = new Bucket(this, 'Staging', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'web-staging/',
      // Only a copy of the build: the deployment empties it when the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Amplify Hosting reads the prefix itself, for this app's branch only (the branch ARN is
    // percent-encoded in aws:SourceArn, as Amplify sends it).
    const branchArn = this.branchArn = ['arn', Aws.PARTITION, 'amplify', Aws.REGION, Aws.ACCOUNT_ID, `apps/${this.app.attrAppId}/branches/${WEB_BRANCH}`].join(':');
    const fromThisBranch = {
      StringEquals: {
        'aws:SourceAccount': Aws.ACCOUNT_ID,
        'aws:SourceArn': branchArn.replace(/:/g, '%3A').replace(/\//g, '%2F'),
      },
    };
    const amplify = new ServicePrincipal('amplify.amazonaws.com');
    this.stagingBucket.addToResourcePolicy(new PolicyStatement({
      principals: [amplify],
      actions: ['s3:ListBucket'],
      resources: [this.stagingBucket.bucketArn],
      conditions: fromThisBranch,
    }));
    this.stagingBucket.addToResourcePolicy(new PolicyStatement({
      principals: [amplify],
      actions: ['s3:GetObject'],
      resources: [this.stagingBucket.arnForObjects(`${SITE_PREFIX}*`)],
      conditions: fromThisBranch,
    }));
  }

  /**
   * Publishes the build with `config` as `/config.json` (its values may be tokens: they are resolved
   * at deploy time). Call once, when every value of the config exists.
   */
  publish(config: DeployedWebConfig): AwsCustomResource {
    if (this.published) throw new Error('the web app is published once');
    this.published = true;
    const stack = Stack.of(this);

    const copyRole = this.handlerRole('CopyRole', 'Copies the web build and config.json to the staging bucket');
    const copy = new BucketDeployment(this, 'Copy', {
      // A config.json left in the build (a local one) never reaches AWS: the generated one does.
      sources: [Source.asset(this.dist, { exclude: BUILD_EXCLUDE }), Source.jsonData('config.json', config)],
      destinationBucket: this.stagingBucket,
      destinationKeyPrefix: SITE_PREFIX,
      prune: true,
      retainOnDelete: false,
      memoryLimit: 512,
      role: copyRole.role,
      logGroup: copyRole.logGroup,
    });

    const deployRole = this.handlerRole('DeployRole', 'Starts the Amplify deployment of the web app');
    const startDeployment = {
      service: 'Amplify',
      action: 'startDeployment',
      parameters: {
        appId: this.app.attrAppId,
        branchName: WEB_BRANCH,
        sourceUrl: `s3://${this.stagingBucket.bucketName}/${SITE_PREFIX}`,
        sourceUrlType: 'BUCKET_PREFIX',
      },
      physicalResourceId: PhysicalResourceId.fromResponse('jobSummary.jobId'),
      outputPaths: ['jobSummary.jobId'],
      logging: Logging.withDataHidden(),
    };
    const deployment = new AwsCustomResource(this, 'Deployment', {
      resourceType: 'Custom::AmplifyDeployment',
      onCreate: startDeployment,
      onUpdate: startDeployment,
      policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({
        actions: ['amplify:StartDeployment'],
        // IAM authorizes StartDeployment on the branch (the service authorization reference's
        // `branches` resource); the operation's own path is named too, so either reading holds.
        resources: [this.branchArn, `${this.branchArn}/deployments/start`],
      })]),
      role: deployRole.role,
      logGroup: deployRole.logGroup,
      // The Lambda runtime's own SDK: fetching the latest from npm at deploy time would need internet
      // access from the function and make each deploy depend on the registry.
      installLatestAwsSdk: false,
      memorySize: 256,
      timeout: Duration.minutes(2),
    });
    deployment.node.addDependency(copy, this.branch);
    // A new build or a new config is a new deployment: these properties change with them, so
    // CloudFormation updates the resource and the call runs again.
    const resource = deployment.node.findChild('Resource').node.defaultChild as CfnResource;
    resource.addPropertyOverride('BuildHash', FileSystem.fingerprint(this.dist, { exclude: BUILD_EXCLUDE }));
    resource.addPropertyOverride('Config', stack.toJsonString(config));

    this.acknowledgeCopyGrants(copyRole.role);
    this.acknowledgeHelperFunction(copyRole.role, 'copies the web build into the staging bucket (aws-cdk-lib BucketDeployment)', true);
    this.acknowledgeHelperFunction(deployRole.role, 'calls Amplify StartDeployment (aws-cdk-lib AwsCustomResource)', false);
    return deployment;
  }

  /** BucketDeployment's own grants: read its asset from the CDK bootstrap bucket, sync the staging bucket. */
  private acknowledgeCopyGrants(role: Role): void {
    const policy = role.node.findChild('DefaultPolicy') as Policy;
    const reasons: Record<string, string> = {
      'Action::s3:GetObject*': 'aws-cdk-lib BucketDeployment reads its zipped asset (GetObject and its variants) from the CDK bootstrap bucket and the objects it syncs in the staging bucket.',
      'Action::s3:GetBucket*': 'aws-cdk-lib BucketDeployment reads the location and settings of the bootstrap and staging buckets before it syncs (aws s3 sync).',
      'Action::s3:List*': 'aws-cdk-lib BucketDeployment lists the staging prefix to prune files the new build no longer has (aws s3 sync --delete).',
      'Action::s3:Abort*': 'aws-cdk-lib BucketDeployment uploads large files in parts and must be able to abort an interrupted multipart upload to the staging bucket.',
      'Action::s3:DeleteObject*': 'aws-cdk-lib BucketDeployment deletes files of the previous build from the staging prefix (prune) and empties it when the stack is deleted.',
    };
    for (const [finding, reason] of Object.entries(reasons)) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    // The bootstrap bucket's name depends on the synthesizer (qualifier, account, region): take it from the grant itself.
    const statements = (policy.document.toJSON() as { Statement: { Resource: string | string[] }[] }).Statement;
    const assetObjects = statements.flatMap((st) => [st.Resource].flat()).filter((arn) => arn.endsWith('/*') && arn !== this.stagingBucket.arnForObjects('*'));
    for (const arn of new Set(assetObjects)) {
      Validations.of(policy).acknowledge({
        id: wildcardFinding(this, arn),
        reason: 'The web build is a CDK asset in the bootstrap bucket under a content-hash key known only at publish time; BucketDeployment is granted that bucket\'s objects.',
      });
    }
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.stagingBucket.node.defaultChild as CfnResource)}.Arn>/*]`,
      reason: 'The staging bucket holds only the web build and config.json: syncing it writes and deletes objects whose names come from the build.',
    });
  }

  /** The helper Lambdas aws-cdk-lib makes (one per stack) run once per deployment, invoked by CloudFormation. */
  private acknowledgeHelperFunction(role: Role, what: string, runtimeChosenByCdk: boolean): void {
    const functions = Stack.of(this).node.children.filter((c): c is LambdaFunction => c instanceof LambdaFunction && c.role === role);
    if (functions.length !== 1) throw new Error(`expected one helper function using ${role.node.path}, found ${functions.length}`);
    const fn = functions[0]!;
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: `This function ${what}; CloudFormation invokes it and waits for its answer, so a failure fails the deploy (and rolls it back) instead of landing in a queue.`,
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason: `This function ${what} once per deploy, called by CloudFormation only; its log group and the CloudFormation events say what happened, a trace would add nothing.`,
    });
    if (runtimeChosenByCdk) {
      const reason = 'The runtime of this aws-cdk-lib helper (Python, with the AWS CLI layer) is chosen and updated by aws-cdk-lib itself, not by Apollo: it moves with the aws-cdk-lib version.';
      Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason });
      Validations.of(fn).acknowledge({ id: 'Serverless-LambdaLatestVersion', reason });
    }
  }

  /** A role for one of the deployment's helper Lambdas, with its own log group and nothing else yet. */
  private handlerRole(id: string, description: string): { role: Role; logGroup: LogGroup } {
    const logGroup = new LogGroup(this, `${id}Logs`, { retention: this.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new Role(this, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    return { role, logGroup };
  }
}

/** Security headers on every file; config.json and index.html are revalidated so a deploy shows at once. */
function customHeaders(): string {
  const always = [
    ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'strict-origin-when-cross-origin'],
    ['Content-Security-Policy', "frame-ancestors 'none'; object-src 'none'; base-uri 'self'"],
  ];
  const header = ([key, value]: string[]): string => `      - key: '${key}'\n        value: "${value}"`;
  return [
    'customHeaders:',
    "  - pattern: '**'",
    '    headers:',
    ...always.map(header),
    "  - pattern: '/config.json'",
    '    headers:',
    header(['Cache-Control', 'no-cache']),
    "  - pattern: '/index.html'",
    '    headers:',
    header(['Cache-Control', 'no-cache']),
    '',
  ].join('\n');
}

