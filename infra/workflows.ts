/**
 * The workflows (ARCHITECTURE.md §4): for every workflow a descriptor declares, a Standard Step
 * Functions state machine deployed from its `state-machines/<name>.asl.json` (`DefinitionBody.fromFile`,
 * `${StepsFunctionArn}` substituted by CloudFormation), and the steps Lambda its Task states call,
 * made by ApolloFunction from the descriptor's `steps` entry and bound as the descriptor says. The
 * machine logs every transition (without execution data) to its own log group and is traced; its role
 * may invoke its steps function and nothing else. The context's Lambda may start, read, stop and
 * resume its executions (`APOLLO_WORKFLOW_<NAME>_ARN`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type Policy } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ContextDescriptor, ContextWorkflow } from '#lib/context';
import { workflowArnVariable } from '#lib/workflows/ports';
import { ApolloFunction } from './apollo-function.ts';
import type { ApolloBindings } from './bindings.ts';
import type { ApolloData } from './data.ts';
import { pascal, PROJECT_ROOT, type FunctionName, type FunctionNetwork, type FunctionSizing, type StepsFunctionName } from './functions.ts';
import { wildcardFinding } from './nag.ts';
import type { ApolloRealtime } from './realtime.ts';

export const DEFAULT_STEP_TIMEOUT_SECONDS = 60;
/** What a definition may leave to CloudFormation: the steps function's ARN. */
const SUBSTITUTIONS = ['StepsFunctionArn'];
const WORKFLOW_NAME = /^[a-z][a-z0-9-]{0,40}$/;
/** What the state machine's role may do on `*`: log delivery (CloudWatch Logs has no resource-level permissions for it) and X-Ray. */
const UNSCOPED_MACHINE_ACTIONS = /^(logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets))$/;

export interface ApolloWorkflowsProps {
  readonly stage: string;
  readonly data: ApolloData;
  /** Each descriptor with its Lambda (ApolloFunctions.descriptors): its workflows are made, and its Lambda may run them. */
  readonly functions: ReadonlyMap<ContextDescriptor, ApolloFunction>;
  /** Binds each steps function to what its workflow declares. */
  readonly bindings: ApolloBindings;
  /** Steps publish the progress of what they run. */
  readonly realtime: ApolloRealtime;
  /** What every Apollo function is told (ApolloFunctions.environment). */
  readonly environment: Readonly<Record<string, string>>;
  /** @default - 512 MB; the timeout is the workflow's `stepTimeoutSeconds` */
  readonly sizing?: Partial<Record<FunctionName, FunctionSizing>>;
  /** @default - not in a VPC */
  readonly network?: FunctionNetwork;
  /** Of the steps functions' and the state machines' logs. @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /** Where package.json and functions/ are. @default - this repository */
  readonly projectRoot?: string;
  /** Where the ASL files are. @default `<projectRoot>/state-machines` */
  readonly definitionsDir?: string;
  /** Where an execution-ended event that could not reach the steps Lambda goes. @default - no dead-letter queue */
  readonly deadLetterQueue?: IQueue;
}

/** One workflow as deployed. */
export interface DeployedWorkflow {
  readonly name: string;
  /** `apollo-<stage>-<name>`. */
  readonly machineName: string;
  readonly descriptor: ContextDescriptor;
  readonly workflow: ContextWorkflow;
  readonly stateMachine: StateMachine;
  readonly steps: ApolloFunction;
  readonly logGroup: LogGroup;
}

export class ApolloWorkflows extends Construct {
  /** Every workflow, by name. */
  readonly workflows: ReadonlyMap<string, DeployedWorkflow>;

  constructor(scope: Construct, id: string, props: ApolloWorkflowsProps) {
    super(scope, id);
    const root = props.projectRoot ?? PROJECT_ROOT;
    const definitionsDir = props.definitionsDir ?? join(root, 'state-machines');
    const workflows = new Map<string, DeployedWorkflow>();
    for (const [descriptor, contextFunction] of props.functions) {
      for (const workflow of descriptor.workflows ?? []) {
        if (workflows.has(workflow.name)) throw new Error(`workflow ${workflow.name} is declared twice`);
        const deployed = this.deploy(descriptor, workflow, definitionsDir, root, props);
        this.grantRun(contextFunction, deployed);
        workflows.set(workflow.name, deployed);
      }
    }
    this.workflows = workflows;
    for (const [descriptor, fn] of props.functions) {
      for (const name of descriptor.resumes ?? []) {
        const deployed = workflows.get(name);
        if (!deployed) throw new Error(`${descriptor.name} resumes workflow ${name}, which no context declares`);
        this.grantResume(fn, deployed);
      }
      for (const name of descriptor.starts ?? []) {
        const deployed = workflows.get(name);
        if (!deployed) throw new Error(`${descriptor.name} starts workflow ${name}, which no context declares`);
        this.grantStart(fn, deployed);
      }
    }
  }

  /** Lets `fn` start executions of the workflow only (StartExecution): a webhook starting a deployment. */
  grantStart(fn: ApolloFunction, deployed: DeployedWorkflow): void {
    deployed.stateMachine.grantStartExecution(fn);
    fn.addEnvironment(workflowArnVariable(deployed.name), deployed.stateMachine.stateMachineArn);
  }

  /** Lets `fn` resume the workflow's waiting states only (SendTaskSuccess/Failure/Heartbeat): a webhook waking an action. */
  grantResume(fn: ApolloFunction, deployed: DeployedWorkflow): void {
    deployed.stateMachine.grantTaskResponse(fn);
    fn.addEnvironment(workflowArnVariable(deployed.name), deployed.stateMachine.stateMachineArn);
  }

  /** Every steps function. */
  get stepFunctions(): ApolloFunction[] {
    return [...this.workflows.values()].map((w) => w.steps);
  }

  /**
   * Lets `fn` run the workflow's executions: start them, read them (describe, history), stop them, and
   * resume their callback states; the machine's ARN in `APOLLO_WORKFLOW_<NAME>_ARN`.
   */
  grantRun(fn: ApolloFunction, deployed: DeployedWorkflow): void {
    const { stateMachine } = deployed;
    stateMachine.grantStartExecution(fn);
    stateMachine.grantTaskResponse(fn);
    const executions = Stack.of(this).formatArn({
      service: 'states', resource: 'execution', resourceName: `${deployed.machineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'], resources: [executions] }));
    Validations.of(fn).acknowledge({
      id: wildcardFinding(this, executions),
      reason: `An execution of the ${deployed.name} workflow is named by the request it runs when it starts; the executions of that one state machine (<machine>:*) are the narrowest resource that covers them.`,
    });
    fn.addEnvironment(workflowArnVariable(deployed.name), stateMachine.stateMachineArn);
  }

  private deploy(descriptor: ContextDescriptor, workflow: ContextWorkflow, definitionsDir: string, root: string, props: ApolloWorkflowsProps): DeployedWorkflow {
    const definition = join(definitionsDir, `${workflow.name}.asl.json`);
    validate(descriptor, workflow, definition);
    const stepsName = `${descriptor.name}-${workflow.name}-steps` as StepsFunctionName;
    const inVpc = props.network && (!props.network.functions || props.network.functions.includes(stepsName));
    const network = inVpc ? props.network : undefined;
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    const steps = new ApolloFunction(this, pascal(stepsName), {
      name: stepsName,
      functionName: `apollo-${props.stage}-${stepsName}`,
      entry: join(root, workflow.steps),
      projectRoot: root,
      environment: { ...props.environment, ...workflow.environment },
      invocation: 'workflow',
      timeout: Duration.seconds(workflow.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS),
      memorySize: props.sizing?.[stepsName]?.memorySize,
      logRetention,
      vpc: network?.vpc,
      vpcSubnets: network?.subnets,
      securityGroups: network?.securityGroups ? [...network.securityGroups] : undefined,
    });
    props.data.grantReadWriteItems(steps);
    props.bindings.bind(steps, workflow.bindings ?? []);
    props.realtime.grantPublish(steps);

    const machineName = `apollo-${props.stage}-${workflow.name}`;
    // Under /aws/vendedlogs/: log deliveries to other names grow the account's one CloudWatch Logs
    // resource policy, which has a size limit.
    const logGroup = new LogGroup(this, `${pascal(workflow.name)}Logs`, {
      logGroupName: `/aws/vendedlogs/states/${machineName}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stateMachine = new StateMachine(this, pascal(workflow.name), {
      stateMachineName: machineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(definition),
      definitionSubstitutions: { StepsFunctionArn: steps.function.functionArn },
      // Every transition, but not its input and output: those carry rendered action inputs and
      // outputs, and our records (ACT#…, secrets masked) are where they are kept and read.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    if (workflow.startsItself) {
      // By name, not by the machine's token: the machine refers to the function, whose policy would refer back (a cycle).
      const ownArn = Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: machineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      steps.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [ownArn] }));
      steps.addEnvironment(workflowArnVariable(workflow.name), ownArn);
    }
    // The unqualified function only (grantInvoke would add `<arn>:*`, every version and alias).
    stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [steps.function.functionArn] }));
    this.acknowledgeUnscoped(stateMachine, workflow.name);

    // An execution that ends without its steps saying so (stopped from the console, a year's timeout, an
    // internal failure) leaves a record saying work is under way: the steps Lambda is told, and marks it
    // interrupted (its retry resumes it). A normal end finds the record ended and does nothing.
    new Rule(this, `${pascal(workflow.name)}Ended`, {
      ruleName: `${machineName}-ended`,
      description: `The ${workflow.name} workflow's executions that stop, time out or fail: their records are marked interrupted`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      },
      targets: [new LambdaFunction(steps.function, {
        event: RuleTargetInput.fromObject({ step: 'execution-ended', execution: EventField.fromPath('$.detail.name'), status: EventField.fromPath('$.detail.status') }),
        ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
        retryAttempts: 4,
        maxEventAge: Duration.hours(2),
      })],
    });

    new CfnOutput(this, `${pascal(workflow.name)}StateMachineArn`, {
      value: stateMachine.stateMachineArn,
      description: `The ${workflow.name} workflow (${descriptor.name}): its executions in the Step Functions console`,
    });
    return { name: workflow.name, machineName, descriptor, workflow, stateMachine, steps, logGroup };
  }

  /**
   * CDK gives the machine's role log delivery (logging ALL) and X-Ray (tracing) on `*`, as those
   * actions require. The acknowledgement covers only them: a validation fails synth if anything else
   * lands on `*` in that policy.
   */
  private acknowledgeUnscoped(stateMachine: StateMachine, name: string): void {
    const policy = stateMachine.role.node.tryFindChild('DefaultPolicy') as Policy | undefined;
    if (!policy) throw new Error(`the ${name} state machine's role has no default policy`);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `The only * in the ${name} state machine's policy is the resource of CloudWatch Logs' log-delivery actions (logging level ALL to its log group) and of X-Ray's (tracing), which support no resource-level permissions; its one other grant invokes its steps function by ARN.`,
    });
    this.node.addValidation({
      validate: () => {
        const statements = (policy.document.toJSON() as { Statement?: { Action: string | string[]; Resource: unknown }[] } | undefined)?.Statement ?? [];
        return statements
          .filter((statement) => [statement.Resource].flat().includes('*'))
          .flatMap((statement) => [statement.Action].flat().filter((action) => !UNSCOPED_MACHINE_ACTIONS.test(action)))
          .map((action) => `${action} on * was added to the ${name} state machine's role: name its resource`);
      },
    });
  }
}

/** A workflow that cannot deploy fails `cdk synth`, not its first execution. */
function validate(descriptor: ContextDescriptor, workflow: ContextWorkflow, definition: string): void {
  const what = `the ${descriptor.name} context's workflow ${workflow.name}`;
  if (!WORKFLOW_NAME.test(workflow.name)) throw new Error(`${what}: a workflow name is lowercase letters, digits and dashes`);
  if (!existsSync(definition)) throw new Error(`${what} has no definition ${definition}`);
  const text = readFileSync(definition, 'utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    throw new Error(`${what}: ${definition} is not JSON (${(error as Error).message})`, { cause: error });
  }
  const unknown = [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!).filter((name) => !SUBSTITUTIONS.includes(name));
  if (unknown.length) throw new Error(`${what}: ${definition} has placeholders nothing substitutes: ${[...new Set(unknown)].join(', ')}`);
  const timeout = workflow.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) throw new Error(`${what}: stepTimeoutSeconds must be 1 to 900`);
}
