/**
 * The offerings context's adapters: the offerings themselves in the table; the service catalog and
 * the teams, both read in-process from the table through their own contexts' modules. Tests may
 * swap any of them. The catalog refresh's adapters are in ./refresh-deps.ts.
 */
import { dynamoOfferingsStore } from './adapters/dynamo-store.ts';
import { IdentityTeamDirectory } from './adapters/identity-teams.ts';
import { SnapshotServiceDirectory } from './adapters/service-catalog.ts';
import type { OfferingsStore, ServiceDirectory, TeamDirectory } from './ports.ts';

export interface OfferingsDeps {
  readonly store: OfferingsStore;
  readonly services: ServiceDirectory;
  readonly teams: TeamDirectory;
}

let deps: OfferingsDeps | undefined;

export function offeringsDeps(): OfferingsDeps {
  deps ??= { store: dynamoOfferingsStore, services: new SnapshotServiceDirectory(), teams: new IdentityTeamDirectory() };
  return deps;
}

export function configureOfferings(overrides: Partial<OfferingsDeps>): void {
  deps = { ...offeringsDeps(), ...overrides };
}
