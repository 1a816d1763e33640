/**
 * The JIRA executor (Jira Cloud REST v3, PROTOCOLS.md §3): a `jira` action of an automated fulfilment,
 * and the ticket of a manual one (the caller passes `{ id: 'ticket', type: 'jira', config: <fulfillment.jira> }`).
 *
 * - start: renders the ticket template, looks for an issue labelled `apollo-<hash of the idempotency key>`
 *   (`POST /rest/api/3/search/jql`) and reuses it, else creates one (`POST /rest/api/3/issue`, the
 *   description as ADF) carrying that label: a crash between "created" and "recorded" does not open two.
 * - check: the issue's status category (`GET /rest/api/3/issue/{key}`): `done` succeeds, unless its
 *   resolution says the work was not done (Won't Do, Declined, …); comments since the last check become
 *   log lines, and the last one seen is kept in `ref.details.lastCommentId`.
 * - collect: the declared outputs by JSON pointer into `{ key, id, url, status, resolution }`.
 * - cancel: a comment, then a Done-category transition named like Cancel or Won't Do when one exists.
 *
 * The instance is `APOLLO_JIRA_URL` (a named one: `APOLLO_JIRA_URL_<INSTANCE>`, upper case, `-` → `_`);
 * basic auth with the integration secrets `jira_email` and `jira_api_token` (a named instance:
 * `jira_<instance>_email`, `jira_<instance>_api_token`). Every call goes through the egress guard and
 * the origin's circuit breaker.
 */
import { createHash } from 'node:crypto';
import type { ActionOutputs, JiraTicketTemplate } from '#schemas/index.ts';
import { MASK } from '#shared/variables/index';
import { logger } from '#lib/observability';
import type { ActionLogLine, ActionRun, AsyncActionExecutor, AsyncRun, CheckResult, CollectResult, ExternalRef, StartResult } from './ports.ts';
import { ActionFailure, Attempt, retryableStatus, type ExecutorDeps } from './attempt.ts';
import type { HttpResponse } from './http.ts';
import { logOutputs, pointerGet } from './outputs.ts';

export const JIRA_URL_ENV = 'APOLLO_JIRA_URL';
/** How often a ticket is checked when no webhook wakes the wait. */
export const JIRA_POLL_SECONDS = 60;
/** Resolutions of a done issue that mean the work was not done: the action fails. */
export const UNFULFILLED_RESOLUTIONS: readonly string[] = ["Won't Do", "Won't Fix", 'Declined', 'Cannot Reproduce', 'Duplicate'];
/** One call's time limit (an action's `timeout` is its whole wait, days for a ticket). */
const CALL_TIMEOUT_MS = 25_000;
const COMMENT_PAGE = 100;
const MAX_COMMENT_PAGES = 20;
const MAX_COMMENT_CHARS = 2_000;

/** A configured JIRA site. */
export interface JiraInstance {
  /** The template's `instance`; undefined for the default one. */
  readonly name?: string;
  /** Without a trailing slash, e.g. https://acme.atlassian.net. */
  readonly baseUrl: string;
  readonly urlEnv: string;
  readonly emailSecret: string;
  readonly tokenSecret: string;
}

/** Where an instance is configured (env and secret names), whether or not it is. */
export function jiraInstanceNames(name: string | undefined): Omit<JiraInstance, 'baseUrl'> {
  if (!name) return { urlEnv: JIRA_URL_ENV, emailSecret: 'jira_email', tokenSecret: 'jira_api_token' };
  const snake = name.replace(/-/g, '_');
  return { name, urlEnv: `${JIRA_URL_ENV}_${snake.toUpperCase()}`, emailSecret: `jira_${snake}_email`, tokenSecret: `jira_${snake}_api_token` };
}

/** The instance's base URL from the environment; ActionFailure `not-configured` (not retryable) when unset. */
export function jiraInstance(name: string | undefined, env: NodeJS.ProcessEnv = process.env): JiraInstance {
  const names = jiraInstanceNames(name);
  const baseUrl = env[names.urlEnv]?.trim().replace(/\/+$/, '');
  if (!baseUrl) {
    throw new ActionFailure('not-configured', `JIRA${name ? ` instance ${name}` : ''} is not configured: set ${names.urlEnv} to its base URL (https://<site>.atlassian.net)`, false);
  }
  return { ...names, baseUrl };
}

/** The label that marks the issue an idempotency key created: searched before creating. */
export function idempotencyLabel(idempotencyKey: string): string {
  return `apollo-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)}`;
}

// ---------------------------------------------------------------- ADF (Atlassian Document Format)

interface AdfNode {
  readonly type: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly content?: readonly AdfNode[];
}

/** Plain text as an ADF document: a paragraph per blank-line-separated block, line breaks kept. */
export function adfFromText(text: string): AdfNode & { version: 1 } {
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).map((b) => b.replace(/^\n+|\n+$/g, '')).filter((b) => b.trim() !== '');
  const content = blocks.map((block): AdfNode => ({
    type: 'paragraph',
    content: block.split('\n').flatMap((line, i): AdfNode[] => [...(i > 0 ? [{ type: 'hardBreak' }] : []), ...(line ? [{ type: 'text', text: line }] : [])]),
  }));
  return { type: 'doc', version: 1, content };
}

const BLOCKS = new Set(['paragraph', 'heading', 'blockquote', 'codeBlock', 'panel', 'rule', 'table', 'tableRow', 'mediaSingle', 'expand', 'bulletList', 'orderedList']);

/** An ADF document (or a plain string, as API v2 answers) as plain text: blocks apart by a blank line, list items by a line break. */
export function adfToText(node: unknown): string {
  if (typeof node === 'string') return node;
  const out: string[] = [];
  const walk = (n: AdfNode, bullet: string, inList: boolean): void => {
    switch (n.type) {
      case 'text':
        out.push(n.text ?? '');
        return;
      case 'hardBreak':
        out.push('\n');
        return;
      case 'mention':
      case 'emoji':
      case 'status':
        out.push(String(n.attrs?.text ?? n.attrs?.shortName ?? ''));
        return;
      case 'inlineCard':
      case 'blockCard':
        out.push(String(n.attrs?.url ?? ''));
        return;
      case 'listItem':
        out.push(bullet);
        break;
      case 'tableCell':
      case 'tableHeader':
        out.push(' | ');
        break;
      default:
        break;
    }
    const list = n.type === 'bulletList' || n.type === 'orderedList';
    const childBullet = n.type === 'bulletList' ? '- ' : n.type === 'orderedList' ? '* ' : bullet;
    for (const child of n.content ?? []) walk(child, childBullet, inList || list);
    if (n.type === 'listItem') out.push('\n');
    else if (BLOCKS.has(n.type)) out.push(inList && !list ? '' : '\n\n');
  };
  if (node && typeof node === 'object') walk(node as AdfNode, '', false);
  return out.join('').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

// ---------------------------------------------------------------- the issue's fields

const asText = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** The create call's `fields` from a rendered template (JIRA Cloud wants an account id for the assignee). */
export function issueFields(template: JiraTicketTemplate, label: string, log: (severity: ActionLogLine['severity'], message: string) => void): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    project: { key: template.project },
    issuetype: { name: template.issueType },
    // JIRA refuses a summary with line breaks (a YAML block scalar leaves one).
    summary: asText(template.summary).replace(/\s*[\r\n]+\s*/g, ' ').trim(),
  };
  const description = asText(template.description);
  if (description.trim()) fields.description = adfFromText(description);
  if (template.priority) fields.priority = { name: template.priority };
  const labels: string[] = [];
  for (const raw of template.labels ?? []) {
    const text = asText(raw).trim();
    if (!text) continue;
    // A JIRA label is one word.
    const labelText = text.replace(/\s+/g, '-');
    if (labelText !== text) log('info', `label "${text}" sent as "${labelText}" (JIRA labels cannot contain spaces)`);
    if (!labels.includes(labelText)) labels.push(labelText);
  }
  labels.push(label);
  fields.labels = labels;
  if (template.components?.length) fields.components = template.components.map((name) => ({ name }));
  const assignee = asText(template.assignee).trim();
  if (assignee && assignee.includes('@')) {
    log('warn', `assignee ${assignee} looks like an email address: JIRA Cloud needs an account id, so the ticket is left unassigned`);
  } else if (assignee) {
    fields.assignee = { accountId: assignee };
  }
  for (const [id, value] of Object.entries(template.customFields ?? {})) fields[id] = value;
  return fields;
}

// ---------------------------------------------------------------- the client

interface JiraStatus {
  readonly name?: string;
  readonly statusCategory?: { readonly key?: string; readonly name?: string };
}

interface JiraIssue {
  readonly id?: string;
  readonly key?: string;
  readonly fields?: { readonly status?: JiraStatus; readonly resolution?: { readonly name?: string } | null };
}

interface JiraComment {
  readonly id?: string;
  readonly author?: { readonly displayName?: string; readonly accountId?: string };
  readonly body?: unknown;
  readonly created?: string;
}

interface JiraTransition {
  readonly id?: string;
  readonly name?: string;
  readonly to?: JiraStatus;
}

/** One attempt's calls to one instance: basic auth, the egress guard and the breaker (Attempt.exchange). */
class JiraClient {
  private constructor(private readonly attempt: Attempt, readonly instance: JiraInstance, private readonly authorization: string) {}

  static async open(attempt: Attempt, instance: JiraInstance, secrets: ExecutorDeps['secrets']): Promise<JiraClient> {
    let email: string | undefined;
    let token: string | undefined;
    try {
      [email, token] = await Promise.all([secrets.get(instance.emailSecret), secrets.get(instance.tokenSecret)]);
    } catch (error) {
      throw new ActionFailure('secrets-unavailable', `the integration secrets could not be read from ${secrets.kind}: ${(error as Error).message}`, true);
    }
    const missing = [!email && instance.emailSecret, !token && instance.tokenSecret].filter(Boolean);
    if (!email || !token) throw new ActionFailure('not-configured', `JIRA${instance.name ? ` instance ${instance.name}` : ''} has no credentials: set the integration secret${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}`, false);
    attempt.addSecret(token);
    const credentials = Buffer.from(`${email}:${token}`).toString('base64');
    attempt.addSecret(credentials);
    return new JiraClient(attempt, instance, `Basic ${credentials}`);
  }

  /** A JSON call; a status other than 2xx throws an ActionFailure saying what JIRA said. */
  async call<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const target = await this.attempt.vet(`${this.instance.baseUrl}${path}`);
    const headers: Record<string, string> = { Authorization: this.authorization, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.attempt.exchange(target, method, headers, body === undefined ? undefined : JSON.stringify(body));
    if (response.status < 200 || response.status > 299) throw this.failure(what, response);
    const text = response.body.toString('utf8');
    if (!text.trim()) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ActionFailure('invalid-response', `JIRA answered ${what} with ${response.status} and a body that is not JSON`, false, { status: response.status });
    }
  }

  private failure(what: string, response: HttpResponse): ActionFailure {
    const { status } = response;
    const site = `JIRA (${this.instance.baseUrl})`;
    if (retryableStatus(status)) return this.attempt.statusFailure(`${site} (${what})`, response);
    const said = jiraErrors(response.body);
    const detail = said ? `: ${said}` : '';
    const asked = `${site} answered ${status} when asked to ${what}`;
    switch (status) {
      case 401:
        return new ActionFailure('http-status', `${asked}: the credentials were refused; check the integration secrets ${this.instance.emailSecret} (an Atlassian account's email) and ${this.instance.tokenSecret} (its API token)`, false, { status });
      case 403:
        return new ActionFailure('http-status', `${asked}: the account in ${this.instance.emailSecret} lacks the permission${detail}`, false, { status });
      case 404:
        return new ActionFailure('http-status', `${asked}: it does not exist or the account cannot see it${detail}`, false, { status });
      default:
        return new ActionFailure('http-status', `${asked}${detail}`, false, { status });
    }
  }
}

/** JIRA's error body `{errorMessages: [], errors: {field: message}}` in words. */
function jiraErrors(body: Buffer): string {
  const text = body.subarray(0, 4000).toString('utf8');
  try {
    const parsed = JSON.parse(text) as { errorMessages?: unknown; errors?: unknown; message?: unknown };
    const parts: string[] = [];
    if (Array.isArray(parsed.errorMessages)) parts.push(...parsed.errorMessages.map(String));
    if (parsed.errors && typeof parsed.errors === 'object') parts.push(...Object.entries(parsed.errors).map(([field, message]) => `${field}: ${String(message)}`));
    if (typeof parsed.message === 'string') parts.push(parsed.message);
    if (parts.length > 0) return parts.join('; ').slice(0, 500);
  } catch {
    // not JSON: the text itself
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain.length > 300 ? `${plain.slice(0, 300)}…` : plain;
}

// ---------------------------------------------------------------- the executor

const issuePath = (key: string): string => `/rest/api/3/issue/${encodeURIComponent(key)}`;
const browseUrl = (instance: JiraInstance, key: string): string => `${instance.baseUrl}/browse/${encodeURIComponent(key)}`;
const sameName = (a: string | undefined, b: string): boolean => (a ?? '').replace(/[’‘`]/g, "'").trim().toLowerCase() === b.toLowerCase();
const isUnfulfilled = (resolution: string | undefined): boolean => UNFULFILLED_RESOLUTIONS.some((name) => sameName(resolution, name));
const instanceOf = (ref: ExternalRef): string | undefined => {
  const value = ref.details?.instance;
  return typeof value === 'string' && value ? value : undefined;
};

/** The Attempt reads the run's variables, secrets and time limit, never its action: an async run serves as well. */
function attemptFor(run: AsyncRun, deps: ExecutorDeps): Attempt {
  const call = { ...run, timeoutMs: Math.min(Math.max(1, run.timeoutMs), CALL_TIMEOUT_MS) };
  return new Attempt(call as unknown as ActionRun, deps);
}

const failureOf = (error: unknown): ActionFailure => (error instanceof ActionFailure ? error : new ActionFailure('internal', 'the JIRA action could not be run (internal error)', true));

function scrubValue(attempt: Attempt, value: unknown): unknown {
  if (typeof value === 'string') return attempt.scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(attempt, v));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(attempt, v)]));
}

const scrubbed = (attempt: Attempt): ActionLogLine[] => attempt.logs.map((line) => ({ severity: line.severity, message: attempt.scrub(line.message) }));

export function jiraExecutor(deps: ExecutorDeps): AsyncActionExecutor {
  async function client(attempt: Attempt, instanceName: string | undefined): Promise<JiraClient> {
    return JiraClient.open(attempt, jiraInstance(instanceName), deps.secrets);
  }

  async function start(run: AsyncRun): Promise<StartResult> {
    const attempt = attemptFor(run, deps);
    const done = (partial: Omit<StartResult, 'input' | 'logs' | 'durationMs'>): StartResult => ({
      ...partial,
      input: scrubValue(attempt, attempt.input) as Record<string, unknown>,
      durationMs: Math.round(performance.now() - attempt.started),
      logs: scrubbed(attempt),
    });
    try {
      if (run.action.type !== 'jira') throw new ActionFailure('internal', `the JIRA executor cannot run a ${run.action.type} action`, false);
      const template = run.action.config;
      const label = idempotencyLabel(run.idempotencyKey);
      const { preview, execute } = await attempt.render(template);
      const names = jiraInstanceNames(template.instance);
      const base = process.env[names.urlEnv]?.trim().replace(/\/+$/, '') || `<${names.urlEnv}>`;
      attempt.input = {
        method: 'POST',
        url: `${base}/rest/api/3/issue`,
        headers: { Authorization: MASK, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: { fields: issueFields(preview, label, () => undefined) },
        idempotencyLabel: label,
      };

      const fields = issueFields(execute(), label, (severity, message) => attempt.log(severity, message));
      if (!fields.summary) throw new ActionFailure('template', 'the ticket\'s summary rendered empty', false);
      const jira = await client(attempt, template.instance);
      const { instance } = jira;
      const found = await jira.call<{ issues?: JiraIssue[] }>('POST', '/rest/api/3/search/jql', 'search for the ticket by its idempotency label', {
        jql: `labels = "${label}" ORDER BY created ASC`,
        fields: ['key', 'status'],
        maxResults: 5,
      });
      let key = found?.issues?.find((issue) => issue.key)?.key;
      if (key) {
        attempt.log('info', `${key} already carries the label ${label} (an earlier attempt created it): reusing it`);
      } else {
        const created = await jira.call<JiraIssue>('POST', '/rest/api/3/issue', `create the ${template.issueType} in ${template.project}`, { fields });
        key = created?.key;
        if (!key) throw new ActionFailure('invalid-response', 'JIRA created the issue but did not say its key', false);
        attempt.log('info', `created ${key} in ${instance.baseUrl}`);
      }
      const ref: ExternalRef = { system: 'jira', id: key, url: browseUrl(instance, key), details: instance.name ? { instance: instance.name } : {} };
      return done({ outcome: 'started', retryable: false, ref, pollSeconds: JIRA_POLL_SECONDS });
    } catch (error) {
      const failure = failureOf(error);
      if (!(error instanceof ActionFailure)) attempt.log('error', `internal error: ${(error as Error)?.message ?? String(error)}`);
      const message = attempt.scrub(failure.message);
      attempt.log('error', message);
      return done({ outcome: 'failed', retryable: failure.retryable, error: { code: failure.code, message }, ...(failure.extra.retryAfterMs !== undefined ? { retryAfterMs: failure.extra.retryAfterMs } : {}) });
    }
  }

  /** Comments after `lastId`, oldest first (ids are numbers that grow; else by position). */
  async function commentsAfter(jira: JiraClient, key: string, lastId: string | undefined): Promise<JiraComment[]> {
    const all: JiraComment[] = [];
    for (let page = 0; page < MAX_COMMENT_PAGES; page++) {
      const answer = await jira.call<{ comments?: JiraComment[]; total?: number }>('GET', `${issuePath(key)}/comment?orderBy=created&startAt=${all.length}&maxResults=${COMMENT_PAGE}`, `read the comments of ${key}`);
      const comments = answer?.comments ?? [];
      all.push(...comments);
      if (comments.length === 0 || all.length >= (answer?.total ?? all.length)) break;
    }
    if (!lastId) return all;
    const at = all.findIndex((c) => c.id === lastId);
    if (at >= 0) return all.slice(at + 1);
    if (/^\d+$/.test(lastId)) return all.filter((c) => /^\d+$/.test(c.id ?? '') && BigInt(c.id!) > BigInt(lastId));
    return all;
  }

  async function check(run: AsyncRun, ref: ExternalRef): Promise<CheckResult> {
    const attempt = attemptFor(run, deps);
    const key = ref.id;
    try {
      const jira = await client(attempt, instanceOf(ref));
      const issue = await jira.call<JiraIssue>('GET', `${issuePath(key)}?fields=status,resolution`, `read ${key}`);
      const status = issue?.fields?.status;
      const resolution = issue?.fields?.resolution?.name;
      let next: ExternalRef | undefined;
      try {
        const lastId = typeof ref.details?.lastCommentId === 'string' ? ref.details.lastCommentId : undefined;
        const comments = await commentsAfter(jira, key, lastId);
        for (const comment of comments) {
          const text = adfToText(comment.body).trim();
          const shown = text.length > MAX_COMMENT_CHARS ? `${text.slice(0, MAX_COMMENT_CHARS)}…` : text;
          attempt.log('info', `${comment.author?.displayName ?? 'someone'} commented: ${shown}`);
        }
        const newest = comments.at(-1)?.id;
        if (newest && newest !== lastId) next = { ...ref, details: { ...ref.details, lastCommentId: newest } };
      } catch (error) {
        attempt.log('warn', `the comments of ${key} could not be read: ${failureOf(error).message}`);
      }
      const logs = scrubbed(attempt);
      const name = status?.name ?? 'unknown status';
      // The status in words, with the resolution when it says more ("Closed (Fixed)", but "Done").
      const shown = resolution && !sameName(resolution, name) ? `${name} (${resolution})` : name;
      const common = { logs, ...(next ? { ref: next } : {}) };
      if (status?.statusCategory?.key !== 'done') return { state: 'running', message: shown, ...common };
      if (isUnfulfilled(resolution)) {
        return { state: 'failed', retryable: false, message: shown, error: { code: 'declined', message: `resolved as ${resolution} (status ${name}): the work was not done` }, ...common };
      }
      return { state: 'succeeded', message: shown, ...common };
    } catch (error) {
      const failure = failureOf(error);
      const message = attempt.scrub(failure.message);
      if (failure.retryable) {
        // JIRA down for a while is not the ticket failing: the next check asks again (the status shown stays the last known).
        attempt.log('warn', `${key} could not be checked: ${message}; checking again later`);
        return { state: 'running', logs: scrubbed(attempt) };
      }
      attempt.log('error', message);
      return { state: 'failed', retryable: false, error: { code: failure.code, message }, logs: scrubbed(attempt) };
    }
  }

  async function collect(run: AsyncRun, ref: ExternalRef): Promise<CollectResult> {
    const attempt = attemptFor(run, deps);
    const key = ref.id;
    let doc: Record<string, unknown> = { key, ...(ref.url ? { url: ref.url } : {}) };
    try {
      const jira = await client(attempt, instanceOf(ref));
      const issue = await jira.call<JiraIssue>('GET', `${issuePath(key)}?fields=status,resolution`, `read ${key}`);
      doc = { key: issue?.key ?? key, id: issue?.id, url: ref.url ?? browseUrl(jira.instance, key), status: issue?.fields?.status?.name, resolution: issue?.fields?.resolution?.name ?? null };
    } catch (error) {
      attempt.log('warn', `${key} could not be read for its outputs: ${failureOf(error).message}`);
    }
    const declared: ActionOutputs = run.action.outputs ?? [];
    const outputs: Record<string, unknown> = {};
    const sensitive: string[] = [];
    const missing: string[] = [];
    for (const output of declared) {
      const pointer = output.from ?? `/${output.name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const found = pointerGet(doc, pointer);
      if (!found.found) {
        missing.push(`'${output.name}' (nothing at ${pointer || '(the whole ticket)'})`);
        continue;
      }
      outputs[output.name] = found.value;
      if (output.sensitive) sensitive.push(output.name);
    }
    if (missing.length > 0) {
      const message = attempt.scrub(`the ticket lacks the declared output${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it has key, id, url, status, resolution)`);
      attempt.log('error', message);
      return { outputs: {}, sensitive: [], error: { code: 'missing-output', message }, logs: scrubbed(attempt) };
    }
    logOutputs(attempt, outputs, sensitive);
    return { outputs, sensitive, logs: scrubbed(attempt) };
  }

  async function cancel(run: AsyncRun, ref: ExternalRef): Promise<void> {
    const attempt = attemptFor(run, deps);
    const key = ref.id;
    try {
      const jira = await client(attempt, instanceOf(ref));
      await jira.call('POST', `${issuePath(key)}/comment`, `comment on ${key}`, { body: adfFromText(cancelComment(run)) });
      const { transitions = [] } = (await jira.call<{ transitions?: JiraTransition[] }>('GET', `${issuePath(key)}/transitions`, `list the transitions of ${key}`)) ?? {};
      const closing = transitions.filter((t) => t.id && t.to?.statusCategory?.key === 'done');
      const chosen = closing.find((t) => CANCEL_NAME.test(t.name ?? '')) ?? closing.find((t) => CANCEL_NAME.test(t.to?.name ?? ''));
      if (!chosen) {
        logger.info('jira ticket commented, no cancel transition', { key, transitions: transitions.map((t) => t.name) });
        return;
      }
      await jira.call('POST', `${issuePath(key)}/transitions`, `move ${key} to ${chosen.to?.name ?? chosen.name}`, { transition: { id: chosen.id } });
      logger.info('jira ticket cancelled', { key, transition: chosen.name });
    } catch (error) {
      logger.warn('jira ticket not cancelled', { key, reason: attempt.scrub(failureOf(error).message) });
    }
  }

  return { start, check, collect, cancel };
}

/** A transition (or its status) that means "not going to happen". */
const CANCEL_NAME = /cancel|won['’]?t do|won['’]?t fix|declin|abandon|reject|withdraw/i;

/** The comment a cancelled ticket gets; who cancelled when the caller passes it (`request.cancelledBy`). */
export function cancelComment(run: AsyncRun): string {
  const by = (run.variables.request as { cancelledBy?: unknown } | undefined)?.cancelledBy;
  const who = typeof by === 'string' && by ? ` by ${by}` : '';
  return `Cancelled in Apollo${who}: request ${run.requestId} was cancelled, so this ticket is no longer needed.`;
}
