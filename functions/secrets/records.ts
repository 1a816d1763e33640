/**
 * What the table keeps of secrets (never a value: ARCHITECTURE.md §3):
 *
 *   SECRET#<env>#<service>#<name> / META     the cached metadata   GSI1 SECRETS / <env>#<service>#<name>
 *   SECRETCOMPLIANCE / <yyyy-mm-dd>          the day's share rotated on schedule (the expiry job)
 *   SECRETCHANGE#<service> / <at>#<env>#<owner>#<name>  a value change (rotate, update, rollback) of a secret the service owns
 *                                            or reads: joined into incidents' timelines
 *   SECRETNOTICE#<yyyy-mm-dd> / <kind>#<team>#<principal>  a notice sent that day (the expiry job tells each once a day)
 *
 * The cache is what lists and the expiry dashboard read (one Query); every change through Apollo refreshes its
 * secret's item, and the daily expiry job refreshes them all from the stores.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#shared/errors';
import { db, getItem, putItem, putNew, queryAll, queryPage, tableName, type Item, type Page } from '#lib/table';

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

/**
 * A day's snapshot as the table keeps it: the whole, and `[total, onSchedule]` per `<environment>#<owning team>`, so
 * a view of some environments or some teams' services (a developer's) sums its own history rather than the whole's.
 */
export interface ComplianceSnapshot extends ComplianceDay {
  readonly groups?: Readonly<Record<string, readonly [number, number]>>;
}

export async function saveCompliance(day: ComplianceSnapshot): Promise<void> {
  await putItem({ PK: 'SECRETCOMPLIANCE', SK: day.date, ...day });
}

export async function complianceSince(date: string): Promise<ComplianceSnapshot[]> {
  const items = await queryAll<Item & ComplianceSnapshot>({ partition: 'SECRETCOMPLIANCE', sortKey: { between: [date, '9999-12-31'] } }, 400);
  return items.map(({ date: d, total, onSchedule, percent, groups }) => ({ date: d, total, onSchedule, percent, ...(groups ? { groups } : {}) }));
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
  /**
   * The environments in which the service whose changes these are reads the secret (`changesOf`'s service: the
   * secret's own, or another whose environments reference it). Absent on changes kept before: the secret's own.
   */
  readonly readIn?: readonly string[];
}

/**
 * Keeps a value change under the secret's service and under every service whose environments read it (by their
 * `Environment.secrets`), so the timeline of an incident on any of them shows it.
 */
export async function recordChange(change: Omit<SecretChange, 'readIn'>, readers: ReadonlyArray<{ readonly serviceId: string; readonly environment: string }> = []): Promise<void> {
  const readIn = new Map<string, Set<string>>([[change.service, new Set([change.environment])]]);
  for (const r of readers) readIn.set(r.serviceId, (readIn.get(r.serviceId) ?? new Set()).add(r.environment));
  const expiresAt = Math.floor(Date.parse(change.at) / 1000) + 400 * 86_400;
  for (const [service, environments] of readIn) {
    await putItem({ PK: `SECRETCHANGE#${service}`, SK: `${change.at}#${change.environment}#${change.service}#${change.name}`, ...change, readIn: [...environments].sort(), expiresAt });
  }
}

/** The value changes in [from, to) of the secrets a service owns or reads, oldest first. */
export async function changesOf(service: string, from: string, to: string): Promise<SecretChange[]> {
  const items = await queryAll<Item & SecretChange>({ partition: `SECRETCHANGE#${service}`, sortKey: { between: [from, to] } }, 500);
  return items.map(({ at, service: s, environment, name, secretName, kind, by, versionId, readIn }) => ({ at, service: s, environment, name, secretName, kind, by, versionId, readIn: readIn ?? [environment] }));
}

/** Versions made through Apollo, and by whom (the history says who made each). */
export async function recordVersionAuthor(secretName: string, versionId: string, by: string, at: string): Promise<void> {
  await putItem({ PK: `SECRETVERSIONS#${secretName}`, SK: versionId, by, at });
}

/** Who made one version through Apollo (undefined: not recorded, or not made through Apollo). */
export async function versionAuthor(secretName: string, versionId: string): Promise<{ by: string; at: string } | undefined> {
  const item = await getItem<Item & { by: string; at: string }>({ PK: `SECRETVERSIONS#${secretName}`, SK: versionId });
  return item && { by: item.by, at: item.at };
}

export async function versionAuthors(secretName: string): Promise<Map<string, { by: string; at: string }>> {
  const page: Page<Item & { by: string; at: string }> = await queryPage({ partition: `SECRETVERSIONS#${secretName}`, limit: 200 });
  return new Map(page.items.map((i) => [String(i.SK), { by: i.by, at: i.at }]));
}

/**
 * Claims the day's notice of `kind` about `team`'s secrets for a principal (a conditional write): true the first
 * time that day, false after, so the job run again (at every local start, by hand) tells no one twice a day.
 */
export async function claimNotice(date: string, kind: string, team: string, principal: string): Promise<boolean> {
  try {
    await putNew({ PK: `SECRETNOTICE#${date}`, SK: `${kind}#${team}#${principal.toLowerCase()}`, at: new Date().toISOString(), expiresAt: Math.floor(Date.parse(date) / 1000) + 3 * 86_400 }, 'notice sent');
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}

/** Gives a day's notice back (it could not be sent): the next run that day tries again. */
export async function releaseNotice(date: string, kind: string, team: string, principal: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName(), Key: { PK: `SECRETNOTICE#${date}`, SK: `${kind}#${team}#${principal.toLowerCase()}` } }));
}
