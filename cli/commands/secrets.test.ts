/**
 * `apollo secrets …` against the local runtime in-process, over its LOCAL encrypted store seeded with the demo
 * secrets: metadata tables, the API's shapes with -o json, who may rotate, exit codes per error class; and no
 * value (nor half of one, nor the admins' masked last 4) in anything any secrets command prints, in any format.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Secret, SecretExpiring, SecretHistory, SecretList } from '#schemas/index.ts';
import { runSecretExpiry } from '#functions/secrets/expiry';
import { localSecretStore } from '#functions/secrets/local';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness, type CliRun } from '../testing.ts';

let c: CliHarness;
/** Every value the store was given: the demo seed's random ones, and those a rotation generates. */
const values: string[] = [];
/** Every line any secrets command printed, on either stream. */
const printed: string[] = [];

beforeAll(async () => {
  c = await startCliHarness();
  const store = localSecretStore()!;
  const create = store.create.bind(store);
  const putValue = store.putValue.bind(store);
  vi.spyOn(store, 'create').mockImplementation((input) => (values.push(input.value), create(input)));
  vi.spyOn(store, 'putValue').mockImplementation((name, value, options) => (values.push(value), putValue(name, value, options)));
  await seedDemoData({ baseUrl: c.h.runtime.url });
  // The job that caches and judges what the store holds (run at `npm start`), as lists read its cache.
  await runSecretExpiry();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await c.close();
});

async function run(argv: string[], options: Parameters<CliHarness['run']>[1] = {}): Promise<CliRun> {
  const result = await c.run(['secrets', ...argv], options);
  printed.push(result.stdout, result.stderr);
  return result;
}

describe('apollo secrets', () => {
  it('lists metadata as a table, marked simulated, and as the API\'s own page with -o json', async () => {
    const table = await run(['list', '--env', 'prod'], { role: 'operator' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^SECRET\s+CATEGORY\s+STATUS\s+ROTATED\s+DUE\s+OWNER$/);
    expect(rows.find((r) => r.startsWith('prod/core-service/db-password '))).toMatch(/\sdatabase\s+overdue\s+120d ago\s+\d+d ago\s+platform$/);
    expect(table.stderr).toContain('simulated: the local runtime\'s encrypted file store');

    const json = await run(['list', '--env', 'prod', '--due', 'overdue', '-o', 'json'], { role: 'operator' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const page = json.json<SecretList>();
    expectRouteShape('GET', '/api/v1/secrets', page);
    expect(page.items.map((s) => s.secretName)).toEqual(expect.arrayContaining(['apollo/prod/core-service/db-password', 'apollo/prod/auth-service/jwt-signing-key']));
    expect(page.items.every((s) => s.status === 'overdue' && s.environment === 'prod')).toBe(true);

    // A developer is in payments: billing-service and violations-service, nobody else's.
    const mine = (await run(['list', '--all', '-o', 'json'], { role: 'developer' })).json<SecretList>();
    expect(new Set(mine.items.map((s) => s.service))).toEqual(new Set(['billing-service', 'violations-service']));
  });

  it('pages with --limit, and says how to see more', async () => {
    const first = (await run(['list', '--env', 'staging', '--limit', '1', '-o', 'json'], { role: 'operator' })).json<SecretList>();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const table = await run(['list', '--env', 'staging', '--limit', '1'], { role: 'operator' });
    expect(table.stderr).toContain('more: apollo secrets list --env staging --limit 1 --cursor ');
    const bad = await run(['list', '--limit', '500'], { role: 'operator' });
    expect(bad.code).toBe(EXIT.usage);
    const badDue = await run(['list', '--due', 'soon'], { role: 'operator' });
    expect(badDue.code).toBe(EXIT.usage);
    expect(badDue.stderr).toContain('Allowed choices are overdue, due-soon, unused, ok');
  });

  it('shows one secret\'s metadata, never its masked value, even to an admin', async () => {
    const table = await run(['get', 'prod/core-service/db-password'], { role: 'admin' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^secret\s+prod\/core-service\/db-password$/m);
    expect(table.stdout).toMatch(/^status\s+overdue \(overdue by 30 days/m);
    expect(table.stdout).toMatch(/^rotation\s+every 90 days \(database\)$/m);
    expect(table.stdout).toMatch(/^production\s+yes \(changes need MFA\)$/m);
    expect(table.stdout).not.toContain('••••');

    // The API gives admins the last 4 characters; the CLI prints the rest of its body as is.
    const json = await run(['get', 'apollo/prod/core-service/db-password', '-o', 'json'], { role: 'admin' });
    const secret = json.json<Secret>();
    expectRouteShape('GET', '/api/v1/secrets/prod/core-service/db-password', secret);
    expect(secret).toMatchObject({ secretName: 'apollo/prod/core-service/db-password', category: 'database', status: 'overdue', production: true, simulated: true });
    expect(secret).not.toHaveProperty('masked');
    const words = await run(['get', 'prod', 'core-service', 'db-password', '-o', 'yaml'], { role: 'admin' });
    expect(words.stdout).toContain('secretName: apollo/prod/core-service/db-password');
    expect(words.stdout).not.toContain('masked');
  });

  it('refuses with the error\'s class: not found (4), another team\'s (4), a viewer (403), a bad name (2)', async () => {
    const missing = await run(['get', 'prod/core-service/no-such-secret'], { role: 'operator' });
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('HTTP 404');
    // core-service is platform's: to a developer of payments it does not exist.
    expect((await run(['get', 'prod/core-service/db-password'], { role: 'developer' })).code).toBe(EXIT.notFound);
    const viewer = await run(['list'], { role: 'viewer' });
    // The viewer role's IAM policy has no secrets route: the gateway refuses it before Apollo (exit.ts maps that to auth).
    expect(viewer.code).toBe(EXIT.policy);
    expect(viewer.stderr).toContain('HTTP 403');
    const bad = await run(['get', 'core-service/db-password']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('name a secret as <env>/<service>/<name>');
  });

  it('shows the versions newest first, with their staging labels', async () => {
    const table = await run(['history', 'prod/core-service/db-password'], { role: 'operator' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^VERSION\s+STAGES\s+CREATED\s+BY\s+LAST READ$/);
    expect(rows.map((r) => r.split(/\s{2,}/)[1])).toEqual(['AWSCURRENT', 'AWSPREVIOUS', 'deprecated']);
    const json = await run(['history', 'prod/core-service/db-password', '-o', 'json'], { role: 'operator' });
    const history = json.json<SecretHistory>();
    expectRouteShape('GET', '/api/v1/secrets/prod/core-service/db-password/history', history);
    expect(history.versions).toHaveLength(3);
  });

  it('rotates for admins only; a secret whose value comes from its provider is refused (5)', async () => {
    const operator = await run(['rotate', 'prod/auth-service/jwt-signing-key'], { role: 'operator' });
    // Rotation is secrets:write, which only admins hold.
    expect(operator.code).toBe(EXIT.policy);
    expect(operator.stderr).toContain('HTTP 403');

    const provider = await run(['rotate', 'prod/core-service/db-password'], { role: 'admin' });
    expect(provider.code).toBe(EXIT.conflict);
    expect(provider.stderr).toContain('its new value comes from its provider');

    const before = (await run(['get', 'prod/auth-service/jwt-signing-key', '-o', 'json'], { role: 'admin' })).json<Secret>();
    expect(before.status).toBe('overdue');
    const rotated = await run(['rotate', 'prod/auth-service/jwt-signing-key', '--reason', 'overdue'], { role: 'admin' });
    expect(rotated.code, rotated.stderr).toBe(EXIT.ok);
    expect(rotated.stderr).toMatch(/^rotated prod\/auth-service\/jwt-signing-key: version \S+ is current$/m);
    expect(rotated.stderr).toContain('restart what reads it to pick it up: auth-service in prod');
    expect(rotated.stdout).toMatch(/^status\s+ok$/m);

    const json = await run(['rotate', 'prod/auth-service/jwt-signing-key', '-o', 'json'], { role: 'admin' });
    const after = json.json<Secret>();
    expectRouteShape('POST', '/api/v1/secrets/prod/auth-service/jwt-signing-key/rotate', after);
    expect(after.currentVersionId).not.toBe(before.currentVersionId);
    expect(after).not.toHaveProperty('masked');
    expect((await run(['rotate', 'prod/auth-service/jwt-signing-key', '--reason', ''], { role: 'admin' })).code).toBe(EXIT.usage);
  });

  it('shows the expiry dashboard with the share rotated on schedule', async () => {
    const table = await run(['expiring'], { role: 'operator' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^SECRET\s+STATUS\s+CATEGORY\s+OWNER\s+WHY$/m);
    expect(table.stdout).toMatch(/^prod\/billing-service\/paypal-api-key\s+unused\s/m);
    expect(table.stdout).toMatch(/^[\d.]+ % rotated on schedule \(\d+ of \d+\)$/m);
    const json = await run(['expiring', '--env', 'prod', '-o', 'json'], { role: 'operator' });
    const dashboard = json.json<SecretExpiring>();
    expectRouteShape('GET', '/api/v1/secrets/expiring', dashboard);
    expect(dashboard.overdue.map((s) => s.secretName)).toContain('apollo/prod/core-service/db-password');
  });

  it('prints help with examples', async () => {
    for (const command of ['list', 'get', 'rotate', 'history', 'expiring']) {
      const help = await c.run(['secrets', command, '--help']);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain('Examples:\n  $ apollo secrets');
    }
  });

  it('never printed a value, half of one, or its masked last 4: every command, every format, as an admin', async () => {
    for (const output of ['table', 'json', 'yaml']) {
      for (const argv of [['list', '--all'], ['get', 'prod/core-service/db-password'], ['get', 'prod/billing-service/stripe-api-key'], ['history', 'prod/core-service/db-password'], ['expiring'], ['rotate', 'staging/auth-service/jwt-signing-key']]) {
        const result = await run([...argv, '-o', output], { role: 'admin' });
        expect(result.code, `${argv.join(' ')} -o ${output}: ${result.stderr}`).toBe(EXIT.ok);
      }
    }
    // The demo's secrets (a JSON value's fields too), and the values its rotations generated.
    const secrets = new Set(values.flatMap((v) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        return parsed && typeof parsed === 'object' ? [v, ...Object.values(parsed).filter((f): f is string => typeof f === 'string' && f.length >= 12)] : [v];
      } catch {
        return [v];
      }
    }));
    expect(values.length).toBeGreaterThan(20);
    const everything = printed.join('\n');
    expect(everything).toContain('prod/core-service/db-password');
    for (const value of secrets) {
      expect(everything.includes(value), `a value of ${value.length} characters`).toBe(false);
      expect(everything.includes(value.slice(0, Math.max(8, Math.floor(value.length / 2)))), `half a value of ${value.length} characters`).toBe(false);
    }
    expect(everything).not.toContain('••••');
  });
});
