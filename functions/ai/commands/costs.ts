/**
 * `costs <service> [<env>]`: a service's cost findings first (this month against last month to the same day, the
 * forecast and its budget, by environment and resource type, its anomalies with the deploys before them, the
 * recommendations with their monthly savings); then the model's reading of them and what it would do first.
 */
import type { CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { attempt, ENVIRONMENT_NAME, facts, SERVICE_SLUG, table, type Section } from './parts.ts';

const USAGE = 'costs <service> [<env>]';

interface ServiceCosts {
  service: string; team: string | null; environment: string | null; dataThrough: string | null; simulated: boolean;
  monthToDate: number; lastMonthToDate: number; changePercent: number | null; lastMonth: number; forecast: number;
  byEnvironment: Record<string, number>; byResourceType: Record<string, number>;
  daily: Array<{ date: string; total: number }>;
  anomalies: Array<{ date: string; endDate: string | null; environment: string | null; impactPerDay: number; summary: string; causes: Array<{ kind: string; id: string; summary: string; by: string | null }> }>;
  budget: { monthlyAmount: number; state: string; breachedBy: string | null; percentUsed: number; forecastPercent: number } | null;
  recommendations: Array<{ kind: string; title: string; environment: string | null; monthlySaving: number; confidence: string; action: string }>;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
const share = (map: Record<string, number>) => {
  const total = Object.values(map).reduce((a, b) => a + b, 0);
  return Object.entries(map).sort((a, b) => b[1] - a[1]).map(([k, v]): Array<string | number | null> => [k, usd(v), total > 0 ? `${Math.round((v / total) * 100)} %` : null]);
};

function parse(words: readonly string[]): Record<string, string> | string {
  const [service, environment] = words.map((w) => w.toLowerCase());
  if (!service) return `which service? (usage: ${USAGE})`;
  if (!SERVICE_SLUG.test(service)) return `${service} is not a service name (usage: ${USAGE})`;
  if (environment !== undefined && !ENVIRONMENT_NAME.test(environment)) return `${environment} is not an environment name (usage: ${USAGE})`;
  return { service, ...(environment ? { environment } : {}) };
}

async function plan(args: Record<string, string>, run: RunTool): Promise<CommandOutcome> {
  const { service, environment } = args as { service: string; environment?: string };
  const title = `costs ${service}${environment ? ` ${environment}` : ''}`;
  const read = await attempt<ServiceCosts>(run, 'costs_service', { service, ...(environment ? { environment } : {}), days: 14 });
  if (!read.ok) {
    return { findings: { title, sections: [table('Cost', ['What', 'Value'], [], `not read: ${read.error}`)] }, prompt: `The cost of ${service} could not be read (${read.error}). Say what that means and how to get it (the apollo:service cost allocation tag, the daily cost ingest). Do not change anything.` };
  }
  const c = read.value;
  const sections: Section[] = [facts(`Cost of ${service}${environment ? ` in ${environment}` : ''} (through ${c.dataThrough ?? 'no data yet'}${c.simulated ? ', LOCAL demo data' : ''})`, [
    { label: 'This month so far', value: usd(c.monthToDate) },
    { label: 'Last month, same days', value: `${usd(c.lastMonthToDate)}${c.changePercent === null ? '' : ` (${c.changePercent >= 0 ? '+' : ''}${c.changePercent} %)`}`, ...(c.changePercent !== null && c.changePercent > 20 ? { status: 'warn' as const } : {}) },
    { label: 'Month-end forecast', value: `${usd(c.forecast)} (last month ${usd(c.lastMonth)})` },
    { label: 'Budget', value: c.budget ? `${usd(c.budget.monthlyAmount)}: ${c.budget.percentUsed} % used, forecast ${c.budget.forecastPercent} % (${c.budget.state})` : 'none set', ...(c.budget && c.budget.state !== 'ok' ? { status: c.budget.state === 'breached' ? 'bad' as const : 'warn' as const } : {}) },
  ])];
  sections.push(table('By environment (this month)', ['Environment', 'Cost', 'Share'], share(c.byEnvironment)));
  sections.push(table('By resource type (this month)', ['Type', 'Cost', 'Share'], share(c.byResourceType)));
  sections.push(table('Anomalies (last 90 days)', ['Since', 'Environment', 'Per day over expected', 'What', 'Changes the day before'],
    c.anomalies.map((a) => [a.date, a.environment, usd(a.impactPerDay), a.summary, a.causes.map((x) => `${x.kind} ${x.id.slice(-8)}: ${x.summary}${x.by ? ` (${x.by})` : ''}`).join('; ') || 'none']),
    c.anomalies.length ? undefined : 'none: no day stood out from its trailing 14 days'));
  const saving = c.recommendations.reduce((s, r) => s + r.monthlySaving, 0);
  sections.push(table('Recommendations', ['Saving / month', 'Kind', 'Environment', 'What', 'Confidence'],
    c.recommendations.map((r) => [usd(r.monthlySaving), r.kind, r.environment, r.title, r.confidence]),
    c.recommendations.length ? `${usd(saving)} a month in all, if every one is done` : 'none above the floor'));
  return {
    findings: { title, sections },
    prompt: `Above are ${service}'s cost findings. Say in a few lines where its money goes, whether the trend and any anomaly are explained by the changes listed (name the deploy or request), whether it will stay within its budget, and which 2–3 optimizations to do first with their monthly savings and risk. Do not change anything; say which command or request would do each.`,
  };
}

export const costsCommand: CommandDef = {
  name: 'costs',
  usage: USAGE,
  summary: 'A service\'s costs: this month against last, the forecast and budget, by environment and resource type, anomalies with the deploys before them, and optimizations with their monthly savings.',
  parse,
  plan,
};
