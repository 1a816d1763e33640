/**
 * What the API shows of a stored offering, and who may see or request it (the document's `access`
 * audiences, the caller's role and teams). Pure: no table, no clock.
 */
import type { CatalogItem, CatalogItemV2, CatalogSummary } from '#schemas/index.ts';
import { roleHas, ROLES, type Role } from '#shared/permissions';
import type { OfferingRecord, ValidationRecord } from './ports.ts';

/** A Schema v2.0 catalog item document (schemas/catalog-item.v2.schema.json). */
export type OfferingDocument = CatalogItemV2;

/** Who is asking: enough to decide visibility and requestability. */
export interface Caller {
  readonly principal: string;
  readonly role: Role | null;
  /** Team ids the caller belongs to. */
  readonly teams: readonly string[];
}

type Audience = { readonly roles?: readonly Role[]; readonly teams?: readonly string[] } | undefined;

/** An audience admits the caller by role (a role includes those above it) or by team; an absent one admits everyone. */
function admits(audience: Audience, caller: Caller): boolean {
  if (!audience || (!audience.roles?.length && !audience.teams?.length)) return true;
  const rank = caller.role ? ROLES.indexOf(caller.role) : -1;
  if (audience.roles?.some((role) => rank >= ROLES.indexOf(role))) return true;
  return Boolean(audience.teams?.some((team) => caller.teams.includes(team)));
}

/** Admins (catalog:manage) and the owning team always see it; others as `access.view` says. */
export function canView(record: OfferingRecord, caller: Caller): boolean {
  if (roleHas(caller.role, 'catalog:manage')) return true;
  if (caller.teams.includes(record.source.ownerTeam)) return true;
  return admits(record.document.access?.view, caller);
}

export type LifecycleState = CatalogSummary['lifecycle']['state'];

/** The lifecycle state served: an offering removed from the repository reads as retired. */
export function lifecycleOf(record: OfferingRecord): CatalogSummary['lifecycle'] {
  const lifecycle = record.document.lifecycle;
  const removed = record.removedFromSource ? { removedFromSource: true } : {};
  if (!lifecycle || lifecycle.status === 'active') return { state: record.removedFromSource ? 'retired' : 'active', ...removed };
  if (lifecycle.status === 'deprecated') {
    return {
      state: record.removedFromSource ? 'retired' : 'deprecated',
      ...(lifecycle.replacement ? { replacement: lifecycle.replacement } : {}),
      ...(lifecycle.sunsetDate ? { sunsetDate: lifecycle.sunsetDate } : {}),
      ...(lifecycle.message ? { message: lifecycle.message } : {}),
      ...removed,
    };
  }
  return {
    state: 'retired',
    ...(lifecycle.replacement ? { replacement: lifecycle.replacement } : {}),
    ...(lifecycle.message ? { message: lifecycle.message } : {}),
    ...removed,
  };
}

/** Whether the caller may request it, and if not, why (in words). */
export function requestability(record: OfferingRecord, caller: Caller): { canRequest: boolean; reason?: string } {
  const lifecycle = lifecycleOf(record);
  if (lifecycle.removedFromSource) return { canRequest: false, reason: 'It was removed from the catalog repository.' };
  if (lifecycle.state === 'retired') return { canRequest: false, reason: lifecycle.replacement ? `It is retired; request ${lifecycle.replacement} instead.` : 'It is retired.' };
  if (!roleHas(caller.role, 'requests:create')) return { canRequest: false, reason: `Your role (${caller.role ?? 'none'}) cannot create requests.` };
  const audience = record.document.access?.request;
  if (!admits(audience, caller) && !caller.teams.includes(record.source.ownerTeam)) {
    const who = [
      ...(audience?.teams?.length ? [`members of ${audience.teams.join(', ')}`] : []),
      ...(audience?.roles?.length ? [`the ${audience.roles.join(', ')} role${audience.roles.length > 1 ? 's' : ''} and above`] : []),
    ];
    return { canRequest: false, reason: `Only ${who.join(' or ')} may request it.` };
  }
  return { canRequest: true };
}

export function toSummary(record: OfferingRecord, caller: Caller): CatalogSummary {
  const m = record.document.metadata;
  const { canRequest, reason } = requestability(record, caller);
  return {
    id: record.id,
    name: m.name,
    description: m.description,
    category: m.category,
    owner: record.source.ownerTeam,
    tags: m.tags ?? [],
    version: record.version,
    ...(m.sla ? { sla: m.sla.fulfillmentTime } : {}),
    ...(m.icon ? { icon: m.icon } : {}),
    lifecycle: lifecycleOf(record),
    canRequest,
    ...(reason ? { requestBlockedReason: reason } : {}),
  };
}

export function toItem(record: OfferingRecord, validation: ValidationRecord | undefined, caller: Caller): CatalogItem {
  return {
    id: record.id,
    version: record.version,
    summary: toSummary(record, caller),
    document: record.document as unknown as CatalogItem['document'],
    source: record.source,
    storedAt: record.storedAt,
    validation: validation ?? null,
  };
}

/** The document's form fields that are secrets (masked in previews). */
export const secretFieldsOf = (doc: OfferingDocument): string[] => doc.presentation.fields.filter((f) => f.type === 'secret').map((f) => f.id);
