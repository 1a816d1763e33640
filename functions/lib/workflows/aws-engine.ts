/**
 * The workflow engine on AWS Step Functions (Standard). The state machine's ARN is in the
 * environment (`APOLLO_WORKFLOW_<NAME>_ARN`, set by infra/workflows.ts); executions are named by the
 * caller (a request's id), so a repeated start is answered, not doubled. One SFN client per process.
 */
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
  type HistoryEvent as SfnHistoryEvent,
} from '@aws-sdk/client-sfn';
import {
  TaskTokenError,
  workflowArnVariable,
  type ExecutionDescription,
  type HistoryEvent,
  type StartedExecution,
  type WorkflowEngine,
} from './ports.ts';

/** How many events `history` reads at most (a few pages; an execution may have 25,000). */
export const HISTORY_LIMIT = 1000;


const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9+!@.()=_'-]{1,80}$/;

/** The state machine's ARN from the environment, checked once (at cold start, by the first workflowEngine call). */
export function readWorkflowArn(workflow: string, env: NodeJS.ProcessEnv = process.env): string {
  const variable = workflowArnVariable(workflow);
  const arn = env[variable];
  if (!arn) throw new Error(`missing environment variable ${variable} (the ${workflow} state machine)`);
  if (!STATE_MACHINE_ARN.test(arn)) throw new Error(`${variable} is not a state machine ARN: ${arn}`);
  return arn;
}

let sharedClient: SFNClient | undefined;
const client = (): SFNClient => (sharedClient ??= new SFNClient({}));

const parse = (json: string | undefined): unknown => (json === undefined ? undefined : JSON.parse(json));

export class AwsWorkflowEngine implements WorkflowEngine {
  readonly kind = 'AWS Step Functions';
  /** `arn:aws:states:<region>:<account>:execution:<machine>:` — an execution's ARN is this and its name. */
  private readonly executionPrefix: string;

  constructor(readonly stateMachineArn: string, private readonly sfn: SFNClient = client()) {
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
    this.executionPrefix = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  }

  /**
   * Step Functions answers a start of a running execution's name with the same input as it answered the
   * first (it is idempotent, `started` stays true); a name already used otherwise is ExecutionAlreadyExists,
   * answered here with that execution and `started: false`.
   */
  async start(name: string, input: object): Promise<StartedExecution> {
    try {
      const out = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      return { executionArn: out.executionArn!, startDate: out.startDate!, started: true };
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      const existing = await this.describe(name);
      if (!existing) throw error;
      return { executionArn: existing.executionArn, startDate: existing.startDate, started: false };
    }
  }

  async describe(executionArnOrName: string): Promise<ExecutionDescription | undefined> {
    try {
      const out = await this.sfn.send(new DescribeExecutionCommand({ executionArn: this.arnOf(executionArnOrName) }));
      return {
        executionArn: out.executionArn!,
        name: out.name!,
        status: out.status!,
        startDate: out.startDate!,
        stopDate: out.stopDate,
        input: parse(out.input),
        output: parse(out.output),
        error: out.error,
        cause: out.cause,
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  /** Stopping an ended execution changes nothing in Step Functions; stopping an unknown one is a no-op here too. */
  async stop(executionArnOrName: string, error?: string, cause?: string): Promise<void> {
    try {
      await this.sfn.send(new StopExecutionCommand({ executionArn: this.arnOf(executionArnOrName), error, cause }));
    } catch (failure) {
      if (!(failure instanceof ExecutionDoesNotExist)) throw failure;
    }
  }

  async sendTaskSuccess(token: string, output: object): Promise<void> {
    await this.task(() => this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })));
  }

  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    await this.task(() => this.sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause })));
  }

  async sendTaskHeartbeat(token: string): Promise<void> {
    await this.task(() => this.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token })));
  }

  /** The first HISTORY_LIMIT events, oldest first; an unknown execution has none. */
  async history(executionArnOrName: string): Promise<readonly HistoryEvent[]> {
    const executionArn = this.arnOf(executionArnOrName);
    const raw: SfnHistoryEvent[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.sfn.send(new GetExecutionHistoryCommand({
          executionArn, nextToken, maxResults: Math.min(1000, HISTORY_LIMIT - raw.length), includeExecutionData: false,
        }));
        raw.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken && raw.length < HISTORY_LIMIT);
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return [];
      throw error;
    }
    return historyEvents(raw.slice(0, HISTORY_LIMIT));
  }

  private arnOf(executionArnOrName: string): string {
    return executionArnOrName.startsWith('arn:') ? executionArnOrName : `${this.executionPrefix}${executionArnOrName}`;
  }

  private async task(send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (error instanceof TaskDoesNotExist || error instanceof InvalidToken || error instanceof TaskTimedOut) {
        throw new TaskTokenError(error.message, { cause: error });
      }
      throw error;
    }
  }
}

type Details = { name?: string; error?: string; cause?: string };

/**
 * Step Functions' events in the port's shape. Only a state's entered and exited events name it; any
 * other event (TaskScheduled, TaskFailed, LambdaFunctionTimedOut, …) is about the state its
 * `previousEventId` chain leads to.
 */
export function historyEvents(events: readonly SfnHistoryEvent[]): HistoryEvent[] {
  const stateOf = new Map<number, string>();
  return events.map((event) => {
    const details = Object.entries(event)
      .filter(([key, value]) => key.endsWith('EventDetails') && value && typeof value === 'object')
      .map(([, value]) => value as Details)[0];
    const type = event.type ?? 'Unknown';
    let state: string | undefined;
    if (type.endsWith('StateEntered') || type.endsWith('StateExited')) state = details?.name;
    else if (!type.startsWith('Execution') && event.previousEventId !== undefined) state = stateOf.get(event.previousEventId);
    if (state !== undefined && event.id !== undefined) stateOf.set(event.id, state);
    return {
      timestamp: event.timestamp!,
      type,
      ...(state !== undefined && { state }),
      ...(details?.error !== undefined && { error: details.error }),
      ...(details?.cause !== undefined && { cause: details.cause }),
    };
  });
}
