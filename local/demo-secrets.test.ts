import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalSecretStore } from '../functions/secrets/adapters/local-store.ts';
import { judge, rotationDaysOf, type Category } from '../functions/secrets/policy.ts';
import { AWSCURRENT, SECRET_TAGS } from '../functions/secrets/ports.ts';
import { demoSecretNames, seedDemoSecrets } from './demo-secrets.ts';
import { DEMO_SERVICES } from './demo-services.ts';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const DAY = 86_400_000;
const store = () => new LocalSecretStore({ now: () => new Date(NOW) });

afterEach(() => vi.restoreAllMocks());

async function statusOf(secrets: LocalSecretStore, name: string): Promise<string> {
  const s = (await secrets.describe(name))!;
  const category = s.tags[SECRET_TAGS.category] as Category;
  const override = s.tags[SECRET_TAGS.rotationDays] ? Number(s.tags[SECRET_TAGS.rotationDays]) : null;
  const current = s.versions.find((v) => v.stages.includes(AWSCURRENT));
  return judge(
    { category, rotationDays: rotationDaysOf(category, override), expiresAt: s.tags[SECRET_TAGS.expiresAt] ?? null, currentSince: current?.createdAt ?? s.createdAt, createdAt: s.createdAt, lastAccessedAt: s.lastAccessedAt, deletionDate: s.deletionDate },
    NOW,
    { withinDays: 14, unusedDays: 90 },
  ).status;
}

describe('seedDemoSecrets', () => {
  it('creates a secret for every secret the demo catalog references, once, printing no value', async () => {
    // Prepare
    const secrets = store();
    const printed = [vi.spyOn(console, 'log'), vi.spyOn(console, 'info'), vi.spyOn(console, 'warn')];

    // Act
    const first = await seedDemoSecrets(secrets, NOW);
    const again = await seedDemoSecrets(secrets, NOW);

    // Assess
    const names = (await secrets.list('apollo/')).map((s) => s.name);
    expect(first).toEqual({ created: demoSecretNames().length, skipped: 0 });
    expect(again).toEqual({ created: 0, skipped: demoSecretNames().length });
    expect(names.sort()).toEqual(demoSecretNames().sort());
    const referenced = DEMO_SERVICES.flatMap((d) => d.envs.flatMap((env) => (d.secrets ?? []).map(([secret]) => `apollo/${env}/${d.service.name}/${secret.toLowerCase().replace(/_/g, '-')}`)));
    expect(referenced.filter((ref) => !names.includes(ref))).toEqual([]);
    for (const spy of printed) expect(spy).not.toHaveBeenCalled();
  });

  it('tags each secret with its service, environment, category and owning team', async () => {
    const secrets = store();
    await seedDemoSecrets(secrets, NOW);

    expect((await secrets.describe('apollo/prod/billing-service/stripe-api-key'))!.tags).toEqual({
      [SECRET_TAGS.service]: 'billing-service', [SECRET_TAGS.environment]: 'prod', [SECRET_TAGS.category]: 'api-key', [SECRET_TAGS.owner]: 'payments', [SECRET_TAGS.rotationDays]: '90',
    });
    expect((await secrets.describe('apollo/prod/api-gateway/tls-cert'))!.tags[SECRET_TAGS.expiresAt]).toBe(new Date(NOW + 8 * DAY).toISOString());
  });

  it('tells the story the secrets page shows: two overdue, one due soon, one unused, a certificate about to expire, the rest fine', async () => {
    // Prepare
    const secrets = store();

    // Act
    await seedDemoSecrets(secrets, NOW);

    // Assess
    const statuses = Object.fromEntries(await Promise.all(demoSecretNames().map(async (name) => [name, await statusOf(secrets, name)] as const)));
    const notOk = Object.fromEntries(Object.entries(statuses).filter(([, status]) => status !== 'ok'));
    expect(notOk).toEqual({
      'apollo/prod/core-service/db-password': 'overdue',
      'apollo/prod/auth-service/jwt-signing-key': 'overdue',
      'apollo/prod/billing-service/db-password': 'due-soon',
      'apollo/prod/billing-service/paypal-api-key': 'unused',
      'apollo/prod/api-gateway/tls-cert': 'overdue',
    });
    const core = (await secrets.describe('apollo/prod/core-service/db-password'))!;
    expect([core.lastChangedAt, core.lastAccessedAt]).toEqual([new Date(NOW - 120 * DAY).toISOString(), new Date(NOW - DAY).toISOString().slice(0, 10) + 'T00:00:00.000Z']);
    expect(core.versions.map((v) => [v.stages, v.createdAt])).toEqual([
      [['AWSCURRENT'], new Date(NOW - 120 * DAY).toISOString()],
      [['AWSPREVIOUS'], new Date(NOW - 210 * DAY).toISOString()],
      [[], new Date(NOW - 300 * DAY).toISOString()],
    ]);
    expect((await secrets.describe('apollo/prod/billing-service/paypal-api-key'))!.lastAccessedAt).toBe(new Date(NOW - 100 * DAY).toISOString().slice(0, 10) + 'T00:00:00.000Z');
  });
});
