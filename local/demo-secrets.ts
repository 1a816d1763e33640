/**
 * Demo secrets for the demo services (local/demo-services.ts), written to the LOCAL secret store on a laptop's
 * first start: one per catalog reference (apollo/<env>/<service>/<name>, the names the environments' `secrets`
 * point at), tagged as ports.ts SECRET_TAGS says, with values made at random here and never printed. Their dates
 * tell a story the secrets page shows: prod's core-service database password last changed 120 days ago and
 * auth-service's JWT signing key 45 days ago (both overdue), billing-service's database password due within 10
 * days, api-gateway's prod TLS certificate expiring in 8 days, a legacy PayPal key nobody has read for 100 days
 * (unused), and the core-service password's three versions for the history and rollback. Idempotent: an existing
 * secret (scheduled for deletion too) is left as it is.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { LocalSecretStore } from '../functions/secrets/adapters/local-store.ts';
import { SECRET_TAGS, secretName } from '../functions/secrets/ports.ts';
import { DEMO_SERVICES } from './demo-services.ts';

type Category = 'database' | 'api-key' | 'oauth' | 'internal' | 'certificate';
type Env = 'prod' | 'staging' | 'dev';

interface DemoSecret {
  readonly service: string;
  /** The secret's name under the service (the catalog's reference, kebab-case). */
  readonly name: string;
  readonly category: Category;
  readonly description: string;
  /** Its environments (default: the service's). */
  readonly envs?: readonly Env[];
  /** apollo:rotation-days, overriding the category's policy. */
  readonly rotationDays?: number;
  readonly value: (service: string, env: Env) => string;
}

const DAY_MS = 86_400_000;
const token = (bytes: number) => randomBytes(bytes).toString('base64url');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const database = (service: string) => JSON.stringify({ username: `${service.replace(/-/g, '_')}_app`, password: token(24) });

export const DEMO_SECRETS: readonly DemoSecret[] = [
  { service: 'core-service', name: 'db-password', category: 'database', description: 'PostgreSQL credentials for the core schema (JSON: username, password)', value: database },
  { service: 'core-service', name: 'redis-auth', category: 'database', description: 'AUTH token for the shared Redis', value: () => token(32) },
  { service: 'notification-service', name: 'sendgrid-api-key', category: 'api-key', description: 'SendGrid API key for transactional email', value: () => `SG.${token(16)}.${token(32)}` },
  { service: 'notification-service', name: 'twilio-auth-token', category: 'api-key', description: 'Twilio auth token for SMS', value: () => hex(16) },
  { service: 'violations-service', name: 'db-password', category: 'database', description: 'PostgreSQL credentials for the cases schema (JSON: username, password)', value: database },
  { service: 'auth-service', name: 'jwt-signing-key', category: 'internal', description: 'HMAC key signing access tokens (Apollo generates it on rotation)', value: () => token(64) },
  { service: 'auth-service', name: 'db-password', category: 'database', description: 'PostgreSQL credentials for users and keys (JSON: username, password)', value: database },
  { service: 'auth-service', name: 'google-oauth-client-secret', category: 'oauth', description: 'Google sign-in OAuth client secret', value: () => `GOCSPX-${token(21)}` },
  { service: 'billing-service', name: 'stripe-api-key', category: 'api-key', rotationDays: 90, description: 'Stripe secret key (PCI: rotated every 90 days)', value: () => `sk_test_${token(36)}` },
  { service: 'billing-service', name: 'db-password', category: 'database', description: 'PostgreSQL credentials for the ledger (JSON: username, password)', value: database },
  { service: 'billing-service', name: 'paypal-api-key', category: 'api-key', envs: ['prod'], description: 'Legacy PayPal payouts key (the integration was switched off)', value: () => token(40) },
  {
    service: 'api-gateway', name: 'tls-cert', category: 'certificate', description: 'TLS certificate and key for the public API (demo: random bytes, not a real certificate)',
    value: () => JSON.stringify({ certificate: pem('CERTIFICATE', 900), privateKey: pem('PRIVATE KEY', 1200) }),
  },
];

function pem(label: string, bytes: number): string {
  const body = randomBytes(bytes).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}

/** How old each demo secret is, per environment: days since its value changed, since it was last read. */
interface Ages {
  readonly changedDaysAgo: number;
  readonly readDaysAgo: number;
  /** Earlier values (days ago, oldest first), for the history. */
  readonly earlier?: readonly number[];
  /** Certificates: days until apollo:expires-at. */
  readonly expiresInDays?: number;
}

function agesOf(secret: DemoSecret, env: Env, index: number): Ages {
  const key = `${env}/${secret.service}/${secret.name}`;
  switch (key) {
    case 'prod/core-service/db-password':
      return { changedDaysAgo: 120, readDaysAgo: 1, earlier: [300, 210] }; // overdue (policy 90)
    case 'prod/auth-service/jwt-signing-key':
      return { changedDaysAgo: 45, readDaysAgo: 0 }; // overdue (policy 30)
    case 'prod/billing-service/db-password':
      return { changedDaysAgo: 82, readDaysAgo: 1 }; // due within 10 days
    case 'prod/billing-service/paypal-api-key':
      return { changedDaysAgo: 130, readDaysAgo: 100 }; // unused (not read for 100 days)
    case 'prod/api-gateway/tls-cert':
      return { changedDaysAgo: 357, readDaysAgo: 0, expiresInDays: 8 }; // expires within 10 days
    default:
      break;
  }
  // Everything else well inside its policy, read lately.
  const within = { database: 60, 'api-key': 60, oauth: 200, internal: 20, certificate: 90 }[secret.category];
  const changedDaysAgo = 3 + ((index * 7 + { prod: 11, staging: 5, dev: 2 }[env]) % Math.max(1, within - 3));
  return { changedDaysAgo, readDaysAgo: env === 'dev' ? 2 : 0, ...(secret.category === 'certificate' ? { expiresInDays: 365 - changedDaysAgo } : {}) };
}

const envsOf = (secret: DemoSecret): readonly Env[] => secret.envs ?? DEMO_SERVICES.find((d) => d.service.name === secret.service)?.envs ?? [];
const teamOf = (service: string): string | undefined => DEMO_SERVICES.find((d) => d.service.name === service)?.service.team;

/** Every demo secret's name (apollo/<env>/<service>/<name>). */
export function demoSecretNames(): string[] {
  return DEMO_SECRETS.flatMap((secret) => envsOf(secret).map((env) => secretName(env, secret.service, secret.name)));
}

/** Creates the demo secrets missing from the store (values at random, dates backdated). Returns how many it made. */
export async function seedDemoSecrets(store: LocalSecretStore, now = Date.now()): Promise<{ created: number; skipped: number }> {
  let created = 0;
  let skipped = 0;
  for (const [index, secret] of DEMO_SECRETS.entries()) {
    for (const env of envsOf(secret)) {
      const name = secretName(env, secret.service, secret.name);
      if (await store.describe(name)) {
        skipped += 1;
        continue;
      }
      const ages = agesOf(secret, env, index);
      const owner = teamOf(secret.service);
      const tags: Record<string, string> = {
        [SECRET_TAGS.service]: secret.service,
        [SECRET_TAGS.environment]: env,
        [SECRET_TAGS.category]: secret.category,
        ...(owner ? { [SECRET_TAGS.owner]: owner } : {}),
        ...(secret.rotationDays ? { [SECRET_TAGS.rotationDays]: String(secret.rotationDays) } : {}),
        ...(ages.expiresInDays !== undefined ? { [SECRET_TAGS.expiresAt]: new Date(now + ages.expiresInDays * DAY_MS).toISOString() } : {}),
      };
      // Each earlier value is made, then moved back to its age; the dates of every later step move with it.
      const steps = [...(ages.earlier ?? []), ages.changedDaysAgo];
      await store.create({ name, value: secret.value(secret.service, env), description: secret.description, tags, clientRequestToken: randomUUID() });
      for (const [step, daysAgo] of steps.entries()) {
        if (step > 0) await store.putValue(name, secret.value(secret.service, env), { clientRequestToken: randomUUID() });
        const next = steps[step + 1];
        const last = next === undefined;
        store.backdate(name, {
          days: next === undefined ? daysAgo : daysAgo - next,
          ...(last ? { lastAccessedAt: new Date(now - ages.readDaysAgo * DAY_MS).toISOString() } : {}),
        });
      }
      created += 1;
    }
  }
  return { created, skipped };
}
