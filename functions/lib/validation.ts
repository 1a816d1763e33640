/**
 * JSON Schema validation of request bodies and query strings with ajv: every error is reported with
 * its field path, unknown fields are rejected, defaults are applied. Schemas come from `schemas/`.
 */
import { Ajv2020 as Ajv, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SCHEMAS, type SchemaName } from '#schemas/index.ts';
import { ValidationError, type ErrorDetail } from '#shared/errors';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function build(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes, strict: true, strictRequired: false });
  addFormats(ajv);
  for (const schema of Object.values(SCHEMAS)) ajv.addSchema(schema);
  return ajv;
}

const bodies = build(false);
const queries = build(true);
const compiled = new Map<string, ValidateFunction>();

function validatorFor(ajv: Ajv, kind: string, name: SchemaName): ValidateFunction {
  const key = `${kind}:${name}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.getSchema(SCHEMAS[name].$id);
    if (!fn) throw new Error(`schema ${name} is not registered`);
    compiled.set(key, fn);
  }
  return fn;
}

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
      case 'enum':
        return { path: base, message: `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}` };
      default:
        return { path: base || root, message: e.message ?? 'is invalid' };
    }
  });
}

/** Validates (and fills defaults into) a parsed value; throws ValidationError listing every problem. */
export function validate<T>(name: SchemaName, value: unknown, where: 'body' | 'query'): T {
  const fn = validatorFor(where === 'body' ? bodies : queries, where, name);
  if (!fn(value)) {
    const details = describeErrors(fn.errors ?? [], `/${where}`);
    throw new ValidationError(`invalid request ${where}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, { details });
  }
  return value as T;
}
