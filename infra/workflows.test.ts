/**
 * Every workflow a descriptor declares is a Standard state machine deployed from its ASL file, with
 * every placeholder substituted by its steps Lambda's ARN, logged and traced, whose role invokes that
 * function and nothing else; the context's Lambda may run its executions and nothing more of Step
 * Functions. Lambdas are not bundled here.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextDescriptor, ContextWorkflow } from '#lib/context';
import { workflowArnVariable } from '#lib/workflows/ports';
import { DESCRIPTORS } from '#functions/contexts';
import { ApolloStack } from './apollo-stack.ts';
import { PROJECT_ROOT } from './functions.ts';
import { ApolloWorkflows, DEFAULT_STEP_TIMEOUT_SECONDS, type ApolloWorkflowsProps } from './workflows.ts';
import { lambdaEnv, resourcesOfType, roleStatements, testApp, WEB_DIST_FIXTURE, type PolicyStatement } from './testing.ts';

const STAGE = 'wf';
let stack: ApolloStack;
let template: Template;

const WORKFLOWS: [string, { descriptor: ContextDescriptor; workflow: ContextWorkflow }][] =
  DESCRIPTORS.flatMap((descriptor) => (descriptor.workflows ?? []).map((workflow): [string, { descriptor: ContextDescriptor; workflow: ContextWorkflow }] => [workflow.name, { descriptor, workflow }]));

beforeAll(() => {
  stack = new ApolloStack(testApp(), 'Apollo-wf', { stage: STAGE, webDist: WEB_DIST_FIXTURE });
  template = Template.fromStack(stack);
});

const machineOf = (name: string) => {
  const found = Object.entries(resourcesOfType(template, 'AWS::StepFunctions::StateMachine')).find(([, r]) => r.Properties.StateMachineName === `apollo-${STAGE}-${name}`);
  if (!found) throw new Error(`no state machine apollo-${STAGE}-${name}`);
  return { logicalId: found[0], properties: found[1].Properties as Record<string, unknown> };
};
const deployedOf = (name: string) => stack.workflows.workflows.get(name)!;
/** Each (action, resource) a list of statements allows, as comparable strings. */
const grants = (statements: readonly PolicyStatement[]): string[] =>
  statements.flatMap((s) => [s.Action].flat().flatMap((action) => [s.Resource].flat().map((resource) => `${action} ${JSON.stringify(resource)}`))).sort();

function statementsOfRole(roleLogicalId: string): PolicyStatement[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

it('has workflows to check: the contexts declare at least one', () => {
  expect(WORKFLOWS.length).toBeGreaterThan(0);
  expect(Object.keys(resourcesOfType(template, 'AWS::StepFunctions::StateMachine'))).toHaveLength(WORKFLOWS.length);
});

describe.each(WORKFLOWS)('the %s workflow', (name, { descriptor, workflow }) => {
  const stepsName = `${descriptor.name}-${name}-steps`;

  it('is a Standard state machine deployed from its ASL file, every placeholder substituted by the steps function\'s ARN', () => {
    const { properties } = machineOf(name);
    const stepsArn = stack.resolve(deployedOf(name).steps.function.functionArn) as unknown;
    expect(properties.StateMachineType).toBe('STANDARD');
    expect(properties.DefinitionS3Location).toEqual({ Bucket: expect.anything(), Key: expect.any(String) });
    expect(properties.DefinitionSubstitutions).toEqual({ StepsFunctionArn: stepsArn });
    expect(stepsArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/StepsFunction/), 'Arn'] });
    // What CloudFormation deploys: the file with those substitutions made.
    const text = readFileSync(join(PROJECT_ROOT, 'state-machines', `${name}.asl.json`), 'utf8');
    expect(text).toContain('${StepsFunctionArn}');
    const deployed = Object.keys(properties.DefinitionSubstitutions as object)
      .reduce((out, key) => out.replaceAll(`\${${key}}`, `arn:aws:lambda:eu-west-1:123456789012:function:apollo-${STAGE}-${stepsName}`), text);
    expect(deployed).not.toContain('${');
    expect(() => JSON.parse(deployed) as unknown).not.toThrow();
  });

  it('logs every transition (not the execution data) to a log group with a retention, and is traced', () => {
    const { properties } = machineOf(name);
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    const logGroupId = stack.resolve((deployedOf(name).logGroup.node.defaultChild as CfnLogGroup).logicalId) as string;
    expect(properties.LoggingConfiguration).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      IncludeExecutionData: false,
      Level: 'ALL',
    });
    expect(logGroups[logGroupId]?.Properties).toMatchObject({ LogGroupName: `/aws/vendedlogs/states/apollo-${STAGE}-${name}`, RetentionInDays: expect.any(Number) });
    expect(properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('runs under a role Step Functions alone assumes, that invokes its steps function by ARN and otherwise only logs and traces', () => {
    const { properties } = machineOf(name);
    const roleId = (properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = resourcesOfType(template, 'AWS::IAM::Role')[roleId]!;
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('states.amazonaws.com');
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).not.toContain('lambda.amazonaws.com');
    const stepsArn = JSON.stringify(stack.resolve(deployedOf(name).steps.function.functionArn));
    const allowed = grants(statementsOfRole(roleId));
    const scoped = allowed.filter((g) => !g.endsWith(' "*"'));
    expect(scoped).toEqual([`lambda:InvokeFunction ${stepsArn}`]);
    const unscoped = allowed.filter((g) => g.endsWith(' "*"')).map((g) => g.split(' ')[0]!);
    expect(unscoped.filter((action) => !/^(logs:[A-Za-z]+(LogDelivery|LogDeliveries|ResourcePolic(y|ies)|LogGroups)|xray:[A-Za-z]+)$/.test(action))).toEqual([]);
    expect(unscoped).toEqual(expect.arrayContaining(['logs:CreateLogDelivery', 'xray:PutTraceSegments']));
    // Nobody else may invoke the steps function.
    const invokers = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .filter((p) => grants((p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement).some((g) => g.startsWith('lambda:InvokeFunction') && g.includes(stepsArn)))
      .flatMap((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    expect(invokers).toEqual([roleId]);
  });

  it(`lets the ${descriptor.name} Lambda start, read, stop and resume its executions, and tells it the machine's ARN`, () => {
    const { logicalId } = machineOf(name);
    const machineArn = JSON.stringify({ Ref: logicalId });
    // Other workflows it resumes or starts (its own run only this one) are checked below.
    const others = [...(descriptor.resumes ?? []), ...(descriptor.starts ?? [])].map((w) => JSON.stringify({ Ref: machineOf(w).logicalId }));
    const states = grants(roleStatements(stack, template, descriptor.name)).filter((g) => g.startsWith('states:') && !others.some((arn) => g.endsWith(arn)));
    const executions = states.filter((g) => !g.endsWith(machineArn));
    expect(states.filter((g) => g.endsWith(machineArn)).map((g) => g.split(' ')[0])).toEqual([
      'states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess', 'states:StartExecution',
    ]);
    expect(executions.map((g) => g.split(' ')[0])).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution']);
    for (const grant of executions) expect(grant).toMatch(new RegExp(`:execution:apollo-${STAGE}-${name}:\\*"\\]\\]\\}$`));
    expect(lambdaEnv(template, STAGE, descriptor.name)[workflowArnVariable(name)]).toEqual({ Ref: logicalId });
  });

  it('has a steps Lambda made from the workflow: its entry\'s timeout, the table, realtime publishing, invoked only by the machine and running nothing of Step Functions', () => {
    const fn = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === `apollo-${STAGE}-${stepsName}`);
    expect(fn, stepsName).toBeDefined();
    expect(fn!.Properties.Timeout).toBe(workflow.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS);
    expect(fn!.Properties.DeadLetterConfig).toBeUndefined();
    const env = lambdaEnv(template, STAGE, stepsName);
    expect(env).toMatchObject({ TABLE_NAME: { Ref: expect.any(String) }, APOLLO_RUNTIME: 'aws', APOLLO_STAGE: STAGE, APOLLO_REALTIME_ENDPOINT: expect.anything(), ...workflow.environment });
    const allowed = grants(roleStatements(stack, template, stepsName)).map((g) => g.split(' ')[0]!);
    expect(allowed).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'execute-api:ManageConnections']));
    // Nothing of Step Functions, but a workflow that starts itself (a failed canary's rollback) starts its own machine, by name.
    const states = grants(roleStatements(stack, template, stepsName)).filter((g) => g.startsWith('states:'));
    if (workflow.startsItself) {
      expect(states.map((g) => g.split(' ')[0])).toEqual(['states:StartExecution']);
      expect(states[0]).toContain(`:stateMachine:apollo-${STAGE}-${name}`);
      expect(JSON.stringify(env[workflowArnVariable(name)])).toContain(`:stateMachine:apollo-${STAGE}-${name}`);
    } else expect(states).toEqual([]);
    expect(deployedOf(name).steps.function.node.path).toContain('Workflows');
  });
});

it.each(WORKFLOWS)('tells the %s steps Lambda when an execution stops, times out or fails (EventBridge, with a dead-letter queue)', (name) => {
  const { logicalId } = machineOf(name);
  const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find((r) => (r.Properties.Name as string | undefined) === `apollo-${STAGE}-${name}-ended`);
  expect(rule).toBeDefined();
  expect(rule!.Properties.EventPattern).toEqual({
    source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'],
    detail: { stateMachineArn: [{ Ref: logicalId }], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
  });
  const [target] = rule!.Properties.Targets as Array<{ Arn: unknown; DeadLetterConfig?: unknown; InputTransformer?: { InputTemplate: string } }>;
  expect(target!.Arn).toEqual({ 'Fn::GetAtt': [stack.resolve((deployedOf(name).steps.function.node.defaultChild as unknown as { logicalId: string }).logicalId), 'Arn'] });
  expect(target!.DeadLetterConfig).toBeDefined();
  expect(target!.InputTransformer?.InputTemplate).toContain('"step":"execution-ended"');
});

const RESUMERS = DESCRIPTORS.filter((d) => d.resumes?.length || d.starts?.length);

it.each(RESUMERS.map((d) => [d.name, d] as const))('lets the %s Lambda resume the waiting states (or start executions) of the other workflows it names, and nothing else of theirs', (name, descriptor) => {
  const fn = stack.functions.descriptors.get(descriptor)!;
  const roleId = stack.resolve((fn.role.node.defaultChild as CfnRole).logicalId) as string;
  const arn = (workflow: string) => JSON.stringify({ Ref: machineOf(workflow).logicalId });
  const expected = [
    ...(descriptor.resumes ?? []).flatMap((workflow) => ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'].map((action) => `${action} ${arn(workflow)}`)),
    ...(descriptor.starts ?? []).map((workflow) => `states:StartExecution ${arn(workflow)}`),
  ].sort();
  // Its own workflows' grants (a context that runs one) are checked above; here, only the others'.
  const own = (descriptor.workflows ?? []).map((w) => w.name);
  const ofOwn = (grant: string) => own.some((w) => grant.includes(arn(w)) || grant.includes(`apollo-${STAGE}-${w}:`));
  expect(grants(statementsOfRole(roleId)).filter((g) => g.startsWith('states:') && !ofOwn(g))).toEqual(expected);
  for (const workflow of [...(descriptor.resumes ?? []), ...(descriptor.starts ?? [])]) expect(lambdaEnv(template, STAGE, name)[workflowArnVariable(workflow)]).toEqual({ Ref: machineOf(workflow).logicalId });
});

it('lets no other Lambda touch Step Functions', () => {
  const runners = new Set([...WORKFLOWS.map(([, { descriptor }]) => descriptor.name), ...RESUMERS.map((d) => d.name)]);
  for (const fn of stack.functions.all.filter((f) => !runners.has(f.node.id.toLowerCase()))) {
    const roleId = stack.resolve((fn.role.node.defaultChild as CfnRole).logicalId) as string;
    expect(grants(statementsOfRole(roleId)).filter((g) => g.startsWith('states:')), fn.node.id).toEqual([]);
  }
});

describe('at synth', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'apollo-asl-'));
    mkdirSync(join(dir, 'machines'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const attempt = (workflow: Partial<ContextWorkflow>) => () => {
    const descriptor: ContextDescriptor = { name: 'services', summary: 'test', workflows: [{ name: 'probe', summary: 'test', steps: 'functions/lib/workflows/fixtures/steps.ts', ...workflow }] };
    // Checked before anything is made: the other props are not reached.
    const props = { stage: 'x', functions: new Map([[descriptor, undefined]]), definitionsDir: join(dir, 'machines') } as unknown as ApolloWorkflowsProps;
    new ApolloWorkflows(new Stack(testApp(), `S${Math.random().toString(36).slice(2)}`), 'Workflows', props);
  };

  it('refuses a workflow without its definition, with a placeholder nothing substitutes, or with a step timeout Lambda cannot have', () => {
    expect(attempt({})).toThrow(/has no definition/);
    writeFileSync(join(dir, 'machines', 'probe.asl.json'), JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: '${OtherFunctionArn}', End: true } } }));
    expect(attempt({})).toThrow(/placeholders nothing substitutes: OtherFunctionArn/);
    writeFileSync(join(dir, 'machines', 'probe.asl.json'), JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: '${StepsFunctionArn}', End: true } } }));
    expect(attempt({ stepTimeoutSeconds: 901 })).toThrow(/stepTimeoutSeconds/);
    expect(attempt({ name: 'Not_A_Name' })).toThrow(/lowercase/);
  });
});
