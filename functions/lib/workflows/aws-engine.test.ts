import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsWorkflowEngine, HISTORY_LIMIT, readWorkflowArn } from './aws-engine.ts';
import { TaskTokenError, workflowArnVariable } from './ports.ts';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:apollo-prod-fulfillment';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:apollo-prod-fulfillment:01JREQ';
const engine = () => new AwsWorkflowEngine(MACHINE, new SFNClient({ region: 'eu-west-1' }));
const meta = { $metadata: {} };

describe('configuration', () => {
  it('reads the machine ARN from APOLLO_WORKFLOW_<NAME>_ARN and refuses a missing or wrong one', () => {
    expect(workflowArnVariable('fulfillment')).toBe('APOLLO_WORKFLOW_FULFILLMENT_ARN');
    expect(workflowArnVariable('blue-green')).toBe('APOLLO_WORKFLOW_BLUE_GREEN_ARN');
    expect(readWorkflowArn('blue-green', { APOLLO_WORKFLOW_BLUE_GREEN_ARN: MACHINE })).toBe(MACHINE);
    expect(() => readWorkflowArn('fulfillment', {})).toThrow(/APOLLO_WORKFLOW_FULFILLMENT_ARN/);
    expect(() => readWorkflowArn('fulfillment', { APOLLO_WORKFLOW_FULFILLMENT_ARN: 'fulfillment' })).toThrow(/not a state machine ARN/);
  });
});

describe('start', () => {
  it('starts an execution of that name with the input as JSON', async () => {
    // Prepare
    const startDate = new Date('2026-11-02T10:00:00Z');
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate });
    // Act
    const started = await engine().start('01JREQ', { requestId: '01JREQ' });
    // Assess
    expect(started).toEqual({ executionArn: EXECUTION, startDate, started: true });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({ stateMachineArn: MACHINE, name: '01JREQ', input: '{"requestId":"01JREQ"}' });
  });

  it('answers an execution that already exists with started: false', async () => {
    const startDate = new Date('2026-11-01T09:00:00Z');
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', ...meta }));
    sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION }).resolves({ executionArn: EXECUTION, name: '01JREQ', status: 'SUCCEEDED', startDate, stateMachineArn: MACHINE });
    expect(await engine().start('01JREQ', {})).toEqual({ executionArn: EXECUTION, startDate, started: false });
  });
});

describe('describe and stop', () => {
  it('describes by name or ARN, parsing input and output', async () => {
    const startDate = new Date('2026-11-01T09:00:00Z');
    const stopDate = new Date('2026-11-01T09:05:00Z');
    sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION }).resolves({
      executionArn: EXECUTION, name: '01JREQ', status: 'FAILED', startDate, stopDate, stateMachineArn: MACHINE,
      input: '{"requestId":"01JREQ"}', output: undefined, error: 'Apollo.ActionFailed', cause: 'terraform run failed',
    });
    const expected = {
      executionArn: EXECUTION, name: '01JREQ', status: 'FAILED', startDate, stopDate,
      input: { requestId: '01JREQ' }, output: undefined, error: 'Apollo.ActionFailed', cause: 'terraform run failed',
    };
    expect(await engine().describe('01JREQ')).toEqual(expected);
    expect(await engine().describe(EXECUTION)).toEqual(expected);
  });

  it('answers undefined for an execution that does not exist', async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', ...meta }));
    expect(await engine().describe('nobody')).toBeUndefined();
  });

  it('stops by name with the error and cause; an unknown execution is a no-op', async () => {
    sfn.on(StopExecutionCommand).resolvesOnce({ stopDate: new Date() }).rejectsOnce(new ExecutionDoesNotExist({ message: 'no', ...meta }));
    await engine().stop('01JREQ', 'Apollo.Cancelled', 'cancelled by alice');
    await engine().stop('nobody');
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: EXECUTION, error: 'Apollo.Cancelled', cause: 'cancelled by alice' },
      { executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:apollo-prod-fulfillment:nobody', error: undefined, cause: undefined },
    ]);
  });
});

describe('callbacks', () => {
  it('sends success (output as JSON), failure and heartbeats for a token', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    sfn.on(SendTaskHeartbeatCommand).resolves({});
    await engine().sendTaskSuccess('tok-1', { approved: true });
    await engine().sendTaskFailure('tok-2', 'Apollo.ApprovalRejected', 'bob said no');
    await engine().sendTaskHeartbeat('tok-3');
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({ taskToken: 'tok-1', output: '{"approved":true}' });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toEqual({ taskToken: 'tok-2', error: 'Apollo.ApprovalRejected', cause: 'bob said no' });
    expect(sfn.commandCalls(SendTaskHeartbeatCommand)[0]!.args[0].input).toEqual({ taskToken: 'tok-3' });
  });

  it.each([
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'gone', ...meta })],
    ['InvalidToken', new InvalidToken({ message: 'bad', ...meta })],
    ['TaskTimedOut', new TaskTimedOut({ message: 'late', ...meta })],
  ])('turns %s into a TaskTokenError', async (_, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error);
    sfn.on(SendTaskFailureCommand).rejects(error);
    sfn.on(SendTaskHeartbeatCommand).rejects(error);
    await expect(engine().sendTaskSuccess('t', {})).rejects.toBeInstanceOf(TaskTokenError);
    await expect(engine().sendTaskFailure('t', 'E', 'c')).rejects.toBeInstanceOf(TaskTokenError);
    await expect(engine().sendTaskHeartbeat('t')).rejects.toBeInstanceOf(TaskTokenError);
  });

  it('lets other failures through as they are', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new Error('throttled'));
    await expect(engine().sendTaskSuccess('t', {})).rejects.toThrow('throttled');
  });
});

describe('history', () => {
  it('reads every page, names each event\'s state, and carries errors', async () => {
    const at = new Date('2026-11-01T09:00:00Z');
    sfn.on(GetExecutionHistoryCommand)
      .resolvesOnce({
        events: [
          { id: 1, timestamp: at, type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}' } },
          { id: 2, previousEventId: 1, timestamp: at, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Approval', input: '{}' } },
          { id: 3, previousEventId: 2, timestamp: at, type: 'TaskScheduled', taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', region: 'eu-west-1', parameters: '{}' } },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        events: [
          { id: 4, previousEventId: 3, timestamp: at, type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Apollo.ApprovalRejected', cause: 'no' } },
          { id: 5, previousEventId: 4, timestamp: at, type: 'TaskStateExited', stateExitedEventDetails: { name: 'Approval' } },
          { id: 6, previousEventId: 5, timestamp: at, type: 'ExecutionFailed', executionFailedEventDetails: { error: 'Apollo.ApprovalRejected', cause: 'no' } },
        ],
      });
    const history = await engine().history('01JREQ');
    expect(history).toEqual([
      { timestamp: at, type: 'ExecutionStarted' },
      { timestamp: at, type: 'TaskStateEntered', state: 'Approval' },
      { timestamp: at, type: 'TaskScheduled', state: 'Approval' },
      { timestamp: at, type: 'TaskFailed', state: 'Approval', error: 'Apollo.ApprovalRejected', cause: 'no' },
      { timestamp: at, type: 'TaskStateExited', state: 'Approval' },
      { timestamp: at, type: 'ExecutionFailed', error: 'Apollo.ApprovalRejected', cause: 'no' },
    ]);
    const inputs = sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.executionArn, i.nextToken, i.includeExecutionData])).toEqual([[EXECUTION, undefined, false], [EXECUTION, 'page-2', false]]);
  });

  it(`stops reading at ${HISTORY_LIMIT} events`, async () => {
    const page = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, timestamp: new Date(), type: 'PassStateEntered' as const, stateEnteredEventDetails: { name: 'P' } }));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: page, nextToken: 'more' });
    expect(await engine().history(EXECUTION)).toHaveLength(HISTORY_LIMIT);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(Math.ceil(HISTORY_LIMIT / 1000));
  });

  it('has nothing for an execution that does not exist', async () => {
    sfn.on(GetExecutionHistoryCommand).rejects(new ExecutionDoesNotExist({ message: 'no', ...meta }));
    expect(await engine().history('nobody')).toEqual([]);
  });
});
