/**
 * What a request will do, from the offering document and the form's values: whether it needs approval,
 * which actions run (their `when`), and durations. Small on purpose: the steps Lambda imports it, and it
 * must not carry the offerings context's validator (only the shared condition language).
 */
import type { CatalogItemV2 } from '#schemas/index.ts';
import { evaluateCondition } from '#shared/offerings/conditions';
import type { PlannedAction } from './records.ts';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `30m` → 1800. */
export function durationSeconds(duration: string | undefined, fallback: number): number {
  const match = duration ? /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(duration) : null;
  return match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : fallback;
}

/** Whether the offering's rule asks for approval for these values. */
export function needsApproval(doc: CatalogItemV2, values: Record<string, unknown>): boolean {
  const rule = doc.approval;
  if (!rule) return false;
  return rule.when === 'always' || evaluateCondition(rule.when, { fields: values, metadata: doc.metadata });
}

/** The automated actions in order, those whose `when` does not hold marked skipped. */
export function planOf(doc: CatalogItemV2, values: Record<string, unknown>): Array<PlannedAction & { skipped: boolean }> {
  if (doc.fulfillment.type !== 'automated') return [];
  return doc.fulfillment.actions.map((action, index) => ({
    id: action.id, name: action.name ?? action.id, type: action.type, index,
    skipped: action.when !== undefined && !evaluateCondition(action.when, { fields: values, metadata: doc.metadata }),
  }));
}

