/**
 * The fulfilment workflow (state-machines/fulfillment.asl.json) as the requests context starts it. Each run
 * of a request is its own execution, named so that a repeated start is a no-op: `<id>` for the first run,
 * `<id>-r<n>` for run n (a retry), `<id>-d<n>` for a deprovision. Its input is ids only.
 */
import { workflowEngine } from '#lib/workflows/index';

export const FULFILLMENT = 'fulfillment';

export interface FulfillmentInput {
  readonly requestId: string;
  /** Changes when a retry changes the fields: outside calls' idempotency keys carry it. */
  readonly generation: number;
  readonly run: number;
  readonly deprovision: boolean;
}

export const executionName = (input: Pick<FulfillmentInput, 'requestId' | 'run' | 'deprovision'>): string =>
  input.deprovision ? `${input.requestId}-d${input.run}` : input.run <= 1 ? input.requestId : `${input.requestId}-r${input.run}`;

export async function startFulfillment(input: FulfillmentInput): Promise<void> {
  await workflowEngine(FULFILLMENT).start(executionName(input), input);
}
