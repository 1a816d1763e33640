/**
 * The workflow engine port (ARCHITECTURE.md §4): what a context asks of Step Functions. One port,
 * two adapters: AWS (`@aws-sdk/client-sfn`, aws-engine.ts) and local (aws-local-stepfunctions running
 * the same ASL file in this process, local-engine.ts). Fulfilment uses it now; deployments will too.
 *
 * Payloads are ids, not documents (256 KB limit): our records are the truth, the execution is the runner.
 */

/** The environment variable that names workflow `name`'s state machine: `APOLLO_WORKFLOW_<NAME>_ARN`, NAME upper-cased, `-` → `_`. */
export function workflowArnVariable(name: string): string {
  return `APOLLO_WORKFLOW_${name.toUpperCase().replace(/-/g, '_')}_ARN`;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface StartedExecution {
  /** The execution's ARN (locally `arn:aws:states:local:000000000000:execution:<machine>:<name>`). */
  readonly executionArn: string;
  readonly startDate: Date;
  /** False when an execution of that name already existed (a repeated start is a no-op, as in Step Functions). */
  readonly started: boolean;
}

export interface ExecutionDescription {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export interface HistoryEvent {
  readonly timestamp: Date;
  /** Step Functions' event type, e.g. TaskStateEntered, ExecutionSucceeded. */
  readonly type: string;
  /** The state's name, when the event is about a state. */
  readonly state?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface WorkflowEngine {
  /** What this engine is, for the banner and the health page (e.g. "AWS Step Functions", "local: aws-local-stepfunctions"). */
  readonly kind: string;
  /** Starts an execution named `name` (unique per machine; starting a running name with the same input is a no-op). */
  start(name: string, input: object): Promise<StartedExecution>;
  describe(executionArnOrName: string): Promise<ExecutionDescription | undefined>;
  /** Stops a running execution (ABORTED); stopping one that has ended is a no-op. */
  stop(executionArnOrName: string, error?: string, cause?: string): Promise<void>;
  /** Resumes a callback state (`.waitForTaskToken`) with its output. An unknown or used token: TaskTokenError. */
  sendTaskSuccess(token: string, output: object): Promise<void>;
  /** Fails a callback state with an error name (caught by the state's Catch) and a cause. */
  sendTaskFailure(token: string, error: string, cause: string): Promise<void>;
  sendTaskHeartbeat(token: string): Promise<void>;
  history(executionArnOrName: string): Promise<readonly HistoryEvent[]>;
}

/** The token is unknown, was already used, or its state timed out (Step Functions' TaskDoesNotExist / TaskTimedOut / InvalidToken). */
export class TaskTokenError extends Error {
  override readonly name = 'TaskTokenError';
}

/**
 * What a workflow step Lambda receives: the ASL's Parameters for that Task state. Callback states
 * (`arn:aws:states:::lambda:invoke.waitForTaskToken`) pass `taskToken` (from `$$.Task.Token`).
 */
export interface StepEvent {
  readonly step: string;
  readonly taskToken?: string;
  readonly [key: string]: unknown;
}
