/**
 * An offering's rules in words, for its page: conditions ("Environment is Production"), who approves,
 * what each fulfilment action does, and where it is in its life. Pure, so it is unit-tested.
 */
import type {
  CatalogAction, CatalogApproval, CatalogField, CatalogItemV2, CatalogLifecycle, CatalogQuota, Condition,
} from '../../../../schemas/types.gen.ts';
import { evaluateCondition } from '../../../../shared/offerings/conditions.ts';
import { describeApprovers } from '../approvals/approval-text.ts';

type AnyCondition = Condition;

/** How a field's value reads: a select option's label when there is one. */
function valueLabel(fields: readonly CatalogField[], fieldId: string, value: unknown): string {
  const field = fields.find((f) => f.id === fieldId);
  const option = field?.options?.find((o) => (typeof o === 'object' && o !== null ? o.value === value : o === value));
  if (option && typeof option === 'object' && option.label) return option.label;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

const fieldLabel = (fields: readonly CatalogField[], id: string): string => fields.find((f) => f.id === id)?.label ?? id;

const list = (items: readonly string[], last: 'and' | 'or'): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;

/** A condition in words, with the form's labels: "Environment is Production and Storage (GiB) is not 20". */
export function describeCondition(condition: AnyCondition, fields: readonly CatalogField[] = [], nested = false): string {
  const c = condition as unknown as Record<string, unknown>;
  if (typeof c.field === 'string') {
    const label = fieldLabel(fields, c.field);
    if ('equals' in c) return `${label} is ${valueLabel(fields, c.field, c.equals)}`;
    if (Array.isArray(c.in)) return `${label} is ${c.in.length === 1 ? '' : 'one of '}${list(c.in.map((v) => valueLabel(fields, c.field as string, v)), 'or')}`;
  }
  if (typeof c.metadata === 'string') {
    if ('equals' in c) return `the offering's ${c.metadata} is ${String(c.equals)}`;
    if (Array.isArray(c.in)) return `the offering's ${c.metadata} is one of ${list(c.in.map(String), 'or')}`;
  }
  if (c.not && typeof c.not === 'object') {
    const inner = c.not as Record<string, unknown>;
    if (typeof inner.field === 'string' && 'equals' in inner) return `${fieldLabel(fields, inner.field)} is not ${valueLabel(fields, inner.field, inner.equals)}`;
    if (typeof inner.field === 'string' && Array.isArray(inner.in)) return `${fieldLabel(fields, inner.field)} is none of ${list(inner.in.map((v) => valueLabel(fields, inner.field as string, v)), 'or')}`;
    return `not (${describeCondition(c.not as AnyCondition, fields)})`;
  }
  for (const [key, joiner] of [['all', 'and'], ['any', 'or']] as const) {
    const parts = c[key];
    if (Array.isArray(parts)) {
      const text = list(parts.map((p) => describeCondition(p as AnyCondition, fields, true)), joiner);
      return nested && parts.length > 1 ? `(${text})` : text;
    }
  }
  return 'a condition';
}

const ROLE_ARTICLE: Record<string, string> = { viewer: 'a viewer', developer: 'a developer', operator: 'an operator', admin: 'an admin' };

/** Who approves and when, as sentences; null when requests need no approval. */
export function describeApproval(approval: CatalogApproval | undefined, fields: readonly CatalogField[] = []): { when: string; who: string; notes: string[] } | null {
  if (!approval) return null;
  const when = approval.when === 'always' ? 'Every request needs approval.' : `A request needs approval when ${describeCondition(approval.when, fields)}.`;
  const parts: string[] = [
    ...(approval.approvers.roles ?? []).map((r) => `${ROLE_ARTICLE[r] ?? r} (or a role above it)`),
    ...(approval.approvers.teams ?? []).map((t) => `a member of team ${t}`),
    ...(approval.approvers.principals ?? []),
  ];
  const all = approval.mode === 'all' && parts.length > 1;
  const who = parts.length === 0 ? 'No approvers are named.' : all ? `Approved by each of: ${list(parts, 'and')}.` : `Approved by ${parts.length > 1 ? 'any one of ' : ''}${list(parts, 'or')}.`;
  const notes = ['A requester never approves their own request.'];
  if (approval.reason) notes.unshift(approval.reason);
  if (approval.timeout) notes.push(`A request not approved within ${approval.timeout} is rejected.`);
  return { when, who, notes };
}

/**
 * Which approval a request with these values will need, before it is submitted: the rule's `when` evaluated on the
 * form's values (the same condition language the API evaluates). "Production needs approval by an operator or team
 * platform."
 */
export function previewApproval(
  approval: CatalogApproval | undefined, values: Record<string, unknown>, fields: readonly CatalogField[] = [], metadata?: object,
): { needed: boolean; text: string } {
  if (!approval) return { needed: false, text: 'No approval needed: the request goes straight to fulfilment.' };
  const who = describeApprovers(approval.approvers, approval.mode ?? 'any');
  if (approval.when === 'always') return { needed: true, text: `Every request needs approval by ${who}.` };
  if (!evaluateCondition(approval.when, { fields: values, ...(metadata ? { metadata } : {}) })) {
    return { needed: false, text: `No approval needed for these values (only when ${describeCondition(approval.when, fields)}).` };
  }
  const when = approval.when as unknown as Record<string, unknown>;
  // A rule on one field reads best by the value that triggers it ("Production needs …").
  const subject = typeof when.field === 'string' && ('equals' in when || 'in' in when) && !Array.isArray(values[when.field])
    ? valueLabel(fields, when.field, values[when.field])
    : `This request (${describeCondition(approval.when, fields)})`;
  return { needed: true, text: `${subject} needs approval by ${who}.` };
}

export const ACTION_TYPE_LABEL: Record<CatalogAction['type'], string> = {
  rest: 'REST call',
  terraform: 'Terraform',
  'github-workflow': 'GitHub workflow',
  webhook: 'Webhook',
  jira: 'JIRA ticket',
};

/** One action's target in a line; templates stay as written ({{fields.name}}): they are filled per request. */
export function describeAction(action: CatalogAction): string {
  switch (action.type) {
    case 'rest':
      return `${action.config.method} ${action.config.url}`;
    case 'terraform': {
      const c = action.config;
      const where = [c.repository && `${c.repository}${c.directory ? `/${c.directory}` : ''}`, c.ref && `@ ${c.ref}`].filter(Boolean).join(' ');
      return `${c.operation === 'destroy' ? 'Destroy' : 'Apply'} workspace ${c.workspace} in ${c.organization}${where ? ` (${where})` : ''}`;
    }
    case 'github-workflow':
      return `Run ${action.config.workflow} in ${action.config.repository}${action.config.ref ? ` on ${action.config.ref}` : ''}${action.config.waitForCompletion === false ? '' : ', waiting for it to finish'}`;
    case 'webhook':
      return `${action.config.method ?? 'POST'} a signed notification to ${action.config.url}`;
    case 'jira':
      return `${action.config.issueType} in ${action.config.project}: ${action.config.summary}`;
  }
}

/** Timeout, retries and rollback of an action, in short phrases. */
export function actionPolicy(action: CatalogAction, rollbacks: readonly CatalogAction[] = []): string[] {
  const out: string[] = [];
  if (action.timeout) out.push(`times out after ${action.timeout}`);
  if (action.retry && action.retry.maxAttempts > 1) {
    const { maxAttempts, interval = '5s', backoff = 'exponential' } = action.retry;
    out.push(`up to ${maxAttempts} attempts, ${backoff === 'fixed' ? `${interval} apart` : `waiting ${interval} then doubling`}`);
  }
  if (action.rollback) {
    const rollback = rollbacks.find((r) => r.id === action.rollback);
    out.push(`undone by ${rollback?.name ?? action.rollback} if a later step fails`);
  }
  return out;
}

export interface QuotaPart {
  readonly resource: string;
  readonly unit: string | null;
  /** What one request takes of it, in words. */
  readonly text: string;
}

/**
 * What one request takes of each quota the offering declares: a count ("1 database of your team's
 * postgresql-databases quota") or a sum read from a field ("Storage (GiB), in GiB, of your team's
 * postgresql-storage-gib quota").
 */
export function quotaParts(quota: CatalogQuota | undefined, fields: readonly CatalogField[] = []): QuotaPart[] {
  if (!quota) return [];
  const { also = [], ...first } = quota;
  return [first, ...also].map((part) => {
    const unit = part.unit ?? part.resource;
    const of = `of your team's ${part.resource} quota`;
    if (part.amountField) {
      const label = fields.find((f) => f.id === part.amountField)?.label ?? part.amountField;
      return { resource: part.resource, unit: part.unit ?? null, text: `${label}${part.amount === 1 ? '' : ` × ${part.amount}`}, in ${unit}, ${of}` };
    }
    // A lowercase word is made plural (databases); a unit of measure (GiB) is not.
    const plural = part.amount === 1 || unit.endsWith('s') || !/^[a-z]+$/.test(unit) ? '' : 's';
    return { resource: part.resource, unit: part.unit ?? null, text: `${part.amount} ${unit}${plural} ${of}` };
  });
}


/** A Markdown description as one line of plain text for a card: links keep their text, marks and headings go. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|[-*+]|\d+\.|>)\s+/gm, '')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A category slug as a heading: developer-tools → Developer tools. */
export const categoryTitle = (slug: string): string => {
  const words = slug.split('-').filter(Boolean).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export type LifecycleState = 'active' | 'deprecated' | 'retired';

export function describeLifecycle(lifecycle: CatalogLifecycle | undefined): { state: LifecycleState; text: string | null } {
  if (!lifecycle || lifecycle.status === 'active') return { state: 'active', text: null };
  if (lifecycle.status === 'deprecated') {
    const parts = ['Deprecated: still requestable, but plan to move'];
    if (lifecycle.replacement) parts.push(`to ${lifecycle.replacement}`);
    let text = parts.join(' ');
    if (lifecycle.sunsetDate) text += `; it will be retired on ${lifecycle.sunsetDate}`;
    return { state: 'deprecated', text: `${text}.${lifecycle.message ? ` ${lifecycle.message}` : ''}` };
  }
  let text = 'Retired: shown for reference, no longer requestable';
  if (lifecycle.retiredOn) text += ` since ${lifecycle.retiredOn}`;
  if (lifecycle.replacement) text += `; request ${lifecycle.replacement} instead`;
  return { state: 'retired', text: `${text}.${lifecycle.message ? ` ${lifecycle.message}` : ''}` };
}

/** The form's fields as a read-only list: what a requester will be asked, in order, with when each appears. */
export function describeFields(doc: Pick<CatalogItemV2, 'presentation'>): Array<{ id: string; label: string; type: string; required: string | null; shownWhen: string | null; details: string[] }> {
  const fields = doc.presentation.fields;
  const order = doc.presentation.steps?.flatMap((s) => s.fields) ?? fields.map((f) => f.id);
  const byId = new Map(fields.map((f) => [f.id, f]));
  return order.flatMap((id) => {
    const f = byId.get(id);
    if (!f) return [];
    const details: string[] = [];
    const v = f.validation ?? {};
    if (f.options) details.push(`${f.type === 'multiselect' ? 'choices' : 'one of'}: ${f.options.map((o) => (typeof o === 'object' && o !== null ? o.label ?? String(o.value) : String(o))).join(', ')}`);
    if (f.dataSource) details.push({ services: 'a service from the catalog', 'service-environments': `an environment of the chosen ${fieldLabel(fields, f.dataSource.dependsOn ?? 'service')}`, teams: 'a team' }[f.dataSource.source] + (f.dataSource.mine ? ' (yours)' : ''));
    if (v.min !== undefined || v.max !== undefined) details.push(v.min !== undefined && v.max !== undefined ? `${v.min}–${v.max}` : v.min !== undefined ? `at least ${v.min}` : `at most ${v.max}`);
    if (v.minLength !== undefined || v.maxLength !== undefined) details.push(v.minLength !== undefined && v.maxLength !== undefined ? `${v.minLength}–${v.maxLength} characters` : v.minLength !== undefined ? `at least ${v.minLength} characters` : `at most ${v.maxLength} characters`);
    if (v.pattern) details.push(v.patternMessage ?? `matching ${v.pattern}`);
    if (f.default !== undefined && f.type !== 'secret') details.push(`default ${f.type === 'select' ? valueLabel(fields, f.id, f.default) : JSON.stringify(f.default)}`);
    if (f.type === 'secret') details.push('masked, never shown back');
    const required = v.required ? 'required' : f.requiredWhen ? `required when ${describeCondition(f.requiredWhen, fields)}` : null;
    return [{ id: f.id, label: f.label, type: f.type, required, shownWhen: f.visibleWhen ? describeCondition(f.visibleWhen, fields) : null, details }];
  });
}
