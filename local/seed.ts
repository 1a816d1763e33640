/**
 * Demo data for a local runtime. Each step is written once (a marker item per step records it), so
 * a runtime started before a step existed gets that step on its next start and nothing twice.
 * Later capabilities add their own steps here.
 */
import type { Role } from '#shared/permissions';
import { getItem, putItem } from '#lib/table';
import { LocalUserAdmin } from '../functions/identity/adapters/local-user-admin.ts';
import { createTeam, putMember } from '../functions/identity/teams.ts';
import { localPrincipal } from './credentials.ts';
import { seedDemoDeployments } from './demo-deployments.ts';
import { DEMO_ENGINEERS, seedDemoRequestHistory } from './demo-request-history.ts';
import { reconstructCompliance } from '#functions/secrets/expiry';
import { localSecretStore } from '#functions/secrets/local';
import { seedDemoSecrets } from './demo-secrets.ts';
import { seedDemoOfferings } from './demo-offerings.ts';
import { repointDemoHealthChecks, seedDemoServices } from './demo-services.ts';

const TEAMS = [
  { id: 'platform', name: 'Platform', description: 'Runs Apollo, the clusters and the paved road.', slackChannel: '#platform', email: 'platform@apollo.local' },
  { id: 'payments', name: 'Payments', description: 'Checkout, billing and payouts.', slackChannel: '#payments' },
  { id: 'growth', name: 'Growth', description: 'Sign-up, onboarding and notifications.', slackChannel: '#growth' },
  { id: 'data', name: 'Data', description: 'Warehouses, pipelines and reporting.' },
];

const MEMBERS: Array<[team: string, principal: string, role: 'member' | 'lead']> = [
  ['platform', localPrincipal('admin'), 'lead'],
  ['platform', localPrincipal('operator'), 'member'],
  ['payments', localPrincipal('developer'), 'member'],
  ['payments', localPrincipal('operator'), 'lead'],
  ['growth', localPrincipal('viewer'), 'member'],
  ['growth', 'dana@apollo.local', 'lead'],
  ['data', 'sam@apollo.local', 'member'],
];

/** The local stand-in for the user pool: one user per role, plus two more people. */
const USERS: Array<[user: string, role: Role]> = [
  [localPrincipal('admin'), 'admin'],
  [localPrincipal('operator'), 'operator'],
  [localPrincipal('developer'), 'developer'],
  [localPrincipal('viewer'), 'viewer'],
  ['dana@apollo.local', 'developer'],
  ['sam@apollo.local', 'viewer'],
];

export interface SeedOptions {
  /** The runtime's URL (`http://127.0.0.1:3000`): demo environments' health checks point at its targets. */
  readonly baseUrl?: string;
}

const STEPS: Array<[name: string, run: (options: SeedOptions) => Promise<void>]> = [
  ['v1', async () => {
    for (const team of TEAMS) {
      try {
        await createTeam(team, 'system:seed');
      } catch (error) {
        if ((error as Error).name !== 'ConflictError') throw error;
      }
    }
    for (const [team, principal, role] of MEMBERS) await putMember(team, principal, { role }, 'system:seed');
  }],
  ['users-v1', async () => {
    const directory = new LocalUserAdmin();
    for (const [user, role] of USERS) if (!(await directory.get(user))) await directory.put({ user, role, enabled: true });
  }],
  // The service catalog: a dozen services over dev/staging/prod with dependencies, runbooks and health targets.
  ['services-v1', (options) => seedDemoServices(options.baseUrl ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`)],
  // The self-service catalog: the example offerings under examples/catalog, as a catalog refresh stores them.
  ['offerings-v1', async () => {
    const { skipped } = await seedDemoOfferings();
    for (const { path, error } of skipped) console.warn(`seed: example offering ${path} skipped: ${error}`);
  }],
  // About 60 days of deployment history for the demo services (DORA statistics on a fresh start); none if deployments exist.
  ['deployments-v1', async () => { await seedDemoDeployments(); }],
  // Twelve weeks of self-service request history by the demo engineers (directory users who never sign in here), counted
  // into the analytics as real transitions are: the team pages' charts and the platform stats on a fresh start.
  ['request-history-v1', async () => {
    const directory = new LocalUserAdmin();
    for (const { user, team } of DEMO_ENGINEERS) {
      if (!(await directory.get(user))) await directory.put({ user, role: 'developer', enabled: true });
      await putMember(team, user, { role: 'member' }, 'system:seed');
    }
    await seedDemoRequestHistory();
  }],
  // Secrets for the demo services in the LOCAL encrypted store (random values, never printed), a few overdue,
  // one unused, a certificate about to expire; the expiry job (run at start) caches and judges them.
  ['secrets-v1', async () => {
    const store = localSecretStore();
    if (store) await seedDemoSecrets(store);
  }],
  // The last 30 days' share of secrets rotated on schedule, as the demo secrets' version dates tell it: the expiring
  // dashboard's chart has a history on a fresh start (the daily job keeps each day from then on).
  ['secrets-compliance-v1', async () => {
    if (localSecretStore()) await reconstructCompliance(30);
  }],
];

/** Seeds every step not seeded before. Returns the steps it ran. */
export async function seedDemoData(options: SeedOptions = {}): Promise<string[]> {
  const ran: string[] = [];
  for (const [name, run] of STEPS) {
    const marker = { PK: 'SYSTEM', SK: `SEED#${name}` };
    if (await getItem(marker, { consistent: true })) continue;
    await run(options);
    await putItem({ ...marker, seededAt: new Date().toISOString() });
    ran.push(name);
  }
  if (options.baseUrl) await repointDemoHealthChecks(options.baseUrl);
  return ran;
}
