/**
 * An action's declared outputs, read by JSON pointer (RFC 6901) from its JSON response. A declared
 * output the response lacks fails the action: a later action would otherwise run with a hole.
 */
import type { ActionOutputs } from '#schemas/index.ts';
import { MASK } from '#shared/variables/index';
import { ActionFailure, type Attempt } from './attempt.ts';
import { headerText, type HttpResponse } from './http.ts';

/** The value at `pointer` in `doc` (own properties only; array indices as decimal). */
export function pointerGet(doc: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  if (pointer === '') return { found: true, value: doc };
  if (!pointer.startsWith('/')) return { found: false };
  let value = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) >= value.length) return { found: false };
      value = value[Number(key)];
    } else if (value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, key)) {
      value = (value as Record<string, unknown>)[key];
    } else {
      return { found: false };
    }
  }
  return value === undefined ? { found: false } : { found: true, value };
}

const escapePointer = (name: string): string => name.replace(/~/g, '~0').replace(/\//g, '~1');

/** Reads the declared outputs; throws ActionFailure (not retryable) when the body is not JSON or an output is missing. */
export function readOutputs(declared: ActionOutputs | undefined, response: HttpResponse): { outputs: Record<string, unknown>; sensitive: string[] } {
  const outputs: Record<string, unknown> = {};
  const sensitive: string[] = [];
  if (!declared || declared.length === 0) return { outputs, sensitive };
  let doc: unknown;
  try {
    doc = JSON.parse(response.body.toString('utf8'));
  } catch {
    const type = headerText(response.headers, 'content-type') ?? 'no content type';
    throw new ActionFailure('invalid-response', `the response (${type}) is not JSON, so the output${declared.length > 1 ? 's' : ''} ${declared.map((o) => `'${o.name}'`).join(', ')} cannot be read`, false, { status: response.status });
  }
  const missing: string[] = [];
  for (const output of declared) {
    const pointer = output.from ?? `/${escapePointer(output.name)}`;
    const found = pointerGet(doc, pointer);
    if (!found.found) {
      missing.push(`'${output.name}' (nothing at ${pointer || '(the whole response)'})`);
      continue;
    }
    outputs[output.name] = found.value;
    if (output.sensitive) sensitive.push(output.name);
  }
  if (missing.length > 0) {
    throw new ActionFailure('missing-output', `the response lacks the declared output${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, false, { status: response.status });
  }
  return { outputs, sensitive };
}

/** Logs the outputs read, sensitive ones as MASK (and scrubbed from every other line). */
export function logOutputs(attempt: Attempt, outputs: Record<string, unknown>, sensitive: readonly string[]): void {
  const names = Object.keys(outputs);
  if (names.length === 0) return;
  for (const name of sensitive) attempt.addSecret(outputs[name]);
  const shown = names.map((name) => `${name}=${sensitive.includes(name) ? MASK : short(outputs[name])}`);
  attempt.log('info', `outputs: ${shown.join(', ')}`);
}

const short = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
};
