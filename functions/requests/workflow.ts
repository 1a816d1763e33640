/**
 * The fulfilment workflow (state-machines/fulfillment.asl.json) as the requests context starts it. The
 * execution is named after the request (`<id>`, and `<id>-r<n>` for a retry in part 2), so a repeated
 * start is a no-op; its input is ids only.
 */
import { workflowEngine } from '#lib/workflows/index';

export const FULFILLMENT = 'fulfillment';

export interface FulfillmentInput {
  readonly requestId: string;
  readonly generation: number;
}

export const executionName = (requestId: string, generation: number): string => (generation <= 1 ? requestId : `${requestId}-r${generation}`);

export async function startFulfillment(input: FulfillmentInput): Promise<void> {
  await workflowEngine(FULFILLMENT).start(executionName(input.requestId, input.generation), input);
}
