/**
 * The LOCAL secret store (simulated): Secrets Manager's model (names, tags, versions with staging labels, scheduled
 * deletion, last access to the day) kept in `$APOLLO_HOME/secrets.json`, or in memory without a home (tests).
 * Each version's value is encrypted with AES-256-GCM (a random 12-byte IV per version, its auth tag kept, the
 * secret's name and version id as additional data so a value cannot be moved to another secret) under a 32-byte
 * key in `$APOLLO_HOME/secrets.key`, created with mode 0600; a key file others can read stops the store from opening.
 *
 * It answers as Secrets Manager does, with the same mapped errors as the AWS adapter: ResourceExists and
 * InvalidRequest (scheduled for deletion, no rotation configured) are ConflictError, ResourceNotFound is
 * NotFoundError, InvalidParameter is ValidationError. `list` gives each version's stages without dates, as
 * ListSecrets does; `describe` gives the dates. Rotation is off for local secrets (no rotation Lambda), unless a
 * test creates one with `rotationEnabled`. Every write replaces the file whole (temp file, rename).
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, MAX_VALUE_BYTES, type SecretStore, type SecretStoreFactory, type StoredSecret, type StoredVersion } from '../ports.ts';
import { lastFourOf } from './last-four.ts';

export const LOCAL_SECRETS_FILE = 'secrets.json';
export const LOCAL_SECRETS_KEY_FILE = 'secrets.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const DAY_MS = 86_400_000;
/** Secrets Manager keeps about 100 versions, dropping the oldest without a staging label. */
export const MAX_VERSIONS = 100;
/** Secrets Manager's limits, answered the same way (InvalidParameterException → 400). */
const NAME = /^[\w/+=.@-]{1,512}$/;
const TOKEN = /^[\w-]{32,64}$/;
const MAX_TAGS = 50;

interface FileVersion {
  versionId: string;
  stages: string[];
  createdAt: string;
  lastAccessedAt: string | null;
  /** base64 */
  iv: string;
  tag: string;
  data: string;
}

interface FileSecret {
  name: string;
  arn: string;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
  lastChangedAt: string;
  lastRotatedAt: string | null;
  lastAccessedAt: string | null;
  rotationEnabled: boolean;
  deletionDate: string | null;
  /** Oldest first. */
  versions: FileVersion[];
}

interface FileState {
  format: 1;
  secrets: Record<string, FileSecret>;
}

export interface LocalSecretStoreOptions {
  /** $APOLLO_HOME: the file and key live here; undefined keeps everything in memory. */
  readonly home?: string;
  readonly now?: () => Date;
}

/** Secrets Manager's messages for the same refusals (InvalidRequestException). */
const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";

export class LocalSecretStore implements SecretStore {
  readonly simulated = true;
  /** The file (undefined in memory). */
  readonly file: string | undefined;
  private readonly key: Buffer;
  private readonly now: () => Date;
  private memory: FileState = { format: 1, secrets: {} };

  constructor(options: LocalSecretStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    if (options.home) {
      mkdirSync(options.home, { recursive: true });
      this.file = join(options.home, LOCAL_SECRETS_FILE);
      this.key = openKey(join(options.home, LOCAL_SECRETS_KEY_FILE), this.file);
      this.load(); // a malformed file stops the runtime now, not on the first request
    } else {
      this.file = undefined;
      this.key = randomBytes(KEY_BYTES);
    }
  }

  async list(prefix: string): Promise<StoredSecret[]> {
    const state = this.load();
    return Object.values(state.secrets)
      .filter((s) => s.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      // ListSecrets gives each version's stages only (SecretVersionsToStages), and only labelled versions.
      .map((s) => toStored(s, (v) => (v.stages.length > 0 ? [{ versionId: v.versionId, stages: [...v.stages], createdAt: null, lastAccessedAt: null }] : [])));
  }

  async describe(name: string): Promise<StoredSecret | undefined> {
    const secret = this.load().secrets[name];
    return secret ? toStored(secret, (v) => [{ versionId: v.versionId, stages: [...v.stages], createdAt: v.createdAt, lastAccessedAt: v.lastAccessedAt }]) : undefined;
  }

  async create(input: {
    name: string;
    value: string;
    description: string;
    tags: Readonly<Record<string, string>>;
    clientRequestToken: string;
    /** Test only: as if a rotation Lambda were configured (rotate then makes and promotes a random value). */
    rotationEnabled?: boolean;
  }): Promise<{ arn: string; versionId: string }> {
    validName(input.name);
    validToken(input.clientRequestToken);
    validValue(input.name, input.value);
    validTags(input.name, input.tags);
    return this.mutate((state) => {
      const existing = state.secrets[input.name];
      if (existing?.deletionDate) throw new ConflictError(`secret ${input.name}: You can't create this secret because a secret with this name is already scheduled for deletion.`);
      if (existing) throw new ConflictError(`secret ${input.name} already exists`);
      const at = this.now().toISOString();
      const secret: FileSecret = {
        name: input.name,
        arn: `arn:aws:secretsmanager:local:000000000000:secret:${input.name}-${randomSuffix()}`,
        description: input.description,
        tags: { ...input.tags },
        createdAt: at,
        lastChangedAt: at,
        lastRotatedAt: null,
        lastAccessedAt: null,
        rotationEnabled: input.rotationEnabled === true,
        deletionDate: null,
        versions: [],
      };
      this.addVersion(secret, input.clientRequestToken, input.value, AWSCURRENT, at);
      state.secrets[input.name] = secret;
      return { arn: secret.arn, versionId: input.clientRequestToken };
    });
  }

  async putValue(name: string, value: string, options: { clientRequestToken: string; stage?: typeof AWSCURRENT | typeof AWSPENDING }): Promise<{ versionId: string }> {
    validToken(options.clientRequestToken);
    validValue(name, value);
    return this.mutate((state) => {
      const secret = live(state, name);
      const same = secret.versions.find((v) => v.versionId === options.clientRequestToken);
      if (same) {
        // A retry with the same token and value is the same version; another value cannot reuse the token.
        if (equalStrings(this.decrypt(secret, same), value)) return { versionId: same.versionId };
        throw new ConflictError(`secret ${name}: a version with this ClientRequestToken already exists with another value`);
      }
      const at = this.now().toISOString();
      this.addVersion(secret, options.clientRequestToken, value, options.stage ?? AWSCURRENT, at);
      secret.lastChangedAt = at;
      return { versionId: options.clientRequestToken };
    });
  }

  /** `key` (beyond the port, for JSON values): that field's last 4 (last-four.ts). */
  async lastFour(name: string, versionId?: string, key?: string): Promise<string> {
    return this.mutate((state) => {
      const secret = live(state, name);
      const version = versionId ? secret.versions.find((v) => v.versionId === versionId) : secret.versions.find((v) => v.stages.includes(AWSCURRENT));
      if (!version) throw new NotFoundError(versionId ? `secret ${name} has no version ${versionId}` : `secret ${name} has no ${AWSCURRENT} version`);
      // Secrets Manager records access to the day.
      const day = `${this.now().toISOString().slice(0, 10)}T00:00:00.000Z`;
      secret.lastAccessedAt = day;
      version.lastAccessedAt = day;
      return lastFourOf(this.decrypt(secret, version), key);
    });
  }

  async moveStage(name: string, stage: string, toVersionId: string): Promise<void> {
    if (!stage || stage.length > 256) throw new ValidationError(`secret ${name}: a staging label is 1 to 256 characters`);
    this.mutate((state) => {
      const secret = live(state, name);
      const target = secret.versions.find((v) => v.versionId === toVersionId);
      if (!target) throw new NotFoundError(`secret ${name} has no version ${toVersionId}`);
      if (target.stages.includes(stage)) return;
      attach(secret, stage, target);
      secret.lastChangedAt = this.now().toISOString();
    });
  }

  async removeStage(name: string, stage: string): Promise<void> {
    // Secrets Manager refuses too: a secret always has a current version.
    if (stage === AWSCURRENT) throw new ValidationError(`secret ${name}: ${AWSCURRENT} cannot be taken off a version, only moved to another (moveStage)`);
    this.mutate((state) => {
      const secret = live(state, name);
      const holder = secret.versions.find((v) => v.stages.includes(stage));
      if (!holder) return;
      holder.stages = holder.stages.filter((s) => s !== stage);
      secret.lastChangedAt = this.now().toISOString();
    });
  }

  async setTags(name: string, tags: Readonly<Record<string, string | null>>): Promise<void> {
    this.mutate((state) => {
      const secret = live(state, name);
      const next = { ...secret.tags };
      for (const [key, value] of Object.entries(tags)) {
        if (value === null) delete next[key];
        else next[key] = value;
      }
      validTags(name, next);
      secret.tags = next;
      secret.lastChangedAt = this.now().toISOString();
    });
  }

  async setDescription(name: string, description: string): Promise<void> {
    if (description.length > 2048) throw new ValidationError(`secret ${name}: a description is at most 2048 characters`);
    this.mutate((state) => {
      const secret = live(state, name);
      secret.description = description;
      secret.lastChangedAt = this.now().toISOString();
    });
  }

  /** As a rotation Lambda would: a random value staged AWSPENDING, then promoted to AWSCURRENT. */
  async rotate(name: string, clientRequestToken: string): Promise<{ versionId: string }> {
    validToken(clientRequestToken);
    return this.mutate((state) => {
      const secret = live(state, name);
      if (!secret.rotationEnabled) throw new ConflictError(`secret ${name}: No Lambda rotation function ARN is associated with this secret (local secrets have no rotation Lambda).`);
      if (secret.versions.some((v) => v.versionId === clientRequestToken)) return { versionId: clientRequestToken };
      const pending = secret.versions.find((v) => v.stages.includes(AWSPENDING));
      if (pending && !pending.stages.includes(AWSCURRENT)) throw new ConflictError(`secret ${name}: A previous rotation isn't complete. That rotation will be reattempted.`);
      const at = this.now().toISOString();
      const version = this.addVersion(secret, clientRequestToken, randomBytes(32).toString('base64url'), AWSPENDING, at);
      attach(secret, AWSCURRENT, version);
      secret.lastRotatedAt = at;
      secret.lastChangedAt = at;
      return { versionId: clientRequestToken };
    });
  }

  async scheduleDeletion(name: string, recoveryDays: number): Promise<{ deletionDate: string }> {
    if (!Number.isInteger(recoveryDays) || recoveryDays < 7 || recoveryDays > 30) throw new ValidationError(`secret ${name}: the recovery window is 7 to 30 days, not ${recoveryDays}`);
    return this.mutate((state) => {
      const secret = live(state, name);
      const now = this.now();
      secret.deletionDate = new Date(now.getTime() + recoveryDays * DAY_MS).toISOString();
      secret.lastChangedAt = now.toISOString();
      return { deletionDate: secret.deletionDate };
    });
  }

  async restore(name: string): Promise<void> {
    this.mutate((state) => {
      const secret = found(state, name);
      if (!secret.deletionDate) return;
      secret.deletionDate = null;
      secret.lastChangedAt = this.now().toISOString();
    });
  }

  /**
   * Seed and test only (not in the port): moves every date of a secret `days` back (its versions keep their order),
   * and sets when it was last read (to the day; null: never).
   */
  backdate(name: string, change: { days: number; lastAccessedAt?: string | null }): void {
    this.mutate((state) => {
      const secret = found(state, name);
      const back = (iso: string): string => new Date(Date.parse(iso) - change.days * DAY_MS).toISOString();
      secret.createdAt = back(secret.createdAt);
      secret.lastChangedAt = back(secret.lastChangedAt);
      if (secret.lastRotatedAt) secret.lastRotatedAt = back(secret.lastRotatedAt);
      for (const version of secret.versions) {
        version.createdAt = back(version.createdAt);
        if (version.lastAccessedAt) version.lastAccessedAt = back(version.lastAccessedAt);
      }
      if (secret.lastAccessedAt) secret.lastAccessedAt = back(secret.lastAccessedAt);
      if (change.lastAccessedAt !== undefined) {
        const day = change.lastAccessedAt === null ? null : `${change.lastAccessedAt.slice(0, 10)}T00:00:00.000Z`;
        secret.lastAccessedAt = day;
        const current = secret.versions.find((v) => v.stages.includes(AWSCURRENT));
        if (current) current.lastAccessedAt = day;
      }
    });
  }

  /** A new version, oldest labelless ones dropped past MAX_VERSIONS. */
  private addVersion(secret: FileSecret, versionId: string, value: string, stage: string, at: string): FileVersion {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(secret.name, versionId));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const version: FileVersion = { versionId, stages: [], createdAt: at, lastAccessedAt: null, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    secret.versions.push(version);
    attach(secret, stage, version);
    while (secret.versions.length > MAX_VERSIONS) {
      const oldest = secret.versions.findIndex((v) => v.stages.length === 0);
      if (oldest < 0) break;
      secret.versions.splice(oldest, 1);
    }
    return version;
  }

  private decrypt(secret: FileSecret, version: FileVersion): string {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(version.iv, 'base64'));
      decipher.setAAD(aad(secret.name, version.versionId));
      decipher.setAuthTag(Buffer.from(version.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(version.data, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new Error(`version ${version.versionId} of ${secret.name} cannot be decrypted with ${LOCAL_SECRETS_KEY_FILE} (another key, or an edited file)`, { cause: error });
    }
  }

  /** Reads the state (secrets past their deletion date purged), applies `change`, writes it whole. */
  private mutate<T>(change: (state: FileState) => T): T {
    const state = this.load();
    const out = change(state);
    this.save(state);
    return out;
  }

  private load(): FileState {
    let state: FileState;
    if (!this.file) {
      // A copy, so a change that throws half-way leaves nothing behind (as the file does).
      state = structuredClone(this.memory);
    } else {
      let text: string | undefined;
      try {
        text = readFileSync(this.file, 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
      }
      state = text === undefined ? { format: 1, secrets: {} } : parseState(this.file, text);
    }
    const now = this.now().getTime();
    let purged = false;
    for (const [name, secret] of Object.entries(state.secrets)) {
      if (secret.deletionDate && Date.parse(secret.deletionDate) <= now) {
        delete state.secrets[name];
        purged = true;
      }
    }
    if (purged) this.save(state);
    return state;
  }

  private save(state: FileState): void {
    if (!this.file) {
      this.memory = structuredClone(state);
      return;
    }
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.file);
  }
}

/** One local store serves every environment (a secret's name carries its environment). */
export function localSecretStoreFactory(store: LocalSecretStore): SecretStoreFactory {
  return async () => store;
}

function toStored(secret: FileSecret, versionsOf: (v: FileVersion) => StoredVersion[]): StoredSecret {
  return {
    name: secret.name,
    arn: secret.arn,
    description: secret.description,
    tags: { ...secret.tags },
    createdAt: secret.createdAt,
    lastChangedAt: secret.lastChangedAt,
    lastRotatedAt: secret.lastRotatedAt,
    lastAccessedAt: secret.lastAccessedAt,
    rotationEnabled: secret.rotationEnabled,
    deletionDate: secret.deletionDate,
    // Newest first, as the AWS adapter answers.
    versions: [...secret.versions].reverse().flatMap(versionsOf),
  };
}

/**
 * Attaches a staging label to a version, taking it from the version holding it (a label is on one version at a
 * time); moving AWSCURRENT moves AWSPREVIOUS to the version it left, as Secrets Manager does.
 */
function attach(secret: FileSecret, stage: string, target: FileVersion): void {
  const holder = secret.versions.find((v) => v !== target && v.stages.includes(stage));
  if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
  if (!target.stages.includes(stage)) target.stages.push(stage);
  if (stage === AWSCURRENT && holder) {
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== AWSPREVIOUS);
    holder.stages.push(AWSPREVIOUS);
  }
}

function found(state: FileState, name: string): FileSecret {
  const secret = Object.prototype.hasOwnProperty.call(state.secrets, name) ? state.secrets[name] : undefined;
  if (!secret) throw new NotFoundError(`secret ${name} not found`);
  return secret;
}

/** A secret that is not scheduled for deletion (Secrets Manager refuses changes to one that is). */
function live(state: FileState, name: string): FileSecret {
  const secret = found(state, name);
  if (secret.deletionDate) throw new ConflictError(`secret ${name}: ${MARKED_FOR_DELETION}`);
  return secret;
}

const aad = (name: string, versionId: string): Buffer => Buffer.from(`${name}\n${versionId}`, 'utf8');

function equalStrings(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join('');
}

function validName(name: string): void {
  if (!NAME.test(name)) throw new ValidationError(`secret ${name}: a name is 1 to 512 letters, digits and /_+=.@-`);
}

function validToken(token: string): void {
  if (!TOKEN.test(token)) throw new ValidationError(`ClientRequestToken must be 32 to 64 letters, digits, _ or -`);
}

function validValue(name: string, value: string): void {
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) throw new ValidationError(`secret ${name}: a value is at most ${MAX_VALUE_BYTES} bytes`);
}

function validTags(name: string, tags: Readonly<Record<string, string>>): void {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw new ValidationError(`secret ${name}: at most ${MAX_TAGS} tags`);
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || key.startsWith('aws:')) throw new ValidationError(`secret ${name}: tag key "${key}" must be 1 to 128 characters and not start with aws:`);
    if (value.length > 256) throw new ValidationError(`secret ${name}: tag ${key}'s value is longer than 256 characters`);
  }
}

function parseState(file: string, text: string): FileState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON`, { cause: error });
  }
  const state = parsed as Partial<FileState> | null;
  if (!state || typeof state !== 'object' || state.format !== 1 || !state.secrets || typeof state.secrets !== 'object') {
    throw new Error(`${file} is not a local secret store (expected { "format": 1, "secrets": { … } })`);
  }
  return state as FileState;
}

/**
 * The store's key: read when it exists (refused when group or others may read it, or it is not 32 bytes), else
 * created with mode 0600 (exclusively, so two starting processes keep one key). A store file without its key is
 * refused too: a new key could not read it.
 */
function openKey(keyFile: string, storeFile: string): Buffer {
  let fd: number;
  try {
    fd = openSync(keyFile, 'r');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    if (hasSecrets(storeFile)) throw new Error(`${storeFile} exists but its key ${keyFile} does not: restore the key, or delete ${storeFile} to start over`, { cause: error });
    const key = randomBytes(KEY_BYTES);
    try {
      writeFileSync(keyFile, key, { mode: 0o600, flag: 'wx' });
      chmodSync(keyFile, 0o600);
      return key;
    } catch (raced) {
      if ((raced as { code?: string }).code !== 'EEXIST') throw raced;
      fd = openSync(keyFile, 'r');
    }
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new Error(`${keyFile} may be read by others (mode ${mode.toString(8).padStart(3, '0')}): the local secret store will not open it; run chmod 600 ${keyFile}`);
    }
    const key = Buffer.alloc(KEY_BYTES + 1);
    const read = readSync(fd, key, 0, KEY_BYTES + 1, 0);
    if (read !== KEY_BYTES) throw new Error(`${keyFile} must hold exactly ${KEY_BYTES} bytes (it holds ${read}${read > KEY_BYTES ? ' or more' : ''})`);
    return key.subarray(0, KEY_BYTES);
  } finally {
    closeSync(fd);
  }
}

function hasSecrets(storeFile: string): boolean {
  try {
    return statSync(storeFile).size > 0 && Object.keys(parseState(storeFile, readFileSync(storeFile, 'utf8')).secrets).length > 0;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return false;
    throw error;
  }
}
