/** What the Simulate tab computes on its own: durations in words, the sample values it prefills, and their environment. */
import type { CatalogItemV2 } from '../../../../schemas/types.gen.ts';

type Values = Record<string, unknown>;
type Field = CatalogItemV2['presentation']['fields'][number];

/** 15 s, 4 min, 2 h 5 min, 3 d. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) {
    const m = Math.floor((seconds % 3600) / 60);
    return `${Math.floor(seconds / 3600)} h${m ? ` ${m} min` : ''}`;
  }
  return `${Math.floor(seconds / 86400)} d`;
}

/** A sample for a field: its default, else its placeholder or first option (what the studio prefills). */
function sampleOf(field: Field): unknown {
  if (field.default !== undefined && !(typeof field.default === 'string' && field.default.includes('{{'))) return field.default;
  const option = field.options?.[0];
  if (option !== undefined) return typeof option === 'object' && option !== null ? option.value : option;
  if (field.placeholder) return field.placeholder;
  return undefined;
}

/** The prefilled sample values: each field's sample, then what the Request form tab holds. */
export function sampleValues(doc: CatalogItemV2, formValues: Values): Values {
  const values: Values = {};
  for (const field of doc.presentation.fields) {
    if (field.type === 'secret') continue;
    const sample = sampleOf(field);
    if (sample !== undefined) values[field.id] = sample;
  }
  for (const [id, value] of Object.entries(formValues)) if (value !== undefined && value !== '') values[id] = value;
  return values;
}

/** The environment the values hold, as the Environment select shows it ('' when they hold none). */
export function environmentIn(values: Values | undefined): string {
  const environment = values?.environment;
  return environment === undefined || environment === null ? '' : String(environment);
}

/**
 * The values' text with their environment set to the one chosen ('' takes it out): the select and the values box are
 * one value, so what runs is what both show. Text that is not a JSON object is left as it is.
 */
export function withEnvironment(text: string, environment: string): string {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    return text;
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return text;
  const { environment: _old, ...rest } = values as Values;
  return JSON.stringify(environment ? { ...rest, environment } : rest, null, 2);
}
