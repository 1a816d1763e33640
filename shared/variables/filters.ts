/**
 * Filters after a pipe: `{{ fields.name | trim | slug }}`. Each is a plain function of the value and literal
 * arguments. A value not found (undefined) passes through every filter but `default`, so
 * `{{ fields.x | upper | default("none") }}` works and a missing value without a default is still reported.
 */
import type { FilterCall, Literal } from './parser.ts';
import type { WorkMeter } from './types.ts';
import { toJson, toText } from './values.ts';

interface FilterDefinition {
  /** How it is written, for messages. */
  usage: string;
  /** Undefined when the arguments are right; otherwise what is wrong with them. */
  checkArgs(args: readonly Literal[]): string | undefined;
  apply(value: unknown, args: readonly Literal[]): unknown;
}

const none = (args: readonly Literal[]): string | undefined => (args.length === 0 ? undefined : 'takes no arguments');
const onText = (fn: (text: string) => string) => (value: unknown): unknown => (value === undefined ? undefined : fn(toText(value)));

export const FILTERS: Readonly<Record<string, FilterDefinition>> = Object.freeze({
  default: {
    usage: 'default("value")',
    checkArgs: (args) => (args.length === 1 ? undefined : 'takes one argument, the value used when the variable is empty or not set'),
    apply: (value, args) => (value === undefined || value === null || value === '' ? args[0] : value),
  },
  upper: { usage: 'upper', checkArgs: none, apply: onText((text) => text.toUpperCase()) },
  lower: { usage: 'lower', checkArgs: none, apply: onText((text) => text.toLowerCase()) },
  trim: { usage: 'trim', checkArgs: none, apply: onText((text) => text.trim()) },
  slug: { usage: 'slug', checkArgs: none, apply: onText(slugify) },
  replace: {
    usage: 'replace("from", "to")',
    checkArgs: (args) =>
      args.length === 2 && typeof args[0] === 'string' && typeof args[1] === 'string' && args[0] !== ''
        ? undefined
        : 'takes two strings: the text to find (not empty) and its replacement',
    apply: (value, args) => (value === undefined ? undefined : toText(value).split(String(args[0])).join(String(args[1]))),
  },
  json: { usage: 'json', checkArgs: none, apply: (value) => (value === undefined ? undefined : toJson(value)) },
});

export const FILTER_NAMES: readonly string[] = Object.keys(FILTERS);

export function findFilter(name: string): FilterDefinition | undefined {
  return Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
}

/** Undefined when every filter exists and has the right arguments; otherwise the first problem. */
export function checkFilters(filters: readonly FilterCall[], meter: WorkMeter = { steps: 0 }): { code: 'unknown-filter' | 'filter-arguments'; message: string } | undefined {
  for (const filter of filters) {
    meter.steps++;
    const definition = findFilter(filter.name);
    if (!definition) {
      return { code: 'unknown-filter', message: `unknown filter '${filter.name}' (known: ${FILTER_NAMES.join(', ')})` };
    }
    const problem = definition.checkArgs(filter.args);
    if (problem) return { code: 'filter-arguments', message: `filter ${filter.name} ${problem}: ${definition.usage}` };
  }
  return undefined;
}

/** Applies checked filters in order. */
export function applyFilters(value: unknown, filters: readonly FilterCall[], meter: WorkMeter = { steps: 0 }): unknown {
  let out = value;
  for (const filter of filters) {
    meter.steps++;
    const definition = findFilter(filter.name);
    if (definition) out = definition.apply(out, filter.args);
  }
  return out;
}

/** Lower-case ASCII letters and digits joined by single dashes; accents dropped ("Café Ops" → "cafe-ops"). */
export function slugify(text: string): string {
  let out = '';
  let dash = false;
  for (const ch of text.normalize('NFKD').toLowerCase()) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
      if (dash && out) out += '-';
      out += ch;
      dash = false;
    } else if (!isCombiningMark(ch)) {
      dash = true;
    }
  }
  return out;
}

const isCombiningMark = (ch: string): boolean => {
  const code = ch.codePointAt(0) ?? 0;
  return (code >= 0x0300 && code <= 0x036f) || (code >= 0x1ab0 && code <= 0x1aff) || (code >= 0x1dc0 && code <= 0x1dff) || (code >= 0x20d0 && code <= 0x20ff) || (code >= 0xfe20 && code <= 0xfe2f);
};
