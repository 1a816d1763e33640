/**
 * The local runtime behind `npm start` and the integration tests: dynalite, the API Gateway
 * emulator and the very same handlers, on one port. One runtime per process: handlers read their
 * configuration from the environment at cold start, as in Lambda.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { fileURLToPath } from 'node:url';
import { renderPrometheus } from '#shared/prometheus';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import { ROUTES, permissionLabel } from '#shared/routes';
import type { LocalRuntime } from '#lib/context';
import { DESCRIPTORS } from '#functions/contexts';
import { localOwnLogs } from '#functions/observability/local';
import { teeOwnLogs } from './own-logs.ts';
import type { HealthProbe } from '../functions/services/health/ports.ts';
import { OpenApiFile } from '../functions/system/adapters/openapi-file.ts';
import { LocalCredentialStore } from './credentials.ts';
import { handleTarget, localTargetsProbe, targetState } from './targets.ts';
import { demoGitOpsValues, demoImageRepository, localGitHubBanner, startDemoGitHub, type DemoGitHub } from './fakes/demo-github.ts';
import { ensureLocalIntegrationSecrets, IntegrationFakes } from './fakes/integrations.ts';
import { demoDeployments } from './demo-services.ts';
import { localArgoCdBanner, startLocalArgoCd, type SimulatedArgoCd } from './fakes/argocd-server.ts';
import { localJiraBanner, startLocalJira, type FakeJira } from './fakes/jira-server.ts';
import { localPagerDutyBanner, startLocalPagerDuty, type FakePagerDuty } from './fakes/pagerduty-server.ts';
import { localAnthropicBanner, startLocalAnthropic } from './fakes/anthropic-server.ts';
import { localPackageRegistryBanner, startLocalPackageRegistry } from './fakes/package-registry-server.ts';
import { localOpenCostBanner, startLocalOpenCost } from './demo-opencost.ts';
import { localMetricsBanner, startLocalMetrics, type DemoMetricsServer, type DemoTarget } from './fakes/metrics-server.ts';
import { localTerraformBanner, startLocalTerraform, type FakeTerraform } from './fakes/terraform-server.ts';
import { handleWeb } from './web.ts';
import { invoke } from './lambda.ts';
import { startLocalTable, type LocalDynamo } from './dynamo.ts';
import { RouteMetrics } from './gateway/metrics.ts';
import { readBody, RestGateway, type GatewayReply } from './gateway/rest.ts';
import { REALTIME_PATH, RealtimeGateway } from './gateway/websocket.ts';
import { startLocalWorkflows, type LocalWorkflows } from './workflows.ts';

export const LOCAL_API_ID = 'local';
export const LOCAL_STAGE = 'local';
/** The local WebSocket API's id (its `$connect` ARN names it). */
export const LOCAL_REALTIME_API_ID = 'local-realtime';

export interface RuntimeOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Where data and credentials live; undefined keeps everything in memory (tests). */
  readonly home?: string;
  readonly region?: string;
  readonly tableName?: string;
  /**
   * Runs once the runtime listens (its URL known) and before it answers anyone: demo data is seeded
   * here, so no request sees an empty catalog, and no cache is built from one.
   */
  readonly beforeReady?: (url: string) => Promise<void>;
  /** Finished workflow executions each local engine remembers. @default 500 */
  readonly retainFinished?: number;
}

export interface Runtime {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly tableName: string;
  readonly credentials: LocalCredentialStore;
  readonly metrics: RouteMetrics;
  readonly dynamoEndpoint: string;
  /** The WebSocket API: `ws://127.0.0.1:<port>/realtime` (presigned `$connect`). */
  readonly realtimeUrl: string;
  readonly realtime: RealtimeGateway;
  /** The fake GitHub with the demo organisation discovery scans (absent when a real org is configured). */
  readonly github: DemoGitHub | undefined;
  /** The LOCAL FAKE DNS API and webhook receiver under /fakes/integrations/ (tests count their calls). */
  readonly integrations: IntegrationFakes;
  /** The LOCAL FAKE Terraform Cloud Terraform actions run on (absent when APOLLO_TERRAFORM_HOST names a real one). */
  readonly terraform: FakeTerraform | undefined;
  /** The SIMULATED Argo CD deployments roll out through (when the fake GitHub serves the GitOps repository). */
  readonly argocd: SimulatedArgoCd | undefined;
  /** The LOCAL FAKE JIRA Cloud tickets are opened in (absent when APOLLO_JIRA_URL names a real one). */
  readonly jira: FakeJira | undefined;
  /** The LOCAL FAKE PagerDuty (incidents' webhooks in, acknowledge and resolve out), unless APOLLO_PAGERDUTY_API_URL names a real one. */
  readonly pagerduty: FakePagerDuty | undefined;
  /** The LOCAL DEMO METRICS canary analysis reads (absent when APOLLO_METRICS names a real source). */
  readonly demoMetrics: DemoMetricsServer | undefined;
  /** What the contexts' local adapters are (fakes, simulations, local stand-ins), a line each, for the terminal. */
  readonly banner: readonly string[];
  /** The workflows' local engines (tests settle them). */
  readonly workflows: LocalWorkflows;
  close(): Promise<void>;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function send(res: ServerResponse, reply: GatewayReply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

/** Sets the environment the handlers read, as the Lambda configuration does in AWS. */
function configureEnvironment(dynamo: LocalDynamo, region: string, tableName: string): void {
  Object.assign(process.env, {
    APOLLO_RUNTIME: 'local',
    APOLLO_STAGE: 'local',
    TABLE_NAME: tableName,
    AWS_REGION: region,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    // dynalite ignores credentials, but the SDK must find some; never real ones.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: '',
    APOLLO_VERSION: process.env.APOLLO_VERSION ?? packageVersion(),
    APOLLO_COMMIT: process.env.APOLLO_COMMIT ?? gitCommit(),
    APOLLO_BUILD_TIME: process.env.APOLLO_BUILD_TIME ?? new Date().toISOString(),
    POWERTOOLS_METRICS_DISABLED: 'true',
    // dynalite answers from this very process: on a busy laptop or CI runner a slow answer is load, not a
    // fault to cut off at AWS's 2 s (functions/lib/table.ts); the fault scenarios set their own.
    APOLLO_DYNAMO_TIMEOUT_MS: process.env.APOLLO_DYNAMO_TIMEOUT_MS ?? '20000',
    // The SDK versions are pinned exactly; the warning is about future releases (see ARCHITECTURE.md §9).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'apollo',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const region = options.region ?? 'us-east-1';
  const tableName = options.tableName ?? 'apollo-local';
  if (options.home) mkdirSync(options.home, { recursive: true, mode: 0o700 });
  const dynamo = await startLocalTable(options.home, tableName, region);
  configureEnvironment(dynamo, region, tableName);

  const credentials = new LocalCredentialStore(options.home);
  const metrics = new RouteMetrics();
  // No GitHub account on a laptop: discovery and the catalog refresh read a fake GitHub's demo organisation.
  const github = await startDemoGitHub(options.home);
  // The actions' local targets; their token and key are created once, beside the other integration secrets.
  const integrations = new IntegrationFakes(await ensureLocalIntegrationSecrets(options.home));
  const terraform = await startLocalTerraform(options.home);
  const jira = await startLocalJira(options.home);
  const pagerduty = await startLocalPagerDuty(options.home);
  // APOLLO_AI_FAKE_MODEL=1: the AI console's model is the LOCAL FAKE Anthropic server (else none, or what ANTHROPIC_* name).
  const fakeModel = await startLocalAnthropic(options.home);
  // The AI console's `upgrade` asks a LOCAL FAKE npm registry and Maven repository (unless APOLLO_NPM_REGISTRY_URL or APOLLO_MAVEN_REPOSITORY_URL name others).
  const packageRegistry = await startLocalPackageRegistry();
  // The costs context's Kubernetes allocation (idle cost, right-sizing) reads a LOCAL FAKE OpenCost per demo cluster.
  const openCost = await startLocalOpenCost();
  // Deployments roll out through a SIMULATED Argo CD that reads the fake GitHub's GitOps repository.
  const argocd = github ? await startLocalArgoCd(options.home, demoGitOpsValues(github.fake), demoDeployments().map((d) => ({ service: d.service, environment: d.environment, cluster: d.cluster, namespace: d.namespace, image: demoImageRepository(d) }))) : undefined;
  // Canary analysis reads made-up traffic per service, environment and version, whose error rate the web
  // app's "Local demo only" control pushes up; the running versions are the simulated Argo CD's.
  const runningVersions = (): DemoTarget[] => (argocd
    ? argocd.applications().map((a) => ({ service: a.service, environment: a.environment, ...(a.live?.imageTag ? { version: a.live.imageTag } : {}) }))
    : demoDeployments().map((d) => ({ service: d.service, environment: d.environment, version: d.imageTag })));
  const demoMetrics = await startLocalMetrics(options.home, runningVersions);
  // Requests wait until every context has its local adapters (they need the port, known once listening).
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });

  const gateway = new RestGateway({
    region,
    api: { region, accountId: '000000000000', apiId: LOCAL_API_ID, stage: LOCAL_STAGE },
    credentials,
    metrics,
    allowedOrigin: '*',
  });

  const realtime = new RealtimeGateway({
    region,
    api: { region, accountId: '000000000000', apiId: LOCAL_REALTIME_API_ID, stage: LOCAL_STAGE },
    credentials,
    handlerCredentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
  });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      // The handlers' own @connections calls are answered before the runtime is ready: a context's start-up work
      // (marking what a crash cut off) publishes, and may reach subscriptions the crash left behind (410 Gone).
      if (!RealtimeGateway.handles(path)) await ready;
      const body = await readBody(req);
      if (body === null) return send(res, { status: 413, headers: { 'content-type': 'application/json' }, body: '{"message":"Request Too Long"}' });
      if (handleTarget(req, res, path)) return;
      if (integrations.handle(req, res, path, body)) return;
      if (await handleWeb(req, res, path, body, { region, credentials, ...(demoMetrics ? { demoMetrics } : {}), ...(pagerduty ? { pagerDuty: pagerduty } : {}) })) return;
      if (path === '/api' && req.method === 'GET') return send(res, indexPage());
      if (path === '/api/openapi.json' && req.method === 'GET') return send(res, await openApiCopy(`http://${req.headers.host ?? '127.0.0.1'}`));
      if (RealtimeGateway.handles(path)) return send(res, await realtime.manage(req, body));
      send(res, await gateway.handle(req, body));
    })().catch((error: unknown) => {
      console.error('[runtime] request failed:', error);
      if (!res.headersSent) send(res, { status: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal server error"}' });
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('upgrade', (req, socket, head: Buffer) => {
    void realtime.upgrade(req, socket, head).catch((error: unknown) => {
      console.error('[runtime] upgrade failed:', error);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const loopbackHost = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  // The handlers' @connections endpoint (postToConnection), as CDK sets it in AWS.
  process.env[REALTIME_ENDPOINT_ENV] = `http://${loopbackHost}:${port}${REALTIME_PATH}`;
  // Each context swaps in its local adapters (functions/<context>/context.ts). Demo health targets are
  // served here, whichever port the demo data was seeded with.
  const baseUrl = `http://${loopbackHost}:${port}`;
  const local: LocalRuntime = {
    url: baseUrl,
    home: options.home,
    renderMetrics: async () => renderPrometheus(metrics.snapshot(), { source: 'local-gateway' }),
    targetState: (service, env) => targetState(service, env),
    targetsProbe: <P>(inner: P): P => localTargetsProbe(inner as HealthProbe, baseUrl) as P,
    fakeGitHub: github && { url: github.fake.url },
    fakeOpenCost: { endpoints: openCost.endpoints },
    invokeApi: async (context, event) => (await invoke(context, event)) as APIGatewayProxyResult,
  };
  // Before the hooks: a context's local adapters may already use its workflow engine.
  const workflows = startLocalWorkflows(DESCRIPTORS, options.retainFinished !== undefined ? { retainFinished: options.retainFinished } : {});
  const banner: string[] = [...workflows.banner];
  // The fake Terraform tells Apollo of a run once Apollo's Terraform action has configured the workspace's
  // notifications (to APOLLO_PUBLIC_URL, which the requests context sets to this runtime's URL).
  if (terraform) banner.push(localTerraformBanner(terraform));
  jira?.sendWebhooksTo(`${baseUrl}/api/v1/webhooks/jira`);
  if (jira) banner.push(localJiraBanner(jira));
  // The fake PagerDuty's incidents arrive as signed v3 webhooks, as PagerDuty's would.
  pagerduty?.sendWebhooksTo(`${baseUrl}/api/v1/webhooks/pagerduty`);
  if (pagerduty) banner.push(localPagerDutyBanner(pagerduty));
  if (fakeModel) banner.push(localAnthropicBanner(fakeModel));
  if (packageRegistry) banner.push(localPackageRegistryBanner(packageRegistry));
  banner.push(localOpenCostBanner(openCost));
  // The fake GitHub reports the workflow runs it starts to Apollo's GitHub webhook, signed as GitHub signs.
  github?.fake.sendWebhooksTo(`${baseUrl}/api/v1/webhooks/github`, github.webhookSecret);
  if (github) banner.push(localGitHubBanner(github));
  if (argocd) banner.push(localArgoCdBanner(argocd));
  if (demoMetrics) banner.push(localMetricsBanner(demoMetrics));
  for (const descriptor of DESCRIPTORS) banner.push(...((await descriptor.local?.(local)) ?? []));
  // Apollo's own handler lines, kept for the logs of the service `apollo` (and shown from the terminal's level up).
  const untee = teeOwnLogs(localOwnLogs());
  await options.beforeReady?.(baseUrl);
  markReady();

  return {
    url: baseUrl,
    port,
    region,
    tableName,
    credentials,
    metrics,
    dynamoEndpoint: dynamo.endpoint,
    realtimeUrl: `ws://${loopbackHost}:${port}${REALTIME_PATH}`,
    realtime,
    github,
    integrations,
    jira,
    pagerduty,
    terraform,
    argocd,
    demoMetrics,
    banner,
    workflows,
    close: async () => {
      // Executions stop first; the steps still running finish (they write to DynamoDB and publish).
      await workflows.close();
      // Runs a request started and did not wait for (a sync, a refresh) finish first: they need the
      // fake GitHub, the @connections endpoint and DynamoDB that close below.
      const { settleInProcessRuns } = await import('../functions/lib/job-dispatch.ts');
      await settleInProcessRuns();
      await terraform?.close();
      await jira?.close();
      await pagerduty?.close();
      await fakeModel?.close();
      await packageRegistry?.close();
      await openCost.close();
      await argocd?.close();
      await demoMetrics?.close();
      await realtime.close();
      await github?.fake.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await dynamo.close();
      untee();
    },
  };
}

const openApi = new OpenApiFile(fileURLToPath(new URL('../schemas/openapi.gen.json', import.meta.url)));

/** The OpenAPI document, unsigned, on the local runtime only: the same file the system context serves. */
async function openApiCopy(serverUrl: string): Promise<GatewayReply> {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(await openApi.document(serverUrl)) };
}

function indexPage(): GatewayReply {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = ROUTES.map((r) => `<tr><td>${r.method}</td><td><code>${esc(r.path)}</code></td><td>${esc(permissionLabel(r.permission))}</td><td>${esc(r.summary)}</td></tr>`).join('');
  const html = `<!doctype html><meta charset="utf-8"><title>Apollo (local)</title>
<style>body{font:14px system-ui;margin:2rem;color:#1c2127}td,th{padding:4px 10px;text-align:left;border-bottom:1px solid #ddd}code{font-size:13px}</style>
<h1>Apollo — local runtime</h1><p>The web app is at <a href="/">/</a>. Every API call is SigV4-signed; the credentials are in <code>$APOLLO_HOME/credentials.json</code>. See the README.</p>
<p>OpenAPI 3.1: <code>GET /api/v1/openapi.json</code> (signed, <code>system:read</code>), or this runtime's copy unsigned: <a href="/api/openapi.json" download="apollo-openapi.json">apollo-openapi.json</a> (import it into Postman or Insomnia and sign with AWS Signature, service <code>execute-api</code>).</p>
<table><tr><th>Method</th><th>Path</th><th>Permission</th><th>What</th></tr>${rows}</table>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}
