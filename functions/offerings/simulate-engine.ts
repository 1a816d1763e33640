/**
 * The dry run's engine: the real `state-machines/fulfillment.asl.json` on aws-local-stepfunctions in this
 * process (the local runtime's engine, functions/lib/workflows/local-engine.ts: the same in AWS, inside the
 * offerings Lambda), its `${StepsFunctionArn}` a simulated steps function instead of the requests context's. A
 * callback state (an approval, an outside run's wait) is resumed as soon as its step has run, with what the
 * simulated step decided. No Step Functions client is made, no execution exists anywhere else.
 */
import { readFileSync } from 'node:fs';
import { LOCAL_ACCOUNT, LOCAL_REGION, LocalWorkflowEngine } from '#lib/workflows/local-engine';
import type { HistoryEvent, StepEvent } from '#lib/workflows/ports';
import { simulationConfig } from './simulate-config.ts';

/** What a simulated step answers: its result, or for a callback state how the wait ends. */
export type SimulatedStep =
  | { readonly result: Record<string, unknown> }
  | { readonly resume: Record<string, unknown> }
  | { readonly fail: { readonly error: string; readonly cause: string } };

export interface SimulatedRun {
  /** The execution's end: SUCCEEDED (completed or cancelled) or FAILED (the request failed). */
  readonly status: string;
  /** Every state entered, in order. */
  readonly entered: ReadonlyArray<{ readonly state: string; readonly type: string }>;
}

const STEPS_ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:apollo-simulated-fulfillment-steps`;
/** A simulated run ends in milliseconds; longer is a bug (a state the simulation does not answer). */
const SETTLE_MS = 10_000;

let definition: string | undefined;

/** The ASL file's text, read once (shipped beside the Lambda's bundle in AWS: ./context.ts). */
function fulfillmentDefinition(): string {
  definition ??= readFileSync(simulationConfig().fulfillmentFile, 'utf8');
  return definition;
}

export class SimulationStuckError extends Error {
  override readonly name = 'SimulationStuckError';
}

/** Runs the fulfilment once with `step` answering every Task state; answers the states entered. */
export async function runSimulated(step: (event: StepEvent) => Promise<SimulatedStep> | SimulatedStep): Promise<SimulatedRun> {
  const steps = async (event: unknown): Promise<unknown> => {
    const answer = await step(event as StepEvent);
    const token = (event as StepEvent).taskToken;
    if ('result' in answer) return answer.result;
    if (!token) throw new Error(`step ${(event as StepEvent).step} is not a callback state`);
    // The token is live from before the step is invoked: it may be answered from inside it.
    if ('resume' in answer) await engine.sendTaskSuccess(token, answer.resume);
    else await engine.sendTaskFailure(token, answer.fail.error, answer.fail.cause);
    return {};
  };
  const engine: LocalWorkflowEngine = new LocalWorkflowEngine({
    name: 'fulfillment-simulation',
    definition: fulfillmentDefinition(),
    substitutions: { StepsFunctionArn: STEPS_ARN },
    functions: { [STEPS_ARN]: steps },
    retainFinished: 1,
  });
  try {
    await engine.start('simulation', { requestId: 'simulation', generation: 1, run: 1, deprovision: false });
    if (!(await engine.settle(SETTLE_MS))) throw new SimulationStuckError('the simulated fulfilment did not end');
    const described = await engine.describe('simulation');
    const history = await engine.history('simulation');
    return { status: described?.status ?? 'FAILED', entered: history.filter(isEntered).map((e) => ({ state: e.state!, type: e.type.replace(/StateEntered$/, '') })) };
  } finally {
    await engine.close();
  }
}

const isEntered = (event: HistoryEvent): boolean => event.type.endsWith('StateEntered') && event.state !== undefined;
