/**
 * What a code change (POST /api/v1/services/{id}/changes) needs from outside: a Git host that commits
 * a set of files on a new branch and opens a pull request (GitHub, with Apollo's credentials), and a
 * place to record the change (the table).
 */
import type { ServiceChange } from '#schemas/index.ts';

/** One file of a change: its new text, or its deletion. */
export type ChangeFile = { readonly path: string; readonly content: string } | { readonly path: string; readonly delete: true };

export interface OpenChangeInput {
  /** The repository, `owner` and `name`. */
  readonly owner: string;
  readonly repo: string;
  /** The branch to start from and to propose to; undefined: the repository's default branch. */
  readonly baseBranch: string | undefined;
  /** The new branch (it must not exist). */
  readonly branch: string;
  readonly message: string;
  readonly title: string;
  readonly body: string;
  readonly files: readonly ChangeFile[];
}

export interface OpenedChange {
  readonly baseBranch: string;
  /** The commit on the branch. */
  readonly commit: string;
  readonly files: ServiceChange['files'];
  readonly pullRequest: ServiceChange['pullRequest'];
}

export interface CodeHost {
  /**
   * Commits the files on a new branch made from the base and opens a pull request from it to the base.
   * Throws CodeChangeError for what the caller can fix (see its codes).
   */
  openChange(input: OpenChangeInput): Promise<OpenedChange>;
  /**
   * What an earlier attempt of the same change left: when the branch's head is the commit whose message
   * carries `marker` (so the branch is that attempt's), its pull request (opened now if the attempt
   * stopped before it) and the files as that commit changed them; undefined otherwise.
   */
  resumeChange(input: OpenChangeInput, marker: string): Promise<OpenedChange | undefined>;
}

export type CodeChangeErrorCode =
  /** The service's repository is not there (or Apollo's credentials can't see it). */
  | 'repository-missing'
  /** The repository is archived (read-only). */
  | 'repository-archived'
  /** The base branch does not exist. */
  | 'base-missing'
  /** The new branch exists already. */
  | 'branch-exists'
  /** A file to delete is not in the base (`index` names it). */
  | 'file-missing'
  /** The files already say what the base says: no commit, no pull request. */
  | 'nothing-to-change';

/** A change the Git host refuses for a reason the caller can fix. */
export class CodeChangeError extends Error {
  override readonly name = 'CodeChangeError';
  constructor(readonly code: CodeChangeErrorCode, message: string, readonly index?: number, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** What an Idempotency-Key started: the change's id, branch and time, fixed before GitHub is asked anything. */
export interface ChangeClaim {
  readonly changeId: string;
  readonly branch: string;
  readonly createdAt: string;
}

export interface ChangeStore {
  /** Records a change (again: the same change, unchanged). */
  putChange(change: ServiceChange): Promise<void>;
  /** Notes what an Idempotency-Key's digest started, before anything is made. */
  claimKey(keyDigest: string, claim: ChangeClaim): Promise<void>;
  /** What the digest started, and the change once it was recorded. */
  readKey(keyDigest: string): Promise<{ readonly claim: ChangeClaim; readonly change: ServiceChange | undefined } | undefined>;
}
