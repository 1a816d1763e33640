/**
 * Secrets (the design doc §3) over one store per environment, opened as the caller. Values go in (create,
 * update, a generated rotation) and never come out: the masked value is the last 4 characters, for secrets:read
 * only, when asked for (`reveal`), and that read is audited. Every metadata read, masked read and change is
 * audited; changes through the routes' write-ahead audit, reads here. The table caches metadata (records.ts) for
 * lists and the expiry job.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Secret, SecretCreate, SecretHistory, SecretList, SecretListQuery, SecretUpdate } from '#schemas/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#shared/errors';
import { isProductionEnvironment } from '#shared/routes';
import { roleHas, type Role } from '#shared/permissions';
import { auditLog } from '#lib/audit-log';
import { notify } from '#lib/notifications';
import { teamMemberPrincipals } from '#functions/identity/public';
import { decodeCursor, encodeCursor, keyOf as cursorKeyOf, queryFingerprint } from '#lib/list-cursor';
import { logger } from '#lib/observability';
import { referencesOfService, serviceFacts, type Reference } from './catalog.ts';
import { secretsConfig } from './config.ts';
import { secretsDeps } from './deps.ts';
import { CATEGORY_NOUN, generateValue, isCategory, judge, policyText, rotationDaysOf, type Category } from './policy.ts';
import { AWSCURRENT, AWSPENDING, MAX_VALUE_BYTES, SECRET_TAGS, secretName, type SecretStore, type StoredSecret } from './ports.ts';
import { cacheSecret, cachedSecret, cachedSecrets, recordChange, recordVersionAuthor, versionAuthor, versionAuthors, type CachedSecret } from './records.ts';

export interface SecretsCaller {
  readonly principal: string;
  readonly role: Role | null;
  teams(): Promise<readonly { readonly teamId: string }[]>;
  readonly requestId: string;
  /** The request's Idempotency-Key: a retry's new version gets the same ClientRequestToken (versionTokenOf). */
  readonly idempotencyKey?: string | undefined;
}

export interface SecretPath { readonly environment: string; readonly service: string; readonly name: string }

const NAME = /^apollo\/([a-z][a-z0-9-]*)\/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\/([A-Za-z0-9][A-Za-z0-9_.-]{0,127})$/;

/** apollo/<env>/<service>/<name> → its parts; anything else is not Apollo's. */
export function parseSecretName(name: string): SecretPath | undefined {
  const match = NAME.exec(name);
  return match ? { environment: match[1]!, service: match[2]!, name: match[3]! } : undefined;
}

const intTag = (value: string | undefined): number | null => (value && /^\d{1,4}$/.test(value) ? Number(value) : null);
const dateTag = (value: string | undefined): string | null => (value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : null);

/** The store's metadata as the cache keeps it (the current version's creation is when the value was made). */
export function toCached(stored: StoredSecret, path: SecretPath, simulated: boolean, referencedBy: readonly Reference[]): CachedSecret & { referencedBy: readonly Reference[] } {
  const current = stored.versions.find((v) => v.stages.includes(AWSCURRENT));
  const category = stored.tags[SECRET_TAGS.category];
  return {
    ...path, secretName: stored.name, arn: stored.arn,
    category: isCategory(category) ? category : 'internal',
    description: stored.description, owner: stored.tags[SECRET_TAGS.owner] ?? null,
    rotationDaysTag: intTag(stored.tags[SECRET_TAGS.rotationDays]), expiresAt: dateTag(stored.tags[SECRET_TAGS.expiresAt]),
    createdAt: stored.createdAt, lastChangedAt: stored.lastChangedAt, lastRotatedAt: stored.lastRotatedAt ?? dateTag(stored.tags[SECRET_TAGS.lastRotatedAt]), lastAccessedAt: stored.lastAccessedAt,
    currentSince: current?.createdAt ?? stored.lastRotatedAt ?? stored.createdAt, currentVersionId: current?.versionId ?? null,
    rotationEnabled: stored.rotationEnabled, deletionDate: stored.deletionDate, simulated, cachedAt: new Date().toISOString(), referencedBy,
  };
}

export function toSecret(cached: CachedSecret & { referencedBy?: readonly Reference[] }, now = Date.now(), masked?: string): Secret {
  const config = secretsConfig();
  const category = cached.category as Category;
  const rotationDays = rotationDaysOf(category, cached.rotationDaysTag);
  const judgement = judge({ category, rotationDays, expiresAt: cached.expiresAt, currentSince: cached.currentSince, createdAt: cached.createdAt, lastAccessedAt: cached.lastAccessedAt, deletionDate: cached.deletionDate }, now, { withinDays: config.dueSoonDays, unusedDays: config.unusedDays });
  return {
    environment: cached.environment, service: cached.service, name: cached.name, secretName: cached.secretName, ...(cached.arn ? { arn: cached.arn } : {}),
    category, description: cached.description, owner: cached.owner, rotationDays, rotationPolicy: policyText(category, cached.rotationDaysTag),
    expiresAt: cached.expiresAt, createdAt: cached.createdAt, lastChangedAt: cached.lastChangedAt, lastRotatedAt: cached.lastRotatedAt, lastAccessedAt: cached.lastAccessedAt,
    nextRotationDue: judgement.nextRotationDue, status: judgement.status, statusReason: judgement.statusReason, deletionDate: cached.deletionDate,
    rotationLambda: cached.rotationEnabled, currentVersionId: cached.currentVersionId, ...(masked ? { masked } : {}),
    referencedBy: (cached.referencedBy ?? []).map((r) => ({ serviceId: r.serviceId, environment: r.environment, name: r.name })), production: isProductionEnvironment(cached.environment), ...(cached.simulated ? { simulated: true } : {}),
  };
}

/** Metadata: secrets:metadata on the service's team, or secrets:metadata:all (operators and up). */
async function requireVisible(caller: SecretsCaller, service: string): Promise<void> {
  if (roleHas(caller.role, 'secrets:metadata:all')) return;
  const team = (await serviceFacts()).get(service)?.team;
  if (team && (await caller.teams()).some((m) => m.teamId === team)) return;
  // Whether it exists is its team's to know.
  throw new NotFoundError(`no secret of ${service} is yours to read: developers see their teams' services' secrets`);
}

/** The teams whose services' secrets the caller sees; null: every team's (secrets:metadata:all). */
export async function visibleTeams(caller: SecretsCaller): Promise<ReadonlySet<string> | null> {
  if (roleHas(caller.role, 'secrets:metadata:all')) return null;
  return new Set((await caller.teams()).map((m) => m.teamId));
}

export async function visibleServices(caller: SecretsCaller): Promise<((service: string) => boolean)> {
  const teams = await visibleTeams(caller);
  if (teams === null) return () => true;
  const facts = await serviceFacts();
  return (service) => teams.has(facts.get(service)?.team ?? '');
}

/** Audits a read here (GET routes have no write-ahead entry): what was read, never a value. */
export async function auditRead(caller: SecretsCaller, action: string, resourceId: string | undefined, details: Record<string, unknown>): Promise<void> {
  const id = await auditLog.recordIntent({
    actor: caller.principal, actorType: 'user', actorRole: caller.role ?? undefined, action, resourceType: 'secret',
    ...(resourceId ? { resourceId } : {}), details, requestId: caller.requestId,
  });
  await auditLog.recordOutcome(id, { outcome: 'succeeded', statusCode: 200 });
}

async function open(environment: string, caller: { principal: string }): Promise<SecretStore> {
  return (await secretsDeps()).storeFor(environment, { principal: caller.principal });
}

async function describeOrThrow(store: SecretStore, path: SecretPath): Promise<StoredSecret> {
  const stored = await store.describe(secretName(path.environment, path.service, path.name));
  if (!stored) throw new NotFoundError(`no secret ${secretName(path.environment, path.service, path.name)}`);
  return stored;
}

/** Re-reads a secret after a change and caches it; answers it as the API shows it. */
async function refresh(store: SecretStore, path: SecretPath, masked?: string): Promise<Secret> {
  const stored = await describeOrThrow(store, path);
  const previous = await cachedSecret(path.environment, path.service, path.name);
  const refs = (previous as { referencedBy?: Reference[] } | undefined)?.referencedBy
    ?? (await referencesOfService(path.service)).get(stored.name) ?? [];
  const cached = toCached(stored, path, store.simulated, refs);
  await cacheSecret(cached);
  return toSecret(cached, Date.now(), masked);
}

const PAGE_DEFAULT = 100;

export async function listSecrets(query: SecretListQuery, caller: SecretsCaller): Promise<SecretList> {
  const visible = await visibleServices(caller);
  const now = Date.now();
  const all = (await cachedSecrets({ ...(query.environment ? { environment: query.environment } : {}), ...(query.environment && query.service ? { service: query.service } : {}) }))
    .filter((c) => visible(c.service) && (!query.service || c.service === query.service))
    .map((c) => toSecret(c, now))
    .filter((s) => (!query.category || s.category === query.category) && (!query.owner || s.owner === query.owner) && (!query.due || s.status === query.due));
  const fingerprint = queryFingerprint(query);
  const after = query.cursor ? String(decodeCursor(query.cursor, fingerprint, cursorKeyOf('string'))[0]) : undefined;
  const keyOf = (s: Secret) => `${s.environment}#${s.service}#${s.name}`;
  const rest = after ? all.filter((s) => keyOf(s) > after) : all;
  const limit = query.limit ?? PAGE_DEFAULT;
  const items = rest.slice(0, limit);
  await auditRead(caller, 'secrets.list', undefined, { query: { ...query, cursor: undefined }, count: items.length });
  return { items, nextCursor: rest.length > limit ? encodeCursor(fingerprint, [keyOf(items.at(-1)!)]) : null };
}

/**
 * A secret's metadata; with `reveal`, its value's last 4 characters too (secrets:read only). Only a reveal reads the
 * value: in AWS that is GetSecretValue, which Secrets Manager counts as an access (LastAccessedDate), so a page
 * opened or a `secrets get` never makes an unused secret look used.
 */
export async function getSecret(path: SecretPath, caller: SecretsCaller, reveal = false): Promise<Secret> {
  await requireVisible(caller, path.service);
  if (reveal && !roleHas(caller.role, 'secrets:read')) throw new ForbiddenError('revealing the last 4 characters needs secrets:read (admins): ask without reveal for the metadata');
  const store = await open(path.environment, caller);
  const name = secretName(path.environment, path.service, path.name);
  const stored = await describeOrThrow(store, path);
  let masked: string | undefined;
  if (reveal) {
    requireNotDeleted(stored);
    // Read from the current version, never kept. A JSON value (a database secret's {username, password}) shows the
    // field the catalog's reference reads.
    const key = (await referencesOfService(path.service)).get(name)?.find((r) => r.key)?.key;
    masked = `••••${await store.lastFour(name, undefined, key)}`;
  }
  const secret = await refresh(store, path, masked);
  await auditRead(caller, reveal ? 'secrets.read.masked' : 'secrets.read.metadata', name, { environment: path.environment, service: path.service, name: path.name });
  return secret;
}

/**
 * A new secret's place: a registered service, in an environment the expiry job walks (the catalog's, or the ones
 * APOLLO_SECRETS_ENVIRONMENTS lists): a secret anywhere else would never be judged, listed or refreshed.
 */
async function requireCatalogPlace(path: SecretPath): Promise<void> {
  const [facts, environments] = await Promise.all([serviceFacts(), secretsDeps().then((d) => d.environments())]);
  if (!facts.get(path.service)) throw new ValidationError(`no service ${path.service} in the catalog`, { details: [{ path: '/path/service', message: 'not a registered service' }] });
  if (!environments.includes(path.environment)) {
    throw new ValidationError(`no environment ${path.environment}: secrets live in ${environments.join(', ') || 'no environment yet'}`, { details: [{ path: '/path/env', message: `not one of ${environments.join(', ')}` }] });
  }
}

function tagsOf(path: SecretPath, body: Pick<SecretCreate, 'category' | 'owner' | 'rotationDays' | 'expiresAt'>): Record<string, string> {
  return {
    [SECRET_TAGS.service]: path.service, [SECRET_TAGS.environment]: path.environment, [SECRET_TAGS.category]: body.category,
    ...(body.owner ? { [SECRET_TAGS.owner]: body.owner } : {}),
    ...(body.rotationDays ? { [SECRET_TAGS.rotationDays]: String(body.rotationDays) } : {}),
    ...(body.expiresAt ? { [SECRET_TAGS.expiresAt]: new Date(body.expiresAt).toISOString() } : {}),
  };
}

const generated = () => generateValue((n) => randomBytes(n));

/**
 * The ClientRequestToken of a new version (its version id): random, or with an Idempotency-Key the same for every
 * retry of that request (a UUID from the caller, the action, the secret and the key), so Secrets Manager answers a
 * retried value with the version it made rather than a second one (the same token with another value: 409).
 */
function versionTokenOf(caller: Pick<SecretsCaller, 'principal' | 'idempotencyKey'>, action: 'create' | 'update' | 'rotate', name: string): string {
  if (!caller.idempotencyKey) return randomUUID();
  const hex = createHash('sha256').update(JSON.stringify([caller.principal, action, name, caller.idempotencyKey])).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Secrets Manager's limit is in bytes (UTF-8), the schema's in characters: 40,000 "é" pass one and not the other. */
function requireValueSize(value: string | undefined): void {
  if (value === undefined) return;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_VALUE_BYTES) throw new ValidationError(`a value is at most ${MAX_VALUE_BYTES} bytes (UTF-8); this one is ${bytes}`, { details: [{ path: '/body/value', message: `more than ${MAX_VALUE_BYTES} bytes` }] });
}

/**
 * The fields the catalog's references read of a secret's JSON value (a database secret's `password`): a new value
 * must keep them, or the services reading them break. Generated values are single strings: refused then. The
 * error never repeats the value.
 */
async function requireReadableValue(path: SecretPath, value: string | undefined): Promise<void> {
  const refs = (await referencesOfService(path.service)).get(secretName(path.environment, path.service, path.name)) ?? [];
  const keys = [...new Set(refs.map((r) => r.key).filter((k): k is string => Boolean(k)))];
  if (!keys.length) return;
  const readers = [...new Set(refs.filter((r) => r.key).map((r) => `${r.serviceId} (${r.environment}, as ${r.name})`))].join(', ');
  if (value === undefined) {
    throw new ValidationError(`${readers} read${refs.length === 1 ? 's' : ''} the field${keys.length === 1 ? '' : 's'} ${keys.join(', ')} of this secret's JSON value: type the whole JSON value rather than generate one`, { details: [{ path: '/body/generate', message: `the value must be JSON with ${keys.join(', ')}` }] });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const missing = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? keys.filter((k) => typeof (parsed as Record<string, unknown>)[k] !== 'string') : keys;
  if (missing.length) {
    throw new ValidationError(`${readers} read${refs.length === 1 ? 's' : ''} the field${keys.length === 1 ? '' : 's'} ${keys.join(', ')} of this secret's value: give a JSON object with ${missing.join(', ')} as text`, { details: [{ path: '/body/value', message: `a JSON object with ${missing.join(', ')}` }] });
  }
}

export async function createSecret(path: SecretPath, body: SecretCreate, caller: SecretsCaller): Promise<Secret> {
  await requireCatalogPlace(path);
  if (body.category === 'certificate' && !body.expiresAt) throw new ValidationError('a certificate needs expiresAt: it is due before it expires', { details: [{ path: '/body/expiresAt', message: 'is required for certificates' }] });
  const value = 'value' in body ? body.value : undefined;
  requireValueSize(value);
  await requireReadableValue(path, value);
  const store = await open(path.environment, caller);
  const name = secretName(path.environment, path.service, path.name);
  const token = versionTokenOf(caller, 'create', name);
  // A retry of a create that failed after Secrets Manager made the secret (its Idempotency-Key's token is a version
  // of it): that secret, not 409. A typed value is put again: the same value is the same version, another one 409.
  const made = caller.idempotencyKey ? (await store.describe(name))?.versions.some((v) => v.versionId === token) : false;
  let versionId = token;
  if (!made) ({ versionId } = await store.create({ name, value: value ?? generated(), description: body.description ?? '', tags: tagsOf(path, body), clientRequestToken: token }));
  else if (value !== undefined) await store.putValue(name, value, { clientRequestToken: token });
  await recordVersionAuthor(name, versionId, caller.principal, new Date().toISOString());
  logger.info('secret created', { secretName: name, versionId });
  return refresh(store, path);
}

function requireNotDeleted(stored: StoredSecret): void {
  if (stored.deletionDate) throw new ConflictError(`${stored.name} is scheduled for deletion on ${stored.deletionDate.slice(0, 10)}: restore it first`, { details: [{ path: '/secret/deletionDate', message: stored.deletionDate }] });
}

/** The catalog environments that read a secret: the cache's (the expiry job's view), else its own service's. */
async function readersOf(path: SecretPath, name: string): Promise<readonly Reference[]> {
  const cached = await cachedSecret(path.environment, path.service, path.name);
  return cached?.referencedBy?.length ? cached.referencedBy : (await referencesOfService(path.service)).get(name) ?? [];
}

async function noteChange(store: SecretStore, path: SecretPath, kind: 'rotate' | 'update' | 'rollback', versionId: string, by: string): Promise<void> {
  const at = new Date().toISOString();
  const name = secretName(path.environment, path.service, path.name);
  const refs = await readersOf(path, name);
  await recordChange({ at, service: path.service, environment: path.environment, name: path.name, secretName: name, kind, by, versionId }, refs);
  if (kind !== 'rollback') await recordVersionAuthor(name, versionId, by, at);
  // Under `secretName`: the logger redacts any key named like a secret (`secret`), and this is only its name.
  logger.info('secret value changed', { secretName: name, kind, versionId, simulated: store.simulated });
  await offerRestarts(path, name, kind, by, refs).catch((error: unknown) => logger.warn('restart offer not sent', { secretName: name, error: error as Error }));
}

const CHANGED = { rotate: 'rotated', update: 'given a new value', rollback: 'rolled back' } as const;

/**
 * The services whose environments read the secret are offered a restart (they pick the value up when they next
 * fetch it): their teams hear of it (`secret.rotated`, in-app and on EventBridge); the secret's page has the
 * Restart buttons (POST /api/v1/services/{id}/restart, a deployment record like any other).
 */
async function offerRestarts(path: SecretPath, name: string, kind: 'rotate' | 'update' | 'rollback', by: string, refs: readonly Reference[]): Promise<void> {
  if (!refs.length) return;
  const facts = await serviceFacts();
  const teams = new Set(refs.map((r) => facts.get(r.serviceId)?.team).filter((t): t is string => Boolean(t)));
  const members = (await Promise.all([...teams].map((t) => teamMemberPrincipals(t).catch(() => [])))).flat();
  const where = [...new Set(refs.map((r) => `${r.serviceId} in ${r.environment}`))];
  await notify(members, {
    kind: 'secret.rotated',
    title: `${name} was ${CHANGED[kind]} by ${by}: restart ${where.join(', ')} to pick it up`,
    body: `The services read the new value when they next fetch it. Restart them from the secret's page (a rolling restart, recorded as a deployment).`,
    link: `/secrets/${path.environment}/${path.service}/${path.name}`,
    resource: { type: 'secret', id: name },
  });
}

export async function updateSecret(path: SecretPath, body: SecretUpdate, caller: SecretsCaller): Promise<Secret> {
  const store = await open(path.environment, caller);
  const stored = await describeOrThrow(store, path);
  requireNotDeleted(stored);
  const name = stored.name;
  const category = stored.tags[SECRET_TAGS.category];
  if (body.expiresAt === null && category === 'certificate') throw new ValidationError('a certificate keeps its expiresAt', { details: [{ path: '/body/expiresAt', message: 'is required for certificates' }] });
  if (body.value !== undefined || body.generate) {
    requireValueSize(body.value);
    await requireReadableValue(path, body.value);
    const token = versionTokenOf(caller, 'update', name);
    // A retry whose first try made the version (and failed after): a typed value is put again (the same value is the
    // same version; another is 409), a generated one is not made again; the change is told once (its author recorded).
    const made = stored.versions.some((v) => v.versionId === token);
    let versionId = token;
    if (!made || body.value !== undefined) ({ versionId } = await store.putValue(name, body.value ?? generated(), { clientRequestToken: token }));
    if (!made || !(await versionAuthor(name, versionId))) await noteChange(store, path, 'update', versionId, caller.principal);
  }
  if (body.description !== undefined) await store.setDescription(name, body.description);
  const tags: Record<string, string | null> = {};
  if (body.owner !== undefined) tags[SECRET_TAGS.owner] = body.owner;
  if (body.rotationDays !== undefined) tags[SECRET_TAGS.rotationDays] = body.rotationDays === null ? null : String(body.rotationDays);
  if (body.expiresAt !== undefined) tags[SECRET_TAGS.expiresAt] = body.expiresAt === null ? null : new Date(body.expiresAt).toISOString();
  if (Object.keys(tags).length) await store.setTags(name, tags);
  return refresh(store, path);
}

export async function deleteSecret(path: SecretPath, recoveryDays: number, caller: SecretsCaller): Promise<Secret> {
  const store = await open(path.environment, caller);
  const stored = await describeOrThrow(store, path);
  if (stored.deletionDate) return refresh(store, path);
  await store.scheduleDeletion(stored.name, recoveryDays);
  return refresh(store, path);
}

export async function restoreSecret(path: SecretPath, caller: SecretsCaller): Promise<Secret> {
  const store = await open(path.environment, caller);
  const stored = await describeOrThrow(store, path);
  if (!stored.deletionDate) return refresh(store, path);
  await store.restore(stored.name);
  return refresh(store, path);
}

/**
 * Rotate now: the rotation Lambda where Secrets Manager has one; else, for internal secrets, a generated value
 * staged AWSPENDING then promoted AWSCURRENT (the old one AWSPREVIOUS). Other categories' values come from
 * their provider: 409 saying to update the value.
 */
export async function rotateSecret(path: SecretPath, caller: SecretsCaller): Promise<Secret> {
  const store = await open(path.environment, caller);
  const stored = await describeOrThrow(store, path);
  requireNotDeleted(stored);
  // Only a secret tagged internal gets a value Apollo makes: an untagged one (made outside Apollo) may be a password
  // or a key its provider issued, which a random value would break.
  const category = stored.tags[SECRET_TAGS.category];
  // With an Idempotency-Key, a retry of a rotation that stopped part-way (after its new version was made) finishes
  // that rotation instead of making a second one: Secrets Manager answers RotateSecret's same token with the same
  // version, and Apollo's own rotation finds its version by the token and only moves the stages still to move.
  const token = versionTokenOf(caller, 'rotate', stored.name);
  let versionId: string;
  if (stored.rotationEnabled) {
    ({ versionId } = await store.rotate(stored.name, token));
  } else if (category === 'internal') {
    const made = caller.idempotencyKey ? stored.versions.find((v) => v.versionId === token) : undefined;
    if (made) versionId = made.versionId;
    else {
      await requireReadableValue(path, undefined);
      ({ versionId } = await store.putValue(stored.name, generated(), { clientRequestToken: token, stage: AWSPENDING }));
    }
    if (!made?.stages.includes(AWSCURRENT)) await store.moveStage(stored.name, AWSCURRENT, versionId);
    await store.removeStage(stored.name, AWSPENDING);
    await store.setTags(stored.name, { [SECRET_TAGS.lastRotatedAt]: new Date().toISOString() });
  } else if (category === undefined) {
    throw new ConflictError(`${stored.name} has no ${SECRET_TAGS.category} tag and no rotation Lambda: Apollo generates values for internal secrets only; set its new value with PUT (a new version), or tag it ${SECRET_TAGS.category}=internal in Secrets Manager if any value will do`, {
      details: [{ path: '/secret/category', message: 'no apollo:category tag' }],
    });
  } else {
    throw new ConflictError(`${stored.name} is ${isCategory(category) ? CATEGORY_NOUN[category] : `a ${category}`} secret without a rotation Lambda: its new value comes from its provider; set it with PUT (a new version), or configure rotation in Secrets Manager`, {
      details: [{ path: '/secret/category', message: category }],
    });
  }
  await noteChange(store, path, 'rotate', versionId, caller.principal);
  return refresh(store, path);
}

export async function secretHistory(path: SecretPath, caller: SecretsCaller): Promise<SecretHistory> {
  await requireVisible(caller, path.service);
  const store = await open(path.environment, caller);
  const stored = await describeOrThrow(store, path);
  const authors = await versionAuthors(stored.name);
  const versions = [...stored.versions]
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
    .map((v) => ({ versionId: v.versionId, stages: [...v.stages], createdAt: v.createdAt ?? authors.get(v.versionId)?.at ?? null, createdBy: authors.get(v.versionId)?.by ?? null, lastAccessedAt: v.lastAccessedAt }));
  await auditRead(caller, 'secrets.read.history', stored.name, { environment: path.environment, service: path.service, name: path.name });
  return { secretName: stored.name, versions };
}

/** AWSCURRENT back to an earlier version; the one it leaves becomes AWSPREVIOUS. */
export async function rollbackSecret(path: SecretPath, versionId: string, caller: SecretsCaller): Promise<Secret> {
  const store = await open(path.environment, caller);
  const stored = await describeOrThrow(store, path);
  requireNotDeleted(stored);
  const version = stored.versions.find((v) => v.versionId === versionId);
  if (!version) throw new NotFoundError(`${stored.name} has no version ${versionId}`, { details: [{ path: '/body/versionId', message: 'not a version of this secret' }] });
  if (version.stages.includes(AWSCURRENT)) throw new ConflictError(`version ${versionId} is ${stored.name}'s current one already`, { details: [{ path: '/body/versionId', message: 'AWSCURRENT' }] });
  await store.moveStage(stored.name, AWSCURRENT, versionId);
  await noteChange(store, path, 'rollback', versionId, caller.principal);
  return refresh(store, path);
}
