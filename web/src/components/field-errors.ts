import { useState } from 'react';
import { ApiError } from '../../../shared/api-client.ts';
import { fieldOf } from '../lib/format.ts';

export type FieldErrors = Record<string, string>;

/** Which form field an API error path belongs to, or undefined for one no field shows. */
export type FieldOfPath = (path: string) => string | undefined;

/** The API's 400 details on the fields `fieldOf` names (the first message each); the rest as "path: message" lines. */
export function splitDetails(details: readonly { path: string; message: string }[], fieldOf: FieldOfPath): { fields: FieldErrors; rest: string[] } {
  const fields: FieldErrors = {};
  const rest: string[] = [];
  for (const d of details) {
    const field = fieldOf(d.path);
    if (field !== undefined) fields[field] ??= d.message;
    else rest.push(`${d.path}: ${d.message}`);
  }
  return { fields, rest };
}

/** A form's field errors: from its own validation, or the API's 400 `details` by field path. */
export function useFieldErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  return {
    errors,
    formError,
    reset: () => { setErrors({}); setFormError(null); },
    /** Forgets a field's error once the person edits it. */
    clear: (field: string) => setErrors((e) => { if (!(field in e)) return e; const { [field]: _gone, ...rest } = e; return rest; }),
    /** Forgets the errors of every field the test picks (rows whose indexes moved). */
    clearWhere: (test: (field: string) => boolean) => setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !test(k)))),
    setLocal: (e: FieldErrors) => { setErrors(e); setFormError(null); return Object.keys(e).length === 0; },
    /**
     * Maps an API error onto fields where it names them; the rest shows above the form. `fields` lists
     * the top-level body fields the form shows, or maps any path (nested, `/path/…`) to a field.
     */
    fromApi: (error: unknown, fields: readonly string[] | FieldOfPath) => {
      if (error instanceof ApiError && error.status === 400 && error.details.length) {
        const fieldOfPath: FieldOfPath = typeof fields === 'function' ? fields : (path) => { const f = fieldOf(path); return fields.includes(f) ? f : undefined; };
        const { fields: mapped, rest } = splitDetails(error.details, fieldOfPath);
        setErrors(mapped);
        setFormError(rest.length ? new ApiError(error.status, error.code, `${error.message} (${rest.join('; ')})`, [], error.requestId) : Object.keys(mapped).length ? null : error);
      } else {
        setErrors({});
        setFormError(error);
      }
    },
  };
}
