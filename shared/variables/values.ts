/**
 * Reading data without running any of it: only own data properties are followed (never a getter, never the
 * prototype chain, so `constructor` or `__proto__` resolve only if they are real keys of the data), arrays only by
 * index, and stringifying never calls `toJSON`, `toString` or a getter of the value.
 */

/** Deeper than this, a value is not walked (a document or context is never this deep; a cycle would be). */
export const MAX_DEPTH = 64;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const isIndex = (key: string): boolean => key.length > 0 && key.length < 10 && [...key].every((c) => c >= '0' && c <= '9') && (key === '0' || key[0] !== '0');

/** The own data property `key` of an object or array; `found: false` for anything else. */
export function child(container: unknown, key: string): { found: true; value: unknown } | { found: false } {
  if (Array.isArray(container)) {
    if (!isIndex(key) || Number(key) >= container.length) return { found: false };
  } else if (!isPlainObject(container)) {
    return { found: false };
  }
  const descriptor = Object.getOwnPropertyDescriptor(container, key);
  if (!descriptor || !('value' in descriptor)) return { found: false };
  if (typeof descriptor.value === 'function' || typeof descriptor.value === 'symbol') return { found: false };
  return { found: true, value: descriptor.value };
}

/** JSON text of plain data: no `toJSON`, no getters; functions, symbols and cycles become null; Dates ISO strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(toPlain(value, [])) ?? 'null';
}

function toPlain(value: unknown, stack: unknown[]): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return dateIso(value) ?? null;
  if (typeof value !== 'object' || stack.includes(value) || stack.length >= MAX_DEPTH) return null;
  stack.push(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = Array.from({ length: value.length }, (_, i) => {
      const found = child(value, String(i));
      return found.found ? toPlain(found.value, stack) : null;
    });
  } else if (isPlainObject(value)) {
    const entries: Array<[string, unknown]> = [];
    for (const key of Object.keys(value)) {
      const found = child(value, key);
      if (found.found && found.value !== undefined) entries.push([key, toPlain(found.value, stack)]);
    }
    // fromEntries defines properties, so a `__proto__` key stays a key.
    out = Object.fromEntries(entries);
  } else {
    out = null;
  }
  stack.pop();
  return out;
}

/** A value as it appears inside text: strings as they are, null and undefined as nothing, objects as JSON. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return dateIso(value) ?? '';
  return toJson(value);
}

/** A Date's ISO text through Date.prototype, so a subclass's overrides never run; undefined for an invalid date. */
export function dateIso(date: Date): string | undefined {
  const time = Date.prototype.getTime.call(date);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** One JSON pointer segment (RFC 6901). */
export function pointerSegment(key: string | number): string {
  return `/${String(key).split('~').join('~0').split('/').join('~1')}`;
}
