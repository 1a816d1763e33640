import { useState } from 'react';
import { ApiError } from '../../../shared/api-client.ts';
import { fieldOf } from '../lib/format.ts';

export type FieldErrors = Record<string, string>;

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
    setLocal: (e: FieldErrors) => { setErrors(e); setFormError(null); return Object.keys(e).length === 0; },
    /** Maps an API error onto fields where it names them; the rest shows above the form. */
    fromApi: (error: unknown, fields: readonly string[]) => {
      if (error instanceof ApiError && error.status === 400 && error.details.length) {
        const mapped: FieldErrors = {};
        const rest: string[] = [];
        for (const d of error.details) {
          const field = fieldOf(d.path);
          if (fields.includes(field)) mapped[field] ??= d.message;
          else rest.push(`${d.path}: ${d.message}`);
        }
        setErrors(mapped);
        setFormError(rest.length ? new ApiError(error.status, error.code, `${error.message} (${rest.join('; ')})`, [], error.requestId) : Object.keys(mapped).length ? null : error);
      } else {
        setErrors({});
        setFormError(error);
      }
    },
  };
}
