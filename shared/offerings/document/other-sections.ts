/**
 * Checks of the smaller sections: metadata a requester looks for (documentation, an sla), a lifecycle that leads
 * somewhere, access that lets requesters see what they may request, and approval that does not stall.
 */
import type { CatalogItemV2 } from '#schemas/index.ts';
import type { Add } from './issues.ts';

export function checkOtherSections(doc: CatalogItemV2, add: Add): void {
  const m = doc.metadata;
  if (!m.documentation?.length) add('hint', 'no-documentation', '/metadata', 'add documentation links: requesters read them before asking');
  if (!m.sla) add('hint', 'no-sla', '/metadata', 'add an sla (fulfillmentTime): requesters see when to expect their request done');
  const lifecycle = doc.lifecycle;
  if (lifecycle && lifecycle.status !== 'active') {
    if (lifecycle.replacement === m.id) add('error', 'self-replacement', '/lifecycle/replacement', 'an offering cannot replace itself');
    if (!lifecycle.replacement) add('hint', 'no-replacement', '/lifecycle', `a ${lifecycle.status} offering should name its replacement`);
    if (lifecycle.status === 'deprecated' && !lifecycle.sunsetDate) add('warning', 'deprecated-without-sunset', '/lifecycle', 'a deprecated offering should say when it will be retired (sunsetDate)');
  }
  const view = doc.access?.view;
  const request = doc.access?.request;
  if (view?.teams && request && !request.roles && !(request.teams ?? []).every((t) => view.teams!.includes(t))) {
    add('warning', 'request-without-view', '/access/request', 'some who may request the offering cannot see it');
  }
  if (doc.approval) {
    const a = doc.approval.approvers;
    const groups = (a.roles?.length ?? 0) + (a.teams?.length ?? 0) + (a.principals?.length ?? 0);
    if (doc.approval.mode === 'all' && groups === 1) add('hint', 'mode-all-single', '/approval/mode', 'with one approver group, mode all and any mean the same');
    if (a.principals?.length === 1 && !a.roles && !a.teams) add('warning', 'single-approver', '/approval/approvers', 'one named approver: requests wait when they are away, and they cannot approve their own');
  }
}
