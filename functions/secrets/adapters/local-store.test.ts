import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import { LOCAL_SECRETS_FILE, LOCAL_SECRETS_KEY_FILE, LocalSecretStore, MAX_VERSIONS } from './local-store.ts';

const NAME = 'apollo/prod/core-service/db-password';
const VALUE = 'correct-horse-battery-staple-9f3a';
const token = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const T0 = Date.parse('2026-12-05T12:00:00Z');

let home: string;
let now: number;
const open = (options: { memory?: boolean } = {}) => new LocalSecretStore({ ...(options.memory ? {} : { home }), now: () => new Date(now) });
const create = (store: LocalSecretStore, extra: { rotationEnabled?: boolean } = {}) =>
  store.create({ name: NAME, value: VALUE, description: 'Primary database', tags: { 'apollo:category': 'database', 'apollo:service': 'core-service' }, clientRequestToken: token(1), ...extra });
const stagesOf = async (store: LocalSecretStore) => Object.fromEntries((await store.describe(NAME))!.versions.map((v) => [v.versionId, v.stages]));

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'apollo-secrets-'));
  now = T0;
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('LocalSecretStore on disk', () => {
  it('creates its key with mode 0600 and keeps only ciphertext in secrets.json', async () => {
    // Act
    const store = open();
    await create(store);
    await store.putValue(NAME, 'second-value-that-is-long-77c1', { clientRequestToken: token(2) });

    // Assess
    const key = join(home, LOCAL_SECRETS_KEY_FILE);
    expect([statSync(key).mode & 0o777, readFileSync(key).length]).toEqual([0o600, 32]);
    expect(statSync(join(home, LOCAL_SECRETS_FILE)).mode & 0o777).toBe(0o600);
    const onDisk = readFileSync(join(home, LOCAL_SECRETS_FILE), 'utf8');
    for (const plain of [VALUE, 'second-value-that-is-long-77c1']) {
      expect(onDisk).not.toContain(plain);
      expect(onDisk).not.toContain(Buffer.from(plain).toString('base64'));
    }
    const versions = (JSON.parse(onDisk) as { secrets: Record<string, { versions: Array<{ iv: string; tag: string }> }> }).secrets[NAME]!.versions;
    expect(versions.map((v) => [Buffer.from(v.iv, 'base64').length, Buffer.from(v.tag, 'base64').length])).toEqual([[12, 16], [12, 16]]);
    expect(versions[0]!.iv).not.toBe(versions[1]!.iv);
  });

  it('reads everything back after a restart', async () => {
    await create(open());
    await open().putValue(NAME, 'second-value-that-is-long-77c1', { clientRequestToken: token(2) });

    const restarted = open();

    expect(await restarted.lastFour(NAME)).toBe('77c1');
    expect(await restarted.lastFour(NAME, token(1))).toBe('9f3a');
    expect(await stagesOf(restarted)).toEqual({ [token(2)]: ['AWSCURRENT'], [token(1)]: ['AWSPREVIOUS'] });
  });

  it('refuses to open a key file that group or others may read', () => {
    open();
    chmodSync(join(home, LOCAL_SECRETS_KEY_FILE), 0o640);
    expect(() => open()).toThrow(`${join(home, LOCAL_SECRETS_KEY_FILE)} may be read by others (mode 640): the local secret store will not open it; run chmod 600 ${join(home, LOCAL_SECRETS_KEY_FILE)}`);
  });

  it('refuses a store whose key is gone (a new key could not read it), and a key of the wrong size', async () => {
    await create(open());
    rmSync(join(home, LOCAL_SECRETS_KEY_FILE));
    expect(() => open()).toThrow(`exists but its key ${join(home, LOCAL_SECRETS_KEY_FILE)} does not`);
    writeFileSync(join(home, LOCAL_SECRETS_KEY_FILE), Buffer.alloc(16), { mode: 0o600 });
    expect(() => open()).toThrow('must hold exactly 32 bytes (it holds 16)');
  });

  it('cannot read a value moved into another secret (the name and version are bound to the ciphertext)', async () => {
    const store = open();
    await create(store);
    await store.create({ name: 'apollo/prod/billing-service/stripe-api-key', value: 'sk_live_0000000000000000', description: '', tags: {}, clientRequestToken: token(5) });
    const file = join(home, LOCAL_SECRETS_FILE);
    const state = JSON.parse(readFileSync(file, 'utf8')) as { secrets: Record<string, { versions: Array<Record<string, unknown>> }> };
    const stolen = state.secrets[NAME]!.versions[0]!;
    Object.assign(state.secrets['apollo/prod/billing-service/stripe-api-key']!.versions[0]!, { iv: stolen.iv, tag: stolen.tag, data: stolen.data });
    writeFileSync(file, JSON.stringify(state));

    await expect(store.lastFour('apollo/prod/billing-service/stripe-api-key')).rejects.toThrow(`version ${token(5)} of apollo/prod/billing-service/stripe-api-key cannot be decrypted`);
  });
});

describe('LocalSecretStore as Secrets Manager', () => {
  it('describes a new secret whole; lists it with stages but no version dates (as ListSecrets does)', async () => {
    const store = open({ memory: true });
    const created = await create(store);

    const described = await store.describe(NAME);
    const listed = await store.list('apollo/prod/');

    expect(created).toEqual({ arn: expect.stringMatching(/^arn:aws:secretsmanager:local:000000000000:secret:apollo\/prod\/core-service\/db-password-[A-Za-z]{6}$/), versionId: token(1) });
    expect(described).toEqual({
      name: NAME, arn: created.arn, description: 'Primary database', tags: { 'apollo:category': 'database', 'apollo:service': 'core-service' },
      createdAt: '2026-12-05T12:00:00.000Z', lastChangedAt: '2026-12-05T12:00:00.000Z', lastRotatedAt: null, lastAccessedAt: null,
      rotationEnabled: false, deletionDate: null,
      versions: [{ versionId: token(1), stages: ['AWSCURRENT'], createdAt: '2026-12-05T12:00:00.000Z', lastAccessedAt: null }],
    });
    expect(listed).toEqual([{ ...described, versions: [{ versionId: token(1), stages: ['AWSCURRENT'], createdAt: null, lastAccessedAt: null }] }]);
    expect(await store.list('apollo/dev/')).toEqual([]);
    expect(await store.describe('apollo/prod/core-service/nothing')).toBeUndefined();
  });

  it('moves AWSCURRENT to a new value, the old one to AWSPREVIOUS, and drops the label of the one before', async () => {
    const store = open({ memory: true });
    await create(store);
    now += 60_000;

    await store.putValue(NAME, 'second-value-that-is-long', { clientRequestToken: token(2) });
    await store.putValue(NAME, 'third-value-that-is-long', { clientRequestToken: token(3) });

    expect(await stagesOf(store)).toEqual({ [token(3)]: ['AWSCURRENT'], [token(2)]: ['AWSPREVIOUS'], [token(1)]: [] });
    expect((await store.describe(NAME))!.lastChangedAt).toBe('2026-12-05T12:01:00.000Z');
  });

  it('stages AWSPENDING, then promotes it with moveStage (UpdateSecretVersionStage), and rolls back the same way', async () => {
    const store = open({ memory: true });
    await create(store);

    await store.putValue(NAME, 'pending-value-that-is-long', { clientRequestToken: token(2), stage: 'AWSPENDING' });
    const staged = await stagesOf(store);
    await store.moveStage(NAME, 'AWSCURRENT', token(2));
    const promoted = await stagesOf(store);
    await store.moveStage(NAME, 'AWSCURRENT', token(1));
    const rolledBack = await stagesOf(store);

    expect(staged).toEqual({ [token(2)]: ['AWSPENDING'], [token(1)]: ['AWSCURRENT'] });
    expect(promoted).toEqual({ [token(2)]: ['AWSPENDING', 'AWSCURRENT'], [token(1)]: ['AWSPREVIOUS'] });
    expect(rolledBack).toEqual({ [token(2)]: ['AWSPENDING', 'AWSPREVIOUS'], [token(1)]: ['AWSCURRENT'] });
    await expect(store.moveStage(NAME, 'AWSCURRENT', token(9))).rejects.toThrow(new NotFoundError(`secret ${NAME} has no version ${token(9)}`));
  });

  it('takes AWSPENDING off a promoted version (removeStage), and never AWSCURRENT', async () => {
    const store = open({ memory: true });
    await create(store);
    await store.putValue(NAME, 'pending-value-that-is-long', { clientRequestToken: token(2), stage: 'AWSPENDING' });
    await store.moveStage(NAME, 'AWSCURRENT', token(2));

    await store.removeStage(NAME, 'AWSPENDING');
    await store.removeStage(NAME, 'AWSPENDING'); // held by none: nothing to do

    expect(await stagesOf(store)).toEqual({ [token(2)]: ['AWSCURRENT'], [token(1)]: ['AWSPREVIOUS'] });
    await expect(store.removeStage(NAME, 'AWSCURRENT')).rejects.toBeInstanceOf(ValidationError);
  });

  it('treats a retried token as the same version, and refuses the token with another value', async () => {
    const store = open({ memory: true });
    await create(store);

    const first = await store.putValue(NAME, 'second-value-that-is-long', { clientRequestToken: token(2) });
    const retried = await store.putValue(NAME, 'second-value-that-is-long', { clientRequestToken: token(2) });

    expect([first, retried]).toEqual([{ versionId: token(2) }, { versionId: token(2) }]);
    expect(Object.keys(await stagesOf(store))).toHaveLength(2);
    await expect(store.putValue(NAME, 'another-value-entirely', { clientRequestToken: token(2) })).rejects.toBeInstanceOf(ConflictError);
  });

  it('answers the last 4 characters and records the access to the day', async () => {
    const store = open({ memory: true });
    await create(store);
    now = Date.parse('2026-12-07T15:30:00Z');

    expect(await store.lastFour(NAME)).toBe('9f3a');
    const described = await store.describe(NAME);
    expect([described!.lastAccessedAt, described!.versions[0]!.lastAccessedAt]).toEqual(['2026-12-07T00:00:00.000Z', '2026-12-07T00:00:00.000Z']);
    await expect(store.lastFour(NAME, token(9))).rejects.toThrow(new NotFoundError(`secret ${NAME} has no version ${token(9)}`));
  });

  it('answers a JSON field\'s last 4 by its key', async () => {
    const store = open({ memory: true });
    await store.create({ name: NAME, value: JSON.stringify({ username: 'core_service_app', password: 'xKq81-long-password-Zp2w' }), description: '', tags: {}, clientRequestToken: token(1) });
    expect([await store.lastFour(NAME, undefined, 'password'), await store.lastFour(NAME, token(1), 'nope')]).toEqual(['Zp2w', '']);
  });

  it('is a ConflictError when the secret exists, a NotFoundError when it does not', async () => {
    const store = open({ memory: true });
    await create(store);
    await expect(create(store)).rejects.toThrow(new ConflictError(`secret ${NAME} already exists`));
    await expect(store.putValue('apollo/prod/core-service/none', 'value-that-is-long', { clientRequestToken: token(2) })).rejects.toThrow(new NotFoundError('secret apollo/prod/core-service/none not found'));
  });

  it('refuses what Secrets Manager refuses as an invalid parameter', async () => {
    const store = open({ memory: true });
    await expect(store.create({ name: 'apollo/prod/x/bad name', value: 'v', description: '', tags: {}, clientRequestToken: token(1) })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.create({ name: NAME, value: 'v', description: '', tags: {}, clientRequestToken: 'short' })).rejects.toBeInstanceOf(ValidationError);
    await create(store);
    await expect(store.scheduleDeletion(NAME, 3)).rejects.toThrow(new ValidationError(`secret ${NAME}: the recovery window is 7 to 30 days, not 3`));
    await expect(store.setTags(NAME, { 'aws:reserved': 'x' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('sets and removes tags, and changes the description without a new version', async () => {
    const store = open({ memory: true });
    await create(store);

    await store.setTags(NAME, { 'apollo:owner': 'platform', 'apollo:category': null });
    await store.setDescription(NAME, 'Primary database (RDS)');

    const described = await store.describe(NAME);
    expect([described!.tags, described!.description, described!.versions.length]).toEqual([{ 'apollo:service': 'core-service', 'apollo:owner': 'platform' }, 'Primary database (RDS)', 1]);
  });

  it('schedules a deletion (then refuses changes), restores it, and purges it after the date', async () => {
    // Prepare
    const store = open();
    await create(store);

    // Act
    const scheduled = await store.scheduleDeletion(NAME, 7);
    const listed = await store.list('apollo/prod/');
    const refused = await store.putValue(NAME, 'value-that-is-long', { clientRequestToken: token(2) }).catch((e: unknown) => e);
    const readRefused = await store.lastFour(NAME).catch((e: unknown) => e);
    await store.restore(NAME);
    const restored = await store.describe(NAME);
    await store.scheduleDeletion(NAME, 7);
    now += 7 * 86_400_000;

    // Assess
    expect(scheduled).toEqual({ deletionDate: '2026-12-12T12:00:00.000Z' });
    expect(listed.map((s) => [s.name, s.deletionDate])).toEqual([[NAME, '2026-12-12T12:00:00.000Z']]);
    expect(refused).toEqual(new ConflictError(`secret ${NAME}: You can't perform this operation on the secret because it was marked for deletion.`));
    expect(readRefused).toBeInstanceOf(ConflictError);
    expect(restored!.deletionDate).toBeNull();
    expect(await open().describe(NAME)).toBeUndefined();
    expect(JSON.parse(readFileSync(join(home, LOCAL_SECRETS_FILE), 'utf8'))).toEqual({ format: 1, secrets: {} });
    // The name is free again.
    await expect(create(store)).resolves.toMatchObject({ versionId: token(1) });
  });

  it('refuses to create a secret whose name is scheduled for deletion', async () => {
    const store = open({ memory: true });
    await create(store);
    await store.scheduleDeletion(NAME, 30);
    await expect(create(store)).rejects.toThrow(`secret ${NAME}: You can't create this secret because a secret with this name is already scheduled for deletion.`);
  });

  it('has no rotation Lambda: rotate is a ConflictError, as InvalidRequestException is in AWS', async () => {
    const store = open({ memory: true });
    await create(store);
    await expect(store.rotate(NAME, token(2))).rejects.toThrow(new ConflictError(`secret ${NAME}: No Lambda rotation function ARN is associated with this secret (local secrets have no rotation Lambda).`));
  });

  it('rotates a secret created with rotation on (tests only) to a new random current value', async () => {
    const store = open({ memory: true });
    await create(store, { rotationEnabled: true });
    now += 3_600_000;

    const rotated = await store.rotate(NAME, token(2));

    const described = await store.describe(NAME);
    expect(rotated).toEqual({ versionId: token(2) });
    expect([described!.rotationEnabled, described!.lastRotatedAt]).toEqual([true, '2026-12-05T13:00:00.000Z']);
    expect(await stagesOf(store)).toEqual({ [token(2)]: ['AWSPENDING', 'AWSCURRENT'], [token(1)]: ['AWSPREVIOUS'] });
    expect(await store.lastFour(NAME)).not.toBe('9f3a');
  });

  it(`keeps at most ${MAX_VERSIONS} versions, dropping the oldest without a label`, async () => {
    const store = open({ memory: true });
    await create(store);
    for (let n = 2; n <= MAX_VERSIONS + 5; n++) await store.putValue(NAME, `value-number-${n}-long`, { clientRequestToken: token(n) });

    const versions = (await store.describe(NAME))!.versions;

    expect(versions).toHaveLength(MAX_VERSIONS);
    expect(versions.slice(0, 2).map((v) => [v.versionId, v.stages])).toEqual([[token(MAX_VERSIONS + 5), ['AWSCURRENT']], [token(MAX_VERSIONS + 4), ['AWSPREVIOUS']]]);
    expect(versions.at(-1)!.versionId).toBe(token(6));
  });

  it('backdates a secret for demo data (seed only), its versions keeping their order', async () => {
    const store = open({ memory: true });
    await create(store);
    now += 60_000;
    await store.putValue(NAME, 'second-value-that-is-long', { clientRequestToken: token(2) });

    store.backdate(NAME, { days: 120, lastAccessedAt: '2026-08-27T09:00:00.000Z' });

    const described = await store.describe(NAME);
    expect([described!.createdAt, described!.lastChangedAt, described!.lastAccessedAt]).toEqual(['2026-08-07T12:00:00.000Z', '2026-08-07T12:01:00.000Z', '2026-08-27T00:00:00.000Z']);
    expect(described!.versions.map((v) => [v.versionId, v.createdAt, v.lastAccessedAt])).toEqual([
      [token(2), '2026-08-07T12:01:00.000Z', '2026-08-27T00:00:00.000Z'],
      [token(1), '2026-08-07T12:00:00.000Z', null],
    ]);
  });
});
