/**
 * Freezes, deployment windows and the deploy form's ways past a safeguard, in words and rules: who may govern them (the
 * route table's deployments:govern against GET /api/v1/me), what the freeze and window dialogs check before sending and
 * where an API error's path lands, a window's times in its own time zone ("09:00 Mon"), and what the form's choices
 * (a freeze exception, queue or an admin's override outside a window, acknowledging dependencies) add to the preflight
 * and the request. Pure, so it is unit-tested.
 */
import type { Intent } from '@blueprintjs/core';
import type {
  Deployment, DeploymentCreate, DeploymentFreeze, DeploymentFreezeCreate, DeploymentWindow, DeploymentWindowPut, Me,
} from '../../../../schemas/types.gen.ts';
import { ROLES, roleHas } from '../../../../shared/permissions.ts';
import { requiredPermission, ROUTES } from '../../../../shared/routes.ts';
import type { Allowance, SafeguardCheck } from './deployment-rules.ts';

// ---------------------------------------------------------------- who may

/**
 * Whether the caller may freeze deployments and set windows (the route table's permission for both, deployments:govern),
 * with the reason in words when not; unknown (me not read yet) counts as not allowed: the buttons wait for it.
 */
export function governAllowance(me: Pick<Me, 'role' | 'permissions'> | undefined): Allowance {
  const route = ROUTES.find((r) => r.method === 'POST' && r.path === '/api/v1/deployments/freezes');
  if (!route?.permission) throw new Error('the freeze route is not in the route table');
  const needs = requiredPermission(route.permission, { pathParameters: {}, query: {}, body: {} });
  if (me?.permissions.includes(needs)) return { allowed: true, needs, why: '' };
  const roles = ROLES.filter((r) => roleHas(r, needs));
  return { allowed: false, needs, why: `Freezes and windows need ${needs}; ${me ? `your role ${me.role} does not have it` : 'your role is not known yet'}${roles.length ? ` (${roles.join(' and ')} ${roles.length === 1 ? 'does' : 'do'})` : ''}.` };
}

/** Whether an admin's override of a window is theirs (the API lets deployments:govern override one). */
export const mayOverrideWindow = (me: Pick<Me, 'permissions'> | undefined): boolean => me?.permissions.includes('deployments:govern') ?? false;

// ---------------------------------------------------------------- text rules shared with the schemas

// The schemas' text rule: no control characters or bidi overrides.
// eslint-disable-next-line no-control-regex
const TEXT_PATTERN = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]*$/;
const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]*$/;

/** A reason the schemas take (3 to 2000 characters, no control characters), or what is wrong with it. */
export function reasonProblem(text: string, why = 'Say why'): string | undefined {
  const reason = text.trim();
  if (reason.length < 3) return `${why} (at least 3 characters).`;
  if (reason.length > 2000) return 'At most 2000 characters.';
  if (!TEXT_PATTERN.test(reason)) return 'No control characters.';
  return undefined;
}

// ---------------------------------------------------------------- freezes

export type FreezeState = DeploymentFreeze['state'];

export const FREEZE_STATE_INTENT: Record<FreezeState, Intent> = { active: 'danger', upcoming: 'warning', ended: 'none' };
export const FREEZE_STATE_LABEL: Record<FreezeState, string> = { active: 'active', upcoming: 'upcoming', ended: 'ended' };

/** Active first, then upcoming (soonest start first), then ended (latest end first). */
export function sortFreezes(items: readonly DeploymentFreeze[]): DeploymentFreeze[] {
  const rank: Record<FreezeState, number> = { active: 0, upcoming: 1, ended: 2 };
  return [...items].sort((a, b) => rank[a.state] - rank[b.state]
    || (a.state === 'ended' ? b.endsAt.localeCompare(a.endsAt) : a.state === 'upcoming' ? a.startsAt.localeCompare(b.startsAt) : a.endsAt.localeCompare(b.endsAt))
    || a.id.localeCompare(b.id));
}

/** What it freezes: "Org-wide, every environment", "Team payments, prod and staging". */
export function freezeScopeText(f: Pick<DeploymentFreeze, 'scope' | 'team' | 'environments'>): string {
  const who = f.scope === 'org' ? 'Org-wide' : `Team ${f.team ?? '?'}`;
  const envs = f.environments.length === 0 ? 'every environment'
    : f.environments.length === 1 ? f.environments[0]! : `${f.environments.slice(0, -1).join(', ')} and ${f.environments.at(-1)!}`;
  return `${who}, ${envs}`;
}

export interface FreezeValues {
  readonly scope: 'org' | 'team';
  readonly team: string;
  readonly environments: readonly string[];
  readonly reason: string;
  /** `datetime-local` text; empty: now. */
  readonly startsAt: string;
  /** `datetime-local` text. */
  readonly endsAt: string;
}

export type FreezeErrors = Partial<Record<keyof FreezeValues, string>>;

const MAX_FREEZE_DAYS = 90;

/** What the freeze dialog checks before sending (the create schema's rules and the API's: an end after its start and now, at most 90 days). */
export function checkFreeze(v: FreezeValues, now = Date.now()): FreezeErrors {
  const errors: FreezeErrors = {};
  if (v.scope === 'team' && !v.team) errors.team = 'Pick the team whose services it freezes.';
  else if (v.scope === 'team' && !SLUG.test(v.team)) errors.team = 'A team id: lower-case letters, digits and dashes.';
  if (v.environments.some((e) => !ENVIRONMENT.test(e))) errors.environments = 'Environment names: lower-case letters, digits and dashes.';
  const reason = reasonProblem(v.reason, 'Say why: it is what people see when their deploy is refused');
  if (reason) errors.reason = reason;
  const start = v.startsAt ? Date.parse(v.startsAt) : now;
  if (v.startsAt && Number.isNaN(start)) errors.startsAt = 'A date and time, or empty for now.';
  if (!v.endsAt) errors.endsAt = 'When it ends.';
  else {
    const end = Date.parse(v.endsAt);
    if (Number.isNaN(end)) errors.endsAt = 'A date and time.';
    else if (end <= now) errors.endsAt = 'The end must be in the future.';
    else if (!Number.isNaN(start) && end <= start) errors.endsAt = 'The end must be after the start.';
    else if (end - Math.max(start, now) > MAX_FREEZE_DAYS * 86_400_000) errors.endsAt = `A freeze lasts at most ${MAX_FREEZE_DAYS} days.`;
  }
  return errors;
}

/** The create body: local `datetime-local` times as instants. */
export function freezeBodyOf(v: FreezeValues): DeploymentFreezeCreate {
  return {
    scope: v.scope,
    ...(v.scope === 'team' ? { team: v.team } : {}),
    ...(v.environments.length ? { environments: [...v.environments] as DeploymentFreezeCreate['environments'] } : {}),
    reason: v.reason.trim(),
    ...(v.startsAt ? { startsAt: new Date(v.startsAt).toISOString() } : {}),
    endsAt: new Date(v.endsAt).toISOString(),
  };
}

/** Which freeze field an API error's path names (`/body/endsAt`), or undefined. */
export function freezeFieldOf(path: string): keyof FreezeValues | undefined {
  const name = /^\/body\/([A-Za-z]+)/.exec(path)?.[1];
  return (['scope', 'team', 'environments', 'reason', 'startsAt', 'endsAt'] as const).find((f) => f === name);
}

// ---------------------------------------------------------------- windows

export const WINDOW_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WindowDay = (typeof WINDOW_DAYS)[number];
export const WINDOW_DAY_LABEL: Record<WindowDay, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

export interface SlotValues {
  readonly days: readonly WindowDay[];
  readonly start: string;
  readonly end: string;
}

export interface WindowValues {
  readonly environment: string;
  readonly timezone: string;
  readonly slots: readonly SlotValues[];
  readonly description: string;
}

/** Field keys: `environment`, `timezone`, `description`, and per slot `slots.0.days`, `slots.0.start`, `slots.0.end`. */
export type WindowErrors = Record<string, string>;

const START = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const END = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

export const NEW_SLOT: SlotValues = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };

/** The dialog's values: the window's, or office hours in the browser's time zone for a new one. */
export function windowValuesOf(environment: string, w: Pick<DeploymentWindow, 'timezone' | 'slots' | 'description'> | undefined, browserZone: string): WindowValues {
  if (!w) return { environment, timezone: browserZone, slots: [NEW_SLOT], description: '' };
  return { environment, timezone: w.timezone, slots: w.slots.map((s) => ({ days: [...s.days], start: s.start, end: s.end })), description: w.description ?? '' };
}

/** What the window dialog checks before sending (the put schema's rules; a slot that starts as it ends is never open). */
export function checkWindow(v: WindowValues, knownZones?: readonly string[]): WindowErrors {
  const errors: WindowErrors = {};
  if (!v.environment) errors.environment = 'Pick an environment.';
  else if (!ENVIRONMENT.test(v.environment) || v.environment.length > 32) errors.environment = 'An environment name: lower-case letters, digits and dashes.';
  if (!v.timezone) errors.timezone = 'Pick a time zone.';
  else if (knownZones && !knownZones.includes(v.timezone)) errors.timezone = `${v.timezone} is not a known time zone.`;
  if (v.slots.length === 0) errors.slots = 'Add the hours it is open.';
  if (v.slots.length > 14) errors.slots = 'At most 14 sets of hours.';
  v.slots.forEach((s, i) => {
    if (s.days.length === 0) errors[`slots.${i}.days`] = 'Pick at least one day.';
    if (!START.test(s.start)) errors[`slots.${i}.start`] = 'A time, HH:MM.';
    if (!END.test(s.end)) errors[`slots.${i}.end`] = 'A time, HH:MM (24:00 for midnight).';
    else if (s.start === s.end) errors[`slots.${i}.end`] = 'It must end at another time than it starts.';
  });
  if (v.description.length > 500) errors.description = 'At most 500 characters.';
  return errors;
}

/** The put body (the days in the week's order). */
export function windowBodyOf(v: WindowValues): DeploymentWindowPut {
  return {
    timezone: v.timezone,
    slots: v.slots.map((s) => ({ days: WINDOW_DAYS.filter((d) => s.days.includes(d)), start: s.start, end: s.end })) as DeploymentWindowPut['slots'],
    ...(v.description.trim() ? { description: v.description.trim() } : {}),
  };
}

/** Which window field an API error's path names: `/body/slots/0/end` → `slots.0.end`, `/body/timezone` → `timezone`. */
export function windowFieldOf(path: string): string | undefined {
  const slot = /^\/body\/slots\/(\d+)\/(days|start|end)/.exec(path);
  if (slot) return `slots.${slot[1]}.${slot[2]}`;
  const name = /^\/body\/([A-Za-z]+)/.exec(path)?.[1];
  return (['timezone', 'description', 'slots'] as const).find((f) => f === name);
}

/** The time zones the browser knows (IANA), with UTC and the ones asked for (a window's own) in. */
export function timeZoneChoices(also: readonly string[] = []): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([...known, 'UTC', ...also.filter(Boolean)])].sort((a, b) => a.localeCompare(b));
}

/** The browser's time zone (UTC when it says none). */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** An instant as a window's clock says it: "09:00 Mon" in `timeZone` (the browser's when none). */
export function zonedTime(iso: string, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { ...(timeZone ? { timeZone } : {}), weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('hour')}:${part('minute')} ${part('weekday')}`;
}

/** "Open now, closes 16:00 Thu" / "Closed now, opens 09:00 Mon" in the window's time zone. */
export function windowNowText(w: Pick<DeploymentWindow, 'open' | 'opensAt' | 'closesAt' | 'timezone'>): string {
  if (w.open) return w.closesAt ? `Open now, closes ${zonedTime(w.closesAt, w.timezone)}` : 'Open now';
  return w.opensAt ? `Closed now, opens ${zonedTime(w.opensAt, w.timezone)}` : 'Closed now, no opening in the next week';
}

/**
 * A queued deployment in words: "Queued until 09:00 Mon (Europe/Berlin window)"; with the browser's clock too when it
 * reads differently ("…; 08:00 Mon your time").
 */
export function queuedText(queuedUntil: string | null | undefined, windowZone: string | undefined, localZone = browserTimeZone()): string {
  if (!queuedUntil) return 'Queued until its deployment window opens';
  if (!windowZone) return `Queued until ${zonedTime(queuedUntil, localZone)} (its deployment window)`;
  const there = zonedTime(queuedUntil, windowZone);
  const here = zonedTime(queuedUntil, localZone);
  return `Queued until ${there} (${windowZone} window)${here !== there ? `; ${here} your time` : ''}`;
}

/** The window's time zone as a check's reason states it: "outside the deployment window (Mon–Fri 09:00–17:00 Europe/Berlin)". */
export function zoneInReason(reason: string): string | undefined {
  return /window \([^)]*?\s([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*)\)/.exec(reason)?.[1];
}

// ---------------------------------------------------------------- the deploy form's ways past a block

export type WindowChoice = 'refuse' | 'queue' | 'override';

/** What the asker chose for the safeguards that can be passed. */
export interface SafeguardChoices {
  /** A freeze: ask for an exception (an admin approves it). */
  readonly exception: boolean;
  /** Outside a window: refuse (the default), queue until it opens, or an admin's override. */
  readonly outsideWindow: WindowChoice;
  /** The override's reason (the exception's and an admin's window override share it: the API takes one). */
  readonly reason: string;
  /** Dependencies in production: deploy anyway. */
  readonly acknowledge: boolean;
}

export const NO_CHOICES: SafeguardChoices = { exception: false, outsideWindow: 'refuse', reason: '', acknowledge: false };

export type ChoicesBody = Pick<DeploymentCreate, 'override' | 'acknowledge' | 'outsideWindow'>;

/** Whether the choices ask for an override (an exception, or an admin's window override), which needs a reason. */
export const wantsOverride = (c: SafeguardChoices, checks: readonly SafeguardCheck[] | undefined, admin: boolean): boolean =>
  (c.exception && (checks ?? []).some((k) => k.safeguard === 'freeze' && k.override === 'approval'))
  || (admin && c.outsideWindow === 'override' && (checks ?? []).some((k) => k.safeguard === 'window' && k.override !== undefined));

/**
 * What the choices add to the preflight and the request. An override goes only where a check offers one (the API
 * refuses one with nothing to override) and once its reason is one the schema takes; queueing and acknowledging are
 * harmless where nothing needs them.
 */
export function choicesBody(c: SafeguardChoices, checks: readonly SafeguardCheck[] | undefined, admin: boolean): ChoicesBody {
  const override = wantsOverride(c, checks, admin) && !reasonProblem(c.reason) ? { override: { reason: c.reason.trim() } } : {};
  return {
    ...override,
    ...(c.acknowledge ? { acknowledge: ['dependencies'] as ['dependencies'] } : {}),
    ...(c.outsideWindow === 'queue' ? { outsideWindow: 'queue' as const } : {}),
  };
}

/** A check the form's choices cannot pass (a lock, the permission, a deployment running): Deploy stays disabled. */
export const hardBlock = (checks: readonly SafeguardCheck[] | undefined): SafeguardCheck | undefined =>
  checks?.find((c) => c.outcome === 'block' && c.override === undefined);

/** A 409 whose message says a safeguard refused it: each block's reason from its details ("window: outside …"). */
export function refusalReasons(error: { status: number; message: string; details: ReadonlyArray<{ path: string; message: string }> }): string[] | undefined {
  if (error.status !== 409 || !/^refused\b/.test(error.message)) return undefined;
  const lines = error.details.map((d) => d.message);
  return lines.length ? lines : [error.message.replace(/^refused:\s*/, '')];
}

/** What the record's asker chose, in a line each: "Override by ada@…: hotfix (freeze, window)", "Acknowledged: dependencies", "Queue outside the window". */
export function recordedChoices(s: NonNullable<Deployment['safeguards']>): string[] {
  const lines: string[] = [];
  if (s.override) lines.push(`Override by ${s.override.by}${s.override.safeguards.length ? ` (${s.override.safeguards.join(', ')})` : ''}: ${s.override.reason}`);
  if (s.acknowledged?.length) lines.push(`Acknowledged: ${s.acknowledged.join(', ')}`);
  if (s.outsideWindow === 'queue') lines.push('Outside its window: queue until it opens');
  return lines;
}
