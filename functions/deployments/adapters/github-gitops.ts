/**
 * The GitOps repository on GitHub (ports.ts GitOpsPort), through the shared GitHub client
 * (#lib/github/client: a token or a GitHub App, rate-limit aware) and Apollo's GitHub credentials.
 *
 * Each service's environment has a Helm values file at a path made from a template
 * (`apps/{service}/{environment}/values.yaml` by default): the image tag is `image.tag`, the replica
 * count `replicaCount`, a restart the pod annotation `podAnnotations["apollo.dev/restartedAt"]`. A change
 * rewrites only those values, in place: every other byte of the file (comments, key order, quoting,
 * spacing) stays as it was; a key the file does not have yet is added through the `yaml` Document API.
 *
 * Writes go through the contents API with the blob sha read (optimistic concurrency): when someone
 * else changed the file in between (409), the file is read again and the change applied again, a few
 * times at most. Every commit message ends with the trailer `Apollo-Deployment: <id>`, and before
 * writing, the path's recent commits are looked through for it, so a step that runs again (a crash
 * between the commit and its record) answers the commit it made instead of making another. A change
 * the file already says commits nothing.
 *
 * Production goes through a pull request from the branch `apollo/deploy/<id>` (made from the default
 * branch's head; reused when an earlier attempt made it), squash-merged once approved with the
 * trailer in the merge commit; closing one comments on it and deletes its branch.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parseDocument, Scalar, stringify, YAMLMap, type Document } from 'yaml';
import { GitHubClient, statusOf, type GitHubClientOptions } from '#lib/github/client';
import { githubCredentials } from '#lib/github/credentials';
import { GitHubNotConfiguredError } from '#lib/github/errors';
import { readGitHubRunSettings } from '#lib/github/runs';
import { unifiedDiff } from '#lib/line-diff';
import { logger } from '#lib/observability';
import type {
  DeployTarget, DesiredChange, DesiredState, GitOpsChangeRequest, GitOpsCommit, GitOpsPort, GitOpsPullRequest, GitOpsVersion,
} from '../ports.ts';

import { DEFAULT_GITOPS_PATH, DEPLOYMENT_TRAILER } from '../gitops-names.ts';

export { DEFAULT_GITOPS_PATH, DEPLOYMENT_TRAILER };
/** The branch a deployment's pull request comes from is this plus the deployment's id. */
export const DEPLOY_BRANCH_PREFIX = 'apollo/deploy/';
/** The pod annotation a restart sets in the values file (`podAnnotations[...]`: changed pods, so a rolling restart; the chart puts it on the pod template). */
export const VALUES_RESTARTED_AT_KEY = 'apollo.dev/restartedAt';

const IMAGE_TAG = ['image', 'tag'] as const;
const REPLICAS = ['replicaCount'] as const;
const RESTARTED_AT = ['podAnnotations', VALUES_RESTARTED_AT_KEY] as const;

export type GitOpsErrorCode =
  /** The environment has no values file. */
  | 'gitops-missing'
  /** The values file is not a YAML mapping Apollo can edit, or the change or target is not one it can write. */
  | 'gitops-invalid'
  /** The file kept changing under each attempt. */
  | 'gitops-conflict'
  /** The pull request cannot be merged (it conflicts with its base, or its head moved since it was approved). */
  | 'gitops-not-mergeable'
  /** The pull request was closed without being merged. */
  | 'gitops-pr-closed';

/** A GitOps failure Apollo names (GitHub's own errors, rate limits and credentials pass through as they are). */
export class GitOpsError extends Error {
  override readonly name = 'GitOpsError';
  constructor(readonly code: GitOpsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

export interface GitHubGitOpsOptions extends Omit<GitHubClientOptions, 'userAgent'> {
  /** The GitOps repository, `owner/name`. */
  readonly repository: string;
  /** Where an environment's values file is: `{service}`, `{environment}`, `{cluster}` and `{namespace}` are filled in. @default apps/{service}/{environment}/values.yaml */
  readonly pathTemplate?: string;
  /** Where commits and pull requests are seen. @default https://github.com for api.github.com, the host for GitHub Enterprise's /api/v3, else the API's own address (the local fake serves its pages there) */
  readonly webUrl?: string;
  /** Said after the repository in `kind` (e.g. `LOCAL FAKE`). */
  readonly label?: string;
  /** Attempts of one write when the file changes in between. @default 5 */
  readonly maxAttempts?: number;
  /** How many of a path's latest commits are looked through for a deployment's trailer. @default 100 */
  readonly lookBack?: number;
  /** The most GitHub calls one `history` makes. @default 60 */
  readonly historyCalls?: number;
}

/** The GitOps settings from the environment: APOLLO_GITOPS_REPO, APOLLO_GITOPS_PATH and GitHub's (#lib/github/runs). */
export interface GitOpsSettings {
  readonly repository: string;
  readonly pathTemplate: string;
  readonly apiUrl: string;
  readonly maxWaitMs: number;
}

const REPOSITORY = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
/** A value put into the path: one path segment, never `.` or `..`. */
const SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,100}$/;
const PLACEHOLDERS = new Set(['service', 'environment', 'cluster', 'namespace']);
/** What a container image tag may be (the OCI distribution spec's tag grammar). */
const IMAGE_TAG_FORMAT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Throws GitHubNotConfiguredError (a 503 where a route asks) when APOLLO_GITOPS_REPO is not set or is not `owner/name`. */
export function readGitOpsSettings(env: NodeJS.ProcessEnv = process.env): GitOpsSettings {
  const repository = (env.APOLLO_GITOPS_REPO ?? '').trim();
  if (!repository) throw new GitHubNotConfiguredError('deployments are not configured: set APOLLO_GITOPS_REPO to the GitOps repository (owner/name)');
  if (!REPOSITORY.test(repository)) throw new GitHubNotConfiguredError(`APOLLO_GITOPS_REPO must be owner/name, not "${repository}"`);
  const pathTemplate = (env.APOLLO_GITOPS_PATH ?? '').trim() || DEFAULT_GITOPS_PATH;
  checkTemplate(pathTemplate, GitHubNotConfiguredError);
  const { apiUrl, maxWaitMs } = readGitHubRunSettings(env, 'deployments');
  return { repository, pathTemplate, apiUrl, maxWaitMs };
}

/** The GitOps adapter the environment describes, with Apollo's GitHub credentials (read on each call, so a swap or rotation applies). */
export function gitHubGitOpsFromEnv(env: NodeJS.ProcessEnv = process.env, more: Partial<GitHubGitOpsOptions> = {}): GitHubGitOps {
  const settings = readGitOpsSettings(env);
  return new GitHubGitOps({
    repository: settings.repository, pathTemplate: settings.pathTemplate, baseUrl: settings.apiUrl, maxWaitMs: settings.maxWaitMs,
    credentials: { credentials: (options) => githubCredentials(env).credentials(options) },
    ...more,
  });
}

function checkTemplate(template: string, fail: new (message: string) => Error): void {
  const names = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!);
  const unknown = names.filter((name) => !PLACEHOLDERS.has(name));
  if (unknown.length) throw new fail(`the GitOps path template "${template}" names ${unknown.map((n) => `{${n}}`).join(', ')}; it may use {service}, {environment}, {cluster} and {namespace}`);
  if (!names.includes('service') || !names.includes('environment')) throw new fail(`the GitOps path template "${template}" must name {service} and {environment}`);
  if (template.startsWith('/') || template.split('/').some((part) => part === '..' || part === '.' || part === '')) throw new fail(`the GitOps path template "${template}" must be a relative path without . or .. segments`);
}

/** The web address GitHub shows repositories at, from its API's. */
function webUrlOf(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, '');
  if (/^https:\/\/api\.github\.com$/i.test(base)) return 'https://github.com';
  return base.replace(/\/api\/v3$/i, '');
}

const trailer = (deploymentId: string): string => `${DEPLOYMENT_TRAILER}: ${deploymentId}`;
const carriesTrailer = (message: string | undefined, deploymentId: string): boolean =>
  (message ?? '').split('\n').some((line) => line.trim() === trailer(deploymentId));
const withTrailer = (text: string, deploymentId: string): string =>
  (carriesTrailer(text, deploymentId) ? text.trimEnd() : `${text.trimEnd()}${text.trim() ? '\n\n' : ''}${trailer(deploymentId)}`);

/** The commit message: the title, a blank line, the body, and the trailer as the last paragraph. */
export function commitMessage(change: Pick<GitOpsChangeRequest, 'title' | 'body' | 'deploymentId'>): string {
  const body = change.body.trim();
  return `${change.title.trim()}\n\n${body ? `${body}\n\n` : ''}${trailer(change.deploymentId)}`;
}

// ---------------------------------------------------------------- the values file

/** Parses a values file; an empty one is an empty mapping. */
function parseValues(text: string, path: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new GitOpsError('gitops-invalid', `${path} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new GitOpsError('gitops-invalid', `${path} is not a YAML mapping (Helm values)`);
  return doc;
}

/** What a values file says of the keys Apollo changes. */
export function readValues(text: string, path: string): Omit<DesiredState, 'path' | 'commitSha'> {
  const doc = parseValues(text, path);
  const tag = doc.getIn(IMAGE_TAG);
  const replicas = doc.getIn(REPLICAS);
  const restartedAt = doc.getIn(RESTARTED_AT);
  return {
    ...(typeof tag === 'string' || typeof tag === 'number' ? { imageTag: String(tag) } : {}),
    ...(typeof replicas === 'number' ? { replicas } : {}),
    ...(typeof restartedAt === 'string' ? { restartedAt } : {}),
  };
}

/** Checks a change before anything is read or written. */
function checkChange(set: DesiredChange): void {
  if (set.imageTag === undefined && set.replicas === undefined && set.restartedAt === undefined) throw new GitOpsError('gitops-invalid', 'the change sets nothing (an image tag, a replica count or a restart)');
  if (set.imageTag !== undefined && !IMAGE_TAG_FORMAT.test(set.imageTag)) throw new GitOpsError('gitops-invalid', `"${set.imageTag}" is not an image tag`);
  if (set.replicas !== undefined && (!Number.isInteger(set.replicas) || set.replicas < 0)) throw new GitOpsError('gitops-invalid', `${set.replicas} is not a replica count`);
  if (set.restartedAt !== undefined && Number.isNaN(Date.parse(set.restartedAt))) throw new GitOpsError('gitops-invalid', `"${set.restartedAt}" is not a time`);
}

type Edit = { readonly path: readonly string[]; readonly value: string | number };

function editsOf(set: DesiredChange): Edit[] {
  return [
    ...(set.imageTag !== undefined ? [{ path: IMAGE_TAG, value: set.imageTag }] : []),
    ...(set.replicas !== undefined ? [{ path: REPLICAS, value: set.replicas }] : []),
    ...(set.restartedAt !== undefined ? [{ path: RESTARTED_AT, value: set.restartedAt }] : []),
  ];
}

/**
 * How a new value is written where an old scalar was: in the old one's quoting where that reads back
 * as the same value; a string that YAML (1.1, which Helm reads, or 1.2) could take for something else
 * is double-quoted.
 */
function scalarText(value: string | number, type: Scalar.Type | undefined): string {
  if (typeof value === 'number') return String(value);
  if (type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  const plainIsSafe = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) && !/^(y|yes|n|no|true|false|on|off|null|nan|inf)$/i.test(value);
  if (type === Scalar.PLAIN && plainIsSafe) return value;
  return stringify(value, { defaultStringType: 'QUOTE_DOUBLE' }).trimEnd();
}

/** Whether a value as the file reads is the value wanted (a tag the file reads as a number is not: it is written again, quoted). */
const same = (have: unknown, want: string | number): boolean => have === want;

/**
 * The values file with the change applied, keeping every other byte: a value that is there is
 * replaced where it stands; one that is not is inserted as a line (or an entry of a flow mapping)
 * where its mapping is. Only when the result would not read back as the file with the change (an
 * unusual layout) is the file rewritten whole through the Document API (which may reformat it).
 */
export function applyChange(text: string, set: DesiredChange, path: string): string {
  checkChange(set);
  const edits = editsOf(set);
  const original = parseValues(text, path);
  const expected = (original.toJS() ?? {}) as Record<string, unknown>;
  for (const edit of edits) setPlain(expected, edit.path, edit.value);
  let out = text;
  try {
    for (const edit of edits) out = editInPlace(out, parseValues(out, path), edit) ?? out;
  } catch {
    out = text;
  }
  if (out !== text && isDeepStrictEqual(parseValues(out, path).toJS(), expected)) return out;
  if (isDeepStrictEqual(original.toJS() ?? {}, expected)) return text;
  const whole = parseValues(text, path);
  for (const edit of edits) setDeep(whole, edit.path, edit.value);
  return whole.toString();
}

/** Sets a value in plain data (what the file should read as), making the objects on its way. */
function setPlain(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    at = (at[key] = next && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}

const lineStart = (text: string, at: number): number => text.lastIndexOf('\n', at - 1) + 1;
/** The index of the newline ending the line `at` is on (the text's length on its last line). */
const lineEnd = (text: string, at: number): number => { const i = text.indexOf('\n', at); return i < 0 ? text.length : i; };
const keyText = (key: string): string => (/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(key) ? key : JSON.stringify(key));

/** `rest` as block lines at `indent` (two more spaces each level down). */
function blockLines(rest: readonly string[], value: string | number, indent: number): string {
  return rest.map((key, i) => `${' '.repeat(indent + 2 * i)}${keyText(key)}:${i === rest.length - 1 ? ` ${scalarText(value, Scalar.PLAIN)}` : ''}\n`).join('');
}

/** Inserts `text` at `at`, starting a line there (a file ending without a newline gets one first). */
function insertLines(text: string, at: number, lines: string): string {
  if (at >= text.length) return `${text}${text && !text.endsWith('\n') ? '\n' : ''}${lines}`;
  return text.slice(0, at) + lines + text.slice(at);
}

/** One edit made in the text itself; undefined when the file's layout is not one this knows. */
function editInPlace(text: string, doc: Document, edit: Edit): string | undefined {
  const node = doc.getIn(edit.path, true);
  if (isScalar(node) && node.value !== null && node.range && (node.type === Scalar.PLAIN || node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE)) {
    return same(node.value, edit.value) ? text : text.slice(0, node.range[0]) + scalarText(edit.value, node.type) + text.slice(node.range[1]);
  }
  if (node !== undefined && !(isScalar(node) && node.value === null)) return undefined;
  if (doc.contents === null) return insertLines(text, text.length, blockLines(edit.path, edit.value, 0));
  // The deepest mapping on the path that is there, and what is to be made below it.
  let map: unknown = doc.contents;
  let depth = 0;
  while (depth < edit.path.length - 1 && isMap((map as YAMLMap).get(edit.path[depth], true))) map = (map as YAMLMap).get(edit.path[depth++], true);
  if (!isMap(map) || !map.range) return undefined;
  const rest = edit.path.slice(depth);
  const below = map.items.find((pair) => isScalar(pair.key) && pair.key.value === rest[0]);
  if (below) {
    // `key:` with nothing after it (an empty mapping written as null): the lines go under it.
    const value = below.value;
    const key = below.key as Scalar;
    if (!key.range || (value !== null && !(isScalar(value) && value.value === null && value.range && text.slice(value.range[0], value.range[1]).trim() === ''))) return undefined;
    const indent = key.range[0] - lineStart(text, key.range[0]);
    return insertLines(text, lineEnd(text, key.range[1]) + 1, blockLines(rest.slice(1), edit.value, indent + 2));
  }
  if (map.flow) {
    if (rest.length !== 1) return undefined;
    const entry = `${keyText(rest[0]!)}: ${scalarText(edit.value, Scalar.PLAIN)}`;
    const last = map.items[map.items.length - 1];
    if (!last) {
      const close = text.indexOf('}', map.range[0]);
      return close < 0 ? undefined : `${text.slice(0, map.range[0])}{ ${entry} }${text.slice(close + 1)}`;
    }
    const end = (last.value as Scalar | null)?.range?.[1] ?? (last.key as Scalar).range?.[1];
    return end === undefined ? undefined : `${text.slice(0, end)}, ${entry}${text.slice(end)}`;
  }
  const first = map.items[0]?.key as Scalar | undefined;
  const last = map.items[map.items.length - 1];
  if (!first?.range || !last) return undefined;
  const indent = first.range[0] - lineStart(text, first.range[0]);
  const end = (last.value as Scalar | null)?.range?.[1] ?? (last.key as Scalar).range?.[1];
  if (end === undefined) return undefined;
  return insertLines(text, lineEnd(text, Math.max(end - 1, 0)) + 1, blockLines(rest, edit.value, indent));
}

/** Sets a value, making the mappings on its way (an empty `podAnnotations:` becomes one). */
function setDeep(doc: Document, path: readonly string[], value: string | number): void {
  for (let depth = 1; depth < path.length; depth++) {
    const parent = doc.getIn(path.slice(0, depth), true);
    if (parent === undefined || parent === null || (isScalar(parent) && parent.value === null)) doc.setIn(path.slice(0, depth), new YAMLMap());
    else if (!isMap(parent)) throw new GitOpsError('gitops-invalid', `${path.slice(0, depth).join('.')} is not a mapping in the values file`);
  }
  const node = new Scalar(value);
  // Strings the file reads as something else, and every time, are quoted (an annotation must stay a string).
  if (typeof value === 'string' && scalarText(value, Scalar.PLAIN) !== value) node.type = Scalar.QUOTE_DOUBLE;
  doc.setIn(path, node);
}

// ---------------------------------------------------------------- the adapter

interface CommitLike {
  readonly sha: string;
  readonly parents: ReadonlyArray<{ readonly sha: string }>;
  readonly commit: { readonly message: string; readonly author: { readonly name?: string; readonly date?: string } | null; readonly committer: { readonly date?: string } | null };
}

interface PullLike {
  readonly number: number;
  readonly html_url: string;
  readonly state: string;
  readonly title: string;
  readonly body: string | null;
  readonly merged?: boolean;
  readonly merge_commit_sha: string | null;
  readonly head: { readonly ref: string; readonly sha: string; readonly repo: { readonly full_name?: string } | null };
}

export class GitHubGitOps implements GitOpsPort {
  readonly kind: string;
  readonly repository: string;
  private readonly owner: string;
  private readonly repo: string;
  private readonly github: GitHubClient;
  private readonly template: string;
  private readonly web: string;
  private readonly maxAttempts: number;
  private readonly lookBack: number;
  private readonly historyCalls: number;
  private defaultBranchName: Promise<string> | undefined;

  constructor(options: GitHubGitOpsOptions) {
    const m = REPOSITORY.exec(options.repository.trim());
    if (!m) throw new GitHubNotConfiguredError(`the GitOps repository must be owner/name, not "${options.repository}"`);
    this.owner = m[1]!;
    this.repo = m[2]!;
    this.repository = `${this.owner}/${this.repo}`;
    this.template = options.pathTemplate ?? DEFAULT_GITOPS_PATH;
    checkTemplate(this.template, GitHubNotConfiguredError);
    this.web = (options.webUrl ?? webUrlOf(options.baseUrl)).replace(/\/+$/, '');
    this.kind = `GitHub ${this.repository}${options.label ? ` (${options.label})` : ''}`;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.lookBack = Math.max(1, options.lookBack ?? 100);
    this.historyCalls = Math.max(2, options.historyCalls ?? 60);
    this.github = new GitHubClient({ ...options, userAgent: 'apollo-deployments' });
  }

  commitUrl(sha: string): string {
    return `${this.web}/${this.owner}/${this.repo}/commit/${sha}`;
  }

  /** The values file's path for a target. */
  pathOf(target: DeployTarget): string {
    return this.template.replace(/\{(service|environment|cluster|namespace)\}/g, (_, key: keyof DeployTarget) => {
      const value = target[key];
      if (!SEGMENT.test(value)) throw new GitOpsError('gitops-invalid', `the ${key} "${value}" cannot be part of a path in the GitOps repository`);
      return value;
    });
  }

  async read(target: DeployTarget): Promise<DesiredState> {
    const path = this.pathOf(target);
    const head = await this.github.headCommit(this.owner, this.repo, await this.defaultBranch());
    const file = await this.readFile(path, head);
    return { path, ...readValues(file.text, path), commitSha: head };
  }

  async commit(change: GitOpsChangeRequest): Promise<GitOpsCommit> {
    checkChange(change.set);
    const path = this.pathOf(change.target);
    const branch = await this.defaultBranch();
    const earlier = await this.findDeploymentCommit(path, branch, change.deploymentId);
    if (earlier) {
      logger.info('gitops commit already made', { deploymentId: change.deploymentId, commitSha: earlier.sha, path });
      return { commitSha: earlier.sha, path, diff: await this.diffOf(earlier, path), created: false, changed: true };
    }
    const written = await this.write(path, branch, change);
    return { commitSha: written.commitSha, path, diff: written.diff, created: written.created, changed: written.changed };
  }

  async openPullRequest(change: GitOpsChangeRequest): Promise<GitOpsPullRequest> {
    checkChange(change.set);
    const path = this.pathOf(change.target);
    const head = this.branchOf(change.deploymentId);
    const base = await this.defaultBranch();
    const existing = await this.findPull(head);
    if (existing) return this.reused(existing, path, change.deploymentId);

    const headSha = await this.branchHead(head);
    let diff: string;
    const earlier = headSha && await this.findDeploymentCommit(path, head, change.deploymentId);
    if (earlier) {
      // An earlier attempt made the branch and its commit, then stopped before the pull request.
      diff = await this.diffOf(earlier, path);
    } else {
      if (!headSha) {
        const baseSha = await this.github.headCommit(this.owner, this.repo, base);
        const file = await this.readFile(path, baseSha);
        if (applyChange(file.text, change.set, path) === file.text) return noPullRequest(path, baseSha);
        await this.createBranch(head, baseSha);
      }
      const written = await this.write(path, head, change);
      if (!written.changed) {
        // The branch (an earlier attempt's) already says so and holds nothing of this deployment: nothing to propose.
        await this.deleteBranch(head);
        return noPullRequest(path, await this.github.headCommit(this.owner, this.repo, base));
      }
      diff = written.diff;
    }
    try {
      const { data } = await this.github.call(() => this.github.octokit.rest.pulls.create({
        owner: this.owner, repo: this.repo, title: change.title.trim(), head, base, body: withTrailer(change.body, change.deploymentId),
      }));
      logger.info('gitops pull request opened', { deploymentId: change.deploymentId, number: data.number, path });
      return { number: data.number, url: data.html_url, path, diff, headSha: data.head.sha, created: true, changed: true };
    } catch (error) {
      // Opened in between (a concurrent attempt): that one is this deployment's.
      const raced = statusOf(error) === 422 ? await this.findPull(head) : undefined;
      if (!raced) throw error;
      return { number: raced.number, url: raced.html_url, path, diff, headSha: raced.head.sha, created: false, changed: true };
    }
  }

  async mergePullRequest(number: number, deploymentId: string): Promise<{ readonly commitSha: string }> {
    const pr = await this.getPull(number);
    if (pr.merged && pr.merge_commit_sha) return { commitSha: pr.merge_commit_sha };
    if (pr.state !== 'open') throw new GitOpsError('gitops-pr-closed', `pull request #${number} of ${this.repository} was closed without being merged`);
    try {
      const { data } = await this.github.call(() => this.github.octokit.rest.pulls.merge({
        owner: this.owner, repo: this.repo, pull_number: number, merge_method: 'squash',
        // What was approved is what is merged: a head that moved since is refused (409).
        sha: pr.head.sha,
        commit_title: `${pr.title} (#${number})`,
        commit_message: withTrailer(pr.body ?? '', deploymentId),
      }));
      logger.info('gitops pull request merged', { deploymentId, number, commitSha: data.sha });
      await this.deleteBranch(pr.head.ref, pr).catch((error: unknown) => logger.warn('gitops merged branch not deleted', { number, error: String(error) }));
      return { commitSha: data.sha };
    } catch (error) {
      const status = statusOf(error);
      if (status !== 405 && status !== 409) throw error;
      // Merged in between (a concurrent attempt), or refused: GitHub's record says which.
      const again = await this.getPull(number);
      if (again.merged && again.merge_commit_sha) return { commitSha: again.merge_commit_sha };
      const why = status === 409 ? 'its head changed since it was opened' : again.state !== 'open' ? 'it was closed' : 'GitHub says it is not mergeable (a conflict with the default branch?)';
      throw new GitOpsError(again.state === 'open' ? 'gitops-not-mergeable' : 'gitops-pr-closed', `pull request #${number} of ${this.repository} cannot be merged: ${why}`, { cause: error });
    }
  }

  async closePullRequest(number: number, comment: string): Promise<void> {
    const pr = await this.getPull(number);
    if (pr.state === 'open') {
      if (comment.trim()) await this.github.call(() => this.github.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: number, body: comment }));
      await this.github.call(() => this.github.octokit.rest.pulls.update({ owner: this.owner, repo: this.repo, pull_number: number, state: 'closed' }));
      logger.info('gitops pull request closed', { number });
    }
    // Closed already: its branch may still be there (a close that stopped before deleting it); merged: left as it is.
    if (!pr.merged) await this.deleteBranch(pr.head.ref, pr);
  }

  async history(target: DeployTarget, limit: number): Promise<GitOpsVersion[]> {
    const path = this.pathOf(target);
    if (limit <= 0) return [];
    const { octokit } = this.github;
    const pages = octokit.paginate.iterator(octokit.rest.repos.listCommits, {
      owner: this.owner, repo: this.repo, path, sha: await this.defaultBranch(), per_page: Math.min(100, Math.max(10, limit * 3)),
    })[Symbol.asyncIterator]();
    let calls = 0;
    const versions: GitOpsVersion[] = [];
    // The run of commits (newest first) whose file says the same tag: its oldest one set it.
    let run: { tag: string; commit: CommitLike } | undefined;
    let budgetSpent = false;
    pages: for (;;) {
      if (calls >= this.historyCalls) { budgetSpent = true; break; }
      calls++;
      const page = await this.github.call(() => pages.next());
      if (page.done) break;
      for (const commit of page.value.data as CommitLike[]) {
        if (calls >= this.historyCalls) { budgetSpent = true; break pages; }
        calls++;
        const file = await this.github.readFile(this.owner, this.repo, path, commit.sha);
        let tag: string | undefined;
        try {
          tag = file && readValues(file.text, path).imageTag;
        } catch {
          tag = undefined;
        }
        // A commit where the file has no tag (deleted, not YAML) is not a version and does not end a run.
        if (tag === undefined) continue;
        if (run?.tag === tag) { run.commit = commit; continue; }
        if (run) versions.push(versionOf(run.tag, run.commit));
        if (versions.length >= limit) return versions;
        run = { tag, commit };
      }
    }
    // The last run is complete unless the calls ran out (then its commit may not be the one that set the tag).
    if (run && versions.length < limit) versions.push(versionOf(run.tag, run.commit));
    if (budgetSpent) logger.info('gitops history cut at its call budget', { path, calls, versions: versions.length });
    return versions;
  }

  // ---------------------------------------------------------------- GitHub calls

  private defaultBranch(): Promise<string> {
    if (!this.defaultBranchName) {
      const asked = this.github.call(() => this.github.octokit.rest.repos.get({ owner: this.owner, repo: this.repo })).then(({ data }) => data.default_branch);
      this.defaultBranchName = asked;
      // A failed look (GitHub down, credentials missing) is asked again next time.
      asked.catch(() => { if (this.defaultBranchName === asked) this.defaultBranchName = undefined; });
    }
    return this.defaultBranchName;
  }

  private branchOf(deploymentId: string): string {
    if (!SEGMENT.test(deploymentId) || deploymentId.endsWith('.lock')) throw new GitOpsError('gitops-invalid', `the deployment id "${deploymentId}" cannot name a branch`);
    return `${DEPLOY_BRANCH_PREFIX}${deploymentId}`;
  }

  private async readFile(path: string, ref: string): Promise<{ text: string; sha: string }> {
    const file = await this.github.readFile(this.owner, this.repo, path, ref);
    if (!file) throw new GitOpsError('gitops-missing', `${this.repository} has no ${path}: the environment's values file must exist before Apollo can deploy it`);
    return file;
  }

  /**
   * Reads the file on `branch`, applies the change and writes it with the sha read; someone else's
   * write in between (409, or 422 naming the sha) means read again and apply again.
   */
  private async write(path: string, branch: string, change: GitOpsChangeRequest): Promise<{ commitSha: string; diff: string; created: boolean; changed: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.github.headCommit(this.owner, this.repo, branch);
      const file = await this.readFile(path, head);
      const next = applyChange(file.text, change.set, path);
      if (next === file.text) return { commitSha: head, diff: '', created: false, changed: false };
      try {
        const { data } = await this.github.call(() => this.github.octokit.rest.repos.createOrUpdateFileContents({
          owner: this.owner, repo: this.repo, path, branch, sha: file.sha, message: commitMessage(change),
          content: Buffer.from(next, 'utf8').toString('base64'), author: { name: change.author.name, email: change.author.email },
        }));
        logger.info('gitops change committed', { deploymentId: change.deploymentId, commitSha: data.commit.sha, path, branch });
        return { commitSha: data.commit.sha!, diff: unifiedDiff(path, file.text, next), created: true, changed: true };
      } catch (error) {
        if (!isShaConflict(error)) throw error;
        if (attempt >= this.maxAttempts) throw new GitOpsError('gitops-conflict', `${path} in ${this.repository} changed under each of ${attempt} attempts to write it`, { cause: error });
        logger.info('gitops file changed in between; reading it again', { deploymentId: change.deploymentId, path, attempt });
        // It may be this deployment's own write (a concurrent attempt) that got there first.
        const raced = await this.findDeploymentCommit(path, branch, change.deploymentId);
        if (raced) return { commitSha: raced.sha, diff: await this.diffOf(raced, path), created: false, changed: true };
      }
    }
  }

  /** The newest of the path's latest commits on `ref` whose message carries this deployment's trailer. */
  private async findDeploymentCommit(path: string, ref: string, deploymentId: string): Promise<CommitLike | undefined> {
    const { octokit } = this.github;
    const pages = octokit.paginate.iterator(octokit.rest.repos.listCommits, { owner: this.owner, repo: this.repo, path, sha: ref, per_page: Math.min(100, this.lookBack) })[Symbol.asyncIterator]();
    let seen = 0;
    while (seen < this.lookBack) {
      const page = await this.github.call(() => pages.next());
      if (page.done) return undefined;
      for (const commit of page.value.data as CommitLike[]) {
        if (carriesTrailer(commit.commit.message, deploymentId)) return commit;
        if (++seen >= this.lookBack) return undefined;
      }
    }
    return undefined;
  }

  /** The file's diff in one commit (from its first parent). */
  private async diffOf(commit: CommitLike, path: string): Promise<string> {
    const parent = commit.parents[0]?.sha;
    const [before, after] = await Promise.all([
      parent ? this.github.readFile(this.owner, this.repo, path, parent) : Promise.resolve(undefined),
      this.github.readFile(this.owner, this.repo, path, commit.sha),
    ]);
    return unifiedDiff(path, before?.text, after?.text);
  }

  private async branchHead(branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.github.call(() => this.github.octokit.rest.git.getRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` }));
      return data.object.sha;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private async createBranch(branch: string, sha: string): Promise<string> {
    try {
      await this.github.call(() => this.github.octokit.rest.git.createRef({ owner: this.owner, repo: this.repo, ref: `refs/heads/${branch}`, sha }));
      return sha;
    } catch (error) {
      // Made in between (a concurrent attempt): use it.
      const made = statusOf(error) === 422 ? await this.branchHead(branch) : undefined;
      if (!made) throw error;
      return made;
    }
  }

  /** Deletes a deployment branch of this repository (never another branch); gone already is fine. */
  private async deleteBranch(branch: string, pr?: PullLike): Promise<void> {
    if (!branch.startsWith(DEPLOY_BRANCH_PREFIX)) return;
    if (pr?.head.repo?.full_name && pr.head.repo.full_name.toLowerCase() !== this.repository.toLowerCase()) return;
    try {
      await this.github.call(() => this.github.octokit.rest.git.deleteRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` }));
    } catch (error) {
      const status = statusOf(error);
      if (status !== 422 && status !== 404) throw error;
    }
  }

  private async getPull(number: number): Promise<PullLike> {
    const { data } = await this.github.call(() => this.github.octokit.rest.pulls.get({ owner: this.owner, repo: this.repo, pull_number: number }));
    return data;
  }

  /** This deployment's pull request, open or not (the newest, should there be more than one). */
  private async findPull(branch: string): Promise<PullLike | undefined> {
    const { data } = await this.github.call(() => this.github.octokit.rest.pulls.list({ owner: this.owner, repo: this.repo, head: `${this.owner}:${branch}`, state: 'all', per_page: 10 }));
    return data.find((pr) => pr.head.ref === branch);
  }

  /** A pull request an earlier attempt opened: its change is the trailer's commit on its head. */
  private async reused(pr: PullLike, path: string, deploymentId: string): Promise<GitOpsPullRequest> {
    const mine = await this.findDeploymentCommit(path, pr.head.sha, deploymentId);
    logger.info('gitops pull request already open', { deploymentId, number: pr.number, state: pr.state });
    return { number: pr.number, url: pr.html_url, path, diff: mine ? await this.diffOf(mine, path) : '', headSha: pr.head.sha, created: false, changed: true };
  }
}

/** Nothing to propose: the default branch already says so (no pull request; `number` 0, `url` empty). */
const noPullRequest = (path: string, headSha: string): GitOpsPullRequest => ({ number: 0, url: '', path, diff: '', headSha, created: false, changed: false });

/** GitHub's answer to a write with a stale blob sha: 409 `<path> does not match <sha>`, or a 422 about the sha. */
function isShaConflict(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 409) return true;
  return status === 422 && /\bsha\b/i.test((error as Error).message ?? '');
}

function versionOf(tag: string, commit: CommitLike): GitOpsVersion {
  return {
    imageTag: tag,
    commitSha: commit.sha,
    at: commit.commit.author?.date ?? commit.commit.committer?.date ?? '',
    author: commit.commit.author?.name ?? '',
    message: commit.commit.message.split('\n')[0] ?? '',
  };
}
