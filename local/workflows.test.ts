/**
 * The local runtime's workflows: each descriptor's workflow runs its ASL file on the local engine,
 * reached through workflowEngine(name), its steps module invoked as its Lambda would be (with its
 * timeout); no workflow, no engine and no banner line.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { ContextDescriptor } from '#lib/context';
import { DESCRIPTORS } from '#functions/contexts';
import { workflowEngine } from '#lib/workflows/index';
import { calls } from '../functions/lib/workflows/fixtures/steps.ts';
import { startLocalWorkflows, type LocalWorkflows } from './workflows.ts';

let root: string;
let workflows: LocalWorkflows | undefined;

const descriptor: ContextDescriptor = {
  name: 'testing',
  summary: 'a context with one workflow',
  workflows: [{ name: 'exercise', summary: 'exercises the engine', steps: 'functions/lib/workflows/fixtures/steps.ts', stepTimeoutSeconds: 1 }],
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'apollo-workflows-'));
  mkdirSync(join(root, 'state-machines'));
  copyFileSync(fileURLToPath(new URL('../functions/lib/workflows/fixtures/exercise.asl.json', import.meta.url)), join(root, 'state-machines', 'exercise.asl.json'));
});

afterEach(async () => {
  await workflows?.close();
  workflows = undefined;
  calls.length = 0;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

it('runs a descriptor\'s workflow on the local engine, reached by its name, calling its steps module', async () => {
  // Prepare
  workflows = startLocalWorkflows([{ name: 'plain', summary: 'no workflows' }, descriptor], { root });
  // Act
  const started = await workflowEngine('exercise').start('req-1', { id: 'req-1', mode: 'plain' });
  expect(await workflows.settle(5_000)).toBe(true);
  // Assess
  expect(workflows.banner).toEqual([
    'Workflows: exercise runs state-machines/exercise.asl.json on aws-local-stepfunctions (LOCAL engine; callbacks emulated), steps in functions/lib/workflows/fixtures/steps.ts',
  ]);
  expect(started.executionArn).toBe('arn:aws:states:local:000000000000:execution:exercise:req-1');
  expect(calls.map((c) => c.step)).toEqual(['prepare', 'finish']);
  expect(await workflowEngine('exercise').describe('req-1')).toMatchObject({ status: 'SUCCEEDED', output: { finished: { done: 'req-1' } } });
});

it('fails a step that outlasts its timeout as Lambda does (Sandbox.Timedout)', async () => {
  workflows = startLocalWorkflows([descriptor], { root });
  await workflowEngine('exercise').start('req-slow', { id: 'req-slow', mode: 'slow', sleepMs: 1_500 });
  await workflows.settle(5_000);
  expect(await workflowEngine('exercise').describe('req-slow')).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout' });
});

it('tells the steps of an execution that failed, as the `<machine>-ended` rule does in AWS, and tries again', async () => {
  // Prepare
  workflows = startLocalWorkflows([descriptor], { root });
  const engine = workflowEngine('exercise');
  // Act: two failures (the second's first telling fails), a success, and one still running when the runtime closes.
  await engine.start('req-broken', { id: 'req-broken', mode: 'explode' });
  await engine.start('flaky-broken', { id: 'flaky-broken', mode: 'explode' });
  await engine.start('req-fine', { id: 'req-fine', mode: 'plain' });
  await workflows.settle(5_000);
  const told = () => calls.filter((c) => c.step === 'execution-ended').map((c) => `${String(c.execution)} ${String(c.status)}`);
  const deadline = Date.now() + 5_000;
  while (told().length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await engine.start('req-waiting', { id: 'req-waiting', mode: 'wait', waitSeconds: 60 });
  await workflows.close();
  workflows = undefined;
  // Assess: each failure told (the flaky one twice: its first telling failed), the success and the closed one not.
  expect(told().sort()).toEqual(['flaky-broken FAILED', 'flaky-broken FAILED', 'req-broken FAILED']);
});

it('configures nothing and says nothing without workflows, and unconfigures on close', async () => {
  process.env.APOLLO_WORKFLOW_EXERCISE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:apollo-test-exercise';
  try {
    workflows = startLocalWorkflows([{ name: 'plain', summary: 'no workflows' }], { root });
    expect(workflows.banner).toEqual([]);
    expect(workflows.engines.size).toBe(0);
    expect(workflowEngine('exercise').kind).toBe('AWS Step Functions');
    await workflows.close();
    workflows = startLocalWorkflows([descriptor], { root });
    expect(workflowEngine('exercise').kind).toBe('local: aws-local-stepfunctions');
    await workflows.close();
    workflows = undefined;
    expect(workflowEngine('exercise').kind).toBe('AWS Step Functions');
  } finally {
    delete process.env.APOLLO_WORKFLOW_EXERCISE_ARN;
  }
});

it('refuses a workflow without its ASL file, and one name twice', () => {
  expect(() => startLocalWorkflows([{ ...descriptor, workflows: [{ name: 'missing', summary: '', steps: 'x.ts' }] }], { root })).toThrow(/state-machines\/missing\.asl\.json/);
  expect(() => startLocalWorkflows([descriptor, { ...descriptor, name: 'other' }], { root })).toThrow(/two contexts declare the workflow exercise/);
});

it('accepts every workflow the contexts declare: each ASL file loads on the local engine', async () => {
  workflows = startLocalWorkflows(DESCRIPTORS);
  const declared = DESCRIPTORS.flatMap((d) => d.workflows ?? []).map((w) => w.name);
  expect([...workflows.engines.keys()]).toEqual(declared);
  expect(workflows.banner).toHaveLength(declared.length);
});
