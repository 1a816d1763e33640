/**
 * What the table keeps of secrets (never a value: ARCHITECTURE.md §3):
 *
 *   SECRET#<env>#<service>#<name> / META     the cached metadata   GSI1 SECRETS / <env>#<service>#<name>
 *   SECRETCOMPLIANCE / <yyyy-mm-dd>          the day's share rotated on schedule (the expiry job)
 *   SECRETCHANGE#<service> / <at>#<name>     a value change (rotate, update, rollback): joined into incidents' timelines
 *
 * The cache is what lists and the expiry dashboard read (one Query); every change through Apollo refreshes its
 * secret's item, and the daily expiry job refreshes them all from the stores.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { db, getItem, putItem, queryAll, queryPage, tableName, type Item, type Page } from '#lib/table';

/** The cached facts of a secret: the store's metadata without anything derived from today. */
export interface CachedSecret {
  readonly environment: string;
  readonly service: string;
  readonly name: string;
  readonly secretName: string;
  readonly arn: string;
  readonly category: string;
  readonly description: string;
  readonly owner: string | null;
  readonly rotationDaysTag: number | null;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly lastChangedAt: string;
  readonly lastRotatedAt: string | null;
  readonly lastAccessedAt: string | null;
  readonly currentSince: string;
  readonly currentVersionId: string | null;
  readonly rotationEnabled: boolean;
  readonly deletionDate: string | null;
  readonly simulated: boolean;
  readonly cachedAt: string;
  /** Catalog environments whose secrets name it (the expiry job's, or a write's own service's). */
  readonly referencedBy?: ReadonlyArray<{ readonly serviceId: string; readonly environment: string; readonly name: string }>;
}

const sortOf = (environment: string, service: string, name: string) => `${environment}#${service}#${name}`;
const keyOf = (environment: string, service: string, name: string) => ({ PK: `SECRET#${sortOf(environment, service, name)}`, SK: 'META' });

function strip(item: Item & CachedSecret): CachedSecret {
  const { PK: _p, SK: _s, GSI1PK: _g, GSI1SK: _gs, ...rest } = item;
  return rest as CachedSecret;
}

export async function cacheSecret(secret: CachedSecret): Promise<void> {
  await putItem({ ...keyOf(secret.environment, secret.service, secret.name), ...secret, GSI1PK: 'SECRETS', GSI1SK: sortOf(secret.environment, secret.service, secret.name) });
}

export async function uncacheSecret(environment: string, service: string, name: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName(), Key: keyOf(environment, service, name) }));
}

export async function cachedSecret(environment: string, service: string, name: string): Promise<CachedSecret | undefined> {
  const item = await getItem<Item & CachedSecret>(keyOf(environment, service, name));
  return item && strip(item);
}

/** Every cached secret under an environment (and service), in name order; all of them without one. */
export async function cachedSecrets(prefix: { environment?: string; service?: string } = {}, max = 5_000): Promise<CachedSecret[]> {
  const begins = prefix.environment ? `${prefix.environment}#${prefix.service ? `${prefix.service}#` : ''}` : undefined;
  const items = await queryAll<Item & CachedSecret>({ index: 'GSI1', partition: 'SECRETS', ...(begins ? { sortKey: { beginsWith: begins } } : {}) }, max);
  return items.map(strip);
}

export interface ComplianceDay { readonly date: string; readonly total: number; readonly onSchedule: number; readonly percent: number | null }

export async function saveCompliance(day: ComplianceDay): Promise<void> {
  await putItem({ PK: 'SECRETCOMPLIANCE', SK: day.date, ...day });
}

export async function complianceSince(date: string): Promise<ComplianceDay[]> {
  const items = await queryAll<Item & ComplianceDay>({ partition: 'SECRETCOMPLIANCE', sortKey: { between: [date, '9999-12-31'] } }, 400);
  return items.map(({ date: d, total, onSchedule, percent }) => ({ date: d, total, onSchedule, percent }));
}

export interface SecretChange {
  readonly at: string;
  readonly service: string;
  readonly environment: string;
  readonly name: string;
  readonly secretName: string;
  readonly kind: 'rotate' | 'update' | 'rollback';
  readonly by: string;
  readonly versionId: string;
}

export async function recordChange(change: SecretChange): Promise<void> {
  await putItem({ PK: `SECRETCHANGE#${change.service}`, SK: `${change.at}#${change.environment}#${change.name}`, ...change, expiresAt: Math.floor(Date.parse(change.at) / 1000) + 400 * 86_400 });
}

/** A service's value changes in [from, to), oldest first. */
export async function changesOf(service: string, from: string, to: string): Promise<SecretChange[]> {
  const items = await queryAll<Item & SecretChange>({ partition: `SECRETCHANGE#${service}`, sortKey: { between: [from, to] } }, 500);
  return items.map(({ at, service: s, environment, name, secretName, kind, by, versionId }) => ({ at, service: s, environment, name, secretName, kind, by, versionId }));
}

/** Versions made through Apollo, and by whom (the history says who made each). */
export async function recordVersionAuthor(secretName: string, versionId: string, by: string, at: string): Promise<void> {
  await putItem({ PK: `SECRETVERSIONS#${secretName}`, SK: versionId, by, at });
}

export async function versionAuthors(secretName: string): Promise<Map<string, { by: string; at: string }>> {
  const page: Page<Item & { by: string; at: string }> = await queryPage({ partition: `SECRETVERSIONS#${secretName}`, limit: 200 });
  return new Map(page.items.map((i) => [String(i.SK), { by: i.by, at: i.at }]));
}
