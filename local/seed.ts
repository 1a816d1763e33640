/**
 * Demo data for a fresh local runtime, written once (a marker item records it): teams with the local
 * principals as members. Later capabilities add their own demo data here.
 */
import { getItem, putItem } from '#lib/table';
import { createTeam, putMember } from '../functions/identity/teams.ts';
import { localPrincipal } from './credentials.ts';

const MARKER = { PK: 'SYSTEM', SK: 'SEED#v1' };

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
];

/** Seeds the demo data unless it was seeded before. Returns whether it did. */
export async function seedDemoData(): Promise<boolean> {
  if (await getItem(MARKER, { consistent: true })) return false;
  for (const team of TEAMS) {
    try {
      await createTeam(team, 'system:seed');
    } catch (error) {
      if ((error as Error).name !== 'ConflictError') throw error;
    }
  }
  for (const [team, principal, role] of MEMBERS) await putMember(team, principal, { role }, 'system:seed');
  await putItem({ ...MARKER, seededAt: new Date().toISOString() });
  return true;
}
