/**
 * The self-service offerings in the table (ARCHITECTURE.md §3), behind the OfferingsStore port (../ports.ts):
 *   version     PK OFFER#<id>  SK V#<version>   the document as read from one file at one sha
 *   current     PK OFFER#<id>  SK CURRENT       a copy of the version served   GSI1 OFFERS / <category>#<name>   GSI2 OWNER#<team> / <name>
 *   validation  PK OFFER#<id>  SK VALIDATION    the latest check of its source file (errors keep CURRENT at the last good version)
 * GSI1 is one partition for the whole catalog (not CATEGORY#<cat>): the catalog snapshot reads every
 * offering with one paginated Query and a category is a begins_with on its sort key, so neither needs
 * to know the categories. Offerings number in the hundreds, not millions.
 *
 * The refresh from the catalog repository (functions/offerings/refresh*) writes through putVersion,
 * putValidation and markRemovedFromSource; reads go through the snapshot (lists, search) or
 * readOffering (one item).
 */
import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CatalogSource } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { config } from '#lib/config';
import { db, getItem, putItem, queryAll, queryPage, type Item, type Page } from '#lib/table';
import type { OfferingRecord, OfferingsStore, PutVersionOutcome, ValidationRecord } from '../ports.ts';
import type { OfferingDocument } from '../shapes.ts';

type CurrentItem = Item & OfferingRecord;

export const offeringPartition = (id: string): string => `OFFER#${id}`;
const currentKey = (id: string) => ({ PK: offeringPartition(id), SK: 'CURRENT' });
const versionKey = (id: string, version: string) => ({ PK: offeringPartition(id), SK: `V#${version}` });
const validationKey = (id: string) => ({ PK: offeringPartition(id), SK: 'VALIDATION' });

/** The GSI1 partition holding every current offering. */
export const CATALOG_PARTITION = 'OFFERS';

export function toOfferingRecord(item: Record<string, unknown>): OfferingRecord {
  const { id, version, document, source, storedAt, updatedAt, removedFromSource } = item as unknown as OfferingRecord;
  return { id, version, document, source, storedAt, updatedAt, ...(removedFromSource ? { removedFromSource } : {}) };
}

function toValidation(item: Record<string, unknown>): ValidationRecord {
  const { itemId, source, checkedAt, valid, errors, warnings, hints, currentVersion, servingOlderVersion } = item as unknown as ValidationRecord;
  return { itemId, source, checkedAt, valid, errors, warnings, hints, currentVersion, servingOlderVersion };
}

/** The CURRENT item of a record, as the table holds it (the benchmark seeds with it). */
export function currentItem(record: OfferingRecord): CurrentItem {
  const { category, name } = record.document.metadata;
  return {
    ...currentKey(record.id),
    GSI1PK: CATALOG_PARTITION, GSI1SK: `${category}#${name}`,
    GSI2PK: `OWNER#${record.source.ownerTeam}`, GSI2SK: name,
    entity: 'offering',
    ...record,
  };
}

/** Called with every CURRENT this container writes (the snapshot applies it, so a writer reads its change back). */
const currentListeners = new Set<(record: OfferingRecord) => void>();
export function onCurrentWrite(listener: (record: OfferingRecord) => void): void {
  currentListeners.add(listener);
}
const announce = (record: OfferingRecord): void => { for (const listener of currentListeners) listener(record); };

/**
 * Stores a valid document read from `source` and makes it the one served. Idempotent by version and
 * sha: the same file again changes nothing (one GetItem). A new version, or the same version at
 * another sha (the file changed without a version bump: the repository is the truth), writes the
 * version item, then CURRENT, so CURRENT never names a version that isn't stored. A file that comes
 * back after it was removed is served again.
 */
/**
 * Stores a version of an offering and serves it. `text` is the file as written (comments, layout),
 * kept on the version item only, for the studio; the served item and the snapshot hold the document.
 */
export async function putVersion(doc: OfferingDocument, source: CatalogSource, options: { readonly text?: string; readonly now?: string } = {}): Promise<{ outcome: PutVersionOutcome; record: OfferingRecord }> {
  const now = options.now ?? new Date().toISOString();
  const id = doc.metadata.id;
  const version = doc.metadata.version;
  const current = await getItem<CurrentItem>(currentKey(id), { consistent: true });
  if (current && current.version === version && current.source.sha === source.sha && current.source.ownerTeam === source.ownerTeam
    && current.source.path === source.path && current.source.repo === source.repo && !current.removedFromSource) {
    return { outcome: 'unchanged', record: toOfferingRecord(current) };
  }
  const stored = await getItem<Item & { sha: string; storedAt: string }>(versionKey(id, version), { consistent: true });
  const storedAt = stored && stored.sha === source.sha ? stored.storedAt : now;
  if (!stored || stored.sha !== source.sha) {
    await putItem({ ...versionKey(id, version), entity: 'offering-version', id, version, sha: source.sha, document: doc, source, storedAt, ...(options.text !== undefined ? { text: options.text } : {}) });
  }
  const record: OfferingRecord = { id, version, document: doc, source, storedAt, updatedAt: now };
  await putItem(currentItem(record));
  announce(record);
  return { outcome: current ? 'updated' : 'created', record };
}

/** Records the latest check of an offering's source file (valid or not). */
export async function putValidation(itemId: string, record: Omit<ValidationRecord, 'itemId'>): Promise<ValidationRecord> {
  const validation: ValidationRecord = { itemId, ...record };
  await putItem({ ...validationKey(itemId), entity: 'offering-validation', ...validation });
  return validation;
}

/**
 * Marks an offering whose file disappeared from the catalog repository: it stays readable (requests
 * and history name it) but lists as retired and can't be requested. A later putVersion revives it.
 */
export async function markRemovedFromSource(id: string, path: string, at = new Date().toISOString()): Promise<OfferingRecord> {
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: config().tableName,
      Key: currentKey(id),
      UpdateExpression: 'SET #r = :r, #u = :u',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#r': 'removedFromSource', '#u': 'updatedAt' },
      ExpressionAttributeValues: { ':r': { at, path }, ':u': at },
      ReturnValues: 'ALL_NEW',
    }));
    const record = toOfferingRecord(Attributes!);
    announce(record);
    return record;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') throw new NotFoundError(`offering ${id} not found`, { cause: error });
    throw error;
  }
}

/** The version served, or undefined. */
export async function getCurrent(id: string): Promise<OfferingRecord | undefined> {
  const item = await getItem<CurrentItem>(currentKey(id), { consistent: true });
  return item && toOfferingRecord(item);
}

export async function getValidation(id: string): Promise<ValidationRecord | undefined> {
  const item = await getItem(validationKey(id), { consistent: true });
  return item && toValidation(item);
}

/** One stored version (any, not only the one served). */
export async function getVersion(id: string, version: string): Promise<{ document: OfferingDocument; source: CatalogSource; storedAt: string; text?: string } | undefined> {
  const item = await getItem<Item & { document: OfferingDocument; source: CatalogSource; storedAt: string; text?: string }>(versionKey(id, version), { consistent: true });
  return item && { document: item.document, source: item.source, storedAt: item.storedAt, ...(typeof item.text === 'string' ? { text: item.text } : {}) };
}

/** The version served and the latest validation record, in one BatchGetItem. */
export async function readOffering(id: string): Promise<{ current?: OfferingRecord; validation?: ValidationRecord }> {
  const table = config().tableName;
  const { Responses, UnprocessedKeys } = await db.send(new BatchGetCommand({
    RequestItems: { [table]: { Keys: [currentKey(id), validationKey(id)], ConsistentRead: true } },
  }));
  let items = Responses?.[table] ?? [];
  // Throttled keys come back unprocessed: read them one by one rather than answer half an offering.
  if (UnprocessedKeys?.[table]?.Keys?.length) {
    const rest = await Promise.all(UnprocessedKeys[table].Keys.map((key) => getItem(key as { PK: string; SK: string }, { consistent: true })));
    items = [...items, ...rest.filter((item) => item !== undefined)];
  }
  const current = items.find((item) => item.SK === 'CURRENT');
  const validation = items.find((item) => item.SK === 'VALIDATION');
  return { ...(current ? { current: toOfferingRecord(current) } : {}), ...(validation ? { validation: toValidation(validation) } : {}) };
}

/** One page of every current offering, by category then name (GSI1 `OFFERS`). */
export async function listCurrentPage(limit: number, cursor?: string): Promise<Page<OfferingRecord>> {
  const page = await queryPage<CurrentItem>({ index: 'GSI1', partition: CATALOG_PARTITION, limit, cursor });
  return { items: page.items.map(toOfferingRecord), nextCursor: page.nextCursor };
}

/** Every current offering (the refresh compares them with the repository's files). */
export async function listAllCurrent(max = 5000): Promise<OfferingRecord[]> {
  return (await queryAll<CurrentItem>({ index: 'GSI1', partition: CATALOG_PARTITION }, max)).map(toOfferingRecord);
}

/** The offerings a team owns (GSI2 `OWNER#<team>`), by name. */
export async function listOwnedBy(team: string, max = 1000): Promise<OfferingRecord[]> {
  return (await queryAll<CurrentItem>({ index: 'GSI2', partition: `OWNER#${team}` }, max)).map(toOfferingRecord);
}

/** The OfferingsStore port over the table: the functions above. */
export const dynamoOfferingsStore: OfferingsStore = {
  getCurrent,
  listAllCurrent,
  putVersion,
  putValidation,
  markRemovedFromSource,
  readOffering,
  getVersion,
  listCurrentPage,
  onCurrentWrite,
};
