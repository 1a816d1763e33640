/**
 * `debug <env> <service>`: the design doc's Appendix B. The fixed plan reads the service's health, its metrics of
 * the last 15 minutes, its error groups of the last 15 minutes (widened to the last hour when those are quiet, and the last hour's beside them when it tells more: an incident just calmed down), its
 * recent deployments and its HighErrorRate runbook, prints them as findings, then asks the model for the root cause
 * and what to do now, soon and later.
 */
import type { ErrorGroupsAnswer } from '../tools/logs.ts';
import type { Headline } from '../tools/metrics.ts';
import type { CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { ago, attempt, environmentAndService, facts, firstSteps, table, text, when, type Fact, type Section } from './parts.ts';

const USAGE = 'debug <env> <service>';
const RECENT_MINUTES = 15;
const WIDER_MINUTES = 60;
const ERROR_ROWS = 10;
const MAX_WARNINGS = 3;

interface ServiceRead { environments: Array<{ name: string; version: string | null; replicas: number | null }>; team: string; tier: string }
interface HealthRead { status: string; environments: Array<{ name: string; status: string; reason?: string; replicasReady?: number; replicasDesired?: number; simulatedCluster?: boolean }> }
interface MetricsRead { headline: Headline; source: string; simulated?: boolean }
interface DeploymentsRead { deployments: Array<{ operation: string; status: string; version: string | null; from: string | null; by: string; at: string; error?: string }> }
interface RunbooksRead { runbooks: Array<{ serviceId: string; title: string; trigger: string; content: string }> }

const STATUS_WORD: Record<string, string> = { healthy: 'Healthy', degraded: 'Degraded', down: 'Down', unknown: 'Unknown' };
const STATUS_OF: Record<string, Fact['status']> = { healthy: 'ok', degraded: 'warn', down: 'bad', unknown: 'unknown' };

export function overview(health: HealthRead | undefined, environment: string, metrics: MetricsRead | undefined, declared: { replicas: number | null } | undefined): Fact[] {
  const env = health?.environments.find((e) => e.name === environment);
  const h = metrics?.headline;
  const items: Fact[] = [];
  const checked = env?.status ?? 'unknown';
  // The health check may pass while requests fail: an error rate over the threshold degrades the status shown.
  const elevated = h?.status.errorRate === 'warn' || h?.status.errorRate === 'bad';
  const status = checked === 'healthy' && elevated ? 'degraded' : checked === 'unknown' && h ? (elevated ? 'degraded' : 'healthy') : checked;
  const why = status !== checked ? (elevated ? ` (error rate above 1%; health check: ${checked})` : ` (from metrics; health check: ${checked})`) : env?.reason ? ` (${env.reason})` : '';
  items.push({ label: 'Status', value: `${STATUS_WORD[status] ?? status}${why}`, status: STATUS_OF[status] ?? 'unknown' });
  if (env?.replicasReady !== undefined && env.replicasDesired !== undefined) {
    items.push({ label: 'Replicas', value: `${env.replicasReady}/${env.replicasDesired} running${env.simulatedCluster ? ' (simulated cluster)' : ''}`, status: env.replicasReady >= env.replicasDesired ? 'ok' : env.replicasReady === 0 ? 'bad' : 'warn' });
  } else if (h?.replicasAvailable != null) {
    const desired = declared?.replicas;
    items.push({ label: 'Replicas', value: desired != null ? `${h.replicasAvailable}/${desired} available (metrics)` : `${h.replicasAvailable} available (metrics)`, status: desired == null ? 'unknown' : h.replicasAvailable >= desired ? 'ok' : h.replicasAvailable === 0 ? 'bad' : 'warn' });
  } else {
    items.push({ label: 'Replicas', value: declared?.replicas != null ? `${declared.replicas} desired; none reported ready` : 'unknown', status: 'unknown' });
  }
  const level = (s: string | undefined) => (s === 'bad' ? 'high' : s === 'warn' ? 'elevated' : s === 'ok' ? 'normal' : 'no limit known');
  if (!h) {
    items.push({ label: 'Metrics', value: 'not read', status: 'unknown' });
    return items;
  }
  items.push({ label: 'CPU', value: h.cpuPercent !== null ? `${h.cpuPercent}% (${level(h.status.cpu)})` : h.cpuCores !== null ? `${h.cpuCores} cores (no limit in the catalog)` : 'no data', status: h.status.cpu });
  items.push({ label: 'Memory', value: h.memoryPercent !== null ? `${h.memoryPercent}% (${level(h.status.memory)})` : h.memoryBytes !== null ? `${Math.round(h.memoryBytes / 1024 ** 2)} MiB (no limit in the catalog)` : 'no data', status: h.status.memory });
  items.push({ label: 'Error rate', value: h.errorRatePercent !== null ? `${h.errorRatePercent}% (${level(h.status.errorRate)}, threshold: 1%)` : 'no data (no traffic?)', status: h.status.errorRate });
  if (h.p99Ms !== null) items.push({ label: 'Latency p99', value: `${Math.round(h.p99Ms)} ms${h.p50Ms !== null ? ` (p50 ${Math.round(h.p50Ms)} ms)` : ''}` });
  if (h.requestsPerSecond !== null) items.push({ label: 'Requests', value: `${Math.round(h.requestsPerSecond * 10) / 10}/s` });
  return items;
}

/** The error groups as the "Recent Errors" table: ERROR groups first, then warnings, the most frequent first. */
/** Whether the wider window's groups add to the recent ones: a different top error, or a top error far more often. */
export function tellsMore(wider: ErrorGroupsAnswer, recent: ErrorGroupsAnswer): boolean {
  const top = wider.groups[0];
  if (!top) return false;
  const same = recent.groups.find((g) => g.message === top.message);
  return !same || top.count >= 3 * same.count;
}

export function errorsTable(read: ErrorGroupsAnswer, minutes: number, widenedFrom?: number): Section {
  const errors = read.groups.filter((g) => g.level === 'ERROR');
  const warnings = read.groups.filter((g) => g.level !== 'ERROR');
  // Errors are what the table is about; the few most frequent warnings give them context (a pool's stats).
  const rows = [...errors.slice(0, ERROR_ROWS), ...warnings.slice(0, MAX_WARNINGS)].slice(0, ERROR_ROWS).map((g) => [g.count, g.level === 'ERROR' ? g.message : `${g.level}: ${g.message}`]);
  const notes = [
    ...(widenedFrom ? [`no errors or warnings in the last ${widenedFrom} minutes: widened to the last ${minutes === 60 ? 'hour' : `${minutes} minutes`}`] : []),
    `${read.linesRead} lines read from ${read.source} (${when(read.from)} to ${when(read.to)})${read.complete ? '' : ', not all of the window\'s'}`,
    ...(read.groups.length + read.groupsLeftOut > rows.length ? [`${read.groups.length + read.groupsLeftOut - rows.length} smaller groups not shown`] : []),
  ];
  const span = minutes === 60 ? 'last hour' : `last ${minutes} minutes`;
  return table(`Recent Errors (${span})`, ['Count', 'Error'], rows.length ? rows : [[0, 'no ERROR or WARN lines']], notes.join('; '));
}

export function deploymentsTable(read: DeploymentsRead, now: number): Section {
  return table('Recent deployments', ['When', 'Version', 'From', 'Who', 'Status'],
    read.deployments.map((d) => [`${when(d.at)} (${ago(d.at, now)})`, d.operation === 'deploy' ? d.version : `${d.operation} ${d.version ?? ''}`.trim(), d.from, d.by, d.status]),
    read.deployments.length ? undefined : 'no deployments recorded');
}

export function runbookSection(runbook: RunbooksRead['runbooks'][number] | undefined, service: string): Section {
  if (!runbook) return text('Runbook', `${service} has no runbook in the catalog.`);
  const steps = firstSteps(runbook.content);
  return text('Runbook', [`${runbook.title} (trigger ${runbook.trigger}, ${runbook.serviceId})`, ...steps.map((s, i) => `${i + 1}. ${s}`)].join('\n'));
}

/** The plan. `args.at` (ISO) reads as of that moment instead of now: tests, and a look back at a past incident. */
async function plan(args: Record<string, string>, run: RunTool): Promise<CommandOutcome> {
  const { environment, service } = args as { environment: string; service: string };
  const now = args.at ? Date.parse(args.at) : Date.now();
  const to = new Date(now).toISOString();
  const sections: Section[] = [];
  const problems: string[] = [];

  const catalog = await attempt<ServiceRead>(run, 'catalog_service', { service });
  if (!catalog.ok) return { findings: { title: `debug ${environment} ${service}`, sections: [text('Not found', catalog.error)] }, prompt: `The user asked to debug ${service} in ${environment}, but the catalog read failed: ${catalog.error}. Say so briefly and suggest the right name (the catalog's services can be looked up with catalog tools).` };
  const declared = catalog.value.environments.find((e) => e.name === environment);
  if (!declared) {
    const names = catalog.value.environments.map((e) => e.name).join(', ') || 'none';
    return { findings: { title: `debug ${environment} ${service}`, sections: [text('Not found', `${service} has no environment ${environment} (it has ${names}).`)] }, prompt: `The user asked to debug ${service} in ${environment}, which it does not have (it has ${names}). Say so in one sentence.` };
  }

  const health = await attempt<HealthRead>(run, 'service_health', { service, environment });
  const metrics = await attempt<MetricsRead>(run, 'metrics_service', { service, environment, sinceMinutes: RECENT_MINUTES, to, points: 5 });
  if (!health.ok) problems.push(`health: ${health.error}`);
  if (!metrics.ok) problems.push(`metrics: ${metrics.error}`);
  sections.push(facts('Service Health Overview', overview(health.ok ? health.value : undefined, environment, metrics.ok ? metrics.value : undefined, declared)));

  let errors = await attempt<ErrorGroupsAnswer>(run, 'error_groups', { service, environment, sinceMinutes: RECENT_MINUTES, to });
  if (errors.ok && errors.value.groups.length === 0) {
    const wider = await attempt<ErrorGroupsAnswer>(run, 'error_groups', { service, environment, sinceMinutes: WIDER_MINUTES, to });
    errors = wider;
    if (wider.ok) sections.push(errorsTable(wider.value, WIDER_MINUTES, RECENT_MINUTES));
  } else if (errors.ok) {
    sections.push(errorsTable(errors.value, RECENT_MINUTES));
    // An incident that has just calmed down is still the likeliest story: the last hour's errors too, when they
    // tell something the last 15 minutes do not (another error on top, or the same ones many times more).
    const hour = await attempt<ErrorGroupsAnswer>(run, 'error_groups', { service, environment, sinceMinutes: WIDER_MINUTES, to });
    if (hour.ok && tellsMore(hour.value, errors.value)) sections.push(errorsTable(hour.value, WIDER_MINUTES));
  }
  if (!errors.ok) {
    problems.push(`logs: ${errors.error}`);
    sections.push(table(`Recent Errors (last ${RECENT_MINUTES} minutes)`, ['Count', 'Error'], [], `not read: ${errors.error}`));
  }

  const deployments = await attempt<DeploymentsRead>(run, 'deployment_history', { service, environment, limit: 5 });
  sections.push(deployments.ok ? deploymentsTable(deployments.value, now) : table('Recent deployments', ['When', 'Version', 'From', 'Who', 'Status'], [], `not read: ${deployments.error}`));

  let runbooks = await attempt<RunbooksRead>(run, 'service_runbooks', { service, alert: 'HighErrorRate' });
  if (runbooks.ok && runbooks.value.runbooks.length === 0) runbooks = await attempt<RunbooksRead>(run, 'service_runbooks', { service });
  sections.push(runbooks.ok ? runbookSection(runbooks.value.runbooks[0], service) : text('Runbook', `not read: ${runbooks.error}`));
  if (problems.length) sections.push(text('Not read', problems.join('\n')));

  return {
    findings: { title: `debug ${environment} ${service}`, sections },
    prompt: [
      `Above are the findings of \`debug ${environment} ${service}\` (${catalog.value.tier} tier, team ${catalog.value.team}), read from Apollo just now${metrics.ok && metrics.value.simulated ? ' (local demo data, simulated)' : ''}.`,
      'Reason over them as an SRE would, citing the figures and error groups you rely on:',
      '1. **Analysis**: the most likely root cause, and what points to it (the errors, whether it began after a deployment, saturation, a dependency). Use the read tools (metrics, logs, traces, dependencies) if a claim needs more evidence; say what is unknown.',
      '2. **Recommendations**: Immediate, Short-term and Long-term, each one concrete.',
      '3. Then offer the user numbered next steps to choose from (e.g. a change by pull request, a rollback or scale, more metrics, a deeper investigation). Do not change anything until the user chooses.',
    ].join('\n'),
  };
}

export const debugCommand: CommandDef = {
  name: 'debug',
  usage: USAGE,
  summary: 'A service\'s health, its errors of the last 15 minutes, its recent deployments and its runbook; then the model\'s root cause and recommendations.',
  parse: (words) => environmentAndService(words, USAGE),
  plan,
};
