/**
 * Step Functions on a laptop (ARCHITECTURE.md §7): every workflow a descriptor declares runs its
 * `state-machines/<name>.asl.json` on the local engine (aws-local-stepfunctions in this process), its
 * `${StepsFunctionArn}` the steps module invoked here as its Lambda would be, with its timeout. The
 * contexts reach it through workflowEngine(name), as they reach Step Functions in AWS.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ContextDescriptor } from '#lib/context';
import { configureWorkflowEngine } from '#lib/workflows/index';
import { LOCAL_ACCOUNT, LOCAL_REGION, LocalWorkflowEngine } from '#lib/workflows/local-engine';
import { InvocationTimeoutError, invokeEntry } from './lambda.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_STEP_TIMEOUT_SECONDS = 60;

export interface LocalWorkflowsOptions {
  /** Where `state-machines/` is. @default the project root */
  readonly root?: string;
  /** Finished executions each engine remembers (describe, history, name uniqueness). @default 500 */
  readonly retainFinished?: number;
}

export interface LocalWorkflows {
  /** The engine of each workflow, by workflow name. */
  readonly engines: ReadonlyMap<string, LocalWorkflowEngine>;
  /** A line per workflow for the terminal. */
  readonly banner: readonly string[];
  /** Waits until every execution has ended (or `timeoutMs`); answers whether all did. */
  settle(timeoutMs?: number): Promise<boolean>;
  /** Stops every execution, waits for the steps still running, and unconfigures the engines. */
  close(): Promise<void>;
}

/** What Lambda answers for a function that ran out of time: Step Functions sees `Sandbox.Timedout`. */
class SandboxTimedOutError extends Error {
  override readonly name = 'Sandbox.Timedout';
}

/** Waits between the tries of an `execution-ended` delivery (EventBridge retries its target, with backoff). */
const ENDED_RETRY_MS = [1_000, 2_000, 4_000, 8_000];

export function startLocalWorkflows(descriptors: readonly ContextDescriptor[], options: LocalWorkflowsOptions = {}): LocalWorkflows {
  const root = options.root ?? PROJECT_ROOT;
  const engines = new Map<string, LocalWorkflowEngine>();
  const banner: string[] = [];
  // The `<machine>-ended` rule of infra/workflows.ts: an execution that failed, timed out or was stopped is told
  // to its steps, which mark a record still saying work is under way interrupted (else it would wait for a restart).
  const deliveries = new Set<Promise<void>>();
  const closing = new AbortController();
  const deliverEnded = (send: () => Promise<unknown>, what: string): void => {
    const delivery = (async () => {
      for (let attempt = 0; !closing.signal.aborted; attempt++) {
        try {
          await send();
          return;
        } catch (error) {
          if (attempt >= ENDED_RETRY_MS.length) {
            console.error(`[workflows] ${what} not delivered:`, (error as Error).message);
            return;
          }
          // A restart marks what is left (the executions are gone with the process).
          await sleep(ENDED_RETRY_MS[attempt], undefined, { signal: closing.signal }).catch(() => undefined);
        }
      }
    })();
    deliveries.add(delivery);
    void delivery.finally(() => deliveries.delete(delivery));
  };
  for (const descriptor of descriptors) {
    for (const workflow of descriptor.workflows ?? []) {
      if (engines.has(workflow.name)) throw new Error(`two contexts declare the workflow ${workflow.name}`);
      const file = join('state-machines', `${workflow.name}.asl.json`);
      if (!existsSync(join(root, file))) throw new Error(`the ${descriptor.name} context's workflow ${workflow.name} has no ${file}`);
      const functionName = `${descriptor.name}-${workflow.name}-steps`;
      const stepsArn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:apollo-local-${functionName}`;
      const timeoutSeconds = workflow.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS;
      const engine = LocalWorkflowEngine.fromFile(join(root, file), {
        name: workflow.name,
        ...(options.retainFinished !== undefined ? { retainFinished: options.retainFinished } : {}),
        substitutions: { StepsFunctionArn: stepsArn },
        functions: {
          [stepsArn]: async (event) => {
            try {
              return await invokeEntry(workflow.steps, functionName, event, timeoutSeconds * 1000);
            } catch (error) {
              if (error instanceof InvocationTimeoutError) throw new SandboxTimedOutError(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
              throw error;
            }
          },
        },
        onEnded: ({ name, status }) => deliverEnded(
          () => invokeEntry(workflow.steps, functionName, { step: 'execution-ended', execution: name, status }, timeoutSeconds * 1000),
          `${workflow.name} execution ${name} ended ${status}`,
        ),
      });
      engines.set(workflow.name, engine);
      banner.push(`Workflows: ${workflow.name} runs ${file} on aws-local-stepfunctions (LOCAL engine; callbacks emulated), steps in ${workflow.steps}`);
    }
  }
  // Only once every workflow could be made: a refused one leaves none configured.
  for (const [name, engine] of engines) configureWorkflowEngine(name, engine);
  return {
    engines,
    banner,
    settle: async (timeoutMs) => (await Promise.all([...engines.values()].map((engine) => engine.settle(timeoutMs)))).every(Boolean),
    close: async () => {
      closing.abort();
      await Promise.all([...engines.values()].map((engine) => engine.close()));
      await Promise.allSettled([...deliveries]);
      for (const name of engines.keys()) configureWorkflowEngine(name, undefined);
    },
  };
}
