/** What the catalog refresh needs from outside: the catalog repository, the offerings store, a way to run a refresh asynchronously. */
import type { OfferingsStore } from './ports.ts';

export interface CatalogRepository {
  /** owner/name */
  readonly fullName: string;
  readonly owner: string;
  readonly defaultBranch: string;
}

/** A file of the repository at one commit: its path and blob sha (the same text has the same sha). */
export interface RepositoryFile {
  readonly path: string;
  readonly sha: string;
}

export interface ChangedFile {
  readonly path: string;
  readonly status: 'added' | 'modified' | 'removed' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  /** A renamed file's former path. */
  readonly previousPath?: string;
}

/** The catalog repository, read at a commit of its default branch. */
export interface CatalogSource {
  repository(): Promise<CatalogRepository>;
  headCommit(ref: string): Promise<string>;
  /** Every file under `directory` (and the CODEOWNERS candidates) at `commit`. */
  listFiles(commit: string, directory: string): Promise<RepositoryFile[]>;
  /** The file's text and blob sha at `ref`, or undefined when it does not exist. */
  readFile(path: string, ref: string): Promise<(RepositoryFile & { readonly text: string }) | undefined>;
  /** The files changed between two commits (GitHub's compare, every page). */
  changedFiles(base: string, head: string): Promise<ChangedFile[]>;
}

/** What the refresh writes through: its part of the offerings store (./ports.ts). */
export type RefreshStore = Pick<OfferingsStore, 'getCurrent' | 'listAllCurrent' | 'putVersion' | 'putValidation' | 'markRemovedFromSource'>;
