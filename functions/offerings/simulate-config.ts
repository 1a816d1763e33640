/**
 * The dry run's configuration, read once: where the fulfilment's ASL file is (shipped beside the offerings
 * Lambda's bundle in AWS, see ./context.ts; the project's own file in a checkout).
 */
import { fileURLToPath } from 'node:url';
import { readBaseConfig } from '#lib/config';

export const FULFILLMENT_FILE_ENV = 'APOLLO_FULFILLMENT_ASL_FILE';

export interface SimulationConfig {
  /** `state-machines/fulfillment.asl.json`: beside the bundle in Lambda (set by infra), the project's in a checkout. */
  readonly fulfillmentFile: string;
}

let config: SimulationConfig | undefined;

export function simulationConfig(env: NodeJS.ProcessEnv = process.env): SimulationConfig {
  if (!config) {
    const local = readBaseConfig(env).runtime === 'local';
    const fulfillmentFile = env[FULFILLMENT_FILE_ENV] ?? (local ? fileURLToPath(new URL('../../state-machines/fulfillment.asl.json', import.meta.url)) : '');
    if (!fulfillmentFile) throw new Error(`missing environment variable ${FULFILLMENT_FILE_ENV}`);
    config = { fulfillmentFile };
  }
  return config;
}
