/**
 * The offerings catalog's domain: what a caller may see and read. Handlers map HTTP onto these; the
 * catalog refresh (functions/offerings/refresh*) writes through the OfferingsStore port (./ports.ts, wired
 * in ./deps.ts). No AWS SDK here.
 */
import type {
  CatalogCategoryQuery,
  CatalogItem,
  CatalogItemForm,
  CatalogItemSource,
  CatalogList,
  CatalogListQuery,
  CatalogOptions,
  CatalogOptionsQuery,
  CatalogSearchQuery,
  CatalogSearchResult,
  CatalogValidationReport,
} from '#schemas/index.ts';
import { checkCatalogDocument } from '#shared/offerings/document/index';
import { NotFoundError, ValidationError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { optionsFor, valuesFromQuery } from './data-sources.ts';
import { offeringsDeps } from './deps.ts';
import { listOfferings, searchOfferings } from './list.ts';
import { canView, toItem, type Caller } from './shapes.ts';
import { compileFormFor } from './studio.ts';
import { offeringSnapshot } from './snapshot.ts';
import { requireVisibleOffering } from './visible.ts';

export { requireVisibleOffering };

/** Paths of the catalog API that can never be category names (static paths win over {category}). */
export const RESERVED_CATEGORIES = ['items', 'search', 'refresh', 'validation'] as const;
const CATEGORY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export async function listCatalog(query: CatalogListQuery, caller: Caller): Promise<CatalogList> {
  return listOfferings(await offeringSnapshot(), query, caller);
}

/** One category's offerings; 404 when the caller may see none of that category. */
export async function listCategory(category: string, query: CatalogCategoryQuery, caller: Caller): Promise<CatalogList> {
  if ((RESERVED_CATEGORIES as readonly string[]).includes(category)) {
    throw new ValidationError(`'${category}' is a reserved path of the catalog API, never a category`, { details: [{ path: '/path/category', message: 'reserved name' }] });
  }
  if (!CATEGORY.test(category) || category.length > 63) {
    throw new ValidationError('a category is a lowercase slug (letters, digits and single dashes)', { details: [{ path: '/path/category', message: 'not a category slug' }] });
  }
  const snapshot = await offeringSnapshot();
  const known = snapshot.sorted().some((record) => record.document.metadata.category === category && canView(record, caller));
  if (!known) throw new NotFoundError(`no category ${category}`);
  return listOfferings(snapshot, { ...query, category }, caller);
}

export async function searchCatalog(query: CatalogSearchQuery, caller: Caller): Promise<CatalogSearchResult> {
  return searchOfferings(await offeringSnapshot(), query, caller);
}

export async function getOffering(id: string, caller: Caller): Promise<CatalogItem> {
  const { record, validation } = await requireVisibleOffering(id, caller);
  return toItem(record, validation, caller);
}

/** The served version's file as written; its text is null for a version stored before the text was kept. */
export async function getSource(id: string, caller: Caller): Promise<CatalogItemSource> {
  const { record } = await requireVisibleOffering(id, caller);
  const version = await offeringsDeps().store.getVersion(id, record.version);
  return { itemId: id, version: record.version, source: record.source, storedAt: record.storedAt, text: version?.text ?? null };
}

/** The request form, data sources resolved for the caller. */
export async function getForm(id: string, caller: Caller): Promise<CatalogItemForm> {
  const { record } = await requireVisibleOffering(id, caller);
  const form = await compileFormFor(record.document, caller, offeringsDeps());
  return { itemId: record.id, version: record.version, schema: form.schema as Record<string, unknown>, uiSchema: form.uiSchema, steps: form.steps, dataSources: form.dataSources };
}

/** A data-source field's options given the values chosen so far. */
export async function getOptions(id: string, fieldId: string, query: CatalogOptionsQuery, caller: Caller): Promise<CatalogOptions> {
  const { record } = await requireVisibleOffering(id, caller);
  return optionsFor(record.document, fieldId, valuesFromQuery(record.document, query), caller, offeringsDeps());
}

/**
 * The last refresh's record and a fresh check of the version served. An offering that never had a
 * valid version has only a record: its owning team and catalog:manage may read it.
 */
export async function getValidationReport(id: string, caller: Caller): Promise<CatalogValidationReport> {
  const { current, validation } = await offeringsDeps().store.readOffering(id);
  const visible = current
    ? canView(current, caller)
    : Boolean(validation && (roleHas(caller.role, 'catalog:manage') || caller.teams.includes(validation.source.ownerTeam)));
  if (!visible) throw new NotFoundError(`offering ${id} not found`);
  let fresh: CatalogValidationReport['fresh'] = null;
  if (current) {
    const check = checkCatalogDocument(current.document);
    fresh = { version: current.version, checkedAt: new Date().toISOString(), valid: check.errors.length === 0, errors: check.errors, warnings: check.warnings, hints: check.hints };
  }
  return { itemId: id, stored: validation ?? null, fresh };
}
