/**
 * The user operations the cost model measures (section 15), each run through the local runtime as the web app or a
 * schedule runs it, under the meter (bench/cost-meter.ts). What the web app asks for each page is read from web/src
 * (the shell: web/src/components/shell.tsx, notifications.tsx; the pages: web/src/pages/…; the queries and their
 * polling intervals: web/src/lib/queries.ts and each page's *-queries.ts), listed in PAGES; a test does not check it,
 * so a page that starts asking for more must be added here by hand.
 */
import type { AiMessageAccepted, AiSession, Deployment, Request } from '#schemas/index.ts';
import { ApiClient, type Credentials } from '#shared/api-client';
import type { Runtime } from '#local/runtime';
import type { CostMeter, CountedSocket, InvocationRecord, Usage } from './cost-meter.ts';
import { appended, EGRESS_ALLOW_ENV, noopOffering, NOOP_URL_ENV, startNoopServer, TEMPLATE_ENV, withEnv } from './fulfillment.ts';

/** The developer's team's service (payments): its page shows its secrets, and the developer may deploy it outside prod. */
export const SERVICE = 'billing-service';
/** Where the measured deployment goes (a developer's non-prod deployment: a commit, no approval; a canary analysis). */
export const DEPLOY_ENVIRONMENT = 'staging';
/** Request sizes measured (REST actions against a loopback no-op server, as section 9). */
export const REQUEST_ACTIONS = [1, 5] as const;
/** The team the bench's requests are for (the admin leads it in the demo data), as section 9. */
const REQUEST_TEAM = 'platform';

interface Call { readonly method: 'GET' | 'POST'; readonly path: string; readonly query?: Record<string, string>; readonly body?: unknown }

/** A page of the web app: the reads it makes when shown, the topics it follows while shown. */
export interface PageDef {
  readonly name: string;
  readonly what: string;
  readonly calls: (ctx: { principal: string; team: string }) => Call[];
  readonly topics: (ctx: { principal: string; team: string }) => string[];
}

const since = (hours: number): string => new Date(Date.now() - hours * 3600_000).toISOString();

/** What the shell asks once per tab (web/src/app.tsx, components/shell.tsx, notifications.tsx), besides the page. */
export const SHELL: PageDef = {
  name: 'app opened (shell)',
  what: 'GET me, version, approvals/pending (badge), me/notifications (bell); WebSocket $connect; follows approvals and notifications:<you>',
  calls: () => [
    { method: 'GET', path: '/api/v1/me' },
    { method: 'GET', path: '/api/v1/version' },
    { method: 'GET', path: '/api/v1/approvals/pending', query: { limit: '50' } },
    { method: 'GET', path: '/api/v1/me/notifications', query: { limit: '20' } },
  ],
  topics: ({ principal }) => ['approvals', `notifications:${principal}`],
};

/** The main pages, as shown after navigating to them inside the app (the shell's reads are cached by then). */
export const PAGES: readonly PageDef[] = [
  {
    name: 'home',
    what: 'GET health (pages/home.tsx; me and version are cached)',
    calls: () => [{ method: 'GET', path: '/api/v1/health' }],
    topics: () => [],
  },
  {
    name: 'catalog',
    what: 'GET services (50 a page), teams (pages/catalog/catalog-page.tsx)',
    calls: () => [
      { method: 'GET', path: '/api/v1/services', query: { limit: '50' } },
      { method: 'GET', path: '/api/v1/teams' },
    ],
    topics: () => [],
  },
  {
    name: 'service page',
    what: `GET services/${SERVICE}, its health, dependencies, a day of deployment markers, locks, its secrets in each environment; follows service:<id> and deployments (pages/catalog/service-page.tsx)`,
    calls: () => [
      { method: 'GET', path: `/api/v1/services/${SERVICE}` },
      { method: 'GET', path: `/api/v1/services/${SERVICE}/health` },
      { method: 'GET', path: `/api/v1/services/${SERVICE}/dependencies` },
      { method: 'GET', path: '/api/v1/deployments/history', query: { service: SERVICE, from: since(24), limit: '200' } },
      { method: 'GET', path: '/api/v1/deployments/locks' },
      ...['prod', 'staging', 'dev'].map((environment): Call => ({ method: 'GET', path: '/api/v1/secrets', query: { service: SERVICE, environment, limit: '100' } })),
    ],
    topics: () => [`service:${SERVICE}`, 'deployments'],
  },
  {
    name: 'deploy center',
    what: 'GET deployments/history (25), services (the picker, 200), locks, freezes, windows; follows deployments (pages/deployments/deploy-center-page.tsx)',
    calls: (): Call[] => [
      { method: 'GET', path: '/api/v1/deployments/history', query: { limit: '25' } },
      { method: 'GET', path: '/api/v1/services', query: { sort: 'name', limit: '200' } },
      { method: 'GET', path: '/api/v1/deployments/locks' },
      { method: 'GET', path: '/api/v1/deployments/freezes' },
      { method: 'GET', path: '/api/v1/deployments/windows' },
    ],
    topics: () => ['deployments'],
  },
  {
    name: 'requests',
    what: 'GET requests (mine, 25), catalog (offering names); follows requests:<team> (pages/requests/requests-page.tsx)',
    calls: () => [
      { method: 'GET', path: '/api/v1/requests', query: { scope: 'mine', limit: '25' } },
      { method: 'GET', path: '/api/v1/catalog' },
    ],
    topics: ({ team }) => [`requests:${team}`],
  },
];

/**
 * What a visible tab reads in a minute (react-query polls only while the tab is visible): the shell's approvals
 * badge and notifications bell (60 s each) and the service page's own polls, the most viewed page: its health
 * (60 s while live) and its deployment markers (60 s).
 */
export const VISIBLE_MINUTE: readonly Call[] = [
  { method: 'GET', path: '/api/v1/approvals/pending', query: { limit: '50' } },
  { method: 'GET', path: '/api/v1/me/notifications', query: { limit: '20' } },
  { method: 'GET', path: `/api/v1/services/${SERVICE}/health` },
  { method: 'GET', path: '/api/v1/deployments/history', query: { service: SERVICE, from: since(24), limit: '200' } },
];

export interface OperationContext {
  readonly runtime: Runtime;
  readonly meter: CostMeter;
}

async function send(client: ApiClient, call: Call): Promise<unknown> {
  const res = await client.send(call.method, call.path, { query: call.query, body: call.body });
  if (res.status >= 400) throw new Error(`${call.method} ${call.path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

const clientOf = (runtime: Runtime, credentials: Credentials) => new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials });

export interface WebUsage {
  readonly shell: Usage;
  readonly pages: readonly Usage[];
  readonly visibleMinute: Usage;
  readonly ping: Usage;
  /** API Gateway closes a connection after 2 hours: the app connects again and follows its topics again. */
  readonly reconnect: Usage;
}

/** A developer's tab: the shell, each page shown and left, a visible minute's polls, a keep-alive ping, a reconnect. */
export async function measureWeb({ runtime, meter }: OperationContext): Promise<WebUsage> {
  const credentials = runtime.credentials.roles.developer;
  const client = clientOf(runtime, credentials);
  const ctx = { principal: 'developer@apollo.local', team: 'payments' };
  // A list page builds the catalog snapshot when the container's copy is older than its TTL (10 s in AWS): drop it,
  // so the page's count includes the build (the worst case: a page view every 10 s or more per container).
  const { dropSnapshot } = await import('#functions/services/snapshot');
  let socket: CountedSocket | undefined;
  const shell = await meter.measure(SHELL.name, async () => {
    for (const call of SHELL.calls(ctx)) await send(client, call);
    socket = await meter.socket(credentials);
    for (const topic of SHELL.topics(ctx)) await socket.subscribe(topic);
  });
  try {
    const pages: Usage[] = [];
    for (const page of PAGES) {
      dropSnapshot();
      pages.push(await meter.measure(page.name, async () => {
        await Promise.all(page.calls(ctx).map((call) => send(client, call)));
        for (const topic of page.topics(ctx)) await socket!.subscribe(topic);
        // Leaving the page: the app unsubscribes a topic its last listener left.
        for (const topic of page.topics(ctx)) await socket!.unsubscribe(topic);
      }));
    }
    const visibleMinute = await meter.measure('a visible minute (polls)', async () => {
      await Promise.all(VISIBLE_MINUTE.map((call) => send(client, call)));
    });
    const ping = await meter.measure('keep-alive ping (every 5 min)', () => socket!.ping());
    const reconnect = await meter.measure('reconnect (every 2 h)', async () => {
      await socket!.close();
      socket = await meter.socket(credentials);
      for (const topic of SHELL.topics(ctx)) await socket.subscribe(topic);
    });
    return { shell, pages, visibleMinute, ping, reconnect };
  } finally {
    await socket?.close();
    await meter.quiet();
  }
}

/**
 * A self-service request of `actions` REST actions, as a person makes it: the offering's page, the submit, the request's
 * page following `request:<id>` until it completes, then leaving it. The actions POST to a loopback server that
 * answers at once (section 9's), so what is measured is Apollo's part.
 */
export async function measureRequests({ runtime, meter }: OperationContext): Promise<Usage[]> {
  const credentials = runtime.credentials.roles.admin;
  const client = clientOf(runtime, credentials);
  const { putVersion } = await import('../functions/offerings/adapters/dynamo-store.ts');
  const noop = await startNoopServer();
  const restoreEnv = withEnv({
    [NOOP_URL_ENV]: noop.url,
    [TEMPLATE_ENV]: appended(process.env[TEMPLATE_ENV], NOOP_URL_ENV),
    [EGRESS_ALLOW_ENV]: appended(process.env[EGRESS_ALLOW_ENV], `${noop.url}/`),
  });
  try {
    const results: Usage[] = [];
    for (const count of REQUEST_ACTIONS) {
      const id = `bench-cost-${count}`;
      const doc = noopOffering(id, count);
      await putVersion(doc as unknown as Parameters<typeof putVersion>[0], { repo: 'apollo-bench/catalog', path: `catalog/${id}.yaml`, sha: `bench-${id}-${Date.now()}`, ownerTeam: REQUEST_TEAM });
      results.push(await meter.measure(`request, ${count} action${count === 1 ? '' : 's'}`, async () => {
        const calls = noop.received();
        await send(client, { method: 'GET', path: `/api/v1/catalog/items/${id}` });
        const request = await send(client, { method: 'POST', path: '/api/v1/requests', body: { offeringId: id, team: REQUEST_TEAM, fields: { label: 'cost' } } }) as Request;
        const socket = await meter.socket(credentials);
        try {
          await send(client, { method: 'GET', path: `/api/v1/requests/${request.id}` });
          await socket.subscribe(`request:${request.id}`);
          const end = await endOf(socket, 'request.changed', request.id, ['completed', 'failed', 'cancelled'], async () => (await send(client, { method: 'GET', path: `/api/v1/requests/${request.id}/status` }) as { status: string }).status);
          if (end !== 'completed') throw new Error(`request ${request.id} ended ${end}`);
          if (noop.received() - calls !== count) throw new Error(`request ${request.id} made ${noop.received() - calls} calls, not ${count}`);
          await socket.unsubscribe(`request:${request.id}`);
        } finally {
          await socket.close();
        }
      }));
    }
    return results;
  } finally {
    restoreEnv();
    await noop.close();
  }
}

/**
 * The end of a workflow heard on its topic (`request:<id>`, `deployment:<id>`), or read from the API when the frame
 * arrived before the subscription did (a fast request ends within its own submit).
 */
async function endOf(socket: CountedSocket, event: string, id: string, ends: readonly string[], read: () => Promise<string>): Promise<string> {
  const heard = socket.frame((f) => f.event === event && ends.includes(String((f.data as { status?: string } | undefined)?.status)), 90_000)
    .then((f) => String((f.data as { status: string }).status));
  const now = await read();
  if (ends.includes(now)) return now;
  return heard;
}

export interface DeployUsage {
  /** The deployment as measured here (rollout checks every APOLLO_DEPLOY_POLL_SECONDS of the section). */
  readonly measured: Usage;
  readonly deploymentId: string;
  readonly status: string;
  /** Rollout checks made here (CheckRollout states), and what one cost on average. */
  readonly rolloutChecks: number;
  readonly perCheck: { readonly invocations: number; readonly ms: number; readonly rru: number; readonly wru: number; readonly logBytes: number; readonly transitions: number; readonly wsOut: number };
  readonly canaryChecks: number;
  /** Frames one more follower of `deployments` (the Deploy Center, a service page) receives for the deployment. */
  readonly framesPerDeploymentsWatcher: number;
}

/**
 * A developer's deployment of SERVICE to DEPLOY_ENVIRONMENT with its canary analysis, on the runtime's own local
 * adapters (the fake GitHub's GitOps repository, the simulated Argo CD, the demo metrics the canary reads): the deploy
 * form's reads and its preflight, the POST, the deployment's page following `deployment:<id>` until it ends. The
 * canary runs its configured number of checks (APOLLO_CANARY_ITERATIONS, 10 by default as in AWS) at
 * APOLLO_CANARY_INTERVAL_S (1 s here; 60 s in AWS); rollout checks come every second here, and the model replaces
 * them by the number AWS would make (see the section's assumptions).
 */
export async function measureDeploy({ runtime, meter }: OperationContext): Promise<DeployUsage> {
  const credentials = runtime.credentials.roles.developer;
  const client = clientOf(runtime, credentials);
  const restoreEnv = withEnv({ APOLLO_DEPLOY_POLL_SECONDS: '1' });
  let deploymentId = '';
  let status = '';
  // Someone else's Deploy Center, open before the deployment starts: its frames are the deployment's, its connection is not.
  const watcher = await meter.socket(runtime.credentials.roles.viewer);
  try {
    await watcher.subscribe('deployments');
    const watched = watcher.received();
    const measured = await meter.measure(`deploy to ${DEPLOY_ENVIRONMENT} with canary`, async () => {
      const versions = await send(client, { method: 'GET', path: '/api/v1/deployments/versions', query: { service: SERVICE, environment: DEPLOY_ENVIRONMENT, limit: '30' } }) as { current: string | null; items: Array<{ imageTag: string }> };
      const imageTag = versions.items.map((v) => v.imageTag).find((tag) => tag !== versions.current);
      if (!imageTag) throw new Error(`${SERVICE} has no other version to deploy to ${DEPLOY_ENVIRONMENT}`);
      const body = { service: SERVICE, environment: DEPLOY_ENVIRONMENT, imageTag, reason: 'npm run bench: what a deployment costs', initiatedVia: 'ui' };
      await send(client, { method: 'POST', path: '/api/v1/deployments/preflight', body: { operation: 'deploy', service: SERVICE, environment: DEPLOY_ENVIRONMENT, imageTag } });
      const deployment = await send(client, { method: 'POST', path: '/api/v1/deployments', body }) as Deployment;
      deploymentId = deployment.id;
      const socket = await meter.socket(credentials);
      try {
        await send(client, { method: 'GET', path: `/api/v1/deployments/${deployment.id}` });
        await socket.subscribe(`deployment:${deployment.id}`);
        status = await endOf(socket, 'deployment.changed', deployment.id, ['succeeded', 'failed', 'rolled_back', 'cancelled', 'refused', 'rejected', 'expired', 'interrupted'],
          async () => (await send(client, { method: 'GET', path: `/api/v1/deployments/${deployment.id}` }) as Deployment).status);
        await socket.unsubscribe(`deployment:${deployment.id}`);
      } finally {
        await socket.close();
      }
    });
    const checks = measured.invocations.filter((i) => i.kind === 'step check');
    const execution = measured.executions.find((e) => e.workflow === 'deployment');
    const rolloutChecks = execution?.byState.CheckRollout ?? checks.length;
    const canaryChecks = execution?.byState.Analyze ?? 0;
    const avg = (f: (i: InvocationRecord) => number) => (checks.length ? checks.reduce((s, i) => s + f(i), 0) / checks.length : 0);
    // A check loop is three states (WaitRollout, CheckRollout, Rollout) and one steps invocation.
    const perCheck = { invocations: 1, ms: avg((i) => i.ms), rru: avg((i) => i.rru), wru: avg((i) => i.wru), logBytes: avg((i) => i.logBytes), transitions: 3, wsOut: 0 };
    return { measured, deploymentId, status, rolloutChecks, perCheck, canaryChecks, framesPerDeploymentsWatcher: watcher.received() - watched };
  } finally {
    restoreEnv();
    await watcher.close();
    await meter.quiet();
  }
}

export interface AiUsage {
  readonly session: Usage;
  readonly turn: Usage;
  readonly command: string;
}

/**
 * An AI console turn without model tokens: a built-in command (`debug <env> <service>`), which runs its fixed tool
 * plan through Apollo's own APIs (each an invocation of that context's Lambda, as the on-behalf adapter does in AWS)
 * and prints its findings; with no model configured it says analysis needs one, so no token is spent. The turn runs
 * in the jobs Lambda in AWS (an asynchronous invocation); here it runs in this process, so that invocation is added,
 * timed from the message's 202 to the turn's `end` frame.
 */
export async function measureAi({ runtime, meter }: OperationContext): Promise<AiUsage> {
  const credentials = runtime.credentials.roles.developer;
  const client = clientOf(runtime, credentials);
  const command = `debug ${DEPLOY_ENVIRONMENT} ${SERVICE}`;
  let socket: CountedSocket | undefined;
  let sessionId = '';
  const session = await meter.measure('AI session opened', async () => {
    const created = await send(client, { method: 'POST', path: '/api/v1/ai/sessions', body: { target: { service: SERVICE, environment: DEPLOY_ENVIRONMENT } } }) as AiSession;
    sessionId = created.id;
    socket = await meter.socket(credentials);
    await socket.subscribe(`ai:${created.id}`);
  });
  try {
    const turn = await meter.measure('AI turn (built-in command, no model tokens)', async (usage) => {
      const accepted = await send(client, { method: 'POST', path: `/api/v1/ai/sessions/${sessionId}/message`, body: { text: command } }) as AiMessageAccepted;
      const acceptedAt = performance.now();
      await socket!.frame((f) => f.event === 'ai.frame' && (f.data as { type?: string; turnId?: string }).type === 'end' && (f.data as { turnId?: string }).turnId === accepted.turnId, 90_000);
      usage.invocations.push({ fn: 'jobs', kind: 'job ai-turn (dispatched, timed here)', ms: performance.now() - acceptedAt, rru: 0, wru: 0, logBytes: 0, logLines: 0, synthetic: true });
    });
    return { session, turn, command };
  } finally {
    await socket?.close();
    await meter.quiet();
  }
}

export interface JobUsage {
  readonly job: string;
  readonly schedule: string;
  readonly usage: Usage;
  /** The measured run did this many runs' work (the audit export's first run exports every closed day not yet archived). */
  readonly runsInOne: number;
  /** What the run answered (its summary), for the notes. */
  readonly result: unknown;
}

export interface JobsUsage {
  readonly runs: readonly JobUsage[];
  /** The health poll's heartbeat run (the first minute of each heartbeat window: a history sample per environment), measured apart. */
  readonly healthHeartbeat: JobUsage;
  /** The cost ingest's weekly run (coverage, utilization and Cost Explorer's recommendations read again), measured apart. */
  readonly costWeekly: JobUsage;
  /** Environments the demo catalog's health poll checked, and services in it: what the reference organisation scales. */
  readonly environments: number;
  readonly services: number;
}

/**
 * Each scheduled job of the descriptors, run once as its schedule runs it (through the jobs Lambda), after a first
 * run that is not counted (a job's first run catches up: the cost-ingest backfill, discovery's first sync). The health
 * poll is measured twice: a steady minute (its clock in the middle of a heartbeat window: nothing changed, nothing
 * written) and a heartbeat minute (its clock in the first minute of the next window: a history sample for every
 * environment), which the model weighs one in fifteen (a 15-minute heartbeat); the cost ingest likewise (its daily run, and its weekly run that
 * reads coverage and Cost Explorer's recommendations again), weighed one in seven.
 */

export async function measureJobs({ meter }: OperationContext): Promise<JobsUsage> {
  const { JOBS } = await import('#functions/contexts');
  const { isScheduledJob } = await import('#shared/jobs');
  const { invokeJob } = await import('#local/scheduler');
  const { configureHealth, healthDeps } = await import('../functions/services/health/deps.ts');
  const { DEFAULT_HEALTH_SETTINGS } = await import('../functions/services/health/poller.ts');
  // The heartbeat windows of the default APOLLO_HEALTH_HEARTBEAT_MS.
  const HEARTBEAT_MS = DEFAULT_HEALTH_SETTINGS.heartbeatMs;
  const heartbeatWindow = (at: number): number => at - (at % HEARTBEAT_MS);
  const scheduled = JOBS.filter(isScheduledJob);
  const realNow = healthDeps().now;
  const runs: JobUsage[] = [];
  let environments = 0;
  for (const job of scheduled) {
    // A daily export archives one closed day; its first run here archives each closed day of the demo audit: counted
    // once, divided by the days it exported.
    const perDay = job.name === 'audit-export';
    if (!perDay) await invokeJob(job.name);
    // The steady minute: 2.5 minutes into a heartbeat window (the uncounted run above recorded every environment).
    if (job.name === 'health-poll') configureHealth({ now: () => new Date(heartbeatWindow(Date.now()) + 150_000) });
    let result: unknown;
    const usage = await meter.measure(`job ${job.name}`, async (u) => {
      result = await invokeJob(job.name);
      u.costExplorerRequests = costExplorerRequestsOf(result);
    });
    if (job.name === 'health-poll') configureHealth({ now: realNow });
    const summary = summaryOf(result);
    if (job.name === 'health-poll') environments = (summary as { environments?: number }).environments ?? 0;
    const runsInOne = perDay ? Math.max(1, ((summary as { exportedDays?: unknown[] }).exportedDays ?? []).length) : 1;
    runs.push({ job: job.name, schedule: job.schedule, usage, runsInOne, result: summary });
  }
  const ingest = scheduled.find((j) => j.name === 'cost-ingest')!;
  let weeklyResult: unknown;
  const weeklyUsage = await meter.measure('job cost-ingest (weekly reads)', async (u) => {
    weeklyResult = await invokeJob('cost-ingest', { refresh: true });
    u.costExplorerRequests = costExplorerRequestsOf(weeklyResult);
  });
  const costWeekly: JobUsage = { job: 'cost-ingest', schedule: ingest.schedule, usage: weeklyUsage, runsInOne: 1, result: summaryOf(weeklyResult) };
  const heartbeat = scheduled.find((j) => j.name === 'health-poll')!;
  // Environments discovery added since are recorded for the first time by this uncounted run, so the heartbeat
  // minute below records only heartbeats.
  await invokeJob('health-poll');
  const previous = healthDeps().now;
  // The first seconds of the next window: every environment was recorded before it, so each gets its heartbeat.
  const nextWindow = heartbeatWindow(Date.now()) + HEARTBEAT_MS;
  configureHealth({ now: () => new Date(nextWindow + 1_000) });
  let result: unknown;
  try {
    const usage = await meter.measure('job health-poll (heartbeat minute)', async () => { result = await invokeJob('health-poll'); });
    return { runs, healthHeartbeat: { job: 'health-poll', schedule: heartbeat.schedule, usage, runsInOne: 1, result: summaryOf(result) }, costWeekly, environments, services: await countServices() };
  } finally {
    configureHealth({ now: previous });
  }
}

async function countServices(): Promise<number> {
  const { listEnvironmentsForHealth } = await import('../functions/services/service-health.ts');
  const ids = new Set<string>();
  for await (const page of listEnvironmentsForHealth()) for (const t of page) ids.add(t.serviceId);
  return ids.size;
}

/** A job's answer as the jobs handler gives it: `{ result, summary }` or the result itself. */
const summaryOf = (result: unknown): unknown => (result as { summary?: unknown } | undefined)?.summary ?? result;

/** The Cost Explorer requests a cost-ingest run says it made (what Cost Explorer bills, $0.01 each). */
function costExplorerRequestsOf(result: unknown): number {
  const found = JSON.stringify(result ?? null).match(/"requests":(\d+)/);
  return found ? Number(found[1]) : 0;
}
