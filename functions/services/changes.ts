/**
 * Code changes: a pull request opened on a service's repository (the catalog's `repository`) with
 * Apollo's GitHub credentials, never the caller's, and never an AI's (the AI console proposes a change
 * through this same function, as the person it acts for). One commit of at most 20 files on a new branch
 * (`apollo/change-<short id>` unless named), proposed to the base branch (the repository's default unless
 * named). With an Idempotency-Key, a retry answers the same pull request, even after the idempotency
 * middleware's replay window and after an attempt that stopped half-way.
 */
import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import { statusOf } from '#lib/github/client';
import { GitHubNotConfiguredError, GitHubRateLimitedError } from '#lib/github/errors';
import type { ServiceChange, ServiceChangeCreate } from '#schemas/index.ts';
import { ConflictError, ServiceUnavailableError, ValidationError, type ErrorDetail } from '#shared/errors';
import { changeDeps } from './change-deps.ts';
import { CodeChangeError, type ChangeFile, type CodeHost, type OpenedChange } from './change-ports.ts';
import type { ServiceRecord } from './ports.ts';

const ulid = monotonicFactory();

/** A file's content, in bytes (UTF-8). */
export const MAX_FILE_BYTES = 200 * 1024;
/** Every file's content together, in bytes. */
export const MAX_CHANGE_BYTES = 1024 * 1024;
/** The default branch is this plus the change's short id. */
export const CHANGE_BRANCH_PREFIX = 'apollo/change-';

/** Who opens a change: a person, or an AI session acting for one (then `principal` is that person). */
export interface ChangeActor {
  readonly principal: string;
  readonly source: 'user' | 'ai';
  readonly aiSessionId?: string;
}

const NAME = '[A-Za-z0-9_.-]+';
const REPOSITORY_FORMS = [
  new RegExp(`^(${NAME})/(${NAME})$`),
  new RegExp(`^https?://[^/\\s]+/(${NAME})/(${NAME}?)(?:\\.git)?/?$`),
  new RegExp(`^git@[^:\\s]+:(${NAME})/(${NAME}?)(?:\\.git)?$`),
];

/** `owner/name`, `https://<host>/owner/name[.git]` or `git@<host>:owner/name.git` → owner and name; undefined for anything else. */
export function parseRepository(repository: string): { owner: string; repo: string } | undefined {
  for (const form of REPOSITORY_FORMS) {
    const m = form.exec(repository.trim());
    const repo = m?.[2]?.replace(/\.git$/, '');
    if (m && repo && !['.', '..'].includes(m[1]!) && !['.', '..'].includes(repo)) return { owner: m[1]!, repo };
  }
  return undefined;
}

/** Each path once; each content at most 200 KB and all of them at most 1 MB (paths from the input's root: `/files/0/content`). */
export function checkFiles(files: readonly ChangeFile[]): void {
  const details: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  let total = 0;
  files.forEach((file, index) => {
    const first = seen.get(file.path);
    if (first !== undefined) details.push({ path: `/files/${index}/path`, message: `${file.path} is already changed by /files/${first}` });
    else seen.set(file.path, index);
    if ('content' in file) {
      const bytes = Buffer.byteLength(file.content, 'utf8');
      total += bytes;
      if (bytes > MAX_FILE_BYTES) details.push({ path: `/files/${index}/content`, message: `${bytes} bytes: at most ${MAX_FILE_BYTES} bytes a file` });
    }
  });
  if (total > MAX_CHANGE_BYTES) details.push({ path: '/files', message: `${total} bytes of content: at most ${MAX_CHANGE_BYTES} bytes a change` });
  if (details.length) throw new ValidationError('the files of this change are not acceptable', { details });
}

/** The organisation Apollo opens changes in, when one is configured (APOLLO_GITHUB_ORG). */
const configuredOrganisation = (): string | undefined => process.env.APOLLO_GITHUB_ORG?.trim() || undefined;

/** The service's repository as owner and name, or 409 saying what is wrong with the catalog's record. */
function repositoryOf(service: ServiceRecord): { owner: string; repo: string } {
  if (service.deregisteredAt) throw new ConflictError(`service ${service.id} was deregistered on ${service.deregisteredAt}; register it again to change its code`);
  if (!service.repository?.trim()) throw new ConflictError(`service ${service.id} has no repository in the catalog: set its repository (PUT /api/v1/services/${service.id}) to open a code change`);
  const parsed = parseRepository(service.repository);
  if (!parsed) throw new ConflictError(`service ${service.id}'s repository "${service.repository}" is not a GitHub repository (owner/name or https://<host>/owner/name)`);
  const org = configuredOrganisation();
  // Apollo's credentials write where the catalog says: only in the organisation Apollo is set up for.
  if (org && parsed.owner.toLowerCase() !== org.toLowerCase()) {
    throw new ConflictError(`service ${service.id}'s repository ${parsed.owner}/${parsed.repo} is outside the GitHub organisation ${org} that Apollo opens changes in (APOLLO_GITHUB_ORG)`);
  }
  return parsed;
}

/** What a failure of the Git host means to the caller (input paths from the body's root). */
function translated(error: unknown, repository: string, branch: string): unknown {
  if (error instanceof CodeChangeError) {
    switch (error.code) {
      case 'base-missing':
        return new ValidationError(error.message, { details: [{ path: '/baseBranch', message: error.message }], cause: error });
      case 'file-missing':
        return new ValidationError(error.message, { details: [{ path: `/files/${error.index ?? 0}/path`, message: error.message }], cause: error });
      case 'branch-exists':
        return new ConflictError(`${error.message}: choose another branch (for example ${branch}-2), or leave branch out for a new apollo/change-… one`, { details: [{ path: '/branch', message: 'exists already' }], cause: error });
      default:
        return new ConflictError(error.message, { cause: error });
    }
  }
  if (error instanceof GitHubNotConfiguredError) return new ServiceUnavailableError(error.message, { cause: error });
  if (error instanceof GitHubRateLimitedError) {
    return new ServiceUnavailableError(`${error.message}; try again then`, { cause: error, retryAfterSeconds: Math.max(1, Math.ceil((error.resetAt.getTime() - Date.now()) / 1000)) });
  }
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    return new ServiceUnavailableError(`Apollo's GitHub credentials may not open a pull request on ${repository} (GitHub answered ${status}): give its token or app write access to contents and pull requests`, { cause: error });
  }
  return error;
}

function pullRequestBody(description: string | undefined, actor: ChangeActor, changeId: string): string {
  const by = actor.source === 'ai' ? `${actor.principal} (through the AI console${actor.aiSessionId ? `, session ${actor.aiSessionId}` : ''})` : actor.principal;
  return [description?.trim(), `Opened through Apollo by ${by}. Apollo change ${changeId}.`].filter(Boolean).join('\n\n---\n\n');
}

export interface OpenedServiceChange {
  readonly change: ServiceChange;
  /** The change an earlier request with the same Idempotency-Key made (no new pull request). */
  readonly replayed: boolean;
}

/** The line every commit of a change carries: what makes an earlier attempt's branch recognisably this change's. */
export const changeMarker = (changeId: string): string => `Apollo-Change: ${changeId}`;

/**
 * Opens a change on the service's repository. 409 without a usable repository, when the branch exists
 * or nothing would change; 400 (at `/baseBranch`, `/files/<i>/…`) for a missing base or file to delete;
 * 503 when GitHub is not configured or its credentials may not write there.
 *
 * With an Idempotency-Key the change's id, branch and time are noted before GitHub is asked anything:
 * a retry answers the recorded change, or, when the earlier attempt stopped on the way (after the
 * branch, after the pull request), picks up what it made instead of opening another pull request.
 */
export async function openServiceChange(service: ServiceRecord, input: ServiceChangeCreate, actor: ChangeActor, options: { readonly idempotencyKey?: string } = {}): Promise<OpenedServiceChange> {
  const { owner, repo } = repositoryOf(service);
  const files = input.files as readonly ChangeFile[];
  checkFiles(files);
  const { store, host: makeHost } = changeDeps();
  const keyDigest = options.idempotencyKey && createHash('sha256').update(`${actor.principal}\n${service.id}\n${options.idempotencyKey}`).digest('hex');
  const earlier = keyDigest ? await store.readKey(keyDigest) : undefined;
  if (earlier?.change) return { change: earlier.change, replayed: true };

  const id = earlier?.claim.changeId ?? ulid();
  const branch = earlier?.claim.branch ?? input.branch ?? `${CHANGE_BRANCH_PREFIX}${id.slice(-8).toLowerCase()}`;
  const createdAt = earlier?.claim.createdAt ?? new Date().toISOString();
  if (keyDigest && !earlier) await store.claimKey(keyDigest, { changeId: id, branch, createdAt });
  const repository = `${owner}/${repo}`;
  const request = {
    owner, repo, baseBranch: input.baseBranch, branch, files,
    title: input.title.trim(),
    message: `${(input.message ?? input.title).trim()}\n\n${changeMarker(id)}`,
    body: pullRequestBody(input.description, actor, id),
  };
  let opened: OpenedChange;
  try {
    const host: CodeHost = makeHost();
    opened = (earlier && await host.resumeChange(request, changeMarker(id))) || await host.openChange(request);
  } catch (error) {
    throw translated(error, repository, branch);
  }
  const change: ServiceChange = {
    id, service: service.id, repository, branch, baseBranch: opened.baseBranch, pullRequest: opened.pullRequest, commit: opened.commit,
    files: opened.files, createdBy: actor.principal, createdAt, source: actor.source,
    ...(actor.aiSessionId ? { aiSessionId: actor.aiSessionId } : {}),
  };
  await store.putChange(change);
  return { change, replayed: false };
}
