/**
 * What a person may do to a request after submitting it (retry, cancel, deprovision) as the page offers it, the
 * fields a retry changes, and the outside runs an attempt started. The API decides who may (the requester, or
 * requests:manage); the page only offers what the request's status allows. Pure, so it is unit-tested.
 */
import type { Request } from '../../../../schemas/types.gen.ts';
import type { RequestState } from './request-status.ts';

type External = NonNullable<Request['actions'][number]['attempts'][number]['external']>;

/** The API's mask for a secret field's value: it is never sent back as a change. */
export const SECRET_MASK = '••••';

/** A failed, interrupted or cancelled request runs again from the first action not done. */
export const canRetry = (request: Pick<Request, 'status'>): boolean =>
  request.status === 'failed' || request.status === 'interrupted' || request.status === 'cancelled';

const CANCELLABLE: readonly RequestState[] = ['submitted', 'validating', 'awaiting_approval', 'queued', 'in_progress', 'interrupted'];

/** Before its end (or lost on the way), unless a cancel was asked already. */
export const canCancel = (request: Pick<Request, 'status' | 'cancel'>): boolean => CANCELLABLE.includes(request.status) && !request.cancel;

/** What an automated request made is removed once it completed; a manual one is undone by its team. */
export const canDeprovision = (request: Pick<Request, 'status' | 'fulfillment'>): boolean => request.status === 'completed' && request.fulfillment === 'automated';

/** A cancel's or a deprovision's reason, as the API checks it (3 to 2000 characters); null when it will do. */
export function reasonProblem(reason: string): string | null {
  const text = reason.trim();
  if (!text) return 'Say why: it is kept in the request\u2019s log.';
  if (text.length < 3) return 'At least 3 characters.';
  if (text.length > 2000) return 'At most 2000 characters.';
  return null;
}

export type FieldEdit = { readonly ok: true; readonly fields: Record<string, unknown> } | { readonly ok: false; readonly problem: string };

/**
 * The fields a retry changes, from the JSON a person edited (all the request's fields, as shown): those whose value
 * differs from the request's. A secret left masked stays as it was; a field taken out is not a change (a retry
 * merges the changes over the request's fields).
 */
export function fieldChanges(current: Readonly<Record<string, unknown>>, text: string): FieldEdit {
  if (!text.trim()) return { ok: true, fields: {} };
  let edited: unknown;
  try {
    edited = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `Not JSON: ${(error as Error).message}` };
  }
  if (typeof edited !== 'object' || edited === null || Array.isArray(edited)) return { ok: false, problem: 'Give an object of fields: {"ttl": 600}.' };
  const fields = Object.fromEntries(Object.entries(edited).filter(([id, value]) => value !== SECRET_MASK && JSON.stringify(value) !== JSON.stringify(current[id])));
  return { ok: true, fields };
}

/** The request's fields as the editor starts: pretty JSON, secrets masked as the API sent them. */
export const fieldsText = (fields: Readonly<Record<string, unknown>>): string => JSON.stringify(fields, null, 2);

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;

/** A link to this machine: one of npm start's LOCAL FAKE systems (Terraform Cloud, GitHub, JIRA), not the real one. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return LOOPBACK_HOST.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

const SYSTEM_LABEL: Record<External['system'], string> = { terraform: 'Terraform run', github: 'GitHub run', jira: 'JIRA issue' };

export interface ExternalRun {
  /** "Terraform run run-abc123", "JIRA issue PLAT-12". */
  readonly text: string;
  /** Only http(s) links are followed. */
  readonly href: string | undefined;
  readonly localFake: boolean;
}

/** The outside run an attempt started, as a link. */
export function externalRun(external: External): ExternalRun {
  const href = external.url && /^https?:\/\//i.test(external.url) ? external.url : undefined;
  return { text: `${SYSTEM_LABEL[external.system] ?? external.system} ${external.id}`, href, localFake: isLoopbackUrl(href) };
}
