/**
 * Checks of /presentation the schema can't make: a field's options, data source, validation rules and default
 * agree with its type and with each other; steps place every field exactly once; visibility has no cycles.
 */
import type { CatalogField, CatalogItemV2 } from '#schemas/index.ts';
import { conditionFields } from '../conditions.ts';
import { checkFieldValue, fieldOptions } from '../form.ts';
import type { Add } from './issues.ts';

export function checkField(f: CatalogField, at: string, fieldById: (id: string) => CatalogField | undefined, add: Add): void {
  const choice = f.type === 'select' || f.type === 'multiselect';
  if (choice && !f.options && !f.dataSource) add('error', 'no-options', at, `a ${f.type} needs options or a dataSource`);
  if (f.options && f.dataSource) add('error', 'options-and-data-source', `${at}/dataSource`, 'use options or a dataSource, not both');
  if (!choice && f.options) add('error', 'options-not-allowed', `${at}/options`, `only a select or multiselect has options (this is a ${f.type})`);
  if (!choice && f.dataSource) add('error', 'options-not-allowed', `${at}/dataSource`, `only a select or multiselect has a dataSource (this is a ${f.type})`);
  if (f.options) {
    const seen = new Set<string>();
    fieldOptions(f)!.forEach((o, j) => {
      if (seen.has(o.value)) add('error', 'duplicate-option', `${at}/options/${j}`, `the option ${o.value} is listed twice`);
      seen.add(o.value);
    });
  }
  if (f.dataSource) {
    const ds = f.dataSource;
    if (ds.source === 'service-environments' && !ds.dependsOn) add('error', 'depends-on-required', `${at}/dataSource`, 'service-environments needs dependsOn: the id of the field holding the service');
    if (ds.dependsOn !== undefined) {
      const target = fieldById(ds.dependsOn);
      if (!target) add('error', 'unknown-field-ref', `${at}/dataSource/dependsOn`, `names no field of this offering: ${ds.dependsOn}`);
      else if (ds.dependsOn === f.id) add('error', 'self-reference', `${at}/dataSource/dependsOn`, 'a field cannot depend on itself');
      else if (ds.source === 'service-environments' && target.dataSource?.source !== 'services') add('warning', 'depends-on-not-a-service', `${at}/dataSource/dependsOn`, `${ds.dependsOn} should be a select of services (dataSource source: services)`);
      if (ds.source !== 'service-environments') add('warning', 'depends-on-ignored', `${at}/dataSource/dependsOn`, `the ${ds.source} source does not depend on another field: dependsOn is ignored`);
    }
  }
  const v = f.validation ?? {};
  const applies: Record<string, readonly CatalogField['type'][]> = {
    pattern: ['string', 'text', 'email', 'url', 'secret'],
    patternMessage: ['string', 'text', 'email', 'url', 'secret'],
    minLength: ['string', 'text', 'email', 'url', 'secret'],
    maxLength: ['string', 'text', 'email', 'url', 'secret'],
    min: ['number', 'integer'],
    max: ['number', 'integer'],
    minItems: ['multiselect'],
    maxItems: ['multiselect'],
  };
  for (const [rule, types] of Object.entries(applies)) {
    if (rule in v && !types.includes(f.type)) add('warning', 'rule-ignored', `${at}/validation/${rule}`, `${rule} does not apply to a ${f.type} field and is ignored`);
  }
  if (v.min !== undefined && v.max !== undefined && v.min > v.max) add('error', 'empty-range', `${at}/validation/min`, `min (${v.min}) is more than max (${v.max})`);
  if (v.minLength !== undefined && v.maxLength !== undefined && v.minLength > v.maxLength) add('error', 'empty-range', `${at}/validation/minLength`, `minLength (${v.minLength}) is more than maxLength (${v.maxLength})`);
  if (v.minItems !== undefined && v.maxItems !== undefined && v.minItems > v.maxItems) add('error', 'empty-range', `${at}/validation/minItems`, `minItems (${v.minItems}) is more than maxItems (${v.maxItems})`);
  if (v.pattern !== undefined) {
    try {
      new RegExp(v.pattern, 'u');
    } catch (error) {
      add('error', 'bad-pattern', `${at}/validation/pattern`, `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!v.patternMessage) add('hint', 'no-pattern-message', `${at}/validation`, 'add a patternMessage: requesters see it instead of the regular expression');
  }
  if ('default' in f) {
    if (f.type === 'secret') add('error', 'secret-default', `${at}/default`, 'a secret field has no default (it would be stored in the catalog repository)');
    else if (!(typeof f.default === 'string' && f.default.includes('{{'))) {
      const problem = checkFieldValue(f, f.default, { checkOptions: true });
      if (problem) add('error', f.options && problem.code === 'not-an-option' ? 'default-not-an-option' : 'bad-default', `${at}/default`, `the default ${problem.message}`);
    }
  }
  if (f.readOnly && !('default' in f)) add('warning', 'read-only-without-default', `${at}/readOnly`, 'a read-only field without a default is always empty');
  if (f.type === 'secret' && f.readOnly) add('error', 'secret-read-only', `${at}/readOnly`, 'a secret field cannot be read-only');
}

export function checkSteps(doc: CatalogItemV2, fieldIndex: Map<string, number>, add: Add): void {
  const steps = doc.presentation.steps;
  if (!steps) return;
  const stepIds = new Set<string>();
  const placed = new Map<string, string>();
  steps.forEach((s, i) => {
    if (stepIds.has(s.id)) add('error', 'duplicate-id', `/presentation/steps/${i}/id`, `another step is called ${s.id}`);
    stepIds.add(s.id);
    s.fields.forEach((id, j) => {
      const at = `/presentation/steps/${i}/fields/${j}`;
      if (!fieldIndex.has(id)) add('error', 'unknown-field-ref', at, `names no field of this offering: ${id}`);
      else if (placed.has(id)) add('error', 'field-on-two-steps', at, `${id} is already on step ${placed.get(id)}`);
      else placed.set(id, s.id);
    });
  });
  doc.presentation.fields.forEach((f, i) => {
    if (!placed.has(f.id)) add('error', 'field-on-no-step', `/presentation/fields/${i}`, `${f.id} is on no step: with steps, every field is on exactly one`);
  });
}

/** A field shown only when another is, which is shown only when the first is: never shown. */
export function checkVisibilityCycles(fields: readonly CatalogField[], add: Add): void {
  const deps = new Map(fields.map((f) => [f.id, f.visibleWhen ? conditionFields(f.visibleWhen).map((m) => m.field) : []]));
  fields.forEach((f, i) => {
    const seen = new Set<string>();
    const stack = [...(deps.get(f.id) ?? [])];
    while (stack.length) {
      const next = stack.pop()!;
      if (next === f.id) {
        add('error', 'visibility-cycle', `/presentation/fields/${i}/visibleWhen`, `${f.id}'s visibility depends on itself through other fields`);
        return;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(deps.get(next) ?? []));
    }
  });
}
