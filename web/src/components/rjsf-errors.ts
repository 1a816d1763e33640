/** rjsf's validation messages (ajv's) in words, with an offering's own pattern messages. */
import type { RJSFValidationError, UiSchema } from '@rjsf/utils';

const field = (property: string | undefined) => (property ?? '').replace(/^\./, '').split('.')[0] ?? '';

/**
 * ajv's messages in words, with the offering's own pattern messages. Drops what only restates another error:
 * a failed if/then ('must match "then" schema') and the branches of a select's oneOf.
 */
export function humanErrors(errors: RJSFValidationError[], uiSchema?: UiSchema): RJSFValidationError[] {
  const out: RJSFValidationError[] = [];
  for (const e of errors) {
    const p = (e.params ?? {}) as Record<string, unknown>;
    let message: string | undefined = e.message;
    switch (e.name) {
      case 'if':
      case 'const':
        continue;
      case 'required':
        message = 'is required';
        break;
      case 'oneOf':
      case 'enum':
        message = 'choose one of the options';
        break;
      case 'not':
        // compileForm's mark of a data source with nothing to offer.
        message = 'has no options to choose from';
        break;
      case 'pattern': {
        const ui = (uiSchema?.[field(e.property)] ?? {}) as { 'ui:options'?: { patternMessage?: string } };
        message = ui['ui:options']?.patternMessage ? `must be ${ui['ui:options'].patternMessage}` : 'does not have the expected form';
        break;
      }
      case 'format':
        message = p.format === 'date' ? 'must be a date' : p.format === 'email' ? 'must be an email address' : p.format === 'uri' ? 'must be an address (https://…)' : `must be a valid ${String(p.format)}`;
        break;
      case 'minimum':
        message = `must be at least ${String(p.limit)}`;
        break;
      case 'maximum':
        message = `must be at most ${String(p.limit)}`;
        break;
      case 'minLength':
        message = `must be at least ${String(p.limit)} characters`;
        break;
      case 'maxLength':
        message = `must be at most ${String(p.limit)} characters`;
        break;
      case 'minItems':
        message = `choose at least ${String(p.limit)}`;
        break;
      case 'maxItems':
        message = `choose at most ${String(p.limit)}`;
        break;
      case 'type':
        message = p.type === 'integer' ? 'must be a whole number' : p.type === 'number' ? 'must be a number' : message;
        break;
    }
    out.push({ ...e, message, stack: `${field(e.property)} ${message ?? ''}`.trim() });
  }
  return out;
}
