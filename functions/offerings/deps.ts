/**
 * The offerings context's adapters: the service catalog and the teams, both read in-process from
 * the table through their own contexts' modules. Tests may swap either.
 */
import { IdentityTeamDirectory } from './adapters/identity-teams.ts';
import { SnapshotServiceDirectory } from './adapters/service-catalog.ts';
import type { ServiceDirectory, TeamDirectory } from './ports.ts';

export interface OfferingsDeps {
  readonly services: ServiceDirectory;
  readonly teams: TeamDirectory;
}

let deps: OfferingsDeps | undefined;

export function offeringsDeps(): OfferingsDeps {
  deps ??= { services: new SnapshotServiceDirectory(), teams: new IdentityTeamDirectory() };
  return deps;
}

export function configureOfferings(overrides: Partial<OfferingsDeps>): void {
  deps = { ...offeringsDeps(), ...overrides };
}
