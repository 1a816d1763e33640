/**
 * What the offerings context needs from outside: the store its offerings are kept in
 * (adapters/dynamo-store.ts: the table), with the records it keeps, and from other contexts the
 * options of its forms' data sources. The catalog refresh's other ports are in ./refresh-ports.ts.
 */
import type { CatalogSource as OfferingSource, OfferingValidation } from '#schemas/index.ts';
import type { Page } from '#lib/table';
import type { OfferingDocument } from './shapes.ts';

export interface OfferingRecord {
  readonly id: string;
  /** metadata.version of the document served. */
  readonly version: string;
  readonly document: OfferingDocument;
  readonly source: OfferingSource;
  /** When this version was first stored. */
  readonly storedAt: string;
  /** When CURRENT last changed. */
  readonly updatedAt: string;
  /** Set when the file disappeared from the catalog repository: the offering then reads as retired. */
  readonly removedFromSource?: { readonly at: string; readonly path: string };
}

export type ValidationRecord = OfferingValidation;

export type PutVersionOutcome = 'created' | 'updated' | 'unchanged';

/**
 * The offerings as stored: each version of a document, the one served (CURRENT) and the latest check
 * of its source file. The catalog refresh writes (RefreshStore in ./refresh-ports.ts is its part);
 * lists and search read every current offering through the snapshot, one offering's page reads it alone.
 */
export interface OfferingsStore {
  /** The version served, or undefined. */
  getCurrent(id: string): Promise<OfferingRecord | undefined>;
  /** Every current offering (the refresh compares them with the repository's files). */
  listAllCurrent(): Promise<OfferingRecord[]>;
  /**
   * Stores a valid document read from `source` and serves it; idempotent by version and sha. `text`
   * is the file as written, kept with the version for the studio.
   */
  putVersion(doc: OfferingDocument, source: OfferingSource, options?: { readonly text?: string }): Promise<{ outcome: PutVersionOutcome }>;
  /** Records the latest check of an offering's source file (valid or not). */
  putValidation(itemId: string, record: Omit<ValidationRecord, 'itemId'>): Promise<unknown>;
  /** The file is gone from the catalog repository: the offering stays readable but lists as retired. NotFoundError when it was never stored. */
  markRemovedFromSource(id: string, path: string): Promise<unknown>;
  /** The version served and the latest validation record, read together. */
  readOffering(id: string): Promise<{ current?: OfferingRecord; validation?: ValidationRecord }>;
  /** One stored version (any, not only the one served). */
  getVersion(id: string, version: string): Promise<{ document: OfferingDocument; source: OfferingSource; storedAt: string; text?: string } | undefined>;
  /** One page of every current offering, by category then name. */
  listCurrentPage(limit: number, cursor?: string): Promise<Page<OfferingRecord>>;
  /** Calls `listener` with every CURRENT this container writes (the snapshot applies it, so a writer reads its change back). */
  onCurrentWrite(listener: (record: OfferingRecord) => void): void;
}

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
