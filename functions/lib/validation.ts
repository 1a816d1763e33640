/**
 * JSON Schema validation of request bodies and query strings with ajv: every error is reported with
 * its field path, unknown fields are rejected, defaults are applied. Schemas come from `schemas/`.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { SchemaName } from '#schemas/index.ts';
import { ValidationError, type ErrorDetail } from '#shared/errors';

/**
 * A module of validators compiled ahead of time by `npm run gen:schemas` (ajv standalone: no schema
 * compilation at cold start), one per context (`#schemas/validators/<context>.gen.cjs`, what its
 * routes take) or per document (`…/apollo-manifest.gen.cjs`): a Lambda bundles only its own.
 */
export type Validators = Readonly<Record<string, unknown>>;

/** `body_team_create`, `query_list_query`: a schema's validator in its module. */
export const validatorKey = (where: 'body' | 'query', name: SchemaName): string => `${where}_${name.replace(/-/g, '_')}`;

export function validatorFor(validators: Validators, where: 'body' | 'query', name: SchemaName): ValidateFunction {
  const fn = validators[validatorKey(where, name)] as ValidateFunction | undefined;
  if (!fn) throw new Error(`no ${where} validator for schema ${name} in this module: is it named by one of the context's routes? run npm run gen:schemas`);
  return fn;
}

/** The pattern of every name field (schemas/api): no control or bidirectional-override character. */
export const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$';

export function describeErrors(errors: readonly ErrorObject[], root: string): ErrorDetail[] {
  return errors.map((e) => {
    const base = root + e.instancePath;
    switch (e.keyword) {
      case 'additionalProperties':
        return { path: `${base}/${String(e.params.additionalProperty)}`, message: 'unknown field' };
      case 'required':
        return { path: `${base}/${String(e.params.missingProperty)}`, message: 'is required' };
      case 'dependentRequired':
        return { path: `${base}/${String(e.params.missingProperty)}`, message: `is required with ${String(e.params.property)}` };
      case 'pattern':
        if (e.params.pattern === NAME_PATTERN) return { path: base, message: 'must not contain control or bidirectional-override characters' };
        return { path: base || root, message: e.message ?? 'is invalid' };
      case 'enum':
        return { path: base, message: `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}` };
      default:
        return { path: base || root, message: e.message ?? 'is invalid' };
    }
  });
}

/** Validates (and fills defaults into) a parsed value; throws ValidationError listing every problem. */
export function validate<T>(validators: Validators, name: SchemaName, value: unknown, where: 'body' | 'query'): T {
  const fn = validatorFor(validators, where, name);
  if (!fn(value)) {
    const details = describeErrors(fn.errors ?? [], `/${where}`);
    throw new ValidationError(`invalid request ${where}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, { details });
  }
  return value as T;
}
