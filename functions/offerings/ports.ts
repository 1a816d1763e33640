/** What the offerings context needs from other contexts: the options of its forms' data sources. */

export interface DirectoryService {
  readonly id: string;
  /** What a person reads: the display name. */
  readonly label: string;
  /** The owning team's id. */
  readonly team: string;
}

/** The service catalog (functions/services): live services and their environments. */
export interface ServiceDirectory {
  /** Every live (not deregistered) service, by name. */
  listServices(): Promise<DirectoryService[]>;
  /** A live service's environment names (prod first), or undefined when there is no such service. */
  environmentsOf(serviceId: string): Promise<string[] | undefined>;
}

export interface DirectoryTeam {
  readonly id: string;
  readonly label: string;
}

/** Apollo's teams (functions/identity). */
export interface TeamDirectory {
  /** Every team, by id. */
  listTeams(): Promise<DirectoryTeam[]>;
}
