/**
 * The design doc's rotation policy table, and what it makes of a secret today:
 *
 *   database     every 90 days          api-key   every 180 days        internal   every 30 days
 *   oauth        on compromise (never due by time)                     certificate before apollo:expires-at
 *
 * `apollo:rotation-days` overrides a category's days. A secret is due from its current value's age (the
 * AWSCURRENT version's creation), and RENEW_BEFORE_EXPIRY_DAYS before `apollo:expires-at` when it has one (any
 * category; a certificate by that date only), whichever comes first. Status, in order:
 * scheduled-deletion, overdue (past due), due-soon (due within `withinDays`), unused (not read for
 * `unusedDays`, or never in that long), ok.
 */
import type { Secret } from '#schemas/index.ts';

export type Category = Secret['category'];
export const CATEGORIES: readonly Category[] = ['database', 'api-key', 'oauth', 'internal', 'certificate'];
/** A category as a message says it before "secret": "is an API key secret". */
export const CATEGORY_NOUN: Readonly<Record<Category, string>> = { database: 'a database', 'api-key': 'an API key', oauth: 'an OAuth', internal: 'an internal', certificate: 'a certificate' };

/** Days between rotations per category (null: not by time). */
export const POLICY_DAYS: Readonly<Record<Category, number | null>> = { database: 90, 'api-key': 180, oauth: null, internal: 30, certificate: null };

/** A certificate is due this many days before it expires. */
export const RENEW_BEFORE_EXPIRY_DAYS = 14;

const DAY = 86_400_000;

export function isCategory(value: string | undefined): value is Category {
  return value !== undefined && (CATEGORIES as readonly string[]).includes(value);
}

export function rotationDaysOf(category: Category, override: number | null): number | null {
  return override ?? POLICY_DAYS[category];
}

export function policyText(category: Category, override: number | null): string {
  if (override) return `every ${override} days (set on the secret; ${category}'s policy: ${policyText(category, null)})`;
  if (category === 'oauth') return 'on compromise (OAuth)';
  if (category === 'certificate') return `before it expires (renewed ${RENEW_BEFORE_EXPIRY_DAYS} days ahead)`;
  return `every ${POLICY_DAYS[category]} days (${category})`;
}

export interface Facts {
  readonly category: Category;
  readonly rotationDays: number | null;
  readonly expiresAt: string | null;
  /** When the current value was made (its version's creation; else the secret's). */
  readonly currentSince: string;
  readonly createdAt: string;
  readonly lastAccessedAt: string | null;
  readonly deletionDate: string | null;
}

export interface Judgement {
  readonly nextRotationDue: string | null;
  readonly status: Secret['status'];
  readonly statusReason: string;
}

const days = (ms: number) => Math.round(ms / DAY);

export function judge(facts: Facts, now: number, options: { withinDays: number; unusedDays: number }): Judgement {
  // By age (a certificate has none), and before apollo:expires-at whatever the category (an API key that stops
  // working on a known day is due before then, however young): whichever comes first.
  const byAge = facts.category !== 'certificate' && facts.rotationDays ? Date.parse(facts.currentSince) + facts.rotationDays * DAY : null;
  const byExpiry = facts.expiresAt ? Date.parse(facts.expiresAt) - RENEW_BEFORE_EXPIRY_DAYS * DAY : null;
  const due = byAge === null ? byExpiry : byExpiry === null ? byAge : Math.min(byAge, byExpiry);
  const nextRotationDue = due === null ? null : new Date(due).toISOString();
  if (facts.deletionDate) return { nextRotationDue, status: 'scheduled-deletion', statusReason: `deleted: Secrets Manager removes it on ${facts.deletionDate.slice(0, 10)} unless it is restored` };
  if (due !== null && now > due) {
    const expiring = due === byExpiry;
    const ended = facts.expiresAt !== null && Date.parse(facts.expiresAt) < now;
    const reason = !expiring
      ? `overdue by ${days(now - due)} day${days(now - due) === 1 ? '' : 's'}: last rotated ${days(now - Date.parse(facts.currentSince))} days ago, the policy is every ${facts.rotationDays} days`
      : facts.category === 'certificate'
        ? `the certificate ${ended ? 'expired' : 'expires'} on ${facts.expiresAt!.slice(0, 10)}: renew it`
        : `it ${ended ? 'expired' : 'expires'} on ${facts.expiresAt!.slice(0, 10)}: give it a new value`;
    return { nextRotationDue, status: 'overdue', statusReason: reason };
  }
  if (due !== null && due - now <= options.withinDays * DAY) {
    return { nextRotationDue, status: 'due-soon', statusReason: `due in ${Math.max(0, days(due - now))} day${days(due - now) === 1 ? '' : 's'} (${nextRotationDue!.slice(0, 10)})` };
  }
  const lastUse = facts.lastAccessedAt ? Date.parse(facts.lastAccessedAt) : null;
  if ((lastUse !== null && now - lastUse > options.unusedDays * DAY) || (lastUse === null && now - Date.parse(facts.createdAt) > options.unusedDays * DAY)) {
    return { nextRotationDue, status: 'unused', statusReason: lastUse === null ? `never read in the ${days(now - Date.parse(facts.createdAt))} days since it was made: is it still needed?` : `not read for ${days(now - lastUse)} days: is it still needed?` };
  }
  return { nextRotationDue, status: 'ok', statusReason: due === null ? (facts.category === 'oauth' ? 'rotated on compromise' : 'no expiry set') : `next rotation due ${nextRotationDue!.slice(0, 10)}` };
}

/** On schedule: not overdue (what the compliance share counts, over secrets that have a schedule). */
export function onSchedule(judgement: Judgement): boolean {
  return judgement.status !== 'overdue';
}

/** A generated value: 48 characters from a CSPRNG, letters and digits (what any consumer accepts). */
export function generateValue(randomBytes: (n: number) => Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const out: string[] = [];
  while (out.length < 48) {
    for (const byte of randomBytes(64)) {
      // Rejection sampling: 248 = 62 * 4, so every character is equally likely.
      if (byte < 248 && out.length < 48) out.push(alphabet[byte % 62]!);
    }
  }
  return out.join('');
}
