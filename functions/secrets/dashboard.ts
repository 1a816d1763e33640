/**
 * The expiry dashboard (`GET /api/v1/secrets/expiring`, from the cache: no store is called on this path) and the
 * secrets' audit trail (`GET /api/v1/secrets/audit`, the audit log's entries about secrets: never a value).
 */
import type { AuditList, Secret, SecretAuditQuery, SecretExpiring, SecretExpiringQuery } from '#schemas/index.ts';
import { searchAudit } from '#functions/audit/public';
import { complianceOf, percentOf } from './expiry.ts';
import { judge, rotationDaysOf, type Category } from './policy.ts';
import { secretsConfig } from './config.ts';
import { cachedSecrets, complianceSince, type ComplianceDay, type ComplianceSnapshot } from './records.ts';
import { secretName } from './ports.ts';
import { auditRead, toSecret, visibleServices, visibleTeams, type SecretsCaller } from './secrets.ts';

/**
 * A past day's share as this view sees it: the whole for a caller who sees every secret in every environment;
 * else the sum of the snapshot's groups in the environment asked for and the caller's teams (a day kept before
 * snapshots had groups cannot be narrowed: left out rather than shown as the whole's).
 */
function pastDay(day: ComplianceSnapshot, environment: string | undefined, teams: ReadonlySet<string> | null): ComplianceDay[] {
  if (!environment && teams === null) return [{ date: day.date, total: day.total, onSchedule: day.onSchedule, percent: day.percent }];
  if (!day.groups) return [];
  let total = 0;
  let kept = 0;
  for (const [key, [count, onTime]] of Object.entries(day.groups)) {
    const at = key.indexOf('#');
    if (environment && key.slice(0, at) !== environment) continue;
    if (teams !== null && !teams.has(key.slice(at + 1))) continue;
    total += count;
    kept += onTime;
  }
  return [{ date: day.date, total, onSchedule: kept, percent: percentOf(kept, total) }];
}

const byDue = (a: Secret, b: Secret) => (a.nextRotationDue ?? '9').localeCompare(b.nextRotationDue ?? '9') || a.secretName.localeCompare(b.secretName);

export async function expiringDashboard(query: SecretExpiringQuery, caller: SecretsCaller): Promise<SecretExpiring> {
  const now = Date.now();
  const withinDays = query.withinDays ?? secretsConfig().dueSoonDays;
  const [visible, teams] = await Promise.all([visibleServices(caller), visibleTeams(caller)]);
  const secrets = (await cachedSecrets(query.environment ? { environment: query.environment } : {}))
    .filter((c) => visible(c.service))
    .map((c) => {
      const secret = toSecret(c, now);
      // "Due soon" within the window asked for, not only the configured one.
      if (secret.status === 'ok' || secret.status === 'unused') {
        const category = c.category as Category;
        const j = judge({ category, rotationDays: rotationDaysOf(category, c.rotationDaysTag), expiresAt: c.expiresAt, currentSince: c.currentSince, createdAt: c.createdAt, lastAccessedAt: null, deletionDate: c.deletionDate }, now, { withinDays, unusedDays: 1e6 });
        if (j.status === 'due-soon') return { ...secret, status: 'due-soon' as const, statusReason: j.statusReason };
      }
      return secret;
    });
  const days = query.days ?? 30;
  const since = new Date(now - days * 86_400_000).toISOString().slice(0, 10);
  const today = complianceOf(secrets, new Date(now).toISOString().slice(0, 10));
  const history = (await complianceSince(since)).filter((d) => d.date < today.date).flatMap((d) => pastDay(d, query.environment, teams));
  // A metadata read like the list's: audited, naming what was asked and how many came back.
  await auditRead(caller, 'secrets.expiring', undefined, { query, count: secrets.length });
  return {
    asOf: new Date(now).toISOString(),
    overdue: secrets.filter((s) => s.status === 'overdue').sort(byDue),
    dueSoon: secrets.filter((s) => s.status === 'due-soon').sort(byDue),
    unused: secrets.filter((s) => s.status === 'unused').sort((a, b) => (a.lastAccessedAt ?? '').localeCompare(b.lastAccessedAt ?? '')),
    compliance: { total: today.total, onSchedule: today.onSchedule, percent: today.percent, history: [...history, today] },
  };
}

export async function secretsAudit(query: SecretAuditQuery): Promise<AuditList> {
  const one = query.environment && query.service && query.name ? secretName(query.environment, query.service, query.name) : undefined;
  const page = await searchAudit({
    resourceType: 'secret', ...(one ? { resourceId: one } : {}),
    ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}),
    limit: query.limit ?? 50, ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  if (one || (!query.environment && !query.service && !query.name)) return page;
  // A part of the name: the entries whose secret it matches (within this page).
  const prefix = `apollo/${query.environment ?? ''}`;
  return { ...page, items: page.items.filter((e) => (e.resourceId ?? '').startsWith(prefix) && (!query.service || (e.resourceId ?? '').split('/')[2] === query.service) && (!query.name || (e.resourceId ?? '').split('/')[3] === query.name)) };
}
