/**
 * An offering's quotas for the one asking (pure, so the wording is tested without a browser): what is left of each for
 * their team ("growth: 0 of 1 database left in prod, 3 of 5 databases left in all environments") and what the request
 * form's "Check request" found (POST /api/v1/preview/form: the values' problems and the quota outcome submit would
 * give, nothing reserved).
 */
import type { FormPreviewResult, QuotaUsage } from '../../../../schemas/types.gen.ts';
import { environmentWords, sortQuotas, withUnit } from '../teams/quota-words.ts';

/** What is left of `resource` for the usage's team under each limit it has; "no limit" when none applies. */
export function quotaLeft(resource: string, unit: string | null, usage: Pick<QuotaUsage, 'team' | 'items'>): string {
  const limited = sortQuotas(usage.items.filter((i) => i.resource === resource && i.limit !== null));
  if (!limited.length) return `${usage.team}: no limit`;
  const left = limited.map((i) => `${(i.available ?? 0).toLocaleString('en-US')} of ${withUnit(i.limit!, i.unit ?? unit)} left ${environmentWords(i.environment)}`);
  return `${usage.team}: ${left.join(', ')}`;
}

export interface CheckOutcome {
  /** Submit would accept it: the values pass and it fits the team's quotas. */
  readonly accepted: boolean;
  /** The quota outcome in words ("Over quota: …", "Within growth's quotas: …"); null when no quota applies. */
  readonly quota: string | null;
}

const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export function checkOutcome(result: Pick<FormPreviewResult, 'valueIssues' | 'quota'>): CheckOutcome {
  const quota = result.quota;
  const over = quota?.decision === 'over';
  const said = !quota || quota.decision === 'not-applicable' ? null : over ? `Over quota: ${quota.message}` : sentence(quota.message);
  return { accepted: (result.valueIssues ?? []).length === 0 && !over, quota: said };
}
