/**
 * The tools' input schemas, built from a few parts (a service slug, an environment, a window), and the check of a
 * call's input against its schema before the tool reads anything: the model's arguments are untrusted, so every
 * tool answers a ValidationError naming the field (`/input/service`) rather than reading with a bad value. The
 * check covers exactly the keywords these schemas use (object, string, integer, boolean, enum, pattern, bounds).
 */
import { ValidationError } from '#shared/errors';

export type Schema = Readonly<Record<string, unknown>>;

/** The catalog's service slug (its id). */
export const SERVICE = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', maxLength: 63, description: 'The service (its catalog slug), e.g. core-service.' } as const;
/** An environment name as the catalog spells it. */
export const ENVIRONMENT = { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 32, description: 'The environment, e.g. prod, staging, dev.' } as const;
/** How far back a window reaches from `to`, in minutes (5 minutes to 24 hours). */
export const SINCE_MINUTES = { type: 'integer', minimum: 5, maximum: 1440, description: 'Minutes before `to` the window starts (5 to 1440). Default 60.' } as const;
/** The end of a window (default now). */
export const TO = { type: 'string', format: 'date-time', maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}T', description: 'The end of the window, ISO 8601 (default now).' } as const;
export const ULID = { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'A ULID.' } as const;

export function objectSchema(properties: Record<string, Schema>, required: readonly string[] = []): Schema {
  return { type: 'object', additionalProperties: false, properties, required: [...required] };
}

/** The input as the schema allows it, or a ValidationError listing each problem with its path. */
export function checkInput<I>(schema: Schema, input: unknown): I {
  const problems: Array<{ path: string; message: string }> = [];
  check(schema, input, '/input', problems);
  if (problems.length) throw new ValidationError(`the tool's input is not valid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { details: problems });
  return input as I;
}

function check(schema: Schema, value: unknown, path: string, problems: Array<{ path: string; message: string }>): void {
  const type = schema.type as string | undefined;
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) {
    problems.push({ path, message: `must be one of ${(schema.enum as unknown[]).join(', ')}` });
    return;
  }
  switch (type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) { problems.push({ path, message: 'must be an object' }); return; }
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const name of (schema.required ?? []) as string[]) if ((value as Record<string, unknown>)[name] === undefined) problems.push({ path: `${path}/${name}`, message: 'is required' });
      for (const [name, v] of Object.entries(value)) {
        if (v === undefined) continue;
        const property = properties[name];
        if (!property) problems.push({ path: `${path}/${name}`, message: 'is not a field of this tool' });
        else check(property, v, `${path}/${name}`, problems);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') { problems.push({ path, message: 'must be a string' }); return; }
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push({ path, message: `must be at least ${schema.minLength} characters` });
      if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push({ path, message: `must be at most ${schema.maxLength} characters` });
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) problems.push({ path, message: `must match ${schema.pattern}` });
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push({ path, message: 'must be an ISO 8601 date-time' });
      return;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value) || (type === 'integer' && !Number.isInteger(value))) { problems.push({ path, message: `must be ${type === 'integer' ? 'an integer' : 'a number'}` }); return; }
      if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push({ path, message: `must be at least ${schema.minimum}` });
      if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push({ path, message: `must be at most ${schema.maximum}` });
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') problems.push({ path, message: 'must be true or false' });
      return;
    default:
      return;
  }
}

/** [start, end] in epoch ms from `sinceMinutes` (default 60) before `to` (default now). */
export function windowOf(input: { readonly sinceMinutes?: number; readonly to?: string }, defaultMinutes = 60, now = Date.now()): { start: number; end: number } {
  const end = input.to ? Date.parse(input.to) : now;
  return { start: end - (input.sinceMinutes ?? defaultMinutes) * 60_000, end };
}

/** At most `max` of the items, saying how many were left out. */
export function capped<T>(items: readonly T[], max: number): { items: T[]; leftOut?: number } {
  return items.length > max ? { items: items.slice(0, max), leftOut: items.length - max } : { items: [...items] };
}

/** A long text cut to `max` characters, saying so. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/**
 * As many of the items as fit in `budget` characters of JSON, dropping from the end (or, `fromStart`, the oldest
 * first), so an answer is never cut mid-JSON by the runner's output limit.
 */
export function fitting<T>(items: readonly T[], budget: number, fromStart = false): { items: T[]; leftOut: number } {
  const kept = [...items];
  let size = JSON.stringify(kept).length;
  while (size > budget && kept.length) {
    const dropped = fromStart ? kept.shift() : kept.pop();
    size -= JSON.stringify(dropped).length + 1;
  }
  return { items: kept, leftOut: items.length - kept.length };
}
