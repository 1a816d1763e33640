/**
 * What the requests context asks of the offerings before it accepts a request: the offering exists and
 * the caller may see and request it (a retired one is refused), and the form's values pass the
 * offering's form, data-source fields checked against the options the caller may choose from.
 */
import type { DocumentIssue } from '#schemas/index.ts';
import { ConflictError, ForbiddenError } from '#shared/errors';
import { checkFormValues, visibleValues } from '#shared/offerings/form';
import { optionsFor, resolveStaticSources, type FormOption } from './data-sources.ts';
import { offeringsDeps } from './deps.ts';
import type { OfferingRecord } from './ports.ts';
import { requireVisibleOffering } from './visible.ts';
import { lifecycleOf, requestability, secretFieldsOf, type Caller } from './shapes.ts';

export interface RequestableOffering {
  readonly record: OfferingRecord;
  readonly lifecycle: ReturnType<typeof lifecycleOf>;
  /** The values the request keeps: those of the fields visible for them. */
  readonly values: Record<string, unknown>;
  readonly secretFields: readonly string[];
  /** Problems with the values, as JSON pointers into them (`/db_name`); empty when they pass. */
  readonly issues: readonly DocumentIssue[];
}

/** A retry's changed values against the document the request was made for (data sources resolved for the caller). */
export async function checkValues(doc: OfferingRecord['document'], values: Record<string, unknown>, caller: Caller): Promise<readonly DocumentIssue[]> {
  return checkFormValues(doc, values, { resolved: await resolveFor(doc, values, caller) });
}

async function resolveFor(doc: OfferingRecord['document'], values: Record<string, unknown>, caller: Caller): Promise<Record<string, FormOption[]>> {
  const dirs = offeringsDeps();
  const resolved: Record<string, FormOption[]> = await resolveStaticSources(doc, caller, dirs);
  // Sources that depend on other values (a chosen service's environments) are resolved for these values.
  for (const field of doc.presentation.fields) {
    if (!field.dataSource || field.id in resolved) continue;
    const options = await optionsFor(doc, field.id, values, caller, dirs);
    if (!options.waitingFor?.length) resolved[field.id] = options.options;
  }
  return resolved;
}

/** The values with the form's defaults for fields left out (an API caller gets what the form would have filled). */
export function withDefaults(doc: OfferingRecord['document'], values: Record<string, unknown>): Record<string, unknown> {
  const defaults = Object.fromEntries(doc.presentation.fields.filter((f) => f.default !== undefined && !(f.id in values)).map((f) => [f.id, f.default]));
  return { ...defaults, ...values };
}

export async function checkRequest(offeringId: string, given: Record<string, unknown>, caller: Caller): Promise<RequestableOffering> {
  const { record } = await requireVisibleOffering(offeringId, caller);
  const lifecycle = lifecycleOf(record);
  if (lifecycle.state === 'retired') throw new ConflictError(`offering ${offeringId} is retired${lifecycle.replacement ? `: request ${lifecycle.replacement} instead` : ''}`);
  const may = requestability(record, caller);
  if (!may.canRequest) throw new ForbiddenError(`you may not request ${offeringId}: ${may.reason ?? ''}`.trim());
  const doc = record.document;
  const values = given && typeof given === 'object' && !Array.isArray(given) ? withDefaults(doc, given) : given;
  const resolved = await resolveFor(doc, values, caller);
  return { record, lifecycle, values: visibleValues(doc, values), secretFields: secretFieldsOf(doc), issues: checkFormValues(doc, values, { resolved }) };
}
