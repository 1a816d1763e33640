/**
 * The engine a context asks for a workflow by name (ARCHITECTURE.md §4): the local one the local
 * runtime configured for it (local/workflows.ts), else AWS Step Functions with the state machine
 * named in `APOLLO_WORKFLOW_<NAME>_ARN` (read once, on first use).
 *
 *   import { workflowEngine } from '#lib/workflows/index';
 *   await workflowEngine('fulfillment').start(requestId, { requestId });
 */
import { AwsWorkflowEngine, readWorkflowArn } from './aws-engine.ts';
import type { WorkflowEngine } from './ports.ts';

export type { ExecutionDescription, ExecutionStatus, HistoryEvent, StartedExecution, StepEvent, WorkflowEngine } from './ports.ts';
export { TaskTokenError, workflowArnVariable } from './ports.ts';

const configured = new Map<string, WorkflowEngine>();
const aws = new Map<string, WorkflowEngine>();

/** The engine of workflow `name` (e.g. `fulfillment`). */
export function workflowEngine(name: string): WorkflowEngine {
  const local = configured.get(name);
  if (local) return local;
  let engine = aws.get(name);
  if (!engine) {
    engine = new AwsWorkflowEngine(readWorkflowArn(name));
    aws.set(name, engine);
  }
  return engine;
}

/** The local runtime's (and tests') engine for workflow `name`; `undefined` removes it. */
export function configureWorkflowEngine(name: string, engine: WorkflowEngine | undefined): void {
  if (engine) configured.set(name, engine);
  else configured.delete(name);
}
