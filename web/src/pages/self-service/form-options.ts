/** Fitting a data-source field's options, read from the API, into the compiled form's JSON Schema. */

export type Option = { value: string; label: string };

/** The schema with a field's options set wherever the field is defined (top level or in the `then` of an if/then). */
export function withOptions(schema: unknown, fieldId: string, options: readonly Option[] | undefined): unknown {
  if (Array.isArray(schema)) return schema.map((s) => withOptions(s, fieldId, options));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object' && fieldId in value) {
      const props = { ...(value as Record<string, Record<string, unknown>>) };
      const field = { ...props[fieldId] };
      const choices = options?.length ? options.map((o) => ({ const: o.value, title: o.label })) : undefined;
      if (field.type === 'array') field.items = choices ? { type: 'string', oneOf: choices } : { type: 'string' };
      else if (choices) field.oneOf = choices;
      else delete field.oneOf;
      props[fieldId] = field;
      out[key] = props;
    } else if (key === 'if') {
      // A condition's mention of the field says what it must equal, not what it may be: left alone.
      out[key] = value;
    } else out[key] = withOptions(value, fieldId, options);
  }
  return out;
}

