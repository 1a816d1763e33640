/**
 * The service catalog's adapters: its records in the table. Made on first use; tests may swap them
 * (configureServices). Discovery's adapters are in ./discovery-deps.ts, the health poll's in ./health/deps.ts.
 */
import { dynamoServicesStore } from './adapters/dynamo-store.ts';
import type { ServicesStore } from './ports.ts';

export interface ServicesDeps {
  readonly store: ServicesStore;
}

let deps: ServicesDeps | undefined;

export function servicesDeps(): ServicesDeps {
  deps ??= { store: dynamoServicesStore };
  return deps;
}

export function configureServices(overrides: Partial<ServicesDeps>): void {
  deps = { ...servicesDeps(), ...overrides };
}
