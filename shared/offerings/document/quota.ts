/**
 * Checks of an offering's `quota`: each resource counted once (a request holds one entry per resource, so a second
 * would never be counted), and a sum's `amountField` a number field of the form — one a request may leave empty
 * (optional, or hidden by a condition) takes nothing of the quota, which is worth a warning.
 */
import type { CatalogField, CatalogItemV2 } from '#schemas/index.ts';
import type { Add } from './issues.ts';

export function checkQuota(doc: CatalogItemV2, fieldById: (id: string) => CatalogField | undefined, add: Add): void {
  if (!doc.quota) return;
  const { also = [], ...first } = doc.quota;
  const seen = new Map<string, string>();
  [first, ...also].forEach((quota, i) => {
    const at = i === 0 ? '/quota' : `/quota/also/${i - 1}`;
    const earlier = seen.get(quota.resource);
    if (earlier !== undefined) add('error', 'duplicate-quota', `${at}/resource`, `${quota.resource} is counted already (${earlier}): name each resource once`);
    else seen.set(quota.resource, at);
    if (!quota.amountField) return;
    const field = fieldById(quota.amountField);
    if (!field) add('error', 'unknown-field-ref', `${at}/amountField`, `names no field of this offering: ${quota.amountField}`);
    else if (field.type !== 'number' && field.type !== 'integer') add('error', 'quota-field-not-a-number', `${at}/amountField`, `${quota.amountField} is a ${field.type} field: a sum reads a number or integer field`);
    else if (!field.validation?.required || field.visibleWhen) add('warning', 'quota-field-optional', `${at}/amountField`, `a request may leave ${quota.amountField} empty${field.visibleWhen ? ' (it is hidden by a condition)' : ''}, and then takes none of ${quota.resource}: make it required`);
  });
}
