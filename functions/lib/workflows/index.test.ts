import { afterEach, expect, it } from 'vitest';
import { configureWorkflowEngine, workflowEngine, type WorkflowEngine } from './index.ts';

afterEach(() => {
  configureWorkflowEngine('configured', undefined);
  delete process.env.APOLLO_WORKFLOW_FROM_ENV_ARN;
});

it('answers the engine the local runtime configured for a workflow', () => {
  const local = { kind: 'local: test' } as WorkflowEngine;
  configureWorkflowEngine('configured', local);
  expect(workflowEngine('configured')).toBe(local);
});

it('otherwise answers one AWS engine per workflow, on the machine its environment names', () => {
  process.env.APOLLO_WORKFLOW_FROM_ENV_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:apollo-prod-from-env';
  const engine = workflowEngine('from-env');
  expect(engine.kind).toBe('AWS Step Functions');
  expect((engine as { stateMachineArn?: string }).stateMachineArn).toBe(process.env.APOLLO_WORKFLOW_FROM_ENV_ARN);
  expect(workflowEngine('from-env')).toBe(engine);
  expect(() => workflowEngine('unconfigured')).toThrow(/APOLLO_WORKFLOW_UNCONFIGURED_ARN/);
});
