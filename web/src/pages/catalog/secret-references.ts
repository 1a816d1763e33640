/**
 * An environment's secret references (Environment.secrets) resolved against the secrets' metadata they name
 * (GET /api/v1/secrets?service=&environment=: its own service's, and another's for a shared secret), without React so
 * it is unit-tested: which reference names a secret Apollo keeps (`apollo/<env>/<service>/<name>`), which of those
 * exist and in what state, and how many need attention.
 */
import type { Environment, Secret } from '../../../../schemas/types.gen.ts';

export type SecretReference = Environment['secrets'][number];
export type SecretStatus = Secret['status'];

export interface SecretAddress { readonly environment: string; readonly service: string; readonly name: string }

/** What a reference turned out to be, each with what the service page shows for it. */
export type ResolvedReference =
  /** Found in the list: its status and the reason for it. */
  | { readonly kind: 'found'; readonly reference: SecretReference; readonly address: SecretAddress; readonly secret: Pick<Secret, 'secretName' | 'status' | 'statusReason'> }
  /** Apollo's form, this service and environment, but no such secret. */
  | { readonly kind: 'missing'; readonly reference: SecretReference; readonly address: SecretAddress }
  /** The caller cannot see this service's secrets (a developer of another team gets an empty list, not a 403). */
  | { readonly kind: 'hidden'; readonly reference: SecretReference; readonly address: SecretAddress }
  /** Apollo's form, another service's or environment's secret whose list could not be read: not judged here. */
  | { readonly kind: 'elsewhere'; readonly reference: SecretReference; readonly address: SecretAddress }
  /** Not of Apollo's form (another store, a hand-made name): nothing to resolve. */
  | { readonly kind: 'unmanaged'; readonly reference: SecretReference };

export type ReferenceKind = ResolvedReference['kind'];

// The API's path patterns (PATH_PARAMETERS in shared/routes.ts) for the three parts.
const MANAGED = /^apollo\/([a-z][a-z0-9-]{0,31})\/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\/([A-Za-z0-9][A-Za-z0-9_.-]{0,127})$/;

/** `apollo/<env>/<service>/<name>` as its parts; null for any other secret id. */
export function addressOf(secretId: string): SecretAddress | null {
  const match = MANAGED.exec(secretId);
  return match ? { environment: match[1]!, service: match[2]!, name: match[3]! } : null;
}

/** The secret's page in the web app. */
export const secretPath = (a: SecretAddress): string =>
  `/secrets/${encodeURIComponent(a.environment)}/${encodeURIComponent(a.service)}/${encodeURIComponent(a.name)}`;

/** Whether any reference of the environment needs this service's list in this environment (else it is not fetched). */
export const needsList = (references: readonly SecretReference[], where: { environment: string; service: string }): boolean =>
  references.some((r) => { const a = addressOf(r.secretId); return a !== null && a.environment === where.environment && a.service === where.service; });

type ListedSecret = Pick<Secret, 'environment' | 'service' | 'name' | 'secretName' | 'status' | 'statusReason'>;

/** The key of a list (one service's secrets in one environment) among `resolveReferences`' `others`. */
export const listKey = (a: { readonly environment: string; readonly service: string }): string => `${a.environment}/${a.service}`;

/** Every (environment, service) list an environment's references name, its own included (deduplicated). */
export function listsNamed(references: readonly SecretReference[]): Array<{ environment: string; service: string }> {
  const lists = new Map<string, { environment: string; service: string }>();
  for (const r of references) {
    const a = addressOf(r.secretId);
    if (a) lists.set(listKey(a), { environment: a.environment, service: a.service });
  }
  return [...lists.values()];
}

function resolveIn(reference: SecretReference, address: SecretAddress, secrets: readonly ListedSecret[], visible: boolean): ResolvedReference {
  const secret = secrets.find((s) => s.secretName === reference.secretId)
    ?? secrets.find((s) => s.environment === address.environment && s.service === address.service && s.name === address.name);
  if (secret) return { kind: 'found', reference, address, secret: { secretName: secret.secretName, status: secret.status, statusReason: secret.statusReason } };
  return visible || secrets.length > 0 ? { kind: 'missing', reference, address } : { kind: 'hidden', reference, address };
}

/**
 * Each reference, in the environment's order, against `secrets` (the list for `where`). `visible`: the caller may see
 * this service's secrets (operators and up, or a developer of its team); when not, an empty list proves nothing, so
 * its references are `hidden` rather than `missing`. A reference to another service's or environment's secret is
 * resolved the same way against its list in `others` (by `listKey`), when that was read; else it stays `elsewhere`.
 */
export function resolveReferences(
  references: readonly SecretReference[],
  where: { readonly environment: string; readonly service: string },
  secrets: readonly ListedSecret[],
  visible: boolean,
  others: ReadonlyMap<string, { readonly secrets: readonly ListedSecret[]; readonly visible: boolean }> = new Map(),
): ResolvedReference[] {
  return references.map((reference): ResolvedReference => {
    const address = addressOf(reference.secretId);
    if (!address) return { kind: 'unmanaged', reference };
    if (address.environment === where.environment && address.service === where.service) return resolveIn(reference, address, secrets, visible);
    const list = others.get(listKey(address));
    return list ? resolveIn(reference, address, list.secrets, list.visible) : { kind: 'elsewhere', reference, address };
  });
}

/** Missing, or overdue for rotation: what the page flags. */
export const needsAttention = (r: ResolvedReference): boolean =>
  r.kind === 'missing' || (r.kind === 'found' && r.secret.status === 'overdue');

export interface Attention {
  /** Distinct secrets (two references to one secret, by different keys, count once). */
  readonly count: number;
  /** One line per secret: `prod: DB_PASSWORD (apollo/prod/core-service/db-password) overdue`. */
  readonly lines: readonly string[];
}

/** The secrets across environments that need attention, for the page's flag. */
export function attentionOf(environments: readonly { readonly environment: string; readonly references: readonly ResolvedReference[] }[]): Attention {
  const lines = new Map<string, string>();
  for (const { environment, references } of environments) {
    for (const r of references) {
      if (!needsAttention(r) || lines.has(r.reference.secretId)) continue;
      lines.set(r.reference.secretId, `${environment}: ${r.reference.name} (${r.reference.secretId}) ${r.kind === 'missing' ? 'missing' : 'overdue'}`);
    }
  }
  return { count: lines.size, lines: [...lines.values()] };
}

export const attentionText = (count: number): string => `${count} ${count === 1 ? 'secret needs' : 'secrets need'} attention`;

export const STATUS_INTENT: Record<SecretStatus, 'danger' | 'warning' | 'none' | 'success'> = { ok: 'success', 'due-soon': 'warning', overdue: 'danger', unused: 'none', 'scheduled-deletion': 'danger' };
export const STATUS_LABEL: Record<SecretStatus, string> = { ok: 'ok', 'due-soon': 'due soon', overdue: 'overdue', unused: 'unused', 'scheduled-deletion': 'scheduled deletion' };

/** A reference's tag: its words, colour and tooltip. */
export function tagOf(r: ResolvedReference): { readonly label: string; readonly intent: 'danger' | 'warning' | 'none' | 'success'; readonly minimal: boolean; readonly reason: string; readonly status: string } {
  switch (r.kind) {
    case 'found':
      // Unused is grey: a minimal tag without an intent.
      return { label: STATUS_LABEL[r.secret.status], intent: STATUS_INTENT[r.secret.status], minimal: r.secret.status === 'unused', reason: r.secret.statusReason, status: r.secret.status };
    case 'missing':
      return { label: 'missing', intent: 'danger', minimal: false, reason: `No secret named ${r.reference.secretId} in ${r.address.environment}: create it, or fix the reference`, status: 'missing' };
    case 'hidden':
      return { label: 'not visible', intent: 'none', minimal: true, reason: `You can't see ${r.address.service}'s secrets: developers see their own teams' services' secrets`, status: 'hidden' };
    case 'elsewhere':
      return { label: `${r.address.service} · ${r.address.environment}`, intent: 'none', minimal: true, reason: `Another service's or environment's secret: its status shows on its own page`, status: 'elsewhere' };
    case 'unmanaged':
      return { label: 'not managed by Apollo', intent: 'none', minimal: true, reason: 'Not of the form apollo/<env>/<service>/<name>: Apollo neither keeps nor checks it', status: 'unmanaged' };
  }
}
