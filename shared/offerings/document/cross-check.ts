/**
 * What the schema can't say, for a document the schema accepts: ids unique, references between fields, steps,
 * conditions, actions, outputs, rollbacks and quota fields resolved, the templates' variables usable where they are, and
 * best-practice warnings and hints. Conditions are checked here because fields, approval and actions all have them.
 */
import type { CatalogField, CatalogItemV2, Condition } from '#schemas/index.ts';
import { conditionFields } from '../conditions.ts';
import { fieldOptions } from '../form.ts';
import { checkFulfillment } from './fulfillment.ts';
import type { Issue, Severity } from './issues.ts';
import { checkOtherSections } from './other-sections.ts';
import { checkField, checkSteps, checkVisibilityCycles } from './presentation.ts';
import { checkQuota } from './quota.ts';
import { checkTemplatesOf } from './templates.ts';

/** Every issue of a schema-valid document, with its severity. */
export function crossCheck(doc: CatalogItemV2): Issue[] {
  const issues: Issue[] = [];
  const add = (severity: Severity, code: string, path: string, message: string) => issues.push({ severity, code, path, message });
  const fields = doc.presentation.fields;
  const fieldIndex = new Map<string, number>();
  fields.forEach((f, i) => {
    if (fieldIndex.has(f.id)) add('error', 'duplicate-id', `/presentation/fields/${i}/id`, `another field is called ${f.id} (field ${fieldIndex.get(f.id)})`);
    else fieldIndex.set(f.id, i);
  });
  const fieldById = (id: string): CatalogField | undefined => (fieldIndex.has(id) ? fields[fieldIndex.get(id)!] : undefined);

  fields.forEach((f, i) => checkField(f, `/presentation/fields/${i}`, fieldById, add));
  checkSteps(doc, fieldIndex, add);

  // Conditions name existing fields, and compare them with values they can take.
  const checkCondition = (c: Condition, at: string, self?: string) => {
    for (const mention of conditionFields(c, at)) {
      const target = fieldById(mention.field);
      if (!target) {
        add('error', 'unknown-field-ref', mention.path, `names no field of this offering: ${mention.field}`);
        continue;
      }
      if (mention.field === self) add('error', 'self-reference', mention.path, 'a field cannot depend on itself');
      if (target.type === 'secret') add('error', 'secret-in-condition', mention.path, `${mention.field} is a secret: conditions cannot read it`);
      const wanted = 'in' in mention.condition ? mention.condition.in : [mention.condition.equals];
      const options = fieldOptions(target);
      const comparedAt = mention.path.replace(/\/field$/, 'in' in mention.condition ? '/in' : '/equals');
      for (const w of wanted) {
        if (options && !options.some((o) => o.value === w)) add('warning', 'never-equal', comparedAt, `${JSON.stringify(w)} is not an option of ${mention.field} (${options.map((o) => o.value).join(', ')})`);
        else if (target.type === 'boolean' && typeof w !== 'boolean') add('warning', 'never-equal', comparedAt, `${mention.field} is a boolean: compare it with true or false`);
        else if ((target.type === 'number' || target.type === 'integer') && typeof w !== 'number') add('warning', 'never-equal', comparedAt, `${mention.field} is a number: ${JSON.stringify(w)} never equals it`);
      }
    }
  };
  fields.forEach((f, i) => {
    if (f.visibleWhen) checkCondition(f.visibleWhen, `/presentation/fields/${i}/visibleWhen`, f.id);
    if (f.requiredWhen) checkCondition(f.requiredWhen, `/presentation/fields/${i}/requiredWhen`, f.id);
  });
  checkVisibilityCycles(fields, add);
  if (doc.approval && doc.approval.when !== 'always') checkCondition(doc.approval.when, '/approval/when');

  checkFulfillment(doc, checkCondition, add);
  checkTemplatesOf(doc, fieldById, add);
  checkOtherSections(doc, add);
  checkQuota(doc, fieldById, add);
  return issues;
}
