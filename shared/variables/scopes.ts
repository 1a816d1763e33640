/**
 * The scopes a variable names and how each is resolved from a VariableContext.
 *
 * - fields.<id>[.path]             the request form's values; secret fields are masked in preview
 * - metadata.<key>[.path]          the offering's metadata
 * - request.id|requester|team|createdAt
 * - user.<key>[.path], team.<key>[.path], approval.<key>[.path]
 * - system.date|time|uuid|region|stage   date YYYY-MM-DD and time HH:MM:SS in UTC; one uuid per render
 * - env.<NAME>                     only names in the (already allowlisted) env
 * - output.<actionId>.<field>[.path]
 * - secrets.<name>                 resolved in execute mode only; a preview shows ‹secret:name›
 *
 * In preview, output and approval do not exist yet: when the context has none, a variable of theirs shows as a
 * placeholder (‹output:create_repo.url›) instead of failing. In execute mode every variable must resolve.
 */
import type { Scope, VariableContext, VariableIssueCode, WorkMeter } from './types.ts';
import { child, dateIso } from './values.ts';

export const SCOPES: readonly Scope[] = ['fields', 'metadata', 'request', 'user', 'team', 'system', 'env', 'output', 'secrets', 'approval'];
const REQUEST_KEYS = ['id', 'requester', 'team', 'createdAt'] as const;
const SYSTEM_KEYS = ['date', 'time', 'uuid', 'region', 'stage'] as const;

export const isScope = (name: string): name is Scope => (SCOPES as readonly string[]).includes(name);

export interface StaticProblem {
  code: VariableIssueCode;
  message: string;
}

/** What can be said about a path without any context: a known scope, with the keys that scope takes. */
export function checkPath(path: readonly string[]): StaticProblem | undefined {
  const [scope, ...keys] = path;
  const variable = path.join('.');
  if (scope === undefined || !isScope(scope)) {
    return { code: 'unknown-scope', message: `unknown scope '${scope ?? ''}' in ${variable} (known: ${SCOPES.join(', ')})` };
  }
  const exactlyOne = (shape: string): StaticProblem | undefined =>
    keys.length === 1 ? undefined : { code: keys.length === 0 ? 'missing-key' : 'unknown-variable', message: `${variable}: write ${shape}` };
  switch (scope) {
    case 'request':
    case 'system': {
      const known: readonly string[] = scope === 'request' ? REQUEST_KEYS : SYSTEM_KEYS;
      if (keys.length === 0) return { code: 'missing-key', message: `${variable}: name one of ${known.map((k) => `${scope}.${k}`).join(', ')}` };
      if (keys.length > 1 || !known.includes(keys[0] ?? '')) {
        return { code: 'unknown-variable', message: `unknown variable ${variable} (${scope} has ${known.join(', ')})` };
      }
      return undefined;
    }
    case 'env':
      return exactlyOne('env.<NAME>');
    case 'secrets':
      return exactlyOne('secrets.<name>');
    case 'output':
      return keys.length >= 2 ? undefined : { code: 'missing-key', message: `${variable}: write output.<actionId>.<field>` };
    default:
      return keys.length >= 1 ? undefined : { code: 'missing-key', message: `${variable}: name a key, e.g. ${scope}.name` };
  }
}

export type Resolution =
  | { kind: 'value'; value: unknown; source: string; secret: boolean }
  /** Not found; a `default` filter may still give it a value. */
  | { kind: 'missing'; code: VariableIssueCode; message: string; source: string }
  /** Refused whatever the filters: not allowlisted, no such secret. */
  | { kind: 'refused'; code: VariableIssueCode; message: string; source: string }
  /** Shown as a placeholder in a preview: a secret, or something only known when the request runs. */
  | { kind: 'placeholder'; text: string; source: string; secret: boolean };

export interface RenderState {
  readonly ctx: VariableContext;
  readonly mode: 'preview' | 'execute';
  readonly now: Date;
  uuid: string | undefined;
  readonly meter: WorkMeter;
}

/** Resolves a path that passed checkPath. */
export function resolvePath(path: readonly string[], state: RenderState): Resolution {
  const [scope, ...keys] = path as [Scope, ...string[]];
  const { ctx, mode } = state;
  const variable = path.join('.');
  const first = keys[0] ?? '';
  switch (scope) {
    case 'fields': {
      const source = `form field '${first}'`;
      const secretFields = Array.isArray(ctx.secretFields) ? ctx.secretFields : [];
      const secret = secretFields.includes(first);
      if (secret && mode === 'preview') return { kind: 'placeholder', text: `‹secret field:${first}›`, source, secret };
      return lookup(ctx.fields, keys, variable, source, secret, 'the form has no value for it');
    }
    case 'metadata':
      return lookup(ctx.metadata, keys, variable, `offering metadata '${first}'`, false, 'the offering metadata has no such key');
    case 'user':
      return lookup(ctx.user, keys, variable, `requesting user's '${first}'`, false, 'the requesting user has no such attribute');
    case 'team':
      return lookup(ctx.team, keys, variable, `requesting team's '${first}'`, false, 'the requesting team has no such attribute');
    case 'request': {
      const found = child(ctx.request, first);
      const source = `request ${first}`;
      if (found.found && found.value !== undefined) return { kind: 'value', value: found.value, source, secret: false };
      return { kind: 'missing', code: 'missing-value', message: `${variable} has no value yet (the request has no ${first})`, source };
    }
    case 'system':
      return resolveSystem(first, state, variable);
    case 'env': {
      const source = `allowlisted environment variable '${first}'`;
      const found = child(ctx.env, first);
      if (found.found && typeof found.value === 'string') return { kind: 'value', value: found.value, source, secret: false };
      return { kind: 'refused', code: 'env-not-allowlisted', message: `${variable}: environment variable '${first}' is not allowlisted`, source };
    }
    case 'secrets': {
      const source = `secret '${first}'`;
      if (mode === 'preview') return { kind: 'placeholder', text: `‹secret:${first}›`, source, secret: true };
      let value: unknown;
      try {
        value = typeof ctx.secrets === 'function' ? ctx.secrets(first) : undefined;
      } catch {
        value = undefined;
      }
      if (typeof value === 'string') return { kind: 'value', value, source, secret: true };
      return { kind: 'refused', code: 'unknown-secret', message: `${variable}: no secret named '${first}' could be resolved`, source };
    }
    case 'output': {
      const field = keys.slice(1).join('.');
      const source = `output '${field}' of action '${first}'`;
      if (ctx.output === undefined && mode === 'preview') return { kind: 'placeholder', text: `‹output:${keys.join('.')}›`, source: `${source} (known once it has run)`, secret: false };
      return lookup(ctx.output, keys, variable, source, false, `action '${first}' has no such output (has it run before this one?)`);
    }
    case 'approval': {
      const source = `approval '${first}'`;
      if (ctx.approval === undefined && mode === 'preview') return { kind: 'placeholder', text: `‹approval:${keys.join('.')}›`, source: `${source} (known once approved)`, secret: false };
      return lookup(ctx.approval, keys, variable, source, false, 'the approval has no such key');
    }
  }
}

function lookup(root: unknown, keys: readonly string[], variable: string, source: string, secret: boolean, why: string): Resolution {
  let value: unknown = root;
  for (const key of keys) {
    const found = child(value, key);
    if (!found.found || found.value === undefined) {
      return { kind: 'missing', code: 'unknown-variable', message: `unknown variable ${variable}: ${why}`, source };
    }
    value = found.value;
  }
  return { kind: 'value', value, source, secret };
}

function resolveSystem(key: string, state: RenderState, variable: string): Resolution {
  const source = `system ${key}`;
  const iso = dateIso(state.now);
  switch (key) {
    case 'date':
      return iso ? { kind: 'value', value: iso.slice(0, 10), source: 'system date (UTC)', secret: false } : missing();
    case 'time':
      return iso ? { kind: 'value', value: iso.slice(11, 19), source: 'system time (UTC)', secret: false } : missing();
    case 'uuid': {
      state.uuid ??= newUuid(state.ctx.system?.uuid);
      return state.uuid ? { kind: 'value', value: state.uuid, source: 'system uuid (one per render)', secret: false } : missing();
    }
    default: {
      const found = child(state.ctx.system, key);
      return found.found && typeof found.value === 'string' && found.value ? { kind: 'value', value: found.value, source, secret: false } : missing();
    }
  }
  function missing(): Resolution {
    return { kind: 'missing', code: 'missing-value', message: `${variable} has no value in this context`, source };
  }
}

function newUuid(injected: (() => string) | undefined): string | undefined {
  try {
    if (typeof injected === 'function') {
      const id: unknown = injected();
      return typeof id === 'string' ? id : undefined;
    }
    const crypto = globalThis.crypto;
    if (crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  } catch {
    // An injected generator that fails, or no crypto: reported as a missing value.
  }
  return undefined;
}
