/**
 * The local workflow engine (ARCHITECTURE.md §4, §7): the very ASL file CDK deploys, run in this
 * process by aws-local-stepfunctions 3, its Lambda Task states calling the steps handler in this
 * process too. What the library lacks is emulated here, from the ASL itself:
 *
 * - Task states are overridden by state name (nested Parallel branches and Map processors included):
 *   a Task whose `Resource` is a known Lambda ARN calls that function with the state's effective input;
 *   `arn:aws:states:::lambda:invoke` calls it with `Parameters.Payload` and answers Step Functions'
 *   `{ ExecutedVersion, Payload, StatusCode }`.
 * - `arn:aws:states:::lambda:invoke.waitForTaskToken` (a callback): the library knows no `$$.Task.Token`,
 *   so the definition is rewritten to carry a placeholder where the Payload asks for it; the state's
 *   handler mints a token, puts it there, invokes the function and waits for sendTaskSuccess (the
 *   state's output) or sendTaskFailure (the state fails with that error and cause, for its Catch).
 *   `TimeoutSeconds`/`TimeoutSecondsPath` (the path read from the state's input, as Step Functions does)
 *   fail it with `States.Timeout` through the library's own task timeout, so `States.TaskFailed` does
 *   not catch it, as in Step Functions; the token is dead from that moment.
 * - An error a function throws fails the state under the error's `name`, with a cause shaped like
 *   Lambda's (`{"errorType","errorMessage","trace"}`), so Retry and Catch match as they do in AWS.
 * - A Task with no timeout waits as long as a timer can (~24.8 days) instead of the library's 60 s:
 *   Step Functions sets no task timeout by default, and the function's own timeout is the caller's.
 *   Longer fixed durations (the execution's TimeoutSeconds, a Wait's Seconds) are cut to that too:
 *   a longer timer would fire at once. (A Wait's SecondsPath of more than 24.8 days is not cut.)
 *
 * Execution names are unique (a repeated start answers the existing execution, `started: false`), as
 * long as the execution is remembered: running ones always, the last `retainFinished` finished ones.
 * Executions live in this process only: a restart loses them (the requests context marks a request
 * whose execution was running `interrupted`).
 */
import './promise-with-resolvers.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  TaskTokenError,
  type ExecutionDescription,
  type ExecutionStatus,
  type HistoryEvent,
  type StartedExecution,
  type WorkflowEngine,
} from './ports.ts';

/** A Lambda function as the engine calls it: the event in, the function's answer out (a thrown error is a function error). */
export type LambdaHandler = (event: unknown) => Promise<unknown>;

export interface LocalWorkflowEngineOptions {
  /** The workflow's name (`fulfillment`); its state machine is `arn:aws:states:local:000000000000:stateMachine:<name>`. */
  readonly name: string;
  /** The ASL document's text (a `state-machines/<name>.asl.json`). */
  readonly definition: string;
  /** `${Name}` → value, as CDK's `definitionSubstitutions` (e.g. `StepsFunctionArn`). Every placeholder needs one. @default - none */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** The Lambda functions its Task states call, by ARN. A Task calling any other resource is refused at construction. */
  readonly functions: Readonly<Record<string, LambdaHandler>>;
  /** How many finished executions `describe`, `history` and name uniqueness remember. @default 500 */
  readonly retainFinished?: number;
  /**
   * Told of an execution that failed, timed out or was stopped (not by `close`), as the `<machine>-ended`
   * EventBridge rule tells the steps Lambda in AWS. @default - nobody
   */
  readonly onEnded?: (execution: { readonly name: string; readonly status: ExecutionStatus }) => void;
}

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const TASK_TOKEN_PATH = '$$.Task.Token';
/** setTimeout's limit (2^31 - 1 ms): a longer delay fires at once. */
const MAX_TIMER_SECONDS = 2_147_483;
/** Step Functions' limit of events in one execution's history. */
const MAX_HISTORY_EVENTS = 25_000;
/** Where the rewritten definition has a callback state's Parameters carry its TimeoutSecondsPath's value. */
const TIMEOUT_KEY = 'apolloLocalTimeoutSeconds';
/** Execution names Step Functions refuses: whitespace, brackets, wildcards, these specials, control characters. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Json;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Seconds?: number;
  Branches?: AslMachine[];
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  [field: string]: unknown;
}
interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  [field: string]: unknown;
}

/** How a Task state runs here, found in the definition once. */
type TaskPlan =
  | { readonly kind: 'lambda'; readonly state: string; readonly functionArn: string }
  | { readonly kind: 'invoke'; readonly state: string; readonly functionArn: string }
  | { readonly kind: 'callback'; readonly state: string; readonly functionArn: string; readonly timeoutSeconds: number | undefined };

interface Run {
  readonly arn: string;
  readonly name: string;
  readonly input: Json;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: Json;
  error?: string;
  cause?: string;
  readonly events: HistoryEvent[];
  /** Tokens of its callback states still waiting. */
  readonly tokens: Set<string>;
  abort?: () => void;
  done?: Promise<void>;
  /** Its end is recorded (status, history) and nothing of it runs any more but a function invocation. */
  settled: boolean;
}

interface PendingTask {
  readonly run: Run;
  readonly state: string;
  /** When the state's timeout fails it (ms since the epoch). */
  readonly deadline: number;
  resolve(output: Json): void;
  reject(error: Error): void;
}

/** A state's failure as Step Functions names it: `name` is the ASL error (Retry/Catch match it), `message` the cause. */
class StateError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** Ends what an execution was still doing once it was stopped: no Retry or Catch may act on it. */
class ExecutionStoppedError extends Error {
  override readonly name = 'Apollo.ExecutionStopped';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

class InvalidExecutionNameError extends Error {
  override readonly name = 'InvalidName';
}

/** Lambda's answer to a function that threw: the error's name is the errorType Retry and Catch match. */
function functionError(thrown: unknown): StateError {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const errorType = error.name || 'Error';
  const trace = (error.stack ?? '').split('\n').filter(Boolean);
  return new StateError(errorType, JSON.stringify({ errorType, errorMessage: error.message, trace }));
}

/** What JSON would carry: Lambda and Step Functions serialize every payload (dates become strings, undefined null). */
function toJson(value: unknown): Json {
  return value === undefined ? null : JSON.parse(JSON.stringify(value)) as Json;
}

const text = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);

/** `${Name}` → value, as CDK's definitionSubstitutions does it; a placeholder without a value is a mistake. */
export function substitute(definition: string, substitutions: Readonly<Record<string, string>> = {}): string {
  const out = definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => substitutions[key] ?? whole);
  const left = out.match(/\$\{[^}]*\}/g);
  if (left) throw new Error(`the definition has placeholders without a substitution: ${[...new Set(left)].join(', ')}`);
  return out;
}

function eachState(machine: AslMachine, visit: (name: string, state: AslState) => void): void {
  for (const [name, state] of Object.entries(machine.States)) {
    visit(name, state);
    for (const branch of state.Branches ?? []) eachState(branch, visit);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) eachState(processor, visit);
  }
}

/** Replaces each `"<key>.$": "$$.Task.Token"` in `template` with `"<key>": <placeholder>`; answers how many. */
function markTaskToken(template: Json, placeholder: string): number {
  if (Array.isArray(template)) return template.reduce<number>((n, item) => n + markTaskToken(item, placeholder), 0);
  if (template === null || typeof template !== 'object') return 0;
  let count = 0;
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && value === TASK_TOKEN_PATH) {
      delete template[key];
      template[key.slice(0, -2)] = placeholder;
      count += 1;
    } else {
      count += markTaskToken(value, placeholder);
    }
  }
  return count;
}

function fillTaskToken(value: Json, placeholder: string, token: string): Json {
  if (value === placeholder) return token;
  if (Array.isArray(value)) return value.map((item) => fillTaskToken(item, placeholder, token));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillTaskToken(item, placeholder, token)]));
}

export class LocalWorkflowEngine implements WorkflowEngine {
  readonly kind = 'local: aws-local-stepfunctions';
  readonly name: string;
  readonly stateMachineArn: string;
  private readonly machine: StateMachine;
  private readonly plans: TaskPlan[] = [];
  private readonly functions: Readonly<Record<string, LambdaHandler>>;
  private readonly placeholder = `apollo-local-task-token-${randomBytes(8).toString('hex')}`;
  private readonly retainFinished: number;
  private readonly runs = new Map<string, Run>();
  private readonly finished: string[] = [];
  private readonly tokens = new Map<string, PendingTask>();
  /** Function invocations in progress (close waits for them: they write to the table). */
  private readonly invocations = new Set<Promise<unknown>>();
  private readonly onEnded: LocalWorkflowEngineOptions['onEnded'];
  private closed = false;

  /** Reads the ASL file (e.g. `state-machines/fulfillment.asl.json`). */
  static fromFile(file: string, options: Omit<LocalWorkflowEngineOptions, 'definition'>): LocalWorkflowEngine {
    return new LocalWorkflowEngine({ ...options, definition: readFileSync(file, 'utf8') });
  }

  constructor(options: LocalWorkflowEngineOptions) {
    this.name = options.name;
    this.functions = options.functions;
    this.retainFinished = options.retainFinished ?? 500;
    this.onEnded = options.onEnded;
    this.stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${options.name}`;
    const definition = JSON.parse(substitute(options.definition, options.substitutions)) as AslMachine;
    const seen = new Set<string>();
    eachState(definition, (name, state) => {
      // Overrides are keyed by state name: two Tasks of one name would share one.
      if (seen.has(name)) throw new Error(`${options.name}: two states are named ${name}`);
      seen.add(name);
      if (state.Type === 'Task') this.plans.push(this.plan(name, state));
      if (state.Type === 'Wait' && typeof state.Seconds === 'number') state.Seconds = Math.min(state.Seconds, MAX_TIMER_SECONDS);
    });
    // A year (Step Functions' limit) is longer than a timer can wait: it would fire at once.
    if (typeof definition.TimeoutSeconds === 'number') definition.TimeoutSeconds = Math.min(definition.TimeoutSeconds, MAX_TIMER_SECONDS);
    if (JSON.stringify(definition).includes(TASK_TOKEN_PATH)) {
      throw new Error(`${options.name}: $$.Task.Token is only emulated as a "<key>.$" of a ${LAMBDA_CALLBACK} state's Payload`);
    }
    this.machine = new StateMachine(definition as unknown as StateMachineDefinition);
  }

  /** How Task state `name` runs here; rewrites what the library cannot read (the task token, the timeout path). */
  private plan(name: string, state: AslState): TaskPlan {
    const resource = state.Resource ?? '';
    const noTimeout = state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined;
    if (Object.hasOwn(this.functions, resource)) {
      if (noTimeout) state.TimeoutSeconds = MAX_TIMER_SECONDS;
      return { kind: 'lambda', state: name, functionArn: resource };
    }
    if (resource !== LAMBDA_INVOKE && resource !== LAMBDA_CALLBACK) {
      throw new Error(`${this.name}: Task ${name} calls ${resource}, which has no local implementation (only Lambda functions do)`);
    }
    const parameters = state.Parameters;
    if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters) || typeof parameters.FunctionName !== 'string') {
      throw new Error(`${this.name}: Task ${name} must name its function in Parameters.FunctionName (a fixed ARN)`);
    }
    const functionArn = this.functionArn(parameters.FunctionName);
    if (!functionArn) throw new Error(`${this.name}: Task ${name} invokes ${parameters.FunctionName}, which is not a function of this workflow`);
    if (noTimeout) state.TimeoutSeconds = MAX_TIMER_SECONDS;
    if (resource === LAMBDA_INVOKE) return { kind: 'invoke', state: name, functionArn };

    if (markTaskToken(parameters.Payload ?? null, this.placeholder) === 0) {
      throw new Error(`${this.name}: callback Task ${name} passes no "<key>.$": "$$.Task.Token" in its Payload, so nothing could resume it`);
    }
    if (state.TimeoutSecondsPath !== undefined) {
      // The library reads the path from the Parameters' output; Step Functions from the state's input.
      parameters[`${TIMEOUT_KEY}.$`] = state.TimeoutSecondsPath;
      state.TimeoutSecondsPath = `$.${TIMEOUT_KEY}`;
    }
    return { kind: 'callback', state: name, functionArn, timeoutSeconds: state.TimeoutSeconds };
  }

  private functionArn(reference: string): string | undefined {
    if (Object.hasOwn(this.functions, reference)) return reference;
    return Object.keys(this.functions).find((arn) => arn.split(':')[6] === reference);
  }

  async start(name: string, input: object): Promise<StartedExecution> {
    if (!name || name.length > 80 || FORBIDDEN_NAME.test(name)) throw new InvalidExecutionNameError(`invalid execution name: ${JSON.stringify(name)}`);
    const existing = this.runs.get(name);
    if (existing) return { executionArn: existing.arn, startDate: existing.startDate, started: false };
    if (this.closed) throw new Error(`the local ${this.name} workflow engine is closed`);

    const json = toJson(input);
    const run: Run = {
      arn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.name}:${name}`,
      name,
      input: json,
      startDate: new Date(),
      status: 'RUNNING',
      events: [],
      tokens: new Set(),
      settled: false,
    };
    this.runs.set(name, run);
    const execution = this.machine.run(json, {
      noThrowOnAbort: true,
      overrides: { taskResourceLocalHandlers: Object.fromEntries(this.plans.map((plan) => [plan.state, this.taskHandler(run, plan)])) },
      context: {
        Execution: { Id: run.arn, Name: name, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/apollo-local-${this.name}`, RedriveCount: 0 },
        StateMachine: { Id: this.stateMachineArn, Name: this.name },
      },
    });
    run.abort = execution.abort;
    const recorded = (async () => {
      for await (const event of execution.eventLogs) {
        const mapped = historyEvent(event, run);
        if (mapped && run.events.length < MAX_HISTORY_EVENTS) run.events.push(mapped);
      }
    })();
    const ended = execution.result.then(
      (output) => {
        if (run.status !== 'RUNNING') return;
        run.status = 'SUCCEEDED';
        run.output = toJson(output);
      },
      (error: unknown) => {
        if (run.status !== 'RUNNING') return;
        if (error instanceof ExecutionTimeoutError) {
          run.status = 'TIMED_OUT';
          run.error = 'States.Timeout';
          return;
        }
        const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
        run.status = 'FAILED';
        run.error = failure instanceof Error ? failure.name : 'States.Runtime';
        run.cause = failure instanceof Error ? failure.message : text(failure);
      },
    ).finally(() => {
      run.stopDate ??= new Date();
      this.dropCallbacks(run);
      if (!this.closed && run.status !== 'SUCCEEDED' && run.status !== 'RUNNING') this.onEnded?.({ name: run.name, status: run.status });
    });
    run.done = Promise.all([recorded, ended]).then(() => {
      run.settled = true;
      this.remember(run);
    });
    return { executionArn: run.arn, startDate: run.startDate, started: true };
  }

  async describe(executionArnOrName: string): Promise<ExecutionDescription | undefined> {
    const run = this.find(executionArnOrName);
    if (!run) return undefined;
    return {
      executionArn: run.arn,
      name: run.name,
      status: run.status,
      startDate: run.startDate,
      stopDate: run.stopDate,
      input: run.input,
      output: run.output,
      error: run.error,
      cause: run.cause,
    };
  }

  async stop(executionArnOrName: string, error?: string, cause?: string): Promise<void> {
    const run = this.find(executionArnOrName);
    if (!run || run.status !== 'RUNNING') return;
    run.status = 'ABORTED';
    run.stopDate = new Date();
    run.error = error;
    run.cause = cause;
    this.dropCallbacks(run);
    run.abort?.();
  }

  async sendTaskSuccess(token: string, output: object): Promise<void> {
    this.take(token).resolve(toJson(output));
  }

  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    this.take(token).reject(new StateError(error, cause));
  }

  async sendTaskHeartbeat(token: string): Promise<void> {
    this.live(token);
  }

  async history(executionArnOrName: string): Promise<readonly HistoryEvent[]> {
    return [...(this.find(executionArnOrName)?.events ?? [])];
  }

  /**
   * Waits until every execution has ended, or `timeoutMs` passed (one waiting for a callback does not
   * end by itself). Answers whether all ended.
   */
  async settle(timeoutMs = 30_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const running = [...this.runs.values()].filter((run) => !run.settled);
      if (!running.length) return true;
      const left = until - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(running.map((run) => run.done)),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, left); }),
      ]);
      clearTimeout(timer);
    }
  }

  /**
   * Stops every running execution (callbacks waiting are dropped, Wait states end) and waits for the
   * function invocations still in progress, so none outlives the table it writes to. Starts are refused from now on.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const run of this.runs.values()) await this.stop(run.name, 'Apollo.RuntimeClosed', 'the local runtime closed');
    while (this.invocations.size) await Promise.allSettled([...this.invocations]);
    await Promise.allSettled([...this.runs.values()].map((run) => run.done));
  }

  /** The library's handler for one Task state of one execution. */
  private taskHandler(run: Run, plan: TaskPlan): (input: Json) => Promise<Json> {
    return async (input) => {
      // A Retry's pause or a Wait ends at once when an execution is stopped; nothing may run after.
      if (run.status !== 'RUNNING') throw new ExecutionStoppedError('the execution was stopped');
      if (plan.kind === 'lambda') return this.invoke(plan.functionArn, input);
      const parameters = input as { [key: string]: Json };
      if (plan.kind === 'invoke') {
        return { ExecutedVersion: '$LATEST', Payload: await this.invoke(plan.functionArn, parameters.Payload ?? null), StatusCode: 200 };
      }
      const timeoutSeconds = typeof parameters[TIMEOUT_KEY] === 'number' ? parameters[TIMEOUT_KEY] : plan.timeoutSeconds ?? MAX_TIMER_SECONDS;
      const token = randomBytes(48).toString('base64url');
      const answer = new Promise<Json>((resolve, reject) => {
        this.tokens.set(token, { run, state: plan.state, deadline: Date.now() + timeoutSeconds * 1000, resolve, reject });
      });
      // A failure may be sent before the function has answered: it is awaited below.
      answer.catch(() => undefined);
      run.tokens.add(token);
      try {
        await this.invoke(plan.functionArn, fillTaskToken(parameters.Payload ?? null, this.placeholder, token));
        return await answer;
      } finally {
        this.tokens.delete(token);
        run.tokens.delete(token);
      }
    };
  }

  private async invoke(functionArn: string, event: Json): Promise<Json> {
    const handler = this.functions[functionArn]!;
    const invocation = handler(event);
    this.invocations.add(invocation);
    try {
      return toJson(await invocation);
    } catch (error) {
      throw functionError(error);
    } finally {
      this.invocations.delete(invocation);
    }
  }

  /** The waiting callback of `token`; an unknown, used or timed-out one is a TaskTokenError, as in Step Functions. */
  private live(token: string): PendingTask {
    const pending = this.tokens.get(token);
    if (!pending || pending.run.status !== 'RUNNING') throw new TaskTokenError('the task token is unknown, was already used, or its execution has ended');
    if (Date.now() >= pending.deadline) {
      this.tokens.delete(token);
      throw new TaskTokenError(`the task of state ${pending.state} timed out`);
    }
    return pending;
  }

  private take(token: string): PendingTask {
    const pending = this.live(token);
    this.tokens.delete(token);
    pending.run.tokens.delete(token);
    return pending;
  }

  private dropCallbacks(run: Run): void {
    for (const token of run.tokens) {
      this.tokens.get(token)?.reject(new ExecutionStoppedError('the execution was stopped'));
      this.tokens.delete(token);
    }
    run.tokens.clear();
  }

  private find(executionArnOrName: string): Run | undefined {
    if (!executionArnOrName.startsWith('arn:')) return this.runs.get(executionArnOrName);
    const prefix = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.name}:`;
    return executionArnOrName.startsWith(prefix) ? this.runs.get(executionArnOrName.slice(prefix.length)) : undefined;
  }

  /** Keeps the last `retainFinished` finished executions. */
  private remember(run: Run): void {
    this.finished.push(run.name);
    while (this.finished.length > this.retainFinished) this.runs.delete(this.finished.shift()!);
  }
}

/** The library's event (main.d.ts does not export its EventLog type): what `run().eventLogs` yields. */
type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * The library's event as Step Functions names its history events. Retries and catches have no event
 * of their own there (a retry is another attempt of the task; a catch shows as the next state entered),
 * nor has a Parallel branch; a failure of a Choice, Pass, Wait or Fail state is the execution's.
 */
function historyEvent(event: LibraryEvent, run: Run): HistoryEvent | undefined {
  const timestamp = new Date(event.timestamp);
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
      return { timestamp, type: event.type };
    case 'ExecutionFailed':
      return { timestamp, type: event.type, error: event.Error, cause: text(event.Cause) };
    case 'ExecutionAborted':
      return { timestamp, type: event.type, error: run.error, cause: run.cause };
    case 'ExecutionTimeout':
      return { timestamp, type: 'ExecutionTimedOut', error: 'States.Timeout' };
    case 'StateEntered':
    case 'StateExited':
      return { timestamp, type: `${event.state.type}${event.type}`, state: event.state.name };
    case 'StateFailed':
      if (event.state.type === 'Task') {
        return { timestamp, type: event.Error === 'States.Timeout' ? 'TaskTimedOut' : 'TaskFailed', state: event.state.name, error: event.Error, cause: text(event.Cause) };
      }
      if (event.state.type === 'Map' || event.state.type === 'Parallel') {
        return { timestamp, type: `${event.state.type}StateFailed`, state: event.state.name, error: event.Error, cause: text(event.Cause) };
      }
      return undefined;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
      return { timestamp, type: event.type, state: event.parentState.name };
    case 'MapIterationFailed':
      return { timestamp, type: event.type, state: event.parentState.name, error: event.Error, cause: text(event.Cause) };
    default:
      return undefined;
  }
}
