/**
 * Checks of an automated /fulfillment the schema can't make: action and output ids unique, rollbacks named and
 * used, and the timeouts, retries and rollbacks an action should have to fail safely.
 */
import type { CatalogAction, CatalogItemV2, Condition } from '#schemas/index.ts';
import type { Add } from './issues.ts';

export function checkFulfillment(doc: CatalogItemV2, checkCondition: (c: Condition, at: string) => void, add: Add): void {
  const f = doc.fulfillment;
  if (f.type !== 'automated') return;
  const ids = new Map<string, string>();
  const rollbackIds = new Set((f.rollbackActions ?? []).map((a) => a.id));
  const usedRollbacks = new Set<string>();
  const each = (list: readonly CatalogAction[] | undefined, key: 'actions' | 'rollbackActions') =>
    (list ?? []).forEach((a, i) => {
      const at = `/fulfillment/${key}/${i}`;
      if (ids.has(a.id)) add('error', 'duplicate-id', `${at}/id`, `another action is called ${a.id} (${ids.get(a.id)})`);
      else ids.set(a.id, `${key}/${i}`);
      if (a.when) checkCondition(a.when, `${at}/when`);
      const outputs = new Set<string>();
      (a.outputs ?? []).forEach((o, j) => {
        if (outputs.has(o.name)) add('error', 'duplicate-id', `${at}/outputs/${j}/name`, `another output of ${a.id} is called ${o.name}`);
        outputs.add(o.name);
      });
      if (!a.timeout) add('warning', 'no-timeout', at, `${a.id} has no timeout: a hung call holds the request until the workflow's limit`);
      if (!a.retry) add('hint', 'no-retry', at, `${a.id} has no retry policy: one transient failure fails the request`);
      if (key === 'rollbackActions') {
        if (a.rollback) add('error', 'rollback-of-rollback', `${at}/rollback`, 'a rollback action has no rollback of its own');
        if (a.when) add('warning', 'conditional-rollback', `${at}/when`, 'a rollback action runs only for the action that names it: when is ignored');
        return;
      }
      if (a.rollback !== undefined) {
        usedRollbacks.add(a.rollback);
        if (!rollbackIds.has(a.rollback)) {
          const forward = f.actions.some((b) => b.id === a.rollback);
          add('error', 'unknown-rollback', `${at}/rollback`, forward ? `${a.rollback} is an action of the request itself: list rollbacks under rollbackActions` : `names no rollback action: ${a.rollback} (rollbackActions: ${[...rollbackIds].join(', ') || 'none'})`);
        }
      } else if (a.type === 'terraform' && (a.config.operation ?? 'apply') === 'apply') {
        add('warning', 'terraform-without-rollback', at, `terraform action ${a.id} has no rollback: a later failure leaves what it created behind`);
      }
    });
  each(f.actions, 'actions');
  each(f.rollbackActions, 'rollbackActions');
  (f.rollbackActions ?? []).forEach((a, i) => {
    if (!usedRollbacks.has(a.id)) add('warning', 'unused-rollback', `/fulfillment/rollbackActions/${i}`, `no action names ${a.id} as its rollback: it never runs`);
  });
}
