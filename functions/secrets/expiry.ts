/**
 * The daily secret-expiry job (EventBridge schedule; locally the scheduler, and once at start): lists every
 * environment's store (as `apollo-secret-expiry`, its SourceIdentity), refreshes the metadata cache with the
 * catalog's references, judges each secret by the policy table, keeps the day's compliance (the share rotated on
 * schedule: the design doc's 100 % target, per environment and owning team too), tells each owning team's members of
 * overdue, due-soon and unused secrets once a day (in-app and the EventBridge event, through the one notifications
 * module) and a Slack webhook when set, and opens an incident for an overdue secret of a critical service in production (once while it stays open).
 */
import type { Secret } from '#schemas/index.ts';
import { isProductionEnvironment } from '#shared/routes';
import { notify } from '#lib/notifications';
import { logger } from '#lib/observability';
import { teamMemberPrincipals } from '#functions/identity/public';
import { listIncidents, openIncident } from '#functions/incidents/public';
import { referencesBySecret, serviceFacts } from './catalog.ts';
import { secretsConfig } from './config.ts';
import { secretsDeps } from './deps.ts';
import { onSchedule } from './policy.ts';
import type { StoredSecret } from './ports.ts';
import { cacheSecret, cachedSecrets, claimNotice, complianceSince, releaseNotice, saveCompliance, uncacheSecret, type CachedSecret, type ComplianceDay, type ComplianceSnapshot } from './records.ts';
import { parseSecretName, toCached, toSecret } from './secrets.ts';

export const EXPIRY_PRINCIPAL = 'apollo-secret-expiry';
export const OVERDUE_ALERT = 'SecretOverdue';

export interface ExpiryResult {
  readonly environments: number;
  readonly secrets: number;
  readonly overdue: number;
  readonly dueSoon: number;
  readonly unused: number;
  readonly compliance: ComplianceDay;
  readonly notified: number;
  readonly incidents: readonly string[];
  readonly failures: ReadonlyArray<{ environment: string; error: string }>;
}

export const percentOf = (onScheduleCount: number, total: number): number | null => (total ? Math.round((onScheduleCount / total) * 1000) / 10 : null);

/**
 * The day's compliance over secrets that have a schedule (OAuth's "on compromise" and undated ones do not count);
 * with `teamOf`, also per environment and owning team (the snapshot's groups: what a narrower view's history sums).
 */
export function complianceOf(secrets: readonly Secret[], date: string, teamOf?: (service: string) => string | undefined): ComplianceSnapshot {
  const scheduled = secrets.filter((s) => s.nextRotationDue !== null && s.status !== 'scheduled-deletion');
  const kept = (s: Secret) => onSchedule({ nextRotationDue: s.nextRotationDue, status: s.status, statusReason: s.statusReason });
  const day = { date, total: scheduled.length, onSchedule: scheduled.filter(kept).length, percent: percentOf(scheduled.filter(kept).length, scheduled.length) };
  if (!teamOf) return day;
  const groups: Record<string, [number, number]> = {};
  for (const s of scheduled) {
    const group = (groups[`${s.environment}#${teamOf(s.service) ?? ''}`] ??= [0, 0]);
    group[0] += 1;
    if (kept(s)) group[1] += 1;
  }
  return { ...day, groups };
}

/** "4 secrets: 2 overdue, 1 due soon, 1 unused": how many a list holds of each kind, overdue first. */
function countsOf(list: readonly Secret[]): string {
  const count = (status: Secret['status']) => list.filter((s) => s.status === status).length;
  const [late, soon, idle] = [count('overdue'), count('due-soon'), count('unused')];
  const parts = [late ? `${late} overdue` : '', soon ? `${soon} due soon` : '', idle ? `${idle} unused` : ''].filter(Boolean);
  return `${list.length} secret${list.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

async function postSlack(url: string, text: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }), signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`Slack answered ${response.status}`);
}

export async function runSecretExpiry(now = new Date()): Promise<ExpiryResult> {
  const deps = await secretsDeps();
  const [environments, refs, facts] = await Promise.all([deps.environments(), referencesBySecret(), serviceFacts()]);
  const failures: Array<{ environment: string; error: string }> = [];
  const seen = new Set<string>();
  const listed = new Set<string>();
  for (const environment of environments) {
    try {
      const store = await deps.storeFor(environment, { principal: EXPIRY_PRINCIPAL });
      for (const listed of await store.list(`apollo/${environment}/`)) {
        const path = parseSecretName(listed.name);
        if (!path || path.environment !== environment) continue;
        // ListSecrets gives versions without their dates: the current value's age (what is due) needs DescribeSecret's.
        const stored = await store.describe(listed.name) ?? listed;
        await cacheSecret(toCached(stored, path, store.simulated, refs.get(stored.name) ?? []));
        seen.add(stored.name);
      }
      listed.add(environment);
    } catch (error) {
      // One environment's store failing (its role, its region) is said; the others are still judged.
      failures.push({ environment, error: (error as Error).message });
      logger.warn('secret store not listed', { environment, error: error as Error });
    }
  }
  // Gone from a store that answered: gone from the cache.
  for (const cached of await cachedSecrets()) {
    if (listed.has(cached.environment) && !seen.has(cached.secretName)) await uncacheSecret(cached.environment, cached.service, cached.name);
  }
  const secrets = (await cachedSecrets()).map((c) => toSecret(c, now.getTime()));
  const date = now.toISOString().slice(0, 10);
  const { groups, ...compliance } = complianceOf(secrets, date, (service) => facts.get(service)?.team);
  await saveCompliance({ ...compliance, ...(groups ? { groups } : {}) });

  const overdue = secrets.filter((s) => s.status === 'overdue');
  const dueSoon = secrets.filter((s) => s.status === 'due-soon');
  const unused = secrets.filter((s) => s.status === 'unused');
  let notified = 0;
  const byTeam = new Map<string, Secret[]>();
  // Overdue and due soon, and unused ones (not read in a long time: still needed?), told to the owning team.
  for (const s of [...overdue, ...dueSoon, ...unused]) {
    const team = facts.get(s.service)?.team;
    if (team) byTeam.set(team, [...(byTeam.get(team) ?? []), s]);
  }
  for (const [team, list] of byTeam) {
    const members = await teamMemberPrincipals(team).catch(() => []);
    // Once a day: the job also runs at every local start and by hand.
    const untold = (await Promise.all(members.map(async (m) => ((await claimNotice(date, 'secret.due', team, m)) ? [m] : [])))).flat();
    if (!untold.length) continue;
    notified += await notify(untold, {
      kind: 'secret.due',
      title: `${countsOf(list)} for team ${team}`,
      body: list.slice(0, 10).map((s) => `${s.secretName}: ${s.statusReason}`).join('\n'),
      link: '/secrets?tab=expiring',
    }, now);
  }
  const config = secretsConfig();
  // Slack's summary once a day too (the job also runs at every local start and by hand); one that could not be
  // posted is tried again by the day's next run.
  if (config.slackWebhookUrl && (overdue.length || dueSoon.length || unused.length) && await claimNotice(date, 'slack', '-', 'slack')) {
    await postSlack(config.slackWebhookUrl, `Apollo secrets: ${overdue.length} overdue, ${dueSoon.length} due soon, ${unused.length} unused; ${compliance.percent ?? 100} % rotated on schedule.\n${[...overdue, ...unused].slice(0, 10).map((s) => `• ${s.secretName}: ${s.statusReason}`).join('\n')}`)
      .catch(async (error: unknown) => {
        logger.warn('secret expiry summary not posted to Slack', { error: error as Error });
        await releaseNotice(date, 'slack', '-', 'slack').catch(() => undefined);
      });
  }
  const incidents: string[] = [];
  for (const s of overdue.filter((x) => x.production && isProductionEnvironment(x.environment) && facts.get(x.service)?.tier === 'critical')) {
    try {
      const open = await listIncidents({ status: 'open', service: s.service } as Parameters<typeof listIncidents>[0], 50);
      if (open.items.some((i) => i.source.alertName === OVERDUE_ALERT && i.title.includes(s.secretName))) continue;
      const incident = await openIncident({
        title: `Secret ${s.secretName} is overdue for rotation`, severity: 'high', affectedServices: [s.service], affectedEnvironments: [s.environment],
        description: `${s.statusReason}. Rotate it (Secrets → ${s.secretName} → Rotate), then restart the services that use it.`,
        source: { type: 'manual', alertName: OVERDUE_ALERT },
      }, { principal: EXPIRY_PRINCIPAL, via: 'apollo' });
      incidents.push(incident.id);
    } catch (error) {
      logger.warn('overdue secret incident not opened', { secretName: s.secretName, error: error as Error });
    }
  }
  logger.info('secret expiry ran', { environments: environments.length, secrets: secrets.length, overdue: overdue.length, dueSoon: dueSoon.length, percent: compliance.percent });
  return { environments: environments.length, secrets: secrets.length, overdue: overdue.length, dueSoon: dueSoon.length, unused: unused.length, compliance, notified, incidents, failures };
}

const DAY_MS = 86_400_000;

/**
 * The past `days` days' compliance as the stores' version dates tell it, for days without a snapshot: each day, the
 * secrets made by then, each judged by the version that was current then. The demo's chart on a fresh start (the
 * local seed); approximate by nature (a rollback or a deleted secret leaves no date), so a day the job kept is
 * never written over. Returns how many days it wrote.
 */
export async function reconstructCompliance(days: number, now = new Date()): Promise<number> {
  const deps = await secretsDeps();
  const [environments, facts] = await Promise.all([deps.environments(), serviceFacts()]);
  const stored: Array<{ secret: StoredSecret; cached: CachedSecret }> = [];
  for (const environment of environments) {
    try {
      const store = await deps.storeFor(environment, { principal: EXPIRY_PRINCIPAL });
      for (const listed of await store.list(`apollo/${environment}/`)) {
        const path = parseSecretName(listed.name);
        if (!path || path.environment !== environment || listed.deletionDate) continue;
        const secret = (await store.describe(listed.name)) ?? listed;
        stored.push({ secret, cached: toCached(secret, path, store.simulated, []) });
      }
    } catch (error) {
      // A history without an environment would be wrong every day: write none.
      logger.warn('secret compliance not reconstructed', { environment, error: error as Error });
      return 0;
    }
  }
  const kept = new Set((await complianceSince(new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 10))).map((d) => d.date));
  let written = 0;
  for (let back = days; back >= 1; back--) {
    const at = now.getTime() - back * DAY_MS;
    const date = new Date(at).toISOString().slice(0, 10);
    if (kept.has(date)) continue;
    const secrets = stored.flatMap(({ secret, cached }) => {
      if (Date.parse(secret.createdAt) > at) return [];
      const then = secret.versions.filter((v) => v.createdAt !== null && Date.parse(v.createdAt) <= at).sort((a, b) => b.createdAt!.localeCompare(a.createdAt!))[0];
      return [toSecret({ ...cached, currentSince: then?.createdAt ?? secret.createdAt, lastAccessedAt: null, deletionDate: null }, at)];
    });
    const { groups, ...day } = complianceOf(secrets, date, (service) => facts.get(service)?.team);
    await saveCompliance({ ...day, ...(groups ? { groups } : {}) });
    written += 1;
  }
  return written;
}
