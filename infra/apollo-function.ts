/**
 * The one way Apollo makes a Lambda function (STYLE.md rule 8): arm64, Node 22, an ESM bundle that
 * is minified and carries the AWS SDK inside it (ARCHITECTURE.md §9: an external SDK costs hundreds
 * of ms of cold start), source maps, active tracing, its own log group with a retention, explicit
 * memory and timeout, and an execution role of its own that starts empty: what the function may do
 * is granted to it, resource by resource, by the constructs that own those resources.
 */
import { existsSync } from 'node:fs';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, Policy, PolicyStatement, Role, ServicePrincipal, type IGrantable, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The Lambda runtime and the matching esbuild target: change both together. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;
export const BUNDLE_TARGET = 'node22';

/**
 * Some bundled dependencies are CommonJS and call `require` (of Node built-ins); an ESM bundle has
 * no `require`, so the bundle makes one. The import is aliased so it can't clash with bundled code.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __apolloCreateRequire } from 'node:module'; const require = __apolloCreateRequire(import.meta.url);";

/**
 * How a function is invoked decides where its failures go: `sync`, API Gateway waits and the caller
 * sees the failure; `async`, EventBridge or an asynchronous invoke, the failure goes to a dead-letter
 * queue; `workflow`, a Step Functions Task waits and the state's Retry and Catch handle the failure.
 */
export type Invocation = 'sync' | 'async' | 'workflow';

export interface ApolloFunctionProps {
  /** The function's name inside Apollo: a context (`system`, `identity`, …), `jobs`, `realtime` or a workflow's steps (`requests-fulfillment-steps`). Lowercase, dashes. */
  readonly name: string;
  /** The deployed function's name, e.g. `apollo-prod-system`. Also names the log group `/aws/lambda/<functionName>`. */
  readonly functionName: string;
  /** Absolute path of the entry file; it exports `handler`. */
  readonly entry: string;
  /** The repository root: its package.json holds the `#shared/*`-style import aliases esbuild resolves, and its lock file. */
  readonly projectRoot: string;
  /** Environment variables. `AWS_REGION` is set by Lambda itself and must not be given. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 512 (MB). CPU scales with memory; 512 MB keeps a bundled-SDK cold start short at a low price. */
  readonly memorySize?: number;
  /** @default Duration.seconds(10). A `sync` function answers API Gateway, which gives up after 29 s. */
  readonly timeout?: Duration;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /**
   * `sync`: API Gateway waits for the answer and the caller sees any failure, so there is no dead-letter queue.
   * `async` (EventBridge): a run that still fails after Lambda's retries goes to `deadLetterQueue`.
   * @default 'sync'
   */
  readonly invocation?: Invocation;
  /** Required when `invocation` is `async`. */
  readonly deadLetterQueue?: IQueue;
  /** A VPC, for functions that must reach private endpoints. @default - not in a VPC */
  readonly vpc?: IVpc;
  /** @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: SubnetSelection;
  /** @default - a security group that allows all outbound traffic */
  readonly securityGroups?: ISecurityGroup[];
  /**
   * Files shipped beside the bundle (read at run time, not bundled): name in the asset → path in the
   * project. @default - none
   */
  readonly files?: Readonly<Record<string, string>>;
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const FORBIDDEN_ENV = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
/** API Gateway's integration timeout: a synchronous function allowed longer would be cut off anyway. */
const SYNC_TIMEOUT_LIMIT = Duration.seconds(29);

export class ApolloFunction extends Construct implements IGrantable {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: ApolloFunctionProps) {
    super(scope, id);
    const invocation = props.invocation ?? 'sync';
    const memorySize = props.memorySize ?? 512;
    const timeout = props.timeout ?? Duration.seconds(10);
    validate(props, invocation, memorySize, timeout);

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A role per function, with nothing in it yet: no AWSLambdaBasicExecutionRole (it may write to
    // every log group in the account), only this function's own log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Apollo ${props.name} Lambda`,
    });
    this.grantPrincipal = this.role;
    this.role.addToPrincipalPolicy(new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    if (props.vpc) {
      this.role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: 'A function in a VPC needs to create, describe and delete its network interfaces; AWSLambdaVPCAccessExecutionRole is the AWS-maintained policy for exactly that and nothing else.',
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        // Stack traces through the source maps esbuild writes next to the bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      deadLetterQueueEnabled: invocation === 'async' ? true : undefined,
      deadLetterQueue: invocation === 'async' ? props.deadLetterQueue : undefined,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.vpc ? props.securityGroups : undefined,
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        mainFields: ['module', 'main'],
        // The SDK goes into the bundle: the runtime's own copy is slower to load and not the version we test.
        externalModules: [],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: ESM_REQUIRE_BANNER,
        commandHooks: props.files && Object.keys(props.files).length ? copyFiles(props.files) : undefined,
      },
    });

    // Tracing: Active makes CDK add xray:PutTraceSegments/PutTelemetryRecords on `*` to the role's
    // default policy. The waiver below says nothing else there is `*`, and the validation keeps it true:
    // other unscoped actions go through grantUnscoped, in a policy and with a reason of their own.
    const defaultPolicy = this.role.node.findChild('DefaultPolicy') as Policy;
    Validations.of(defaultPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The only * is the resource of xray:PutTraceSegments and xray:PutTelemetryRecords (tracing is Active), which support no resource-level permissions; every other statement names its resource.',
    });
    this.node.addValidation({
      validate: () => {
        const statements = (defaultPolicy.document.toJSON() as { Statement?: { Action: string | string[]; Resource: unknown }[] } | undefined)?.Statement ?? [];
        return statements
          .filter((statement) => [statement.Resource].flat().includes('*'))
          .flatMap((statement) => [statement.Action].flat().filter((action) => !action.startsWith('xray:')))
          .map((action) => `${action} on * was added to the ${props.name} function's default policy: use grantUnscoped, with a reason`);
      },
    });
    if (invocation === 'sync') {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `Only API Gateway invokes the ${props.name} function, synchronously (its resource policy allows nothing else): a failure is returned to the caller, and a dead-letter queue only ever receives failed asynchronous invocations, so it would stay empty.`,
      });
    }
    if (invocation === 'workflow') {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `Only its state machine invokes the ${props.name} function, synchronously (a Task state waits for the answer): a failure goes back to the state, whose Retry and Catch handle it, and a dead-letter queue only ever receives failed asynchronous invocations, so it would stay empty.`,
      });
    }
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: `Node 22 (an LTS) is the runtime Apollo targets (ARCHITECTURE.md §9; bundles are built for ${BUNDLE_TARGET}); moving to Node 24 is a deliberate change of LAMBDA_RUNTIME and BUNDLE_TARGET, tested first.`,
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaLatestVersion',
      reason: `Node 22 (an LTS) is the runtime Apollo targets (ARCHITECTURE.md §9; bundles are built for ${BUNDLE_TARGET}); moving to Node 24 is a deliberate change of LAMBDA_RUNTIME and BUNDLE_TARGET, tested first.`,
    });
  }

  /**
   * Grants actions that IAM cannot scope (their only resource is `*`) in a policy of their own, so
   * the cdk-nag acknowledgement of that wildcard covers exactly these actions and carries the reason.
   */
  grantUnscoped(id: string, actions: readonly string[], reason: string): Policy {
    if (!actions.length) throw new Error('grantUnscoped needs at least one action');
    if (reason.trim().length < 40) throw new Error(`grantUnscoped(${actions.join(', ')}) needs a reason that explains why the resource is *`);
    const policy = new Policy(this, id, { statements: [new PolicyStatement({ actions: [...actions], resources: ['*'] })] });
    policy.attachToRole(this.role);
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: `${actions.join(', ')}: ${reason}` });
    return policy;
  }

  /** Adds an environment variable (for values known only once other constructs exist). */
  addEnvironment(key: string, value: string): void {
    if (FORBIDDEN_ENV.includes(key)) throw new Error(`${key} is set by Lambda itself and must not be configured`);
    this.function.addEnvironment(key, value);
  }
}

function validate(props: ApolloFunctionProps, invocation: Invocation, memorySize: number, timeout: Duration): void {
  if (!NAME.test(props.name)) throw new Error(`ApolloFunction name must be lowercase letters, digits and dashes, not "${props.name}"`);
  if (!existsSync(props.entry)) throw new Error(`ApolloFunction ${props.name}: entry ${props.entry} does not exist`);
  for (const key of Object.keys(props.environment ?? {})) {
    if (FORBIDDEN_ENV.includes(key)) throw new Error(`ApolloFunction ${props.name}: ${key} is set by Lambda itself and must not be configured`);
  }
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
    throw new Error(`ApolloFunction ${props.name}: memorySize must be an integer from 128 to 10240 MB, not ${memorySize}`);
  }
  if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) throw new Error(`ApolloFunction ${props.name}: timeout must be 1 s to 15 min`);
  if (invocation === 'sync' && timeout.toSeconds() > SYNC_TIMEOUT_LIMIT.toSeconds()) {
    throw new Error(`ApolloFunction ${props.name}: a synchronous (API) function can't run longer than API Gateway waits (29 s)`);
  }
  if (invocation === 'async' && !props.deadLetterQueue) throw new Error(`ApolloFunction ${props.name}: an async function needs a deadLetterQueue`);
  if (!props.vpc && (props.vpcSubnets || props.securityGroups)) throw new Error(`ApolloFunction ${props.name}: vpcSubnets/securityGroups need a vpc`);
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Copies files of the project into the asset after bundling (run locally: no Docker). */
function copyFiles(files: Readonly<Record<string, string>>) {
  for (const name of Object.keys(files)) if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`ApolloFunction files: "${name}" is not a plain file name`);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      Object.entries(files).map(([name, source]) => `cp ${shellQuote(`${inputDir}/${source}`)} ${shellQuote(`${outputDir}/${name}`)}`),
  };
}
