/**
 * What the built-in commands share: reading their words (an environment and a service in either order when only
 * one reading makes sense, a `--since` duration), running a plan's tool so that one failing read is a line in the
 * findings rather than the end of the command, and the findings' sections.
 */
import type { AiFindings } from '#schemas/index.ts';
import type { RunTool } from '../tools/types.ts';

export type Section = AiFindings['sections'][number];
export type Fact = Extract<Section, { kind: 'facts' }>['items'][number];

export const SERVICE_SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** An environment's usual names (`prod`, `cobalt-prod`, `staging`): how `debug core-service prod` is forgiven. */
const ENVIRONMENT_LIKE = /(?:^|-)(?:prod|production|staging|stage|stg|dev|development|qa|test|uat|preprod|sandbox|demo)$/;

/** `<env> <service>` as the design doc orders them, or `<service> <env>` when only that reading looks right. */
export function environmentAndService(words: readonly string[], usage: string): { environment: string; service: string } | string {
  if (words.length !== 2) return `usage: ${usage}`;
  let [environment, service] = words.map((w) => w.toLowerCase()) as [string, string];
  if (!ENVIRONMENT_LIKE.test(environment) && ENVIRONMENT_LIKE.test(service)) [environment, service] = [service, environment];
  if (!ENVIRONMENT_NAME.test(environment)) return `${environment} is not an environment name (usage: ${usage})`;
  if (!SERVICE_SLUG.test(service)) return `${service} is not a service name (usage: ${usage})`;
  return { environment, service };
}

/** `5m`..`24h` in minutes, or the problem. */
export function sinceMinutes(value: string): number | string {
  const match = /^(\d{1,4})(m|h)$/.exec(value);
  const minutes = match ? Number(match[1]) * (match[2] === 'h' ? 60 : 1) : NaN;
  if (!(minutes >= 5 && minutes <= 1440)) return `--since must be from 5m to 24h (e.g. 15m, 1h, 6h), not ${value}`;
  return minutes;
}

export type Attempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Runs one of the plan's tools; a refusal or failure is answered as its message (the runner has shown and audited it). */
export async function attempt<T>(run: RunTool, name: string, input: Record<string, unknown>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: (await run(name, input)) as T };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export const table = (title: string, columns: string[], rows: Array<Array<string | number | null>>, note?: string): Section => ({ kind: 'table', title, columns, rows, ...(note ? { note } : {}) });
export const facts = (title: string, items: Fact[]): Section => ({ kind: 'facts', title, items });
export const text = (title: string, body: string): Section => ({ kind: 'text', title, text: body });

/** `2026-12-05T10:45:12.345Z` as `2026-12-05 10:45 UTC`. */
export const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const HOUR_MS = 3_600_000;
/** A relative age: `12 min ago`, `3 h ago`, `2 d ago`. */
export function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (ms < HOUR_MS) return `${Math.max(0, Math.round(ms / 60_000))} min ago`;
  if (ms < 48 * HOUR_MS) return `${Math.round(ms / HOUR_MS)} h ago`;
  return `${Math.round(ms / (24 * HOUR_MS))} d ago`;
}

/** A runbook's first steps: its numbered and bulleted lines, Markdown emphasis taken off. */
export function firstSteps(markdown: string, max = 5): string[] {
  return markdown.split('\n')
    .map((line) => /^\s*(?:\d+\.|[-*])\s+(.*)$/.exec(line)?.[1])
    .filter((step): step is string => Boolean(step))
    .map((step) => step.replace(/\*\*|__/g, ''))
    .slice(0, max);
}
