/**
 * The local engine runs an ASL file as Step Functions would: Lambda tasks call the steps handler in
 * this process, callback states wait for sendTaskSuccess/Failure or their timeout, thrown errors meet
 * Retry and Catch under their name, names are unique, and stop and history behave as in AWS.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepEvent } from './ports.ts';
import { TaskTokenError } from './ports.ts';
import { LocalWorkflowEngine } from './local-engine.ts';
import { calls, handler } from './fixtures/steps.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/exercise.asl.json', import.meta.url));
const STEPS_ARN = 'arn:aws:lambda:local:000000000000:function:test-exercise-steps';

let engine: LocalWorkflowEngine;

function makeEngine(): LocalWorkflowEngine {
  return LocalWorkflowEngine.fromFile(FIXTURE, {
    name: 'exercise',
    substitutions: { StepsFunctionArn: STEPS_ARN },
    functions: { [STEPS_ARN]: (event) => handler(event as StepEvent) },
  });
}

/** Waits (up to 5 s) for the steps handler to be called with `step` for `id`. */
async function called(step: string, id: string): Promise<StepEvent> {
  for (let i = 0; i < 500; i += 1) {
    const call = calls.find((c) => c.step === step && c.id === id);
    if (call) return call;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${step} was not called for ${id}`);
}

const stepsOf = (id: string) => calls.filter((c) => c.id === id).map((c) => c.step);

beforeEach(() => {
  calls.length = 0;
  engine = makeEngine();
});

afterEach(async () => {
  await engine.close();
});

describe('tasks and choices', () => {
  it('calls the steps function with the state\'s parameters and $$ context, and ends with the last state\'s output', async () => {
    // Act
    const started = await engine.start('req-1', { id: 'req-1', mode: 'plain' });
    expect(await engine.settle(5_000)).toBe(true);
    // Assess
    expect(started).toEqual({ executionArn: 'arn:aws:states:local:000000000000:execution:exercise:req-1', startDate: expect.any(Date), started: true });
    expect(calls).toEqual([
      { step: 'prepare', id: 'req-1', execution: 'req-1' },
      { step: 'finish', id: 'req-1' },
    ]);
    const described = await engine.describe('req-1');
    expect(described).toMatchObject({
      executionArn: started.executionArn,
      name: 'req-1',
      status: 'SUCCEEDED',
      input: { id: 'req-1', mode: 'plain' },
      output: { id: 'req-1', mode: 'plain', prepared: { id: 'req-1', execution: 'req-1', attempts: 1 }, finished: { done: 'req-1' } },
    });
    expect(described!.stopDate).toBeInstanceOf(Date);
    expect(await engine.describe(started.executionArn)).toEqual(described);
  });

  it('records the history as Step Functions names its events', async () => {
    await engine.start('req-h', { id: 'req-h', mode: 'plain' });
    await engine.settle(5_000);
    const history = await engine.history('req-h');
    expect(history.map((e) => [e.type, e.state])).toEqual([
      ['ExecutionStarted', undefined],
      ['TaskStateEntered', 'Prepare'],
      ['TaskStateExited', 'Prepare'],
      ['ChoiceStateEntered', 'Route'],
      ['ChoiceStateExited', 'Route'],
      ['TaskStateEntered', 'Finish'],
      ['TaskStateExited', 'Finish'],
      ['ExecutionSucceeded', undefined],
    ]);
    expect(history.every((e) => e.timestamp instanceof Date)).toBe(true);
  });

  it('runs a Map over lambda:invoke tasks (overrides reach nested states) and answers their Payload', async () => {
    await engine.start('req-map', { id: 'req-map', mode: 'fanout', items: [1, 2, 3] });
    await engine.settle(5_000);
    expect((await engine.describe('req-map'))?.output).toMatchObject({ doubled: [2, 4, 6], finished: { done: 'req-map' } });
    expect(calls.filter((c) => c.step === 'double').map((c) => c.value).sort()).toEqual([1, 2, 3]);
  });
});

describe('errors', () => {
  it('retries a state on the thrown error\'s name (Retry), then goes on', async () => {
    await engine.start('flaky-1', { id: 'flaky-1', mode: 'plain' });
    expect(await engine.settle(10_000)).toBe(true);
    expect(stepsOf('flaky-1')).toEqual(['prepare', 'prepare', 'finish']);
    const described = await engine.describe('flaky-1');
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: { prepared: { attempts: 2 } } });
    const failed = (await engine.history('flaky-1')).filter((e) => e.type === 'TaskFailed');
    expect(failed).toEqual([expect.objectContaining({ state: 'Prepare', error: 'Apollo.Transient' })]);
    expect(JSON.parse(failed[0]!.cause!)).toMatchObject({ errorType: 'Apollo.Transient', errorMessage: 'flaky-1 is not ready yet' });
  });

  it('fails the execution with an uncaught error\'s name and a Lambda-shaped cause', async () => {
    await engine.start('req-x', { id: 'req-x', mode: 'explode' });
    await engine.settle(5_000);
    const described = await engine.describe('req-x');
    expect(described).toMatchObject({ status: 'FAILED', error: 'Apollo.Broken' });
    expect(JSON.parse(described!.cause!)).toMatchObject({ errorType: 'Apollo.Broken', errorMessage: 'req-x cannot be fulfilled' });
    expect((await engine.history('req-x')).at(-1)).toMatchObject({ type: 'ExecutionFailed', error: 'Apollo.Broken' });
  });
});

describe('callbacks', () => {
  it('passes a task token to the function and resumes the state with the output sent for it', async () => {
    // Prepare
    await engine.start('req-ok', { id: 'req-ok', mode: 'approve', approvalTimeoutSeconds: 60 });
    const ask = await called('ask', 'req-ok');
    const token = ask.taskToken!;
    expect(typeof token).toBe('string');
    expect(token.length).toBeGreaterThan(32);
    expect(Object.keys(ask).sort()).toEqual(['id', 'step', 'taskToken']);
    // Act
    await engine.sendTaskHeartbeat(token);
    expect((await engine.describe('req-ok'))?.status).toBe('RUNNING');
    await engine.sendTaskSuccess(token, { approved: true, by: 'alice' });
    expect(await engine.settle(5_000)).toBe(true);
    // Assess
    expect(await engine.describe('req-ok')).toMatchObject({ status: 'SUCCEEDED', output: { decision: { approved: true, by: 'alice' }, finished: { done: 'req-ok' } } });
    await expect(engine.sendTaskSuccess(token, {})).rejects.toBeInstanceOf(TaskTokenError);
    await expect(engine.sendTaskHeartbeat(token)).rejects.toBeInstanceOf(TaskTokenError);
  });

  it('fails the state with the error and cause sent, so its Catch on that name takes over', async () => {
    await engine.start('req-no', { id: 'req-no', mode: 'approve', approvalTimeoutSeconds: 60 });
    const { taskToken } = await called('ask', 'req-no');
    await engine.sendTaskFailure(taskToken!, 'Apollo.ApprovalRejected', 'bob: not this quarter');
    await engine.settle(5_000);
    expect(await engine.describe('req-no')).toMatchObject({
      status: 'SUCCEEDED',
      output: { outcome: 'rejected', error: 'Apollo.ApprovalRejected', cause: 'bob: not this quarter' },
    });
    expect(stepsOf('req-no')).toEqual(['prepare', 'ask']);
  });

  it('fails the state with States.Timeout after TimeoutSecondsPath (read from the state input), and the token dies', async () => {
    await engine.start('req-late', { id: 'req-late', mode: 'approve', approvalTimeoutSeconds: 1 });
    const { taskToken } = await called('ask', 'req-late');
    expect(await engine.settle(5_000)).toBe(true);
    expect(await engine.describe('req-late')).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'expired', error: 'States.Timeout' } });
    await expect(engine.sendTaskSuccess(taskToken!, { approved: true })).rejects.toBeInstanceOf(TaskTokenError);
    expect((await engine.history('req-late')).filter((e) => e.state === 'Approval').map((e) => e.type)).toEqual(['TaskStateEntered', 'TaskTimedOut', 'TaskStateExited']);
    expect(stepsOf('req-late')).toEqual(['prepare', 'ask']);
  });

  it('refuses a token it never minted', async () => {
    await expect(engine.sendTaskSuccess('not-a-token', {})).rejects.toBeInstanceOf(TaskTokenError);
    await expect(engine.sendTaskFailure('not-a-token', 'E', 'c')).rejects.toBeInstanceOf(TaskTokenError);
  });
});

describe('waits', () => {
  it('waits SecondsPath seconds without holding the event loop', async () => {
    await engine.start('req-w', { id: 'req-w', mode: 'wait', waitSeconds: 1 });
    // The timer of this test fires while the execution waits: the loop is free.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await engine.describe('req-w'))?.status).toBe('RUNNING');
    expect(stepsOf('req-w')).toEqual(['prepare']);
    expect(await engine.settle(5_000)).toBe(true);
    expect(stepsOf('req-w')).toEqual(['prepare', 'finish']);
    const history = await engine.history('req-w');
    const entered = history.find((e) => e.type === 'WaitStateEntered')!;
    const exited = history.find((e) => e.type === 'WaitStateExited')!;
    expect(exited.timestamp.getTime() - entered.timestamp.getTime()).toBeGreaterThanOrEqual(990);
  });
});

describe('executions', () => {
  it('starts one execution per name: a repeated start answers the first', async () => {
    const first = await engine.start('req-once', { id: 'req-once', mode: 'plain' });
    const second = await engine.start('req-once', { id: 'req-once', mode: 'plain' });
    await engine.settle(5_000);
    const third = await engine.start('req-once', { id: 'req-once', mode: 'plain' });
    expect(second).toEqual({ ...first, started: false });
    expect(third).toEqual({ ...first, started: false });
    expect(stepsOf('req-once')).toEqual(['prepare', 'finish']);
  });

  it('refuses a name Step Functions would refuse', async () => {
    await expect(engine.start('has space', {})).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(engine.start('x'.repeat(81), {})).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('stops an execution waiting for a callback: ABORTED with the error and cause given, the token dropped, nothing after', async () => {
    await engine.start('req-stop', { id: 'req-stop', mode: 'approve', approvalTimeoutSeconds: 60 });
    const { taskToken } = await called('ask', 'req-stop');
    await engine.stop('arn:aws:states:local:000000000000:execution:exercise:req-stop', 'Apollo.Cancelled', 'cancelled by alice');
    expect(await engine.settle(5_000)).toBe(true);
    expect(await engine.describe('req-stop')).toMatchObject({ status: 'ABORTED', error: 'Apollo.Cancelled', cause: 'cancelled by alice' });
    await expect(engine.sendTaskSuccess(taskToken!, {})).rejects.toBeInstanceOf(TaskTokenError);
    expect((await engine.history('req-stop')).at(-1)).toMatchObject({ type: 'ExecutionAborted', error: 'Apollo.Cancelled' });
    expect(stepsOf('req-stop')).toEqual(['prepare', 'ask']);
    await engine.stop('req-stop'); // ended: a no-op
    expect((await engine.describe('req-stop'))?.status).toBe('ABORTED');
  });

  it('knows nothing of other names and other machines', async () => {
    expect(await engine.describe('nobody')).toBeUndefined();
    expect(await engine.describe('arn:aws:states:local:000000000000:execution:other:req-1')).toBeUndefined();
    expect(await engine.history('nobody')).toEqual([]);
    await engine.stop('nobody');
  });

  it('forgets the oldest finished executions beyond retainFinished', async () => {
    const small = LocalWorkflowEngine.fromFile(FIXTURE, {
      name: 'exercise', substitutions: { StepsFunctionArn: STEPS_ARN }, functions: { [STEPS_ARN]: (event) => handler(event as StepEvent) }, retainFinished: 2,
    });
    for (const name of ['r1', 'r2', 'r3']) {
      await small.start(name, { id: name, mode: 'plain' });
      await small.settle(5_000);
    }
    expect(await small.describe('r1')).toBeUndefined();
    expect((await small.describe('r3'))?.status).toBe('SUCCEEDED');
    await small.close();
  });

  it('on close stops what runs and refuses new starts', async () => {
    await engine.start('req-open', { id: 'req-open', mode: 'approve', approvalTimeoutSeconds: 60 });
    await called('ask', 'req-open');
    await engine.close();
    expect(await engine.describe('req-open')).toMatchObject({ status: 'ABORTED' });
    await expect(engine.start('req-late-start', { id: 'x' })).rejects.toThrow(/closed/);
  });
});

describe('definitions', () => {
  const definition = (states: object, fields: object = {}) => JSON.stringify({ StartAt: 'A', States: states, ...fields });

  it('runs a machine whose timeout (a year, the most Step Functions allows) is longer than a timer can wait', async () => {
    const yearLong = new LocalWorkflowEngine({
      name: 'year', definition: definition({ A: { Type: 'Wait', Seconds: 31_622_400, Next: 'B' }, B: { Type: 'Pass', End: true } }, { TimeoutSeconds: 31_622_400 }), functions: {},
    });
    await yearLong.start('long', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await yearLong.describe('long'))?.status).toBe('RUNNING');
    await yearLong.close();
  });

  it('refuses a placeholder without a substitution, a resource it cannot run, and a callback without a token', () => {
    const functions = { [STEPS_ARN]: async () => null };
    expect(() => new LocalWorkflowEngine({ name: 'x', definition: definition({ A: { Type: 'Task', Resource: '${Missing}', End: true } }), functions }))
      .toThrow(/\$\{Missing\}/);
    expect(() => new LocalWorkflowEngine({ name: 'x', definition: definition({ A: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true } }), functions }))
      .toThrow(/dynamodb:putItem/);
    expect(() => new LocalWorkflowEngine({
      name: 'x', functions,
      definition: definition({ A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: STEPS_ARN, Payload: { a: 1 } }, End: true } }),
    })).toThrow(/Task\.Token/);
  });
});
