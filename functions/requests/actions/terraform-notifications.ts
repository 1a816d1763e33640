/**
 * Terraform's run notifications to Apollo (docs PROTOCOLS.md §1). Before a run starts, its workspace gets a
 * notification configuration of destination type `generic` that POSTs `run:completed`, `run:errored` and
 * `run:needs_attention` to Apollo's webhook (`<APOLLO_PUBLIC_URL>/api/v1/webhooks/terraform`), signed with the
 * integration secret that webhook verifies with (`terraform_notification_token`). It is found by its name
 * (`Apollo (<stage>)`) among the workspace's configurations, created when missing, and updated when its URL,
 * triggers or state differ, or when Apollo's webhook refused its last delivery (401: the token is write-only, so
 * a rotated secret shows only so). Terraform verifies an enabled one by POSTing to the URL first, and refuses it
 * with a 400 when that gets no 2xx.
 *
 * A notification only wakes the wait early (the wait's poll does the same 15 s later), so setting one up never
 * fails the action: what went wrong is a line in the action's log, and the run is polled. A workspace is set up
 * once per container (a failure is tried again after FAILED_SETUP_RETRY_MS). Without a public URL nothing is
 * set up, and Apollo's log says so once per container.
 */
import { createHash } from 'node:crypto';
import { logger } from '#lib/observability';
import { ActionFailure, type Attempt } from './attempt.ts';
import type { HttpResponse } from './http.ts';

/** Apollo's public base URL (the REST API's, e.g. `https://<id>.execute-api.<region>.amazonaws.com/<stage>`). */
export const PUBLIC_URL_ENV = 'APOLLO_PUBLIC_URL';
/** The path Terraform notifications are POSTed to, under the public URL. */
export const TERRAFORM_WEBHOOK_PATH = '/api/v1/webhooks/terraform';
/** As TERRAFORM_SECRET in functions/webhooks/external.ts (not imported: the webhooks context verifies with it). */
export const TERRAFORM_NOTIFICATION_SECRET = 'terraform_notification_token';
/** What wakes a wait: a run that ended either way, or one waiting for a person (auto-apply off). */
export const NOTIFICATION_TRIGGERS = ['run:completed', 'run:errored', 'run:needs_attention'] as const;
/** A failed setup is tried again by a later start after this long (a fixed permission, a reachable URL). */
export const FAILED_SETUP_RETRY_MS = 5 * 60_000;

/** What the setup needs of the executor's API client (terraform.ts). */
export interface NotificationApi {
  /** The API's base URL (`https://app.terraform.io/api/v2`). */
  readonly base: string;
  call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<HttpResponse>;
  relative(next: string | null | undefined): string | undefined;
  failure(doing: string, response: HttpResponse, notFound?: string): ActionFailure;
}

export interface NotificationTarget {
  /** The configuration's name, by which it is found again. */
  readonly name: string;
  /** Apollo's webhook. */
  readonly url: string;
  /** The HMAC key Terraform signs with (X-TFE-Notification-Signature). */
  readonly token: string;
}

interface ConfigurationDoc {
  readonly id: string;
  readonly attributes: {
    readonly name?: string;
    readonly url?: string | null;
    readonly enabled?: boolean;
    readonly triggers?: readonly string[];
    readonly 'destination-type'?: string;
    readonly 'delivery-responses'?: ReadonlyArray<{ readonly code?: string | number | null; readonly 'sent-at'?: string }>;
  };
}

type Setup = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly at: number };

/** Per container: the workspaces set up (or whose setup failed, and when), and the setups under way. */
const setups = new Map<string, Setup | Promise<Setup>>();
let saidNoUrl = false;

/** Forgets what this container set up (tests). */
export function forgetNotificationSetups(): void {
  setups.clear();
  saidNoUrl = false;
}

/** `<public URL>/api/v1/webhooks/terraform`, or undefined when Apollo has no public URL (or not an http(s) one). */
export function terraformWebhookUrl(publicUrl: string | undefined): string | undefined {
  const base = publicUrl?.trim().replace(/\/+$/, '');
  if (!base) return undefined;
  try {
    const url = new URL(base);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  } catch {
    return undefined;
  }
  return `${base}${TERRAFORM_WEBHOOK_PATH}`;
}

/** The configuration's name: one per Apollo stage, so two stages sharing a workspace do not take turns rewriting one. */
export const notificationName = (stage: string | undefined): string => (stage ? `Apollo (${stage})` : 'Apollo');

/**
 * Makes sure the workspace notifies Apollo of its runs; never throws. Logs to the attempt what it did, or why
 * the run will be polled instead.
 */
export async function ensureNotifications(
  api: NotificationApi,
  attempt: Attempt,
  workspace: { readonly id: string; readonly label: string },
  options: { readonly publicUrl: string | undefined; readonly stage: string | undefined; readonly pollSeconds: number },
): Promise<void> {
  const polls = `Apollo checks the run every ${options.pollSeconds} s instead`;
  const url = terraformWebhookUrl(options.publicUrl);
  if (!url) {
    // Said once per container, in Apollo's own log: a deployment without a public URL polls every run alike.
    if (!saidNoUrl) logger.warn('terraform notifications not set up: apollo has no public url, runs are polled', { variable: PUBLIC_URL_ENV, given: options.publicUrl ?? null, pollSeconds: options.pollSeconds });
    saidNoUrl = true;
    return;
  }
  let token: string | undefined;
  try {
    token = (await attempt.deps.secrets.get(TERRAFORM_NOTIFICATION_SECRET))?.trim() || undefined;
  } catch (error) {
    attempt.log('warn', `Terraform's run notifications are not set up: the integration secret ${TERRAFORM_NOTIFICATION_SECRET} could not be read (${(error as Error).message}); ${polls}`);
    return;
  }
  if (!token) {
    attempt.log('warn', `Terraform's run notifications are not set up: there is no integration secret ${TERRAFORM_NOTIFICATION_SECRET} (the key Apollo's Terraform webhook verifies with); ${polls}`);
    return;
  }
  attempt.addSecret(token);
  const target: NotificationTarget = { name: notificationName(options.stage), url, token };
  // The key's fingerprint is part of the key: a new secret is given to Terraform (the API never shows the old one).
  const key = [api.base, workspace.id, target.name, url, createHash('sha256').update(token).digest('hex').slice(0, 16)].join('|');
  let known = setups.get(key);
  if (known && !(known instanceof Promise) && !known.ok && Date.now() - known.at >= FAILED_SETUP_RETRY_MS) known = undefined;
  if (!known) {
    const running = setUp(api, attempt, workspace, target).then((setup) => {
      setups.set(key, setup);
      return setup;
    });
    setups.set(key, running);
    const setup = await running;
    if (!setup.ok) attempt.log('warn', `Terraform's run notifications could not be set up in ${workspace.label}: ${setup.reason}; ${polls}`);
    return;
  }
  const setup = await known;
  if (!setup.ok) attempt.log('warn', `Terraform's run notifications could not be set up in ${workspace.label} (${Math.round((Date.now() - setup.at) / 1000)} s ago, tried again after ${FAILED_SETUP_RETRY_MS / 60_000} min): ${setup.reason}; ${polls}`);
}

async function setUp(api: NotificationApi, attempt: Attempt, workspace: { readonly id: string; readonly label: string }, target: NotificationTarget): Promise<Setup> {
  try {
    const found = await findConfiguration(api, workspace.id, target.name);
    const attributes = { url: target.url, token: target.token, enabled: true, triggers: [...NOTIFICATION_TRIGGERS] };
    if (!found) {
      const body = { data: { type: 'notification-configuration', attributes: { 'destination-type': 'generic', name: target.name, ...attributes } } };
      const created = await api.call('POST', `/workspaces/${encodeURIComponent(workspace.id)}/notification-configurations`, body);
      if (created.status !== 201 && created.status !== 200) throw refused(api, 'creating the notification configuration', created, target.url);
      attempt.log('info', `Terraform notifies Apollo of ${workspace.label}'s runs from now on: created the notification configuration '${target.name}' (${idOf(created)}) to ${target.url}`);
      return { ok: true };
    }
    const current = found.attributes;
    if (current['destination-type'] !== undefined && current['destination-type'] !== 'generic') {
      throw new ActionFailure('notifications', `its notification configuration '${target.name}' (${found.id}) is a ${current['destination-type']} one, not a webhook (generic): rename or delete it in Terraform`, false);
    }
    const triggers = new Set(current.triggers ?? []);
    const differs = [
      ...(current.url !== target.url ? [`its URL was ${current.url ?? 'empty'}`] : []),
      ...(current.enabled !== true ? ['it was disabled'] : []),
      ...(NOTIFICATION_TRIGGERS.some((t) => !triggers.has(t)) ? [`its triggers were ${[...triggers].join(', ') || 'none'}`] : []),
      // The token is write-only: a key Apollo no longer has (a rotated secret) shows as our webhook's 401.
      ...(String(lastDelivery(current)?.code ?? '') === '401' ? ['Apollo refused its last delivery (401: signed with a key it no longer holds)'] : []),
    ];
    if (differs.length === 0) {
      attempt.log('debug', `Terraform notifies Apollo of ${workspace.label}'s runs (notification configuration '${target.name}', ${found.id})`);
      return { ok: true };
    }
    const body = { data: { id: found.id, type: 'notification-configuration', attributes } };
    const updated = await api.call('PATCH', `/notification-configurations/${encodeURIComponent(found.id)}`, body);
    if (updated.status !== 200) throw refused(api, 'updating the notification configuration', updated, target.url);
    attempt.log('info', `Terraform notifies Apollo of ${workspace.label}'s runs from now on: updated the notification configuration '${target.name}' (${found.id}) to ${target.url} (${differs.join('; ')})`);
    return { ok: true };
  } catch (error) {
    const reason = error instanceof ActionFailure ? error.message : `internal error (${(error as Error)?.message ?? String(error)})`;
    return { ok: false, reason: attempt.scrub(reason), at: Date.now() };
  }
}

/** The workspace's configuration of that name (the first, if someone made two), reading every page. */
async function findConfiguration(api: NotificationApi, workspaceId: string, name: string): Promise<ConfigurationDoc | undefined> {
  let path: string | undefined = `/workspaces/${encodeURIComponent(workspaceId)}/notification-configurations?page%5Bsize%5D=100`;
  for (let page = 0; path && page < 10; page++) {
    const response = await api.call('GET', path);
    if (response.status !== 200) throw api.failure('listing the workspace\'s notification configurations', response);
    const doc = parseBody(response) as { data?: ConfigurationDoc[]; links?: { next?: string | null } } | undefined;
    if (!Array.isArray(doc?.data)) throw new ActionFailure('invalid-response', 'the notification configurations are not a JSON:API list', false, { status: 200 });
    const found = doc.data.find((c) => typeof c?.id === 'string' && c.attributes?.name === name);
    if (found) return found;
    path = api.relative(doc.links?.next);
  }
  return undefined;
}

/** The newest of the configuration's recent deliveries. */
function lastDelivery(attributes: ConfigurationDoc['attributes']): { readonly code?: string | number | null } | undefined {
  const responses = Array.isArray(attributes['delivery-responses']) ? attributes['delivery-responses'] : [];
  return [...responses].sort((a, b) => String(b?.['sent-at'] ?? '').localeCompare(String(a?.['sent-at'] ?? '')))[0];
}

/** A refused create or update in words: a 400 is Terraform's verification POST to Apollo not getting a 2xx. */
function refused(api: NotificationApi, doing: string, response: HttpResponse, url: string): ActionFailure {
  if (response.status === 400) {
    const details = errorsOf(response);
    return new ActionFailure('notifications', `Terraform could not verify Apollo's webhook at ${url} (400${details ? `: ${details}` : ''}); Terraform must reach that URL, and Apollo must hold the same ${TERRAFORM_NOTIFICATION_SECRET}`, false, { status: 400 });
  }
  if (response.status === 403) return new ActionFailure('notifications', `the token may not manage the workspace's notifications (403 when ${doing}): it needs admin access to the workspace`, false, { status: 403 });
  return api.failure(doing, response);
}

function idOf(response: HttpResponse): string {
  const doc = parseBody(response) as { data?: { id?: unknown } } | undefined;
  return typeof doc?.data?.id === 'string' ? doc.data.id : 'no id given';
}

function errorsOf(response: HttpResponse): string {
  const doc = parseBody(response) as { errors?: Array<{ title?: unknown; detail?: unknown }> } | undefined;
  if (!Array.isArray(doc?.errors)) return '';
  return doc.errors.slice(0, 3).map((e) => [e?.title, e?.detail].filter((v) => typeof v === 'string' && v).join(': ')).filter(Boolean).join('; ');
}

function parseBody(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
}
