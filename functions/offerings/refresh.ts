/**
 * The catalog refresh: the catalog repository's documents (`<directory>/**.yaml` on the default
 * branch) → offerings. Rules:
 * - a valid document is stored as its offering's current version (store.putVersion: idempotent by
 *   version and blob sha) and its check recorded (putValidation: warnings and hints kept);
 * - an invalid document stores nothing: the offering keeps serving its last good version, and the
 *   errors (JSON-pointer paths, YAML lines) are recorded on the offering and in the job's result;
 * - the owning team is the catalog repository's CODEOWNERS (the last matching rule's first
 *   `@org/team` of the repository's organisation), else the document's metadata.owner; a document
 *   whose metadata.owner disagrees with CODEOWNERS gets a warning, CODEOWNERS wins; an owner that is
 *   not an Apollo team is stored with a warning (the team may be created later);
 * - a file that disappeared (or now defines another offering) retires its offering from source
 *   (store.markRemovedFromSource: it stays readable for requests and history that name it, lists as
 *   retired and cannot be requested; the file coming back revives it);
 * - one offering id, one file: a second file claiming an id another existing file defines is
 *   invalid (`duplicate-id`); a renamed file takes its id along;
 * - a file whose blob sha and owner are what the offering was stored from is not read again.
 * GitHub's rate limit stops the run (GitHubRateLimitedError); a file's own failure fails that file.
 */
import { parse as parseYaml } from 'yaml';
import type { CatalogRefreshFile, CatalogSource as OfferingSource, DocumentIssue } from '#schemas/index.ts';
import { checkCatalogYaml } from '#shared/offerings/document/index';
import { CODEOWNERS_PATHS, ownerRule, parseCodeOwners, teamSlugs, type CodeOwners, type CodeOwnersProblem } from '#lib/github/codeowners';
import { GitHubRateLimitedError } from '#lib/github/errors';
import { logger } from '#lib/observability';
import { ComparisonTooLargeError } from './adapters/github-catalog-source.ts';
import { isCatalogDocument } from './refresh-config.ts';
import type { OfferingRecord, TeamDirectory } from './ports.ts';
import type { CatalogSource, RefreshStore, RepositoryFile } from './refresh-ports.ts';
import type { OfferingDocument } from './shapes.ts';

/** At most this many errors of one file are kept in a job's result (the validation record keeps more). */
export const MAX_FILE_ERRORS = 50;
/** At most this many issues of each severity are recorded on an offering (its record is one table item, 400 KB at most). */
export const MAX_RECORDED_ISSUES = 500;
const recorded = <T>(issues: readonly T[]): T[] => issues.slice(0, MAX_RECORDED_ISSUES);

export interface RefreshScope {
  /** Only these files (a push or a targeted refresh); absent: the whole directory. */
  readonly paths?: readonly string[];
  /** Only the files changed since this commit (a push whose file lists GitHub left out). */
  readonly since?: string;
}

export interface RefreshHooks {
  /** The run read the branch head and knows how many files it will look at. */
  started(info: { branch: string; commit: string; total: number; codeowners: { path: string | null; problems: CodeOwnersProblem[] } }): Promise<void>;
  /** One file is done. */
  file(result: CatalogRefreshFile): Promise<void>;
}

export interface RefreshDeps {
  readonly source: CatalogSource;
  readonly store: RefreshStore;
  /** Apollo's teams: an owner that is none of them gets a warning. @default - not checked */
  readonly teams?: TeamDirectory;
  /** The directory holding the documents (no leading or trailing slash). */
  readonly directory: string;
}

interface Ownership {
  readonly path: string | null;
  readonly problems: CodeOwnersProblem[];
  readonly codeowners: CodeOwners | undefined;
}

const docIssue = (issue: Partial<DocumentIssue> & Pick<DocumentIssue, 'code' | 'message'>): DocumentIssue => ({ path: '', severity: 'error', ...issue });

/** The metadata.id of a document too broken to validate, if its YAML still says one. */
function idOf(text: string): string | undefined {
  try {
    const id = (parseYaml(text) as { metadata?: { id?: unknown } } | null)?.metadata?.id;
    return typeof id === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

async function readOwnership(source: CatalogSource, commit: string, listed: readonly RepositoryFile[] | undefined): Promise<Ownership> {
  for (const path of CODEOWNERS_PATHS) {
    if (listed && !listed.some((f) => f.path === path)) continue;
    const file = await source.readFile(path, commit);
    if (!file) continue;
    const codeowners = parseCodeOwners(file.text);
    return { path, problems: [...codeowners.problems], codeowners };
  }
  return { path: null, problems: [], codeowners: undefined };
}

/** The CODEOWNERS team that owns `path`, if any. */
function codeownersTeam(ownership: Ownership, path: string, org: string): string | undefined {
  if (!ownership.codeowners) return undefined;
  const rule = ownerRule(ownership.codeowners, path);
  return rule ? teamSlugs(rule.owners, org)[0] : undefined;
}

/** Runs one refresh. Throws GitHubRateLimitedError (the run stops) and errors reading the branch or listing. */
export async function refreshCatalog(deps: RefreshDeps, scope: RefreshScope, hooks: RefreshHooks): Promise<void> {
  const { source, store, directory } = deps;
  let teamIds: Promise<Set<string>> | undefined;
  const isTeam = async (id: string): Promise<boolean> => {
    if (!deps.teams) return true;
    teamIds ??= deps.teams.listTeams().then((teams) => new Set(teams.map((t) => t.id)));
    return (await teamIds).has(id);
  };
  const repo = await source.repository();
  const commit = await source.headCommit(repo.defaultBranch);

  // What to look at: every document at the head (full), or the named paths.
  let paths: string[] | undefined = scope.paths ? [...scope.paths] : undefined;
  if (scope.since) {
    try {
      const changed = await source.changedFiles(scope.since, commit);
      const touched = changed.flatMap((f) => [f.path, ...(f.previousPath ? [f.previousPath] : [])]);
      // A CODEOWNERS change can move any file's owner: look at everything (unchanged files aren't read).
      paths = touched.some((p) => (CODEOWNERS_PATHS as readonly string[]).includes(p)) ? undefined : touched.filter((p) => isCatalogDocument(p, directory));
    } catch (error) {
      if (!(error instanceof ComparisonTooLargeError) && (error as { status?: number }).status !== 404) throw error;
      logger.info('comparison incomplete; refreshing every file', { since: scope.since, reason: (error as Error).message });
      paths = undefined;
    }
  }
  const listed = paths ? undefined : await source.listFiles(commit, directory);
  const ownership = await readOwnership(source, commit, listed);
  const currents = await store.listAllCurrent();
  const fromRepo = currents.filter((c) => c.source.repo === repo.fullName && isCatalogDocument(c.source.path, directory));
  const byId = new Map(currents.map((c) => [c.id, c]));

  type Candidate = { path: string; sha?: string };
  const candidates: Candidate[] = listed
    ? listed.filter((f) => isCatalogDocument(f.path, directory)).map((f) => ({ path: f.path, sha: f.sha }))
    : [...new Set(paths!.filter((p) => isCatalogDocument(p, directory)))].map((path) => ({ path }));
  candidates.sort((a, b) => a.path.localeCompare(b.path));
  const present = new Set(listed?.map((f) => f.path));
  // Offerings from files the run won't look at, that may be gone (full: not listed; scoped: named and missing).
  const orphanCandidates = listed ? fromRepo.filter((c) => !present.has(c.source.path) && !c.removedFromSource) : [];
  await hooks.started({ branch: repo.defaultBranch, commit, total: candidates.length + orphanCandidates.length, codeowners: { path: ownership.path, problems: ownership.problems } });

  const definedBy = new Map<string, string>(); // id → path, this run
  const pathDefines = new Map<string, string>(); // path → id, this run (valid files)
  const missing = new Set<string>();

  const exists = async (path: string): Promise<boolean> => (listed ? present.has(path) : (await source.readFile(path, commit)) !== undefined);
  /** The other file that defines `id`: one this run already took it from, or the served offering's file while it exists. */
  const definedElsewhere = async (id: string, path: string): Promise<string | undefined> => {
    const earlier = definedBy.get(id);
    if (earlier) return earlier === path ? undefined : earlier;
    const current = byId.get(id);
    if (!current || current.removedFromSource || current.source.repo !== repo.fullName || current.source.path === path) return undefined;
    return (await exists(current.source.path)) ? current.source.path : undefined;
  };

  for (const candidate of candidates) {
    const path = candidate.path;
    const team = codeownersTeam(ownership, path, repo.owner);
    try {
      // Unchanged: the offering served was stored from this very blob, with this owner.
      const storedFrom = fromRepo.find((c) => c.source.path === path && !c.removedFromSource);
      if (candidate.sha && storedFrom && storedFrom.source.sha === candidate.sha && !storedFrom.removedFromSource
        && storedFrom.source.ownerTeam === (team ?? storedFrom.document.metadata.owner)) {
        definedBy.set(storedFrom.id, path);
        pathDefines.set(path, storedFrom.id);
        await hooks.file({ path, outcome: 'unchanged', itemId: storedFrom.id, version: storedFrom.version, ownerTeam: storedFrom.source.ownerTeam, ownerSource: team ? 'codeowners' : 'metadata', sha: candidate.sha, errors: [], warnings: 0, hints: 0 });
        continue;
      }
      const file = await source.readFile(path, commit);
      if (!file) {
        missing.add(path);
        continue;
      }
      await hooks.file(await refreshFile({ repo: repo.fullName, path, sha: file.sha, text: file.text, team }));
    } catch (error) {
      if (error instanceof GitHubRateLimitedError) throw error;
      logger.warn('catalog file not refreshed', { path, error: (error as Error).message });
      const status = (error as { status?: number }).status;
      await hooks.file({ path, outcome: 'failed', message: status ? `GitHub answered ${status}` : `not refreshed: ${(error as Error).message}`, errors: [], warnings: 0, hints: 0 });
    }
  }

  async function refreshFile(file: { repo: string; path: string; sha: string; text: string; team: string | undefined }): Promise<CatalogRefreshFile> {
    const check = checkCatalogYaml(file.text);
    const base = { path: file.path, sha: file.sha };
    const counts = { warnings: check.warnings.length, hints: check.hints.length };
    const doc = check.document as OfferingDocument | undefined;
    const id = doc?.metadata.id ?? idOf(file.text);
    const current = id ? byId.get(id) : undefined;
    // An id another existing file defines stays that file's: this one is refused.
    const other = id ? await definedElsewhere(id, file.path) : undefined;
    if (id && other) {
      const issue = docIssue({ path: '/metadata/id', code: 'duplicate-id', message: `the offering id ${id} is already defined by ${other}` });
      return { ...base, outcome: 'invalid', itemId: id, message: issue.message, errors: [issue, ...check.errors].slice(0, MAX_FILE_ERRORS), ...counts };
    }
    const ownerTeam = file.team ?? doc?.metadata.owner ?? current?.source.ownerTeam ?? '';
    const ownerSource = file.team ? 'codeowners' as const : 'metadata' as const;
    const source: OfferingSource = { repo: file.repo, path: file.path, sha: file.sha, ownerTeam };
    const checkedAt = new Date().toISOString();

    if (!doc || check.errors.length) {
      const serving = current && !current.removedFromSource ? current.version : null;
      if (id) {
        definedBy.set(id, file.path);
        await store.putValidation(id, { source, checkedAt, valid: false, errors: recorded(check.errors), warnings: recorded(check.warnings), hints: recorded(check.hints), currentVersion: serving, servingOlderVersion: serving !== null });
      }
      return { ...base, outcome: 'invalid', ...(id ? { itemId: id } : {}), ownerTeam, ownerSource, servingVersion: serving, errors: check.errors.slice(0, MAX_FILE_ERRORS), ...counts };
    }

    const warnings = [...check.warnings];
    if (file.team && doc.metadata.owner !== file.team) {
      warnings.push({ path: '/metadata/owner', code: 'owner-differs-from-codeowners', severity: 'warning', message: `metadata.owner says ${doc.metadata.owner}, but CODEOWNERS gives ${file.path} to team ${file.team}: ${file.team} owns it` });
    }
    if (!(await isTeam(ownerTeam))) {
      warnings.push(file.team
        ? { path: '', code: 'owner-team-unknown', severity: 'warning', message: `CODEOWNERS gives ${file.path} to team ${file.team}, which is not an Apollo team: create it, or name an existing team's slug in CODEOWNERS` }
        : { path: '/metadata/owner', code: 'owner-team-unknown', severity: 'warning', message: `${ownerTeam} is not an Apollo team` });
    }
    definedBy.set(doc.metadata.id, file.path);
    pathDefines.set(file.path, doc.metadata.id);
    const { outcome } = await store.putVersion(doc, source, { text: file.text });
    await store.putValidation(doc.metadata.id, { source, checkedAt, valid: true, errors: [], warnings: recorded(warnings), hints: recorded(check.hints), currentVersion: doc.metadata.version, servingOlderVersion: false });
    return { ...base, outcome, itemId: doc.metadata.id, version: doc.metadata.version, ownerTeam, ownerSource, errors: [], warnings: warnings.length, hints: check.hints.length };
  }

  // Retire what lost its file: gone from the branch, or the file now defines another offering.
  const looked = new Set(candidates.map((c) => c.path));
  const retire = async (record: OfferingRecord, message: string): Promise<void> => {
    try {
      await store.markRemovedFromSource(record.id, record.source.path);
      await hooks.file({ path: record.source.path, outcome: 'retired', itemId: record.id, version: record.version, ownerTeam: record.source.ownerTeam, message, errors: [], warnings: 0, hints: 0 });
    } catch (error) {
      if (error instanceof GitHubRateLimitedError) throw error;
      await hooks.file({ path: record.source.path, outcome: 'failed', itemId: record.id, message: `not retired: ${(error as Error).message}`, errors: [], warnings: 0, hints: 0 });
    }
  };
  for (const record of fromRepo) {
    if (record.removedFromSource) continue;
    if (definedBy.get(record.id) && definedBy.get(record.id) !== record.source.path) continue; // renamed: the new file holds it
    const path = record.source.path;
    const gone = listed ? !present.has(path) : missing.has(path);
    if (gone) await retire(record, `${path} is no longer on ${repo.defaultBranch}: the offering is retired from source`);
    else if (looked.has(path) && pathDefines.has(path) && pathDefines.get(path) !== record.id) await retire(record, `${path} now defines ${pathDefines.get(path)}: ${record.id} is retired from source`);
  }
  // A named file that is gone and no offering it defined is served: say so.
  for (const path of missing) {
    const record = fromRepo.find((r) => r.source.path === path);
    if (record && !record.removedFromSource) continue; // retired above
    await hooks.file({ path, outcome: 'unchanged', ...(record ? { itemId: record.id } : {}), message: record ? `${path} is not on ${repo.defaultBranch}; ${record.id} was retired before` : `${path} is not on ${repo.defaultBranch}; no offering was stored from it`, errors: [], warnings: 0, hints: 0 });
  }
}
