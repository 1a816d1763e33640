/**
 * What the Secrets pages decide without React, so it is unit-tested: the list's filters and tab in the URL, the
 * environment → service → secret tree, a secret's page address, when it is due in words, which versions can be rolled
 * back to, the create form's checks (the API's own patterns) and the compliance history shaped for the chart.
 */
import type { Secret, SecretCreate, SecretExpiring, SecretHistory, SecretListQuery, SecretUpdate } from '../../../../schemas/types.gen.ts';
import { isRole, roleHas, type Permission } from '../../../../shared/permissions.ts';
import { environmentRank } from '../deployments/deployment-rules.ts';

export type Category = Secret['category'];
export type SecretStatus = Secret['status'];
export type Due = NonNullable<SecretListQuery['due']>;

export const CATEGORIES: readonly Category[] = ['database', 'api-key', 'oauth', 'internal', 'certificate'];
export const CATEGORY_LABEL: Record<Category, string> = { database: 'Database', 'api-key': 'API key', oauth: 'OAuth', internal: 'Internal', certificate: 'Certificate' };
/** A category opening a sentence before "secret": "An API key secret has no rotation Lambda". */
export const CATEGORY_NOUN: Record<Category, string> = { database: 'A database', 'api-key': 'An API key', oauth: 'An OAuth', internal: 'An internal', certificate: 'A certificate' };
/** The list's status filter: what GET /api/v1/secrets?due= takes. */
export const DUES: readonly Due[] = ['overdue', 'due-soon', 'unused', 'ok', 'scheduled-deletion'];
export const STATUS_LABEL: Record<SecretStatus, string> = { ok: 'On schedule', 'due-soon': 'Due soon', overdue: 'Overdue', unused: 'Unused', 'scheduled-deletion': 'Scheduled for deletion' };
/** Overdue red, due soon orange, unused grey (the tag is minimal then), on schedule green. */
export const STATUS_INTENT: Record<SecretStatus, 'danger' | 'warning' | 'none' | 'success'> = { ok: 'success', 'due-soon': 'warning', overdue: 'danger', unused: 'none', 'scheduled-deletion': 'danger' };

/** The API's patterns (PATH_PARAMETERS in shared/routes.ts): a secret's address is checked before it is sent. */
export const ENV_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const SERVICE_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const OWNER_PATTERN = /^[A-Za-z0-9_.@+-]{1,128}$/;

// ---------------------------------------------------------------------------------------------------------------
// The list's URL: /secrets?environment=prod&service=auth-service&category=internal&due=overdue, &tab=expiring|audit

export type SecretFilters = Pick<SecretListQuery, 'environment' | 'service' | 'category' | 'due'>;
export type SecretsTab = 'list' | 'expiring' | 'audit';

const FILTER_KEYS = ['environment', 'service', 'category', 'due'] as const;
const TABS: readonly SecretsTab[] = ['list', 'expiring', 'audit'];

/** The URL's filters; what the API would refuse is dropped. */
export function filtersFromSearch(search: string): SecretFilters {
  const params = new URLSearchParams(search);
  const out: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === 'environment' && !ENV_PATTERN.test(value)) continue;
    if (key === 'service' && !SERVICE_PATTERN.test(value)) continue;
    if (key === 'category' && !(CATEGORIES as readonly string[]).includes(value)) continue;
    if (key === 'due' && !(DUES as readonly string[]).includes(value)) continue;
    out[key] = value;
  }
  return out as SecretFilters;
}

export const tabFromSearch = (search: string): SecretsTab => {
  const tab = new URLSearchParams(search).get('tab');
  return (TABS as readonly (string | null)[]).includes(tab) ? tab as SecretsTab : 'list';
};

/** The tab and filters as a query string in a fixed order (the list tab is the default, left out). */
export function searchOf(tab: SecretsTab, filters: SecretFilters): string {
  const params = new URLSearchParams();
  if (tab !== 'list') params.set('tab', tab);
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]!);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const isFiltered = (filters: SecretFilters): boolean => FILTER_KEYS.some((k) => Boolean(filters[k]));

// ---------------------------------------------------------------------------------------------------------------
// Addresses

export interface SecretAddress { readonly environment: string; readonly service: string; readonly name: string }

export const secretHref = (s: SecretAddress): string =>
  `/secrets/${encodeURIComponent(s.environment)}/${encodeURIComponent(s.service)}/${encodeURIComponent(s.name)}`;

/** `/secrets/<env>/<service>/<name>` as its parts, or null for any other path (or parts the API would refuse). */
export function addressFromPath(path: string): SecretAddress | null {
  const match = /^\/secrets\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  if (!match) return null;
  let parts: string[];
  try {
    parts = match.slice(1).map((p) => decodeURIComponent(p));
  } catch {
    return null;
  }
  const [environment, service, name] = parts as [string, string, string];
  if (!ENV_PATTERN.test(environment) || !SERVICE_PATTERN.test(service) || !NAME_PATTERN.test(name)) return null;
  return { environment, service, name };
}

/** A store name (apollo/<env>/<service>/<name>, as an incident's timeline names a secret) as its page, or null. */
export function hrefOfSecretName(secretName: string): string | null {
  const parts = /^apollo\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(secretName);
  if (!parts) return null;
  const address = { environment: parts[1]!, service: parts[2]!, name: parts[3]! };
  return ENV_PATTERN.test(address.environment) && SERVICE_PATTERN.test(address.service) && NAME_PATTERN.test(address.name) ? secretHref(address) : null;
}

export const addressKey = (s: SecretAddress): string => `${s.environment}/${s.service}/${s.name}`;

// ---------------------------------------------------------------------------------------------------------------
// The tree: environment → service → secrets

export interface ServiceGroup { readonly service: string; readonly secrets: readonly Secret[]; readonly attention: number }
export interface EnvironmentGroup {
  readonly environment: string;
  readonly production: boolean;
  readonly simulated: boolean;
  readonly services: readonly ServiceGroup[];
  readonly count: number;
  /** Secrets that want someone: overdue, due soon, unused or being deleted. */
  readonly attention: number;
  readonly byStatus: Readonly<Partial<Record<SecretStatus, number>>>;
}

const needsAttention = (s: Secret): boolean => s.status !== 'ok';
/** Worst first inside a service: overdue, scheduled deletion, due soon, unused, ok; then by name. */
const STATUS_ORDER: Record<SecretStatus, number> = { overdue: 0, 'scheduled-deletion': 1, 'due-soon': 2, unused: 3, ok: 4 };

/** Production first (it matters most), then down the promotion path (staging, test, dev); services and secrets by name. */
export function groupSecrets(items: readonly Secret[]): EnvironmentGroup[] {
  const byEnv = new Map<string, Map<string, Secret[]>>();
  for (const s of items) {
    const services = byEnv.get(s.environment) ?? new Map<string, Secret[]>();
    byEnv.set(s.environment, services);
    services.set(s.service, [...(services.get(s.service) ?? []), s]);
  }
  const groups = [...byEnv.entries()].map(([environment, services]): EnvironmentGroup => {
    const all = [...services.values()].flat();
    const byStatus: Partial<Record<SecretStatus, number>> = {};
    for (const s of all) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    return {
      environment,
      production: all.some((s) => s.production),
      simulated: all.some((s) => s.simulated === true),
      count: all.length,
      attention: all.filter(needsAttention).length,
      byStatus,
      services: [...services.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([service, secrets]) => ({
          service,
          secrets: [...secrets].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.name.localeCompare(b.name)),
          attention: secrets.filter(needsAttention).length,
        })),
    };
  });
  return groups.sort((a, b) => Number(b.production) - Number(a.production) || environmentRank(b.environment) - environmentRank(a.environment) || a.environment.localeCompare(b.environment));
}

// ---------------------------------------------------------------------------------------------------------------
// Time in words

const DAY = 86_400_000;

/** When the next rotation is due, as people say it: "in 12 days", "today", "3 days overdue", or why there is none. */
export function dueText(secret: Pick<Secret, 'nextRotationDue' | 'rotationDays' | 'category' | 'status'>, now = Date.now()): string {
  if (secret.status === 'scheduled-deletion') return 'not while scheduled for deletion';
  if (!secret.nextRotationDue) return secret.category === 'certificate' ? 'before it expires' : 'on compromise only';
  const days = Math.round((Date.parse(secret.nextRotationDue) - now) / DAY);
  if (days === 0) return 'today';
  if (days > 0) return days === 1 ? 'tomorrow' : `in ${days} days`;
  return days === -1 ? '1 day overdue' : `${-days} days overdue`;
}

/** Whole days from now until `iso` (negative: past), for a scheduled deletion's countdown. */
export const daysUntil = (iso: string, now = Date.now()): number => Math.ceil((Date.parse(iso) - now) / DAY);

// ---------------------------------------------------------------------------------------------------------------
// Values never shown: the masked form only

/** How many characters of a value a masked form shows (everything but the bullets). */
export const visibleCharacters = (masked: string): number => [...masked.replace(/[•*]/g, '')].length;

/** Rotation makes the new value itself (a rotation Lambda, or Apollo for internal secrets); the others need one typed in. */
export const rotatesItself = (s: Pick<Secret, 'rotationLambda' | 'category'>): boolean => s.rotationLambda || s.category === 'internal';

/** A metadata copy without the masked value (kept only while the person who revealed it looks at it). */
export function withoutMasked<T extends { masked?: string | undefined }>(secret: T): Omit<T, 'masked'> {
  const { masked: _masked, ...rest } = secret;
  return rest;
}

// ---------------------------------------------------------------------------------------------------------------
// History

export type Version = SecretHistory['versions'][number];
export const STAGE_LABEL: Record<string, string> = { AWSCURRENT: 'current', AWSPREVIOUS: 'previous', AWSPENDING: 'pending' };

export const isCurrent = (v: Version): boolean => v.stages.includes('AWSCURRENT');

/**
 * Whether AWSCURRENT can be moved back to this version: not the current one, not a pending one still being made (a
 * rotation under way), and not while the secret is scheduled for deletion (restore it first).
 */
export function rollbackBlocked(v: Version, secret: Pick<Secret, 'status'>): string | null {
  if (isCurrent(v)) return 'This is the current version.';
  if (v.stages.includes('AWSPENDING')) return 'A rotation is making this version; it becomes current when it finishes.';
  if (secret.status === 'scheduled-deletion') return 'Restore the secret before rolling it back.';
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// The create form

export interface CreateForm {
  readonly environment: string;
  readonly service: string;
  readonly name: string;
  readonly category: Category;
  readonly generate: boolean;
  /** Whether a value was typed (the value itself never comes here). */
  readonly hasValue: boolean;
  readonly owner: string;
  readonly rotationDays: string;
  readonly description: string;
  /** A date input's YYYY-MM-DD ('' for none); certificates need one (they are due before it). */
  readonly expiresAt: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A date input's day as the API's date-time (midnight UTC), or undefined when it is not a day. */
export const expiryOf = (day: string): string | undefined => (DATE.test(day.trim()) && !Number.isNaN(Date.parse(`${day.trim()}T00:00:00Z`)) ? `${day.trim()}T00:00:00.000Z` : undefined);
/** The API's date-time as a date input's day. */
export const dayOf = (iso: string | null): string => (iso ? iso.slice(0, 10) : '');

function expiryProblem(category: Category, day: string): string | undefined {
  if (!day.trim()) return category === 'certificate' ? 'A certificate needs its expiry date: it is due before it.' : undefined;
  return expiryOf(day) ? undefined : 'A date (YYYY-MM-DD).';
}

const ROTATION_PROBLEM = 'Whole days, 1 to 3650 (empty: the category\'s policy).';
const rotationOk = (days: string): boolean => /^\d+$/.test(days) && Number(days) >= 1 && Number(days) <= 3650;

/** Problems by field, in the person's words; empty when it can be sent. */
export function createProblems(form: CreateForm): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!ENV_PATTERN.test(form.environment)) problems.environment = 'Pick the environment (prod, staging, dev: a-z, 0-9 and -).';
  if (!SERVICE_PATTERN.test(form.service)) problems.service = 'Pick the service it belongs to.';
  if (!NAME_PATTERN.test(form.name.trim())) problems.name = 'Letters, digits and _ . - (db-password), starting with a letter or digit, at most 128.';
  if (!form.generate && !form.hasValue) problems.value = 'Type the value, or have Apollo generate one.';
  if (form.owner.trim() && !OWNER_PATTERN.test(form.owner.trim())) problems.owner = 'A team or a person: letters, digits and _ . @ + -.';
  const days = form.rotationDays.trim();
  if (days && !rotationOk(days)) problems.rotationDays = ROTATION_PROBLEM;
  if (form.description.length > 2048) problems.description = 'At most 2048 characters.';
  const expiry = expiryProblem(form.category, form.expiresAt);
  if (expiry) problems.expiresAt = expiry;
  return problems;
}

/** The body of POST …/{secret}: the typed value goes in at the last moment, and only when not generating. */
export function createBody(form: CreateForm, value: string | undefined): SecretCreate {
  return {
    category: form.category,
    ...(form.generate ? { generate: true as const } : { value: value ?? '' }),
    ...(form.description.trim() ? { description: form.description.trim() } : {}),
    ...(form.owner.trim() ? { owner: form.owner.trim() } : {}),
    ...(form.rotationDays.trim() ? { rotationDays: Number(form.rotationDays.trim()) } : {}),
    ...(expiryOf(form.expiresAt) ? { expiresAt: expiryOf(form.expiresAt)! } : {}),
  };
}

/** The category's days between rotations (none: on compromise, or before expiry). */
export const CATEGORY_DAYS: Record<Category, number | null> = { database: 90, 'api-key': 180, internal: 30, oauth: null, certificate: null };

/** Whether its rotation days are its own (a tag), not its category's policy: the API answers the one that applies. */
export const ownRotationDays = (s: Pick<Secret, 'rotationDays' | 'category'>): boolean => s.rotationDays !== null && s.rotationDays !== CATEGORY_DAYS[s.category];

/** The details dialog's fields (never the value): owner, rotation days, description, expiry. */
export interface DetailsForm { readonly owner: string; readonly rotationDays: string; readonly description: string; readonly expiresAt: string }

export const detailsFormOf = (s: Pick<Secret, 'owner' | 'rotationDays' | 'description' | 'expiresAt' | 'category'>): DetailsForm => ({
  owner: s.owner ?? '', rotationDays: ownRotationDays(s) ? String(s.rotationDays) : '', description: s.description, expiresAt: dayOf(s.expiresAt),
});

export function detailsProblems(form: DetailsForm, category: Category): Record<string, string> {
  const problems: Record<string, string> = {};
  if (form.owner.trim() && !OWNER_PATTERN.test(form.owner.trim())) problems.owner = 'A team or a person: letters, digits and _ . @ + -.';
  if (form.rotationDays.trim() && !rotationOk(form.rotationDays.trim())) problems.rotationDays = ROTATION_PROBLEM;
  if (form.description.length > 2048) problems.description = 'At most 2048 characters.';
  const expiry = expiryProblem(category, form.expiresAt);
  if (expiry) problems.expiresAt = expiry;
  return problems;
}

/**
 * PUT's body for what changed between the form as it opened and as it is (null: nothing did). An emptied rotation
 * or expiry is null (back to the category's policy, no expiry); an owner cannot be emptied (the API has no null).
 */
export function detailsChanges(before: DetailsForm, after: DetailsForm): SecretUpdate | null {
  const body: SecretUpdate = {};
  if (after.owner.trim() !== before.owner.trim() && after.owner.trim()) body.owner = after.owner.trim();
  if (after.rotationDays.trim() !== before.rotationDays.trim()) body.rotationDays = after.rotationDays.trim() ? Number(after.rotationDays.trim()) : null;
  if (after.description.trim() !== before.description.trim()) body.description = after.description.trim();
  if (after.expiresAt.trim() !== before.expiresAt.trim()) body.expiresAt = after.expiresAt.trim() ? expiryOf(after.expiresAt) ?? null : null;
  return Object.keys(body).length ? body : null;
}

/** The category's policy, said in the form before the API says it on the secret. */
export const DEFAULT_POLICY: Record<Category, string> = {
  database: 'every 90 days',
  'api-key': 'every 180 days',
  internal: 'every 30 days (Apollo generates the new value)',
  oauth: 'on compromise',
  certificate: 'before it expires',
};

export const recoveryProblem = (text: string): string | null =>
  /^\d+$/.test(text.trim()) && Number(text) >= 7 && Number(text) <= 30 ? null : 'Between 7 and 30 days.';

// ---------------------------------------------------------------------------------------------------------------
// The expiring dashboard

export interface CompliancePoint { readonly date: string; readonly label: string; readonly percent: number | null; readonly total: number; readonly onSchedule: number }

export function complianceRows(history: SecretExpiring['compliance']['history']): CompliancePoint[] {
  return history.map((h) => ({
    date: h.date,
    label: new Date(`${h.date.slice(0, 10)}T00:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }),
    percent: h.percent === null ? null : Math.round(h.percent * 10) / 10,
    total: h.total,
    onSchedule: h.onSchedule,
  }));
}

/** The figure with a no-break space before its % (it never wraps alone). */
export const percentText = (percent: number | null): string => (percent === null ? '—' : `${Math.round(percent * 10) / 10}\u00a0%`);

/** The big number's colour: the target is 100 %. */
export const complianceIntent = (percent: number | null): 'success' | 'warning' | 'danger' | 'none' =>
  percent === null ? 'none' : percent >= 100 ? 'success' : percent >= 90 ? 'warning' : 'danger';

// ---------------------------------------------------------------------------------------------------------------
// What the caller's role allows (its effective permissions: an admin holds what an operator does, and more)

export interface SecretPowers {
  /** May read secrets' metadata at all (viewers may not). */
  readonly metadata: boolean;
  /** Create, change, rotate, roll back, delete, restore (admins). */
  readonly write: boolean;
  /** See a value's last 4 characters (admins; the read is audited). */
  readonly reveal: boolean;
  /** Every service's secrets, not only their teams' (operators and up). */
  readonly all: boolean;
  /** Who read and changed secrets. */
  readonly audit: boolean;
}

export function powersOf(role: string | undefined): SecretPowers {
  const has = (p: Permission) => isRole(role) && roleHas(role, p);
  return { write: has('secrets:write'), reveal: has('secrets:read'), all: has('secrets:metadata:all'), audit: has('audit:read'), metadata: has('secrets:metadata') };
}
