/**
 * Section 15: what Apollo costs to run, from measured calls (issue 24, "What it costs").
 *
 * Each user operation and each scheduled job runs through the local runtime under the meter (cost-meter.ts, what is
 * counted where), which gives its Lambda invocations and their time, DynamoDB read and write units, Step Functions
 * state transitions, API Gateway calls and WebSocket messages, Secrets Manager and Cost Explorer calls, EventBridge
 * events, S3 requests and the bytes its handlers log. The stack's template (cost-infra.ts) gives each function's memory
 * and what costs something every month whatever the use. Multiplied by the us-east-1 prices of one dated file
 * (prices/aws-us-east-1.json), for a reference organisation's month and an idle month (no users: only the schedules),
 * under the usage assumptions of REFERENCE_ORG below.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Runtime } from '#local/runtime';
import { accessLogLineBytes, readInfra, type InfraFacts } from './cost-infra.ts';
import { CostMeter, type Usage } from './cost-meter.ts';
import { measureAi, measureDeploy, measureJobs, measureRequests, measureWeb, PAGES, REQUEST_ACTIONS, SHELL, VISIBLE_MINUTE, type AiUsage, type DeployUsage, type JobsUsage, type JobUsage, type WebUsage } from './cost-operations.ts';
import type { Table } from './format.ts';

const PRICES_FILE = fileURLToPath(new URL('prices/aws-us-east-1.json', import.meta.url));
const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

/** The targets of issue 24: a reference organisation's month without model tokens and per-secret fees, and an idle month. */
export const TARGETS = { referenceMonthUsd: 25, idleMonthUsd: 5 } as const;

/**
 * The reference organisation (issue 24) and how it uses Apollo. The first five lines are the issue's; the rest are
 * assumptions of this model, each said where it is used.
 */
export const REFERENCE_ORG = {
  services: 50,
  environmentsPerService: 3,
  engineers: 100,
  deploysPerWeek: 200,
  requestsPerWeek: 300,
  agentTurnsPerMonth: 2000,
  // ---- assumptions
  weeksPerMonth: 52 / 12,
  workingDaysPerWeek: 5,
  /** Hours of a working day in which someone uses Apollo (spread over time zones): the hours API metrics are reported in. */
  activeHoursPerWorkingDay: 10,
  /** Full loads of the app (a new tab, a sign-in) per engineer per working day. */
  appOpensPerEngineerDay: 2,
  /** Pages shown per engineer per working day (navigations inside the app). */
  pageViewsPerEngineerDay: { home: 2, catalog: 3, 'service page': 6, 'deploy center': 4, requests: 3 } as Readonly<Record<string, number>>,
  /** Minutes per engineer per working day a tab is visible: react-query polls only then. */
  visibleMinutesPerEngineerDay: 60,
  /** Hours per engineer per working day a tab is open (hidden or not): its WebSocket stays connected, pinging every 5 minutes. */
  tabOpenHoursPerEngineerDay: 8,
  /** The request mix: half of the requests one action, half five. */
  requestActionsMix: { 1: 0.5, 5: 0.5 } as Readonly<Record<number, number>>,
  turnsPerAiSession: 4,
  /** Others following `deployments` while a deployment runs (Deploy Centers, service pages open elsewhere); one is measured. */
  deploymentsWatchers: 5,
  /** Rollout checks of a deployment in AWS: a 2-minute rollout checked every 10 s (APOLLO_DEPLOY_POLL_SECONDS' default). */
  rolloutChecksInAws: 12,
  /** Health-poll runs in which every environment gets its heartbeat sample: one in fifteen (APOLLO_HEALTH_HEARTBEAT_MS, 15 minutes). */
  heartbeatRunShare: 1 / 15,
  /** Cost-ingest runs that read coverage and Cost Explorer's recommendations again: one in seven (APOLLO_COSTS_SLOW_REFRESH_DAYS, 7). */
  costWeeklyRunShare: 1 / 7,
  /** Lambda INIT (billed since 2025-08-01): one cold start per function per hour it is used, 250 ms each (ARCHITECTURE.md §9: 180–250 ms). */
  coldStartInitMs: 250,
  /** Secrets Apollo itself reads (GitHub App, Anthropic key, Argo CD token, JIRA, PagerDuty, Terraform Cloud, two webhook keys). */
  integrationSecrets: 8,
  /** The services' own secrets per environment (Apollo shows and rotates them; they exist without it). */
  serviceSecretsPerEnvironment: 2,
  /** Months of data the table holds (storage and PITR are by size). */
  tableAgeMonths: 12,
  daysPerMonth: 30,
} as const;

// ---------------------------------------------------------------- prices

interface Price { readonly price: number; readonly per: number; readonly unit: string; readonly source: string; readonly sourceKind: 'aws' | 'quoting-aws' | 'none'; readonly read: string }
interface PriceFile { readonly region: string; readonly read: string; readonly prices: Readonly<Record<string, Price>> }

export function readPrices(file = PRICES_FILE): PriceFile {
  return JSON.parse(readFileSync(file, 'utf8')) as PriceFile;
}

// ---------------------------------------------------------------- what one operation bills

/** Billable quantities, one field per line of the bill. */
export interface Quantities {
  lambdaRequests: number;
  /** GB-s of handler time, billed per ms. */
  lambdaGbSeconds: number;
  wru: number;
  rru: number;
  transitions: number;
  restCalls: number;
  wsMessages: number;
  /** Bytes ingested by the functions' log groups: handler lines, Lambda's START/END/REPORT, EMF, 26 bytes an event. */
  functionLogBytes: number;
  /** The REST and WebSocket stages' access-log lines. */
  accessLogBytes: number;
  /** The state machines' execution logs (level ALL, no execution data): vended logs. */
  stateLogBytes: number;
  /** Traces started (before sampling): an API call, a WebSocket route, a job run, an execution. */
  traces: number;
  secretsCalls: number;
  costExplorerRequests: number;
  customEvents: number;
  s3Puts: number;
  s3Gets: number;
  s3Bytes: number;
  storedBytes: number;
}

const ZERO: Quantities = {
  lambdaRequests: 0, lambdaGbSeconds: 0, wru: 0, rru: 0, transitions: 0, restCalls: 0, wsMessages: 0, functionLogBytes: 0, accessLogBytes: 0,
  stateLogBytes: 0, traces: 0, secretsCalls: 0, costExplorerRequests: 0, customEvents: 0, s3Puts: 0, s3Gets: 0, s3Bytes: 0, storedBytes: 0,
};

const add = (a: Quantities, b: Quantities, times = 1): Quantities =>
  Object.fromEntries(Object.keys(ZERO).map((k) => [k, a[k as keyof Quantities] + b[k as keyof Quantities] * times])) as unknown as Quantities;

/** CloudWatch Logs counts 26 bytes of metadata per event on top of its text. */
const LOG_EVENT_OVERHEAD = 26;
/** Lambda's own START, END and REPORT lines per invocation (REPORT with the X-Ray trace id). */
const PLATFORM_LINES = 3;
const PLATFORM_BYTES = 300;
/** A state machine's log events per state entered: Entered and Exited; a Task adds Scheduled, Started and Succeeded. */
const EVENTS_PER_STATE = 2;
const EXTRA_EVENTS_PER_TASK = 3;

export interface LineSizes {
  readonly restAccess: number;
  readonly realtimeAccess: number;
  readonly emf: number;
  readonly stateEvent: number;
}

const isRestKind = (kind: string): boolean => /^(GET|POST|PUT|PATCH|DELETE) /.test(kind);
const isRealtimeRoute = (kind: string): boolean => kind.startsWith('$');

/** What an operation's usage bills, priced by nothing yet: memory from the template, log lines from its formats. */
export function quantitiesOf(usage: Usage, infra: InfraFacts, sizes: LineSizes): Quantities {
  const q: Quantities = { ...ZERO };
  for (const inv of usage.invocations) {
    const memoryMb = infra.functions[inv.fn]?.memoryMb;
    if (memoryMb === undefined) throw new Error(`no function ${inv.fn} in the template: the cost model cannot price its invocations`);
    q.lambdaRequests += 1;
    q.lambdaGbSeconds += (memoryMb / 1024) * (Math.ceil(inv.ms) / 1000);
    q.functionLogBytes += PLATFORM_BYTES + PLATFORM_LINES * LOG_EVENT_OVERHEAD;
    if (isRestKind(inv.kind)) q.functionLogBytes += sizes.emf + LOG_EVENT_OVERHEAD;
    if (isRealtimeRoute(inv.kind)) q.accessLogBytes += sizes.realtimeAccess + LOG_EVENT_OVERHEAD;
    // A trace per invocation (active tracing), but a workflow's steps, which join their execution's trace: an upper
    // bound, since the AI tools' on-behalf invocations join their turn's trace too.
    if (!inv.fn.endsWith('-steps')) q.traces += 1;
  }
  q.functionLogBytes += usage.logBytes + usage.logLines * LOG_EVENT_OVERHEAD;
  q.restCalls = usage.restCalls;
  q.accessLogBytes += usage.restCalls * (sizes.restAccess + LOG_EVENT_OVERHEAD);
  q.wsMessages = usage.wsIn + usage.wsOut;
  q.rru = usage.rru;
  q.wru = usage.wru;
  for (const execution of usage.executions) {
    q.transitions += execution.transitions;
    q.traces += 1;
    const events = 2 + execution.transitions * EVENTS_PER_STATE + (execution.byType.Task ?? 0) * EXTRA_EVENTS_PER_TASK;
    q.stateLogBytes += events * (sizes.stateEvent + LOG_EVENT_OVERHEAD);
  }
  q.secretsCalls = usage.secretsCalls;
  q.costExplorerRequests = usage.costExplorerRequests;
  q.customEvents = usage.customEvents;
  q.s3Puts = usage.s3Puts;
  q.s3Gets = usage.s3Gets;
  q.s3Bytes = usage.s3Bytes;
  q.storedBytes = usage.storedBytes;
  return q;
}

/** One line of a Step Functions execution log (level ALL, no execution data), as CloudWatch receives it. */
function stateEventBytes(stage: string): number {
  return Buffer.byteLength(JSON.stringify({
    id: '12', type: 'TaskStateEntered', details: { name: 'CheckRollout' }, previous_event_id: '11', event_timestamp: '1765016142000',
    execution_arn: `arn:aws:states:us-east-1:123456789012:execution:apollo-${stage}-deployment:01JEXAMPLE7Q2W3E4R5T6Y7U8I9O`, redrive_count: '0',
  }));
}

/** The EMF line Powertools Metrics prints per API invocation in AWS (metrics are off locally): rendered here. */
async function emfLineBytes(): Promise<{ bytes: number; metrics: string[] }> {
  const { Metrics, MetricUnit } = await import('@aws-lambda-powertools/metrics');
  // As the functions make it (functions/lib/observability.ts): no POWERTOOLS_SERVICE_NAME is set by the stack.
  const metrics = new Metrics({ namespace: 'Apollo', serviceName: 'apollo' });
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  const emf = metrics.serializeMetrics();
  const dimensions = (emf._aws.CloudWatchMetrics[0]?.Dimensions ?? []).flat();
  return { bytes: Buffer.byteLength(JSON.stringify(emf)), metrics: ['Requests', 'ClientErrors'].map((m) => `${m} {${dimensions.join(',')}}`) };
}

// ---------------------------------------------------------------- the months

export interface BillLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  /** Where it comes from: measured operations, the template, an assumption. */
  readonly basis: string;
}

export interface Driver { readonly what: string; readonly usd: number; readonly share: number }

export interface Month {
  readonly name: string;
  readonly lines: readonly BillLine[];
  readonly totalUsd: number;
  /** Apart from the total: the secrets' own fee ($0.40 a secret). */
  readonly perSecretFees: ReadonlyArray<{ readonly what: string; readonly secrets: number; readonly usd: number }>;
  readonly targetUsd: number;
  readonly meetsTarget: boolean;
  /** The operations (and fixed items) that cost the most, by their share of the month. */
  readonly drivers: readonly Driver[];
  readonly counts: Readonly<Record<string, number>>;
  /** Dollars per operation or job over the month. */
  readonly byOperation: Readonly<Record<string, number>>;
  /** Traces before sampling (X-Ray's default rule records fewer). */
  readonly unsampledTraces: number;
}

/** A change that would lower a month's bill, priced from the measured operations. */
export interface Lever {
  readonly lever: string;
  readonly how: string;
  readonly referenceSavesUsd: number;
  readonly idleSavesUsd: number;
}

interface PricedQuantities { readonly lines: BillLine[]; readonly usd: number }

const GB = 1e9;

/** Bills quantities at the file's prices (unit price = price / per). */
function price(q: Quantities, prices: PriceFile, basis: string): PricedQuantities {
  const p = (key: string): number => {
    const entry = prices.prices[key];
    if (!entry) throw new Error(`no price ${key} in ${PRICES_FILE}`);
    return entry.price / entry.per;
  };
  const lines: BillLine[] = [
    { service: 'Lambda', item: 'requests', quantity: q.lambdaRequests, unit: 'invocations', usd: q.lambdaRequests * p('lambda.request'), basis },
    { service: 'Lambda', item: 'duration (arm64)', quantity: q.lambdaGbSeconds, unit: 'GB-s', usd: q.lambdaGbSeconds * p('lambda.arm64.gbSecond'), basis },
    { service: 'DynamoDB', item: 'write request units', quantity: q.wru, unit: 'WRU', usd: q.wru * p('dynamodb.onDemand.writeRequestUnit'), basis },
    { service: 'DynamoDB', item: 'read request units', quantity: q.rru, unit: 'RRU', usd: q.rru * p('dynamodb.onDemand.readRequestUnit'), basis },
    { service: 'Step Functions', item: 'state transitions (Standard)', quantity: q.transitions, unit: 'transitions', usd: q.transitions * p('stepFunctions.standard.stateTransition'), basis },
    { service: 'API Gateway', item: 'REST calls', quantity: q.restCalls, unit: 'calls', usd: q.restCalls * p('apiGateway.rest.request'), basis },
    { service: 'API Gateway', item: 'WebSocket messages', quantity: q.wsMessages, unit: 'messages', usd: q.wsMessages * p('apiGateway.websocket.message'), basis },
    { service: 'CloudWatch', item: 'Logs ingestion: functions', quantity: q.functionLogBytes / GB, unit: 'GB', usd: (q.functionLogBytes / GB) * p('cloudwatch.logs.ingestion'), basis },
    { service: 'CloudWatch', item: 'Logs ingestion: API access logs', quantity: q.accessLogBytes / GB, unit: 'GB', usd: (q.accessLogBytes / GB) * p('cloudwatch.logs.ingestion'), basis },
    { service: 'CloudWatch', item: 'Logs ingestion: state machines (vended)', quantity: q.stateLogBytes / GB, unit: 'GB', usd: (q.stateLogBytes / GB) * p('cloudwatch.logs.vendedIngestion'), basis },
    { service: 'Secrets Manager', item: 'API calls', quantity: q.secretsCalls, unit: 'calls', usd: q.secretsCalls * p('secretsManager.apiCall'), basis },
    { service: 'Cost Explorer', item: 'API requests', quantity: q.costExplorerRequests, unit: 'requests', usd: q.costExplorerRequests * p('costExplorer.request'), basis },
    { service: 'EventBridge', item: 'custom events (notifications)', quantity: q.customEvents, unit: 'events', usd: q.customEvents * p('eventbridge.customEvent'), basis },
    { service: 'S3', item: 'requests (audit archive)', quantity: q.s3Puts + q.s3Gets, unit: 'requests', usd: q.s3Puts * p('s3.put') + q.s3Gets * p('s3.get'), basis },
  ];
  return { lines, usd: lines.reduce((s, l) => s + l.usd, 0) };
}

/** X-Ray's default sampling rule: the first request each second, then 5 % of the rest (fleet-wide), for `n` traces spread over `seconds`. */
export function sampledTraces(n: number, seconds: number): number {
  if (n <= 0 || seconds <= 0) return 0;
  const perSecond = n / seconds;
  const first = 1 - Math.exp(-perSecond);
  return seconds * (first + 0.05 * Math.max(0, perSecond - first));
}

export interface CostModelInputs {
  readonly infra: InfraFacts;
  readonly prices: PriceFile;
  readonly sizes: LineSizes;
  readonly customMetrics: readonly string[];
  readonly web: WebUsage;
  readonly requests: readonly Usage[];
  readonly deploy: DeployUsage;
  readonly ai: AiUsage;
  readonly jobs: JobsUsage;
  readonly webBundle: { readonly bytes: number; readonly gzipBytes: number; readonly measured: boolean };
}

/** Runs of a schedule expression in a month of REFERENCE_ORG.daysPerMonth days (rate(), or a daily cron). */
export function runsPerMonth(schedule: string, days = REFERENCE_ORG.daysPerMonth): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (rate) {
    const seconds = Number(rate[1]) * ({ minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 } as Record<string, number>)[rate[2]!]!;
    return (days * 86400) / seconds;
  }
  if (/^cron\(\d+ \d+ \* \* \? \*\)$/.test(schedule)) return days;
  throw new Error(`the cost model reads rate() and daily cron() schedules, not ${schedule}: add it to runsPerMonth`);
}

/**
 * A job run's quantities for the reference organisation's catalog: what grows with the catalog (reads, writes, bytes,
 * logs, time) scaled by its size over the demo's; the health poll's time is kept (a run waits for its slowest check,
 * 16 at once), and what does not grow (one invocation, Cost Explorer's requests per environment) is kept.
 */
function jobQuantities(run: JobUsage, q: Quantities, inputs: CostModelInputs, heartbeat = false): Quantities {
  const { jobs } = inputs;
  const envs = REFERENCE_ORG.services * REFERENCE_ORG.environmentsPerService;
  const measuredEnvs = heartbeat ? ((run.result as { environments?: number }).environments ?? jobs.environments) : jobs.environments;
  const byCatalog = ['discovery-sync', 'cost-ingest', 'secret-expiry'].includes(run.job) ? REFERENCE_ORG.services / jobs.services : 1;
  const factor = run.job === 'health-poll' ? envs / measuredEnvs : byCatalog;
  const perRun = 1 / run.runsInOne;
  const scaled: Quantities = { ...q };
  for (const key of ['wru', 'rru', 'storedBytes', 'customEvents', 'secretsCalls', 's3Bytes'] as const) scaled[key] = q[key] * factor * perRun;
  // Lambda's own lines are per invocation; the handler's grow with the catalog.
  const platform = q.lambdaRequests * (PLATFORM_BYTES + PLATFORM_LINES * LOG_EVENT_OVERHEAD);
  scaled.functionLogBytes = platform + (q.functionLogBytes - platform) * factor * perRun;
  if (run.job !== 'health-poll') scaled.lambdaGbSeconds = q.lambdaGbSeconds * factor * perRun;
  for (const key of ['s3Puts', 's3Gets'] as const) scaled[key] = q[key] * perRun;
  return scaled;
}

export interface Models {
  readonly perOperation: ReadonlyArray<{ readonly name: string; readonly usage: Usage; readonly quantities: Quantities; readonly usd: number; readonly lines: readonly BillLine[] }>;
  readonly reference: Month;
  readonly idle: Month;
  readonly levers: readonly Lever[];
}

/** The health heartbeat by default, in minutes. */
const HEARTBEAT_MINUTES = 1 / REFERENCE_ORG.heartbeatRunShare;
/** The health heartbeat the lever moves to (APOLLO_HEALTH_HEARTBEAT_MS allows up to 1 hour). */
const LEVER_HEARTBEAT_MINUTES = 30;

function leversOf(reference: Month, idle: Month, prices: PriceFile): Lever[] {
  const heartbeat = (m: Month) => m.byOperation['job health-poll (heartbeat minute)'] ?? 0;
  const line = (m: Month, service: string, item?: string) => m.lines.filter((l) => l.service === service && (!item || l.item.startsWith(item))).reduce((s, l) => s + l.usd, 0);
  const perTrace = prices.prices['xray.traceRecorded']!.price / prices.prices['xray.traceRecorded']!.per;
  const xray = (m: Month) => Math.max(0, line(m, 'X-Ray') - m.unsampledTraces * 0.05 * perTrace);
  return [
    {
      lever: `health heartbeat every ${LEVER_HEARTBEAT_MINUTES} min`,
      how: `APOLLO_HEALTH_HEARTBEAT_MS=${LEVER_HEARTBEAT_MINUTES * 60_000} on the jobs Lambda (a setting that exists): changes are still recorded the minute they are seen; a steady environment gets a history point every ${LEVER_HEARTBEAT_MINUTES} min instead of ${HEARTBEAT_MINUTES} (each heartbeat is one history sample: a small write)`,
      referenceSavesUsd: heartbeat(reference) * (1 - HEARTBEAT_MINUTES / LEVER_HEARTBEAT_MINUTES),
      idleSavesUsd: heartbeat(idle) * (1 - HEARTBEAT_MINUTES / LEVER_HEARTBEAT_MINUTES),
    },
    {
      lever: 'X-Ray: 5 % sampling, no reservoir',
      how: 'a sampling rule in the stack (the default records the first request of every second: most polls and pings at this traffic)',
      referenceSavesUsd: xray(reference),
      idleSavesUsd: xray(idle),
    },
  ];
}

export function model(inputs: CostModelInputs): Models {
  const { infra, prices, sizes, web, requests, deploy, ai, jobs } = inputs;
  const R = REFERENCE_ORG;
  const workingDays = R.weeksPerMonth * R.workingDaysPerWeek;
  const activeHours = workingDays * R.activeHoursPerWorkingDay;
  const q = (u: Usage) => quantitiesOf(u, infra, sizes);
  const unit = (key: string) => prices.prices[key]!.price / prices.prices[key]!.per;

  // The deployment as AWS would run it: its rollout checks replaced by AWS's number, its frames to every watcher.
  const deployQ: Quantities = (() => {
    const base = q(deploy.measured);
    const extra = R.rolloutChecksInAws - deploy.rolloutChecks;
    const memoryGb = (infra.functions['deployments-deployment-steps']?.memoryMb ?? 512) / 1024;
    const perCheck: Quantities = {
      ...ZERO, lambdaRequests: 1, lambdaGbSeconds: memoryGb * (Math.ceil(deploy.perCheck.ms) / 1000), rru: deploy.perCheck.rru, wru: deploy.perCheck.wru,
      transitions: deploy.perCheck.transitions, functionLogBytes: deploy.perCheck.logBytes + PLATFORM_BYTES + PLATFORM_LINES * LOG_EVENT_OVERHEAD,
      stateLogBytes: (deploy.perCheck.transitions * EVENTS_PER_STATE + EXTRA_EVENTS_PER_TASK) * (sizes.stateEvent + LOG_EVENT_OVERHEAD),
    };
    const withChecks = add(base, perCheck, extra);
    return { ...withChecks, wsMessages: withChecks.wsMessages + deploy.framesPerDeploymentsWatcher * (R.deploymentsWatchers - 1) };
  })();

  const perOperation = [
    web.shell, ...web.pages, web.visibleMinute, web.ping, web.reconnect, ...requests, deploy.measured, ai.session, ai.turn,
    ...jobs.runs.map((r) => r.usage), jobs.healthHeartbeat.usage, jobs.costWeekly.usage,
  ].map((usage) => {
    const quantities = usage === deploy.measured ? deployQ : q(usage);
    const priced = price(quantities, prices, 'measured');
    return { name: usage === deploy.measured ? `${usage.name} (as in AWS: ${R.rolloutChecksInAws} rollout checks, ${R.deploymentsWatchers} watchers)` : usage.name, usage, quantities, usd: priced.usd, lines: priced.lines };
  });
  const quantitiesOfUsage = new Map(perOperation.map((o) => [o.usage, o.quantities]));

  // ---------------------------------------------------------------- how often each happens in a month
  const engineerDays = R.engineers * workingDays;
  const userOps: Array<[Usage, number, string]> = [
    [web.shell, engineerDays * R.appOpensPerEngineerDay, `${R.appOpensPerEngineerDay} app opens per engineer per working day`],
    ...web.pages.map((u): [Usage, number, string] => [u, engineerDays * (R.pageViewsPerEngineerDay[u.name] ?? 0), `${R.pageViewsPerEngineerDay[u.name] ?? 0} views per engineer per working day`]),
    [web.visibleMinute, engineerDays * R.visibleMinutesPerEngineerDay, `${R.visibleMinutesPerEngineerDay} visible minutes per engineer per working day`],
    [web.ping, engineerDays * R.tabOpenHoursPerEngineerDay * 12, `a ping every 5 minutes of ${R.tabOpenHoursPerEngineerDay} open hours`],
    [web.reconnect, engineerDays * Math.max(0, R.tabOpenHoursPerEngineerDay / 2 - 1), 'a reconnect every 2 hours a tab is open, after its first connection'],
    ...requests.map((u, i): [Usage, number, string] => [u, R.requestsPerWeek * R.weeksPerMonth * (R.requestActionsMix[REQUEST_ACTIONS[i]!] ?? 0), `${R.requestsPerWeek} requests a week, ${(R.requestActionsMix[REQUEST_ACTIONS[i]!] ?? 0) * 100} % of ${REQUEST_ACTIONS[i]} action(s)`]),
    [deploy.measured, R.deploysPerWeek * R.weeksPerMonth, `${R.deploysPerWeek} deployments a week`],
    [ai.session, R.agentTurnsPerMonth / R.turnsPerAiSession, `a session per ${R.turnsPerAiSession} turns`],
    [ai.turn, R.agentTurnsPerMonth, `${R.agentTurnsPerMonth} agent turns a month`],
  ];
  const jobOps: Array<[JobUsage, number, boolean, string]> = [];
  for (const run of jobs.runs) {
    const runs = runsPerMonth(run.schedule);
    if (run.job === 'health-poll') {
      jobOps.push([run, runs * (1 - R.heartbeatRunShare), false, `${run.schedule}: ${Math.round(runs).toLocaleString('en-US')} runs, ${Math.round((1 - R.heartbeatRunShare) * 100)} % steady`]);
      jobOps.push([jobs.healthHeartbeat, runs * R.heartbeatRunShare, true, `${run.schedule}: ${Math.round(R.heartbeatRunShare * 100)} % heartbeat minutes`]);
    } else if (run.job === 'cost-ingest') {
      jobOps.push([run, runs * (1 - R.costWeeklyRunShare), false, `${run.schedule}: ${Math.round(runs)} runs, 6 in 7 daily`]);
      jobOps.push([jobs.costWeekly, runs * R.costWeeklyRunShare, false, `${run.schedule}: 1 in 7 also reads coverage and recommendations`]);
    } else {
      jobOps.push([run, runs, false, `${run.schedule}: ${Math.round(runs).toLocaleString('en-US')} runs`]);
    }
  }

  // Storage grows with the reference organisation's month (the idle month keeps the same table).
  let growth = { ...ZERO };
  for (const [usage, count] of userOps) growth = add(growth, quantitiesOfUsage.get(usage)!, count);
  for (const [run, count, heartbeat] of jobOps) growth = add(growth, jobQuantities(run, q(run.usage), inputs, heartbeat), count);
  const referenceGrowthBytes = growth.storedBytes;
  const userFunctions = new Set(userOps.flatMap(([usage]) => usage.invocations.map((i) => i.fn)));

  const month = (name: string, withUsers: boolean): Month => {
    const byOp: Array<{ what: string; q: Quantities; count: number }> = [];
    if (withUsers) for (const [usage, count] of userOps) byOp.push({ what: usage.name, q: quantitiesOfUsage.get(usage)!, count });
    for (const [run, count, heartbeat] of jobOps) byOp.push({ what: run.usage.name, q: jobQuantities(run, q(run.usage), inputs, heartbeat), count });
    const counts = Object.fromEntries(byOp.map((o) => [o.what, Math.round(o.count * 10) / 10]));

    let total = { ...ZERO };
    const opUsd = new Map<string, number>();
    for (const o of byOp) {
      total = add(total, o.q, o.count);
      opUsd.set(o.what, (opUsd.get(o.what) ?? 0) + price(o.q, prices, 'measured').usd * o.count);
    }
    const userTraces = withUsers ? byOp.filter((o) => !o.what.startsWith('job ')).reduce((s, o) => s + o.q.traces * o.count, 0) : 0;
    const jobTraces = byOp.filter((o) => o.what.startsWith('job ')).reduce((s, o) => s + o.q.traces * o.count, 0);
    const traces = sampledTraces(userTraces, activeHours * 3600) + sampledTraces(jobTraces, R.daysPerMonth * 86400);
    const measuredLines = price(total, prices, 'measured × monthly counts').lines;

    // ---------------------------------------------------------------- what the template and the assumptions add
    // One cold start per function per hour it is used: the jobs function every hour, the others in the active hours.
    const coldStartsOf = (fn: string): number => (fn === 'jobs' ? R.daysPerMonth * 24 : withUsers && userFunctions.has(fn) ? activeHours : 0);
    const functionsUsed = new Set([...(withUsers ? userFunctions : []), 'jobs']);
    const coldStarts = [...functionsUsed].reduce((s, fn) => s + coldStartsOf(fn), 0);
    const coldGbS = [...functionsUsed].reduce((s, fn) => s + ((infra.functions[fn]?.memoryMb ?? 512) / 1024) * (R.coldStartInitMs / 1000) * coldStartsOf(fn), 0);
    const tableGb = (REFERENCE_ORG.tableAgeMonths * Math.max(0, referenceGrowthBytes)) / GB;
    const retention = infra.retentionDays;
    const logStorageGb = (total.functionLogBytes * (retention.functions / 30) + total.accessLogBytes * (retention.accessLogs / 30) + total.stateLogBytes * (retention.stateMachines / 30)) / GB;
    const appOpens = withUsers ? engineerDays * R.appOpensPerEngineerDay : 0;
    const mau = withUsers ? R.engineers : 0;
    const metricMonths = withUsers ? inputs.customMetrics.length * Math.min(1, activeHours / (R.daysPerMonth * 24)) : 0;
    const connectionMinutes = withUsers ? engineerDays * R.tabOpenHoursPerEngineerDay * 60 : 0;
    const archiveGb = (total.s3Bytes * REFERENCE_ORG.tableAgeMonths) / GB;
    const basisT = 'template';
    const basisA = 'assumption';
    const extra: BillLine[] = [
      { service: 'Lambda', item: `cold starts (INIT, ${R.coldStartInitMs} ms each)`, quantity: coldGbS, unit: 'GB-s', usd: coldGbS * unit('lambda.arm64.gbSecond'), basis: `${Math.round(coldStarts)} cold starts: ${basisA}` },
      { service: 'DynamoDB', item: 'storage (table and indexes)', quantity: tableGb, unit: 'GB-month', usd: tableGb * unit('dynamodb.storage'), basis: `${R.tableAgeMonths} months of the reference month's measured growth` },
      ...(infra.tablePitr ? [{ service: 'DynamoDB', item: 'point-in-time recovery', quantity: tableGb, unit: 'GB-month', usd: tableGb * unit('dynamodb.pitr'), basis: `${basisT}: PITR on` }] : []),
      { service: 'API Gateway', item: 'WebSocket connection minutes', quantity: connectionMinutes, unit: 'minutes', usd: connectionMinutes * unit('apiGateway.websocket.connectionMinute'), basis: `${R.tabOpenHoursPerEngineerDay} open hours per engineer per working day: ${basisA}` },
      { service: 'CloudWatch', item: 'Logs storage (as ingested; retention from the template)', quantity: logStorageGb, unit: 'GB-month', usd: logStorageGb * unit('cloudwatch.logs.storage'), basis: `${retention.functions} d functions, ${retention.accessLogs} d access logs, ${retention.stateMachines} d state machines` },
      { service: 'CloudWatch', item: `custom metrics (EMF: ${inputs.customMetrics.join(', ')})`, quantity: metricMonths, unit: 'metric-months', usd: metricMonths * unit('cloudwatch.customMetric'), basis: `reported in ${Math.round(activeHours)} active hours` },
      { service: 'CloudWatch', item: 'alarms', quantity: infra.alarms, unit: 'alarms', usd: infra.alarms * unit('cloudwatch.alarm.standard'), basis: basisT },
      ...(infra.dashboards ? [{ service: 'CloudWatch', item: 'dashboards', quantity: infra.dashboards, unit: 'dashboards', usd: infra.dashboards * unit('cloudwatch.dashboard'), basis: basisT }] : []),
      { service: 'X-Ray', item: 'traces recorded (default sampling)', quantity: traces, unit: 'traces', usd: traces * unit('xray.traceRecorded'), basis: `${Math.round(userTraces + jobTraces).toLocaleString('en-US')} traced requests, sampled: 1/s + 5 %` },
      // Plus has no free tier; Lite and Essentials are free up to 10,000 MAU, far above the reference organisation.
      { service: 'Cognito', item: `monthly active users (${infra.userPoolTier})`, quantity: mau, unit: 'MAU', usd: infra.userPoolTier === 'PLUS' ? mau * unit('cognito.userPool.plusMau') : 0, basis: `${basisT}: ${infra.userPoolTier} plan` },
      { service: 'Amplify', item: 'hosting: storage', quantity: inputs.webBundle.bytes / GB, unit: 'GB-month', usd: (inputs.webBundle.bytes / GB) * unit('amplify.hosting.storage'), basis: inputs.webBundle.measured ? 'web/dist' : basisA },
      { service: 'Amplify', item: 'hosting: data served', quantity: (appOpens * inputs.webBundle.gzipBytes) / GB, unit: 'GB', usd: ((appOpens * inputs.webBundle.gzipBytes) / GB) * unit('amplify.hosting.dataTransferOut'), basis: `the app's first load (${Math.round(inputs.webBundle.gzipBytes / 1024)} KB gzipped) on every open: no browser cache` },
      { service: 'S3', item: 'storage (audit archive)', quantity: archiveGb, unit: 'GB-month', usd: archiveGb * unit('s3.standard.storage'), basis: `${R.tableAgeMonths} months of exported days` },
      ...(infra.kmsKeys ? [{ service: 'KMS', item: 'customer managed keys', quantity: infra.kmsKeys, unit: 'keys', usd: infra.kmsKeys * unit('kms.customerManagedKeyMonth'), basis: basisT }] : []),
      ...(infra.wafWebAcls ? [{ service: 'WAF', item: 'web ACLs', quantity: infra.wafWebAcls, unit: 'ACLs', usd: infra.wafWebAcls * unit('waf.webAclMonth'), basis: basisT }] : []),
      ...(infra.natGateways ? [{ service: 'VPC', item: 'NAT gateways', quantity: infra.natGateways, unit: 'gateways', usd: infra.natGateways * 730 * unit('natGateway.hour'), basis: basisT }] : []),
      ...(infra.interfaceEndpoints ? [{ service: 'VPC', item: 'interface endpoints (one AZ each)', quantity: infra.interfaceEndpoints, unit: 'endpoints', usd: infra.interfaceEndpoints * 730 * unit('vpcEndpoint.interface.hourPerAz'), basis: basisT }] : []),
    ];
    // X-Ray is priced on sampled traces above, not on the unsampled count.
    const lines = [...measuredLines, ...extra].filter((l) => l.quantity > 0 || l.usd > 0);
    const totalUsd = lines.reduce((s, l) => s + l.usd, 0);

    const drivers: Driver[] = [
      ...[...opUsd].map(([what, usd]) => ({ what, usd })),
      ...extra.filter((l) => l.usd > 0).map((l) => ({ what: `${l.service}: ${l.item}`, usd: l.usd })),
    ].sort((a, b) => b.usd - a.usd).slice(0, 6).map((d) => ({ ...d, share: totalUsd > 0 ? d.usd / totalUsd : 0 }));

    const secretsInEstate = R.services * R.environmentsPerService * R.serviceSecretsPerEnvironment;
    const perSecretFees = [
      { what: 'Apollo\'s own integration secrets', secrets: R.integrationSecrets + infra.secrets, usd: (R.integrationSecrets + infra.secrets) * unit('secretsManager.secretMonth') },
      { what: 'the services\' own secrets Apollo manages (they exist without it)', secrets: secretsInEstate, usd: secretsInEstate * unit('secretsManager.secretMonth') },
    ];
    const targetUsd = withUsers ? TARGETS.referenceMonthUsd : TARGETS.idleMonthUsd;
    return { name, lines, totalUsd, perSecretFees, targetUsd, meetsTarget: totalUsd < targetUsd, drivers, counts, byOperation: Object.fromEntries(opUsd), unsampledTraces: userTraces + jobTraces };
  };

  const reference = month('reference organisation', true);
  const idle = month('idle', false);
  return { perOperation, reference, idle, levers: leversOf(reference, idle, prices) };
}

// ---------------------------------------------------------------- the section

export interface CostSection {
  readonly prices: { readonly file: string; readonly read: string; readonly region: string; readonly bySourceKind: Readonly<Record<string, number>>; readonly unsourced: readonly string[] };
  readonly infra: InfraFacts;
  readonly sizes: LineSizes;
  readonly customMetrics: readonly string[];
  readonly webBundle: CostModelInputs['webBundle'];
  readonly assumptions: typeof REFERENCE_ORG;
  readonly pages: ReadonlyArray<{ readonly name: string; readonly what: string }>;
  readonly visibleMinute: readonly string[];
  readonly deploy: Omit<DeployUsage, 'measured'>;
  readonly aiCommand: string;
  readonly jobs: { readonly environments: number; readonly services: number; readonly results: Readonly<Record<string, unknown>> };
  readonly operations: ReadonlyArray<{ readonly name: string; readonly usd: number; readonly quantities: Quantities; readonly usage: Usage }>;
  readonly reference: Month;
  readonly idle: Month;
  readonly levers: readonly Lever[];
  readonly measureMs: number;
}

/**
 * The built web app (web/dist, `npm run build:web`): what Amplify stores (every file but the source maps) and what a
 * browser downloads to open the app (index.html, the scripts and styles it names, the woff2 fonts those styles
 * name), gzipped as served; the lazily loaded pages (charts, the AI console, the studio) come on top when visited.
 */
function webBundleSize(): CostModelInputs['webBundle'] {
  try {
    const files: string[] = [];
    const walk = (dir: string) => { for (const name of readdirSync(dir)) { const path = join(dir, name); if (statSync(path).isDirectory()) walk(path); else if (!name.endsWith('.map')) files.push(path); } };
    walk(WEB_DIST);
    const index = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    const named = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => join(WEB_DIST, m[1]!));
    const fonts = named.filter((f) => f.endsWith('.css')).flatMap((css) => [...readFileSync(css, 'utf8').matchAll(/url\(["']?\/?(?:assets\/)?([^"')]+\.woff2)/g)].map((m) => join(WEB_DIST, 'assets', m[1]!.replace(/^.*\//, ''))));
    const initial = [join(WEB_DIST, 'index.html'), ...named, ...fonts];
    return { bytes: files.reduce((s, f) => s + statSync(f).size, 0), gzipBytes: initial.reduce((s, f) => s + gzipSync(readFileSync(f), { level: 9 }).length, 0), measured: true };
  } catch {
    // No build (npm run build:web): the sizes the app had when this model was written.
    return { bytes: 9_000_000, gzipBytes: 700_000, measured: false };
  }
}

/** Measures every operation on the runtime (seeded with the demo data), then models both months. */
export async function measureCosts(runtime: Runtime): Promise<CostSection> {
  const started = performance.now();
  const prices = readPrices();
  const infra = await readInfra();
  const emf = await emfLineBytes();
  const sizes: LineSizes = { restAccess: accessLogLineBytes(infra.restAccessLogFormat), realtimeAccess: accessLogLineBytes(infra.realtimeAccessLogFormat), emf: emf.bytes, stateEvent: stateEventBytes(infra.stage) };
  const meter = await CostMeter.start(runtime);
  let measured: Pick<CostModelInputs, 'web' | 'requests' | 'deploy' | 'ai' | 'jobs'>;
  try {
    const ctx = { runtime, meter };
    const web = await measureWeb(ctx);
    const requests = await measureRequests(ctx);
    const deploy = await measureDeploy(ctx);
    if (deploy.status !== 'succeeded') throw new Error(`the measured deployment ended ${deploy.status}`);
    const ai = await measureAi(ctx);
    const jobs = await measureJobs(ctx);
    measured = { web, requests, deploy, ai, jobs };
  } finally {
    await meter.close();
  }
  const webBundle = webBundleSize();
  const models = model({ infra, prices, sizes, customMetrics: emf.metrics, webBundle, ...measured });
  const bySourceKind: Record<string, number> = {};
  for (const p of Object.values(prices.prices)) bySourceKind[p.sourceKind] = (bySourceKind[p.sourceKind] ?? 0) + 1;
  const { measured: _m, ...deploy } = measured.deploy;
  return {
    prices: { file: 'bench/prices/aws-us-east-1.json', read: prices.read, region: prices.region, bySourceKind, unsourced: Object.entries(prices.prices).filter(([, p]) => p.sourceKind === 'none').map(([k]) => k) },
    infra, sizes, customMetrics: emf.metrics, webBundle, assumptions: REFERENCE_ORG,
    pages: [SHELL, ...PAGES].map((p) => ({ name: p.name, what: p.what })),
    visibleMinute: VISIBLE_MINUTE.map((c) => `${c.method} ${c.path}`),
    deploy, aiCommand: measured.ai.command,
    jobs: { environments: measured.jobs.environments, services: measured.jobs.services, results: Object.fromEntries([...measured.jobs.runs, measured.jobs.healthHeartbeat, measured.jobs.costWeekly].map((r) => [r.usage.name, r.result])) },
    operations: models.perOperation.map((o) => ({ name: o.name, usd: o.usd, quantities: o.quantities, usage: o.usage })),
    reference: models.reference, idle: models.idle, levers: models.levers,
    measureMs: Math.round(performance.now() - started),
  };
}

// ---------------------------------------------------------------- tables

const usd = (n: number): string => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : n >= 0.01 ? `$${n.toFixed(3)}` : n > 0 ? `$${n.toPrecision(2)}` : '$0');
const num = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : Number(n.toFixed(2)).toString());

function monthTable(title: string, m: Month, notes: string[]): Table {
  const rows = [...m.lines].sort((a, b) => b.usd - a.usd).map((l) => [l.service, l.item, `${num(l.quantity)} ${l.unit}`, usd(l.usd), l.basis]);
  return {
    title,
    columns: ['service', 'item', 'quantity', 'per month', 'from'],
    rows: [...rows, ['total', 'without model tokens and per-secret fees', '', usd(m.totalUsd), `target < $${m.targetUsd}: ${m.meetsTarget ? 'met' : 'MISSED'}`]],
    notes: [
      `top drivers: ${m.drivers.map((d) => `${d.what} ${usd(d.usd)} (${Math.round(d.share * 100)} %)`).join('; ')}`,
      `per-secret fees, apart: ${m.perSecretFees.map((f) => `${f.what}: ${f.secrets} × $0.40 = ${usd(f.usd)}`).join('; ')}`,
      ...notes,
    ],
  };
}

export function costTables(result: CostSection): Table[] {
  const R = result.assumptions;
  const ops = result.operations;
  const other = (u: Usage): string => [
    u.secretsCalls ? `SM ${u.secretsCalls}` : '', u.costExplorerRequests ? `CE ${u.costExplorerRequests}` : '', u.customEvents ? `EB ${u.customEvents}` : '',
    u.s3Puts + u.s3Gets ? `S3 ${u.s3Puts + u.s3Gets}` : '', u.storedBytes >= 100 ? `+${(u.storedBytes / 1024).toFixed(1)} KB` : '',
  ].filter(Boolean).join(', ');
  const fixed = result.infra;
  return [
    {
      title: `15. What it costs: one operation, measured on the local runtime (us-east-1 prices read ${result.prices.read}, bench/prices/aws-us-east-1.json)`,
      columns: ['operation', 'Lambda', 'GB-s', 'RRU', 'WRU', 'SFN', 'REST', 'WS msgs', 'logs KB', 'other', 'each', 'per 1,000'],
      rows: ops.map((o) => [
        o.name, o.quantities.lambdaRequests, o.quantities.lambdaGbSeconds.toFixed(3), num(o.quantities.rru), num(o.quantities.wru), o.quantities.transitions, o.quantities.restCalls,
        num(o.quantities.wsMessages), ((o.quantities.functionLogBytes + o.quantities.accessLogBytes + o.quantities.stateLogBytes) / 1024).toFixed(1), other(o.usage), usd(o.usd), usd(o.usd * 1000),
      ]),
      notes: [
        'Lambda: invocations (API routes, WebSocket routes, workflow steps, jobs, the AI tools\' on-behalf calls); GB-s: each one\'s wall time here × its memory in the template (all 512 MB, arm64), billed per ms',
        'the wall time is this machine\'s, with dynalite and the fakes in this process on loopback: an estimate of Lambda\'s duration, not a measurement of it (AWS adds network round trips to DynamoDB and outside systems, and has no cold start here)',
        'RRU/WRU: ConsumedCapacity as dynalite answers it, plus the writes to each GSI the item is in (projection ALL), failed conditional writes, 100 B an item of storage (items without TTL)',
        `SFN: states entered (Standard: the billed transitions); logs: handler lines at INFO, ${PLATFORM_BYTES} B of START/END/REPORT and the EMF line (${result.sizes.emf} B) per invocation, access-log lines (REST ${result.sizes.restAccess} B, WebSocket ${result.sizes.realtimeAccess} B, from the template's formats), state-machine events (${result.sizes.stateEvent} B), 26 B an event`,
        `pages, as the web app reads them: ${result.pages.map((p) => `${p.name} = ${p.what}`).join(' | ')}`,
        `a visible minute: ${result.visibleMinute.join(', ')}; each page view leaves the page (unsubscribes) and drops the catalog snapshot first (a list page rebuilds it, as a container does once its 10 s are up)`,
        `the deployment: ${result.deploy.status}, ${result.deploy.rolloutChecks} rollout checks at 1 s here (priced as ${R.rolloutChecksInAws} in AWS, each at the measured check's cost), ${result.deploy.canaryChecks} canary checks (as in AWS: 10 at 60 s), ${result.deploy.framesPerDeploymentsWatcher} frames per follower of \`deployments\``,
        `the AI turn: \`${result.aiCommand}\` with no model configured (its tool plan runs, no token is spent); its jobs invocation is timed from the 202 to the \`end\` frame`,
        `jobs: one run as scheduled after a run that is not counted (the first catches up); the health poll checked ${result.jobs.environments} environments of ${result.jobs.services} demo services; its steady minute is mid-window and its heartbeat minute the first of the next 15-minute window; the cost ingest's weekly run (coverage and recommendations) is measured apart; the audit export is its first run divided by the days it archived`,
        'other: SM Secrets Manager calls (at the ports: no cache counted), CE Cost Explorer requests, EB EventBridge custom events, S3 the audit archive\'s requests, + bytes added to the table',
      ],
    },
    monthTable(`15b. A month of the reference organisation (${R.services} services, ${R.engineers} engineers, ${R.deploysPerWeek} deploys and ${R.requestsPerWeek} requests a week, ${R.agentTurnsPerMonth.toLocaleString('en-US')} agent turns a month)`, result.reference, [
      `assumptions: ${(R.weeksPerMonth * R.workingDaysPerWeek).toFixed(1)} working days; per engineer per working day ${R.appOpensPerEngineerDay} app opens, ${Object.entries(R.pageViewsPerEngineerDay).map(([p, n]) => `${n} ${p}`).join(', ')} views, ${R.visibleMinutesPerEngineerDay} visible minutes, ${R.tabOpenHoursPerEngineerDay} h with a tab open; requests half 1, half 5 actions; ${R.turnsPerAiSession} turns a session; ${R.deploymentsWatchers} followers of each deployment; ${R.activeHoursPerWorkingDay} active hours a working day`,
      `jobs: ${R.services} services × ${R.environmentsPerService} environments; what grows with the catalog scaled from the demo's (${result.jobs.services} services, ${result.jobs.environments} environments); the health poll's time kept as measured (a run waits for its slowest check)`,
    ]),
    monthTable('15c. An idle month (no users: the scheduled jobs still run, the data of the reference organisation is kept)', result.idle, [
      `fixed monthly items counted in the synthesized template: ${fixed.alarms} CloudWatch alarm(s), ${fixed.dashboards} dashboards, ${fixed.kmsKeys} KMS keys (the table and secrets use AWS managed keys), ${fixed.wafWebAcls} WAF web ACLs, ${fixed.natGateways} NAT gateways, ${fixed.interfaceEndpoints} interface endpoints, ${fixed.secrets} secrets, ${fixed.trails} CloudTrail trail (its management events free as the account's first copy; a second copy would cost $2.00 per 100,000 events), an SQS dead-letter queue (empty)`,
      `${Object.keys(fixed.functions).length} functions (${[...new Set(Object.values(fixed.functions).map((f) => `${f.memoryMb} MB ${f.architecture}`))].join(', ')}), X-Ray active on them and on ${fixed.stateMachines.length} ${[...new Set(fixed.stateMachines.map((s) => s.type))].join('/')} state machines logging ${[...new Set(fixed.stateMachines.map((s) => s.logLevel))].join('/')}; table ${fixed.tableBillingMode}${fixed.tablePitr ? ' with PITR' : ''}; user pool ${fixed.userPoolTier}; template read in ${fixed.synthMs} ms`,
      `prices: ${Object.entries(result.prices.bySourceKind).map(([k, n]) => `${n} ${k}`).join(', ')}; not found in a stored page (known price, marked in the file): ${result.prices.unsourced.join(', ')}; no free tier applied`,
    ]),
    leverTable(result),
  ];
}

function leverTable(result: CostSection): Table {
  const ref = result.reference.totalUsd - result.levers.reduce((s, l) => s + l.referenceSavesUsd, 0);
  const idle = result.idle.totalUsd - result.levers.reduce((s, l) => s + l.idleSavesUsd, 0);
  return {
    title: '15d. What would lower each month (levers priced from the measured operations; none is applied above)',
    columns: ['lever', 'reference month saves', 'idle month saves', 'how'],
    rows: [
      ...result.levers.map((l) => [l.lever, usd(l.referenceSavesUsd), usd(l.idleSavesUsd), l.how]),
      ['all of them', `→ ${usd(ref)} (target < $${result.reference.targetUsd}: ${ref < result.reference.targetUsd ? 'met' : 'missed'})`, `→ ${usd(idle)} (target < $${result.idle.targetUsd}: ${idle < result.idle.targetUsd ? 'met' : 'missed'})`, ''],
    ],
  };
}


