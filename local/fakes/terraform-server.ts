/**
 * A LOCAL FAKE HCP Terraform (Terraform Cloud) API v2 on loopback, for the Terraform action's tests and
 * `npm start` (never deployed; every answer carries `X-Apollo-Fake: LOCAL FAKE`). It speaks the part of
 * the API the executor uses, with JSON:API shapes (docs PROTOCOLS.md §1):
 *
 * - `GET|POST /api/v2/organizations/:org/workspaces[/:name]` (any organization exists; a name taken → 422),
 * - `GET /api/v2/workspaces/:id/runs` (`search[basic]` over id and message, `page[size]`, `page[number]`),
 *   `POST /api/v2/runs` (run-level `variables` as HCL literals, `is-destroy`, `auto-apply`, `message`),
 *   `GET /api/v2/runs/:id`, `POST /api/v2/runs/:id/actions/{apply|discard|cancel|force-cancel}` (409 when
 *   the run is not in a state for it),
 * - `GET /api/v2/workspaces/:id/current-state-version-outputs` (sensitive values `null`; 404 before the
 *   first apply) and `GET /api/v2/state-version-outputs/:id` (the value revealed),
 * - `GET|POST /api/v2/workspaces/:id/notification-configurations` (paged with `page[number]`/`page[size]`),
 *   `GET|PATCH|DELETE /api/v2/notification-configurations/:id` and `POST …/:id/actions/verify`: enabling one
 *   (creating or updating it `enabled`) first POSTs a verification payload to its URL and answers 400 unless
 *   that gets a 2xx, as Terraform does; the token is write-only (read back as `null`).
 *
 * Every API call needs `Authorization: Bearer <token>`. A run moves on timers, one step each `stepMs`:
 * `pending → planning → planned → applying → applied` (a run waits `pending` while an earlier one in its
 * workspace is unfinished; with auto-apply off it stays `planned` until `actions/apply`; a plan that would
 * change nothing ends `planned_and_finished`). Applied state is computed from the run's variables: every
 * variable echoes as `var_<name>`; `identifier` gives an RDS-like `endpoint` (`<identifier>.rds.local-fake.test`),
 * `port` 5432 and sensitive `master_password_arn` / `master_user_secret_arn`; `bucket` gives `bucket_arn`
 * and `bucket_name`. A destroy run empties the state. Notifications (`run:applying`, `run:needs_attention`,
 * `run:completed`, `run:errored`) are POSTed to the URL of each enabled notification configuration of the
 * run's workspace that asks for that trigger (none: nobody is told, as in Terraform), signed as Terraform
 * signs them when the configuration has a token (`X-TFE-Notification-Signature`: hex HMAC-SHA512 of the raw
 * body with it). Apollo's Terraform executor creates its own configuration; nothing here is preset.
 *
 * Controls (no token): `POST /_fail {"workspace"?: name, "times": n, "what"?: "run"|"outputs"|"api"}`
 * (`run`: the next n runs end `errored`; `outputs`: the next n output reads answer 503, as Terraform does
 * while it processes a new state; `api`: the next n API calls answer 503), `GET /_state` (JSON), and `GET /`,
 * a page listing workspaces (with their notification configurations), runs and notifications. Runs link to
 * `/app/:org/workspaces/:ws/runs/:id`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileIntegrationSecrets, memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { EGRESS_ALLOW_ENV } from '#functions/requests/actions/ssrf';
import { TERRAFORM_HOST_ENV, TERRAFORM_TOKEN_SECRET } from '#functions/requests/actions/terraform';

export const FAKE_LABEL = 'LOCAL FAKE';
export const JSON_API = 'application/vnd.api+json';
export const NOTIFICATION_SIGNATURE_HEADER = 'X-TFE-Notification-Signature';
/** The integration secrets the local runtime keeps: the API token actions send, and the HMAC key Apollo gives its notification configurations. */
export const TF_TOKEN_SECRET = TERRAFORM_TOKEN_SECRET;
/** As TERRAFORM_SECRET in functions/webhooks/external.ts (not imported: it would load the requests context's records). */
export const TF_NOTIFICATION_SECRET = 'terraform_notification_token';
/** Set when APOLLO_TERRAFORM_HOST points at this fake (so a later runtime in the same process starts its own). */
export const TERRAFORM_FAKE_ENV = 'APOLLO_TERRAFORM_FAKE';
/** The port the local runtime's fake listens on (unset or 0: a free one), so its page and controls keep one address. */
export const TERRAFORM_FAKE_PORT_ENV = 'APOLLO_TERRAFORM_FAKE_PORT';
/** The zone the fake's RDS-like endpoints are in. */
export const FAKE_RDS_ZONE = 'rds.local-fake.test';
const DEFAULT_STEP_MS = 300;
const MAX_KEPT = 500;
/** Terraform's limit per workspace. */
const MAX_CONFIGURATIONS = 20;
export const NOTIFICATION_TRIGGERS = ['run:created', 'run:planning', 'run:needs_attention', 'run:applying', 'run:completed', 'run:errored', 'assessment:check_failure', 'assessment:drifted', 'assessment:failed', 'workspace:auto_destroy_reminder', 'workspace:auto_destroy_run_results'] as const;
const DESTINATION_TYPES = ['generic', 'email', 'slack', 'microsoft-teams'];

export type RunStatus =
  | 'pending' | 'planning' | 'planned' | 'confirmed' | 'applying' | 'applied'
  | 'planned_and_finished' | 'discarded' | 'errored' | 'canceled' | 'force_canceled';
export type RunKind = 'apply' | 'destroy';
export type FailWhat = 'run' | 'outputs' | 'api';

const FINAL: ReadonlySet<RunStatus> = new Set(['applied', 'planned_and_finished', 'discarded', 'errored', 'canceled', 'force_canceled']);

export interface FakeTerraformOptions {
  /** Accepted as `Authorization: Bearer <token>`. */
  readonly token: string;
  /** Milliseconds per run step (default 300: an auto-applied run takes about 1.2 s). */
  readonly stepMs?: number;
  readonly host?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
}

export interface FakeOutput {
  readonly id: string;
  readonly name: string;
  readonly value: unknown;
  readonly sensitive: boolean;
}

export interface FakeWorkspace {
  readonly id: string;
  readonly organization: string;
  readonly name: string;
  readonly autoApply: boolean;
  readonly workingDirectory: string;
  readonly vcsRepo: { readonly identifier: string; readonly branch: string } | null;
  readonly createdAt: string;
  /** The current state's outputs; undefined before the first applied run. */
  outputs: FakeOutput[] | undefined;
  /** The variables of the last applied run (a plan with the same ones changes nothing). */
  appliedVariables: string | undefined;
}

export interface FakeRun {
  readonly id: string;
  readonly workspaceId: string;
  readonly message: string;
  readonly isDestroy: boolean;
  readonly autoApply: boolean;
  readonly variables: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  readonly createdAt: string;
  status: RunStatus;
  readonly statusTimestamps: Record<string, string>;
  readonly failPlan: boolean;
  hasChanges: boolean;
}

/** A workspace's notification configuration (`destination-type` generic is the one that POSTs). */
export interface FakeNotificationConfiguration {
  readonly id: string;
  readonly workspaceId: string;
  readonly destinationType: string;
  readonly createdAt: string;
  name: string;
  url: string | null;
  /** The HMAC key (write-only in the API); null: deliveries are unsigned. */
  token: string | null;
  triggers: string[];
  enabled: boolean;
  updatedAt: string;
  /** The last deliveries' answers, newest first (as `delivery-responses`). */
  readonly deliveryResponses: Array<{ url: string; body: string; code: string; headers: Record<string, string[]>; 'sent-at': string; successful: string }>;
}

/** A notification the fake sent, and what the receiver answered. */
export interface FakeNotification {
  /** The configuration it was sent for. */
  readonly configurationId: string;
  readonly runId: string | null;
  readonly trigger: string;
  readonly runStatus: string | null;
  readonly url: string;
  readonly signed: boolean;
  /** The receiver's status (0: no answer). */
  status: number;
  /** The receiver's answer (JSON when it was). */
  response: unknown;
  readonly at: string;
}

interface FailRule {
  readonly what: FailWhat;
  readonly workspace?: string;
  remaining: number;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const id = (prefix: string): string => `${prefix}-${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16)}`;
const error = (status: number, title: string, detail?: string, pointer?: string): Answer => ({
  status,
  body: { errors: [{ status: String(status), title, ...(detail ? { detail } : {}), ...(pointer ? { source: { pointer } } : {}) }] },
});
const notFound = (): Answer => error(404, 'not found');

export class FakeTerraform {
  /** Every API request's method and path (with query), in order. */
  readonly requests: string[] = [];
  readonly notifications: FakeNotification[] = [];
  private readonly workspaces = new Map<string, FakeWorkspace>();
  private readonly runsById = new Map<string, FakeRun>();
  private readonly configurations = new Map<string, FakeNotificationConfiguration>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly failRules: FailRule[] = [];
  private readonly aborter = new AbortController();
  private server!: Server;
  stepMs: number;
  url = '';

  private constructor(private readonly options: FakeTerraformOptions) {
    if (!options.token) throw new Error('the fake Terraform needs a token');
    this.stepMs = options.stepMs ?? DEFAULT_STEP_MS;
  }

  static async start(options: FakeTerraformOptions): Promise<FakeTerraform> {
    const fake = new FakeTerraform(options);
    fake.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        fake.handle(req, Buffer.concat(chunks).toString('utf8')).then((answer) => fake.send(res, answer), (failure: unknown) => {
          console.error('[fake-terraform] request failed:', failure);
          if (!res.headersSent) fake.send(res, error(500, 'internal error'));
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    fake.url = `http://${options.host ?? '127.0.0.1'}:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  // ---------------------------------------------------------------- what tests drive and read

  /** The next `times` runs (in `workspace`, or any) end `errored`; or output reads / API calls answer 503. */
  failNext(times: number, options: { readonly workspace?: string; readonly what?: FailWhat } = {}): void {
    this.failRules.push({ what: options.what ?? 'run', workspace: options.workspace, remaining: times });
  }

  /** How many runs were created (of a kind, in a workspace by name). */
  runs(kind?: RunKind, workspace?: string): number {
    return this.listRuns(workspace).filter((r) => kind === undefined || (kind === 'destroy') === r.isDestroy).length;
  }

  /** Runs, oldest first (in a workspace by name). */
  listRuns(workspace?: string): FakeRun[] {
    const ids = workspace === undefined ? undefined : new Set([...this.workspaces.values()].filter((w) => w.name === workspace).map((w) => w.id));
    return [...this.runsById.values()].filter((r) => !ids || ids.has(r.workspaceId));
  }

  run(runId: string): FakeRun | undefined {
    return this.runsById.get(runId);
  }

  /** A workspace by name (in `organization`, or the first of that name). */
  workspace(name: string, organization?: string): FakeWorkspace | undefined {
    return [...this.workspaces.values()].find((w) => w.name === name && (organization === undefined || w.organization === organization));
  }

  /** Waits until no run is unfinished (a run waiting for its confirmation counts as unfinished), or fails after `timeoutMs`. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.runsById.values()].some((r) => !FINAL.has(r.status)) || this.deliveries.size > 0) {
      if (Date.now() > deadline) throw new Error('the fake Terraform did not become idle in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The notification configurations of a workspace (by name), or of all, oldest first. */
  notificationConfigurations(workspace?: string): FakeNotificationConfiguration[] {
    const ws = workspace === undefined ? undefined : this.workspace(workspace);
    if (workspace !== undefined && !ws) return [];
    return [...this.configurations.values()].filter((c) => !ws || c.workspaceId === ws.id);
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.aborter.abort();
    await Promise.allSettled([...this.deliveries]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- HTTP

  private send(res: ServerResponse, answer: Answer): void {
    const html = typeof answer.body === 'string';
    const text = answer.body === undefined ? '' : html ? (answer.body as string) : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(answer.body === undefined ? {} : { 'content-type': html ? 'text/html; charset=utf-8' : JSON_API }),
      'cache-control': 'no-store',
      'x-apollo-fake': FAKE_LABEL,
      ...answer.headers,
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, body: string): Promise<Answer> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    if (path === '/' && method === 'GET') return { status: 200, body: this.page() };
    const runPage = /^\/app\/([^/]+)\/workspaces\/([^/]+)\/runs\/([^/]+)$/.exec(path);
    if (runPage && method === 'GET') return this.runPage(decodeURIComponent(runPage[3]!));
    if (path.startsWith('/_')) return this.control(method, path, body);
    if (!path.startsWith('/api/v2/')) return { status: 404, body: `${FAKE_LABEL} Terraform Cloud: nothing at ${path}; the API is under /api/v2/, this fake's page is /` };

    this.requests.push(`${method} ${path}${url.search}`);
    const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!presented || !safeEqual(presented, this.options.token)) return error(401, 'unauthorized', `${FAKE_LABEL} Terraform Cloud: send Authorization: Bearer <tf_token>`);
    if (this.takeFailure('api')) return { ...error(503, 'service unavailable', `${FAKE_LABEL}: failure injected with POST /_fail`), headers: { 'retry-after': '1' } };
    return this.api(method, path.slice('/api/v2'.length), url.searchParams, body);
  }

  private async api(method: string, path: string, query: URLSearchParams, body: string): Promise<Answer> {
    const segments = path.split('/').slice(1).map((s) => decodeURIComponent(s));
    const [a, b, c, d] = segments;
    const n = segments.length;
    if (a === 'organizations' && c === 'workspaces') {
      if (n === 3 && method === 'POST') return this.createWorkspace(b!, body);
      if (n === 4 && method === 'GET') {
        const ws = this.workspace(d!, b);
        return ws ? { status: 200, body: { data: this.workspaceJson(ws) } } : notFound();
      }
    }
    if (a === 'workspaces' && b) {
      const ws = this.workspaces.get(b);
      if (n === 2 && method === 'GET') return ws ? { status: 200, body: { data: this.workspaceJson(ws) } } : notFound();
      if (n === 3 && c === 'runs' && method === 'GET') return ws ? this.listRunsAnswer(ws, query) : notFound();
      if (n === 3 && c === 'current-state-version-outputs' && method === 'GET') return ws ? this.outputsAnswer(ws) : notFound();
      if (n === 3 && c === 'notification-configurations' && method === 'GET') return ws ? this.listConfigurationsAnswer(ws, query) : notFound();
      if (n === 3 && c === 'notification-configurations' && method === 'POST') return ws ? this.createConfiguration(ws, body) : notFound();
    }
    if (a === 'notification-configurations' && b) {
      const nc = this.configurations.get(b);
      if (!nc) return notFound();
      if (n === 2 && method === 'GET') return { status: 200, body: { data: this.configurationJson(nc) } };
      if (n === 2 && method === 'PATCH') return this.updateConfiguration(nc, body);
      if (n === 2 && method === 'DELETE') {
        this.configurations.delete(nc.id);
        return { status: 204 };
      }
      if (n === 4 && c === 'actions' && d === 'verify' && method === 'POST') {
        await this.verify(nc);
        return { status: 200, body: { data: this.configurationJson(nc) } };
      }
    }
    if (a === 'runs') {
      if (n === 1 && method === 'POST') return this.createRun(body);
      const run = b ? this.runsById.get(b) : undefined;
      if (n === 2 && method === 'GET') return run ? { status: 200, body: { data: this.runJson(run) } } : notFound();
      if (n === 4 && c === 'actions' && method === 'POST') return run ? this.runAction(run, d!) : notFound();
    }
    if (a === 'state-version-outputs' && n === 2 && method === 'GET') {
      for (const ws of this.workspaces.values()) {
        const output = ws.outputs?.find((o) => o.id === b);
        if (output) return { status: 200, body: { data: this.outputJson(output, true) } };
      }
      return notFound();
    }
    return notFound();
  }

  // ---------------------------------------------------------------- workspaces

  private createWorkspace(organization: string, text: string): Answer {
    const doc = parseJson(text) as { data?: { type?: unknown; attributes?: Record<string, unknown> } } | undefined;
    const attributes = doc?.data?.attributes;
    if (doc?.data?.type !== 'workspaces' || !attributes) return error(422, 'invalid body', 'send {"data":{"type":"workspaces","attributes":{"name":…}}}', '/data');
    const name = attributes.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,90}$/.test(name)) return error(422, 'invalid attribute', 'Name may contain only letters, numbers, - and _ (at most 90)', '/data/attributes/name');
    if (this.workspace(name, organization)) return error(422, 'invalid attribute', 'Name has already been taken', '/data/attributes/name');
    const vcs = attributes['vcs-repo'] as Record<string, unknown> | null | undefined;
    if (vcs && (typeof vcs.identifier !== 'string' || (typeof vcs['oauth-token-id'] !== 'string' && typeof vcs['github-app-installation-id'] !== 'string'))) {
      return error(422, 'invalid attribute', 'VCS repo needs an identifier and an oauth-token-id (or github-app-installation-id)', '/data/attributes/vcs-repo');
    }
    const ws: FakeWorkspace = {
      id: id('ws'),
      organization,
      name,
      autoApply: attributes['auto-apply'] === true,
      workingDirectory: typeof attributes['working-directory'] === 'string' ? attributes['working-directory'] : '',
      vcsRepo: vcs ? { identifier: vcs.identifier as string, branch: typeof vcs.branch === 'string' ? vcs.branch : '' } : null,
      createdAt: new Date().toISOString(),
      outputs: undefined,
      appliedVariables: undefined,
    };
    this.workspaces.set(ws.id, ws);
    return { status: 201, body: { data: this.workspaceJson(ws) } };
  }

  private workspaceJson(ws: FakeWorkspace): unknown {
    const current = this.listRuns().filter((r) => r.workspaceId === ws.id).at(-1);
    return {
      id: ws.id,
      type: 'workspaces',
      attributes: {
        name: ws.name,
        'auto-apply': ws.autoApply,
        'created-at': ws.createdAt,
        'execution-mode': 'remote',
        locked: false,
        'working-directory': ws.workingDirectory,
        'vcs-repo': ws.vcsRepo,
        'resource-count': ws.outputs?.length ?? 0,
        description: `${FAKE_LABEL} workspace`,
      },
      relationships: {
        organization: { data: { id: ws.organization, type: 'organizations' } },
        'current-run': { data: current ? { id: current.id, type: 'runs' } : null },
      },
      links: { self: `/api/v2/organizations/${ws.organization}/workspaces/${ws.name}` },
    };
  }

  // ---------------------------------------------------------------- runs

  private listRunsAnswer(ws: FakeWorkspace, query: URLSearchParams): Answer {
    const search = query.get('search[basic]')?.toLowerCase();
    const size = clamp(Number(query.get('page[size]') ?? 20), 1, 100);
    const page = Math.max(1, Math.floor(Number(query.get('page[number]') ?? 1)) || 1);
    const all = this.listRuns()
      .filter((r) => r.workspaceId === ws.id)
      .filter((r) => !search || r.id.toLowerCase().includes(search) || r.message.toLowerCase().includes(search))
      .reverse();
    const last = Math.max(1, Math.ceil(all.length / size));
    const base = `${this.url}/api/v2/workspaces/${ws.id}/runs?page%5Bsize%5D=${size}${search ? `&search%5Bbasic%5D=${encodeURIComponent(search)}` : ''}`;
    return {
      status: 200,
      body: {
        data: all.slice((page - 1) * size, page * size).map((r) => this.runJson(r)),
        links: { self: `${base}&page%5Bnumber%5D=${page}`, next: page < last ? `${base}&page%5Bnumber%5D=${page + 1}` : null },
        meta: { pagination: { 'current-page': page, 'page-size': size, 'prev-page': page > 1 ? page - 1 : null, 'next-page': page < last ? page + 1 : null, 'total-pages': last, 'total-count': all.length } },
      },
    };
  }

  private createRun(text: string): Answer {
    const doc = parseJson(text) as { data?: { type?: unknown; attributes?: Record<string, unknown>; relationships?: { workspace?: { data?: { id?: unknown } } } } } | undefined;
    if (doc?.data?.type !== 'runs') return error(422, 'invalid body', 'send {"data":{"type":"runs","attributes":{…},"relationships":{"workspace":{…}}}}', '/data/type');
    const workspaceId = doc.data.relationships?.workspace?.data?.id;
    if (typeof workspaceId !== 'string') return error(422, 'invalid relationship', 'a run needs its workspace', '/data/relationships/workspace');
    const ws = this.workspaces.get(workspaceId);
    if (!ws) return notFound();
    const attributes = doc.data.attributes ?? {};
    const variables = attributes.variables ?? [];
    if (!Array.isArray(variables) || variables.some((v: unknown) => !v || typeof (v as { key?: unknown }).key !== 'string' || typeof (v as { value?: unknown }).value !== 'string')) {
      return error(422, 'invalid attribute', 'variables must be a list of {"key": string, "value": string (an HCL literal)}', '/data/attributes/variables');
    }
    const keys = (variables as Array<{ key: string }>).map((v) => v.key);
    const badKey = keys.find((k) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k));
    if (badKey !== undefined) return error(422, 'invalid attribute', `variable key '${badKey}' is not a Terraform identifier`, '/data/attributes/variables');
    if (new Set(keys).size !== keys.length) return error(422, 'invalid attribute', 'a variable key appears twice', '/data/attributes/variables');
    const failPlan = this.takeFailure('run', ws.name);
    const run: FakeRun = {
      id: id('run'),
      workspaceId: ws.id,
      message: typeof attributes.message === 'string' ? attributes.message : 'Queued manually via the Terraform Enterprise API',
      isDestroy: attributes['is-destroy'] === true,
      autoApply: typeof attributes['auto-apply'] === 'boolean' ? attributes['auto-apply'] : ws.autoApply,
      variables: (variables as Array<{ key: string; value: string }>).map((v) => ({ key: v.key, value: v.value })),
      createdAt: new Date().toISOString(),
      status: 'pending',
      statusTimestamps: {},
      failPlan,
      hasChanges: true,
    };
    this.stamp(run);
    this.runsById.set(run.id, run);
    this.trim();
    this.schedule(run);
    return { status: 201, body: { data: this.runJson(run) } };
  }

  private runAction(run: FakeRun, action: string): Answer {
    const conflict = (): Answer => error(409, 'transition not allowed', `${FAKE_LABEL}: cannot ${action} a run that is ${run.status}`);
    switch (action) {
      case 'apply':
        if (run.status !== 'planned') return conflict();
        this.move(run, 'confirmed');
        this.schedule(run);
        return { status: 202 };
      case 'discard':
        if (run.status !== 'planned' && run.status !== 'pending') return conflict();
        this.finish(run, 'discarded');
        return { status: 202 };
      case 'cancel':
        if (!['pending', 'planning', 'confirmed', 'applying'].includes(run.status)) return conflict();
        this.finish(run, 'canceled');
        return { status: 202 };
      case 'force-cancel':
        if (FINAL.has(run.status)) return conflict();
        this.finish(run, 'force_canceled');
        return { status: 202 };
      default:
        return notFound();
    }
  }

  private runJson(run: FakeRun): unknown {
    const ws = this.workspaces.get(run.workspaceId)!;
    const waiting = run.status === 'planned' && !run.autoApply;
    return {
      id: run.id,
      type: 'runs',
      attributes: {
        status: run.status,
        message: run.message,
        'is-destroy': run.isDestroy,
        'auto-apply': run.autoApply,
        'has-changes': run.hasChanges,
        source: 'tfe-api',
        'created-at': run.createdAt,
        'status-timestamps': run.statusTimestamps,
        variables: run.variables,
        actions: {
          'is-cancelable': ['pending', 'planning', 'confirmed', 'applying'].includes(run.status),
          'is-confirmable': waiting,
          'is-discardable': run.status === 'planned' || run.status === 'pending',
          'is-force-cancelable': false,
        },
      },
      relationships: { workspace: { data: { id: ws.id, type: 'workspaces' } } },
      links: { self: `/api/v2/runs/${run.id}` },
    };
  }

  /** Moves a run one step after `stepMs`. */
  private schedule(run: FakeRun): void {
    clearTimeout(this.timers.get(run.id));
    this.timers.set(run.id, setTimeout(() => {
      this.timers.delete(run.id);
      this.step(run);
    }, this.stepMs));
  }

  private step(run: FakeRun): void {
    const ws = this.workspaces.get(run.workspaceId)!;
    switch (run.status) {
      case 'pending': {
        // Runs in a workspace go one at a time, oldest first.
        const queue = this.listRuns().filter((r) => r.workspaceId === run.workspaceId);
        if (queue.slice(0, queue.indexOf(run)).some((r) => !FINAL.has(r.status))) return this.schedule(run);
        this.move(run, 'planning');
        return this.schedule(run);
      }
      case 'planning': {
        if (run.failPlan) return this.finish(run, 'errored');
        run.hasChanges = run.isDestroy ? ws.outputs !== undefined && ws.outputs.length > 0 : ws.appliedVariables !== variablesKey(run);
        if (!run.hasChanges) return this.finish(run, 'planned_and_finished');
        this.move(run, 'planned');
        if (run.autoApply) return this.schedule(run);
        this.deliver(run, 'run:needs_attention', 'planned', 'Run Needs Attention');
        return;
      }
      case 'planned':
      case 'confirmed':
        if (run.status === 'planned' && !run.autoApply) return;
        this.move(run, 'applying');
        this.deliver(run, 'run:applying', 'applying', 'Applying');
        return this.schedule(run);
      case 'applying':
        ws.outputs = run.isDestroy ? [] : stateOutputs(run.variables);
        ws.appliedVariables = run.isDestroy ? undefined : variablesKey(run);
        return this.finish(run, 'applied');
      default:
        return;
    }
  }

  private move(run: FakeRun, status: RunStatus): void {
    run.status = status;
    this.stamp(run);
  }

  private stamp(run: FakeRun): void {
    run.statusTimestamps[`${run.status.replace(/_/g, '-')}-at`] = new Date().toISOString();
  }

  private finish(run: FakeRun, status: RunStatus): void {
    clearTimeout(this.timers.get(run.id));
    this.timers.delete(run.id);
    this.move(run, status);
    const completed = status === 'applied' || status === 'planned_and_finished';
    const words: Partial<Record<RunStatus, string>> = { applied: 'Applied', planned_and_finished: 'Planned and Finished', errored: 'Errored', canceled: 'Run Canceled', force_canceled: 'Run Canceled', discarded: 'Run Discarded' };
    this.deliver(run, completed ? 'run:completed' : 'run:errored', status, words[status] ?? status);
    // The next pending run of the workspace need not wait for its own timer's next tick.
    const next = this.listRuns().find((r) => r.workspaceId === run.workspaceId && r.status === 'pending');
    if (next) this.schedule(next);
  }

  // ---------------------------------------------------------------- outputs

  private outputsAnswer(ws: FakeWorkspace): Answer {
    if (ws.outputs === undefined) return error(404, 'not found', `${FAKE_LABEL}: workspace ${ws.name} has no state yet`);
    if (this.takeFailure('outputs', ws.name)) return { ...error(503, 'state version outputs are still being processed', `${FAKE_LABEL}: failure injected with POST /_fail`), headers: { 'retry-after': '1' } };
    return { status: 200, body: { data: ws.outputs.map((o) => this.outputJson(o, false)), links: { self: `${this.url}/api/v2/workspaces/${ws.id}/current-state-version-outputs`, next: null } } };
  }

  private outputJson(output: FakeOutput, reveal: boolean): unknown {
    return {
      id: output.id,
      type: 'state-version-outputs',
      attributes: {
        name: output.name,
        sensitive: output.sensitive,
        type: typeName(output.value),
        value: output.sensitive && !reveal ? null : output.value,
        'detailed-type': detailedType(output.value),
      },
      links: { self: `/api/v2/state-version-outputs/${output.id}` },
    };
  }

  // ---------------------------------------------------------------- notification configurations

  private listConfigurationsAnswer(ws: FakeWorkspace, query: URLSearchParams): Answer {
    const size = clamp(Number(query.get('page[size]') ?? 20), 1, 100);
    const page = Math.max(1, Math.floor(Number(query.get('page[number]') ?? 1)) || 1);
    const all = [...this.configurations.values()].filter((c) => c.workspaceId === ws.id);
    const last = Math.max(1, Math.ceil(all.length / size));
    const base = `${this.url}/api/v2/workspaces/${ws.id}/notification-configurations?page%5Bsize%5D=${size}`;
    return {
      status: 200,
      body: {
        data: all.slice((page - 1) * size, page * size).map((c) => this.configurationJson(c)),
        links: { self: `${base}&page%5Bnumber%5D=${page}`, next: page < last ? `${base}&page%5Bnumber%5D=${page + 1}` : null },
        meta: { pagination: { 'current-page': page, 'page-size': size, 'prev-page': page > 1 ? page - 1 : null, 'next-page': page < last ? page + 1 : null, 'total-pages': last, 'total-count': all.length } },
      },
    };
  }

  /** The attributes a create or an update sends, checked; an Answer when they are not valid. */
  private configurationAttributes(text: string, creating: boolean): { readonly attributes: Record<string, unknown> } | { readonly refused: Answer } {
    const refuse = (...args: Parameters<typeof error>) => ({ refused: error(...args) });
    const doc = parseJson(text) as { data?: { type?: unknown; attributes?: Record<string, unknown> } } | undefined;
    const attributes = doc?.data?.attributes;
    if (!['notification-configuration', 'notification-configurations'].includes(doc?.data?.type as string) || !attributes) {
      return refuse(422, 'invalid body', 'send {"data":{"type":"notification-configuration","attributes":{…}}}', '/data');
    }
    const { name, url, token, triggers, enabled } = attributes;
    const type = attributes['destination-type'];
    if (creating && (typeof type !== 'string' || !DESTINATION_TYPES.includes(type))) return refuse(422, 'invalid attribute', `Destination type must be one of ${DESTINATION_TYPES.join(', ')}`, '/data/attributes/destination-type');
    if ((creating || name !== undefined) && (typeof name !== 'string' || !name.trim())) return refuse(422, 'invalid attribute', "Name can't be blank", '/data/attributes/name');
    if (url !== undefined && url !== null && (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url))) return refuse(422, 'invalid attribute', 'Url is not a valid URL', '/data/attributes/url');
    if (token !== undefined && token !== null && typeof token !== 'string') return refuse(422, 'invalid attribute', 'Token must be a string', '/data/attributes/token');
    if (enabled !== undefined && typeof enabled !== 'boolean') return refuse(422, 'invalid attribute', 'Enabled must be true or false', '/data/attributes/enabled');
    if (triggers !== undefined && (!Array.isArray(triggers) || triggers.some((t) => !(NOTIFICATION_TRIGGERS as readonly unknown[]).includes(t)))) {
      return refuse(422, 'invalid attribute', `Triggers must be some of ${NOTIFICATION_TRIGGERS.join(', ')}`, '/data/attributes/triggers');
    }
    return { attributes };
  }

  private async createConfiguration(ws: FakeWorkspace, text: string): Promise<Answer> {
    const checked = this.configurationAttributes(text, true);
    if ('refused' in checked) return checked.refused;
    const { attributes } = checked;
    const type = attributes['destination-type'] as string;
    if (type === 'generic' && typeof attributes.url !== 'string') return error(422, 'invalid attribute', "Url can't be blank", '/data/attributes/url');
    if ([...this.configurations.values()].filter((c) => c.workspaceId === ws.id).length >= MAX_CONFIGURATIONS) {
      return error(422, 'invalid attribute', `a workspace has at most ${MAX_CONFIGURATIONS} notification configurations`, '/data');
    }
    const now = new Date().toISOString();
    const nc: FakeNotificationConfiguration = {
      id: id('nc'),
      workspaceId: ws.id,
      destinationType: type,
      createdAt: now,
      name: attributes.name as string,
      url: (attributes.url as string | undefined) ?? null,
      token: (attributes.token as string | undefined) || null,
      triggers: [...new Set((attributes.triggers as string[] | undefined) ?? [])],
      enabled: attributes.enabled === true,
      updatedAt: now,
      deliveryResponses: [],
    };
    // Enabling verifies first: a configuration whose URL does not answer 2xx is not saved.
    if (nc.enabled && !(await this.verify(nc))) return this.verificationFailed(nc);
    this.configurations.set(nc.id, nc);
    return { status: 201, body: { data: this.configurationJson(nc) } };
  }

  private async updateConfiguration(nc: FakeNotificationConfiguration, text: string): Promise<Answer> {
    const checked = this.configurationAttributes(text, false);
    if ('refused' in checked) return checked.refused;
    const { attributes } = checked;
    const next: FakeNotificationConfiguration = {
      ...nc,
      name: (attributes.name as string | undefined) ?? nc.name,
      url: attributes.url === undefined ? nc.url : (attributes.url as string | null),
      token: attributes.token === undefined ? nc.token : ((attributes.token as string | null) || null),
      triggers: attributes.triggers === undefined ? nc.triggers : [...new Set(attributes.triggers as string[])],
      enabled: attributes.enabled === undefined ? nc.enabled : (attributes.enabled as boolean),
      updatedAt: new Date().toISOString(),
      deliveryResponses: nc.deliveryResponses,
    };
    if (next.destinationType === 'generic' && !next.url) return error(422, 'invalid attribute', "Url can't be blank", '/data/attributes/url');
    if (next.enabled && !(await this.verify(next))) return this.verificationFailed(next);
    Object.assign(nc, next);
    return { status: 200, body: { data: this.configurationJson(nc) } };
  }

  private verificationFailed(nc: FakeNotificationConfiguration): Answer {
    const last = nc.deliveryResponses[0];
    const said = last ? (last.code ? `it answered ${last.code}` : `no answer: ${last.body}`) : 'nothing was sent';
    return error(400, 'Verification failed', `the verification request to ${nc.url ?? '(no URL)'} did not succeed (${said})`, '/data/attributes/url');
  }

  /** POSTs the verification payload to the configuration's URL; answers whether it got a 2xx. */
  private async verify(nc: FakeNotificationConfiguration): Promise<boolean> {
    if (nc.destinationType !== 'generic' || !nc.url) return true;
    const record = await this.post(nc, undefined, 'verification', null, 'Verification of Test Notification').done;
    return record.status >= 200 && record.status < 300;
  }

  private configurationJson(nc: FakeNotificationConfiguration): unknown {
    return {
      id: nc.id,
      type: 'notification-configurations',
      attributes: {
        'destination-type': nc.destinationType,
        enabled: nc.enabled,
        name: nc.name,
        url: nc.url,
        // Write-only: Terraform never shows it again.
        token: null,
        triggers: nc.triggers,
        'delivery-responses': nc.deliveryResponses,
        'created-at': nc.createdAt,
        'updated-at': nc.updatedAt,
      },
      relationships: { subscribable: { data: { id: nc.workspaceId, type: 'workspaces' } } },
      links: { self: `/api/v2/notification-configurations/${nc.id}` },
    };
  }

  // ---------------------------------------------------------------- notifications

  /** Tells every enabled configuration of the run's workspace that asks for `trigger`. */
  private deliver(run: FakeRun, trigger: string, runStatus: string, message: string): void {
    for (const nc of this.configurations.values()) {
      if (nc.workspaceId === run.workspaceId && nc.enabled && nc.destinationType === 'generic' && nc.url && nc.triggers.includes(trigger)) this.post(nc, run, trigger, runStatus, message);
    }
  }

  /** One delivery in Terraform's payload shape (payload_version 1), signed with the configuration's token when it has one. */
  private post(nc: FakeNotificationConfiguration, run: FakeRun | undefined, trigger: string, runStatus: string | null, message: string): { record: FakeNotification; done: Promise<FakeNotification> } {
    const url = nc.url!;
    const ws = run ? this.workspaces.get(run.workspaceId) : undefined;
    const now = new Date().toISOString();
    const payload = {
      payload_version: 1,
      notification_configuration_id: nc.id,
      run_url: run && ws ? `${this.url}/app/${ws.organization}/workspaces/${ws.name}/runs/${run.id}` : null,
      run_id: run?.id ?? null,
      run_message: run?.message ?? null,
      run_created_at: run?.createdAt ?? null,
      run_created_by: run ? 'apollo-fake' : null,
      workspace_id: ws?.id ?? null,
      workspace_name: ws?.name ?? null,
      organization_name: ws?.organization ?? null,
      notifications: [{ message, trigger, run_status: runStatus, run_updated_at: run ? now : null, run_updated_by: run ? 'apollo-fake' : null }],
    };
    const record: FakeNotification = { configurationId: nc.id, runId: run?.id ?? null, trigger, runStatus, url, signed: Boolean(nc.token), status: 0, response: undefined, at: now };
    this.notifications.push(record);
    if (this.notifications.length > MAX_KEPT) this.notifications.splice(0, this.notifications.length - MAX_KEPT);
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'TFE-Notification (LOCAL FAKE)' };
    if (nc.token) headers[NOTIFICATION_SIGNATURE_HEADER] = createHmac('sha512', nc.token).update(body).digest('hex');
    const done = (async () => {
      let text: string;
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(10_000)]) });
        record.status = res.status;
        text = await res.text();
        record.response = parseJson(text) ?? text;
      } catch (failure) {
        text = String((failure as Error)?.message ?? failure);
        record.response = text;
      }
      nc.deliveryResponses.unshift({ url, body: text.slice(0, 1000), code: record.status ? String(record.status) : '', headers: {}, 'sent-at': now, successful: String(record.status >= 200 && record.status < 300) });
      nc.deliveryResponses.splice(10);
      return record;
    })();
    const settled = done.then(() => undefined);
    this.deliveries.add(settled);
    void settled.finally(() => this.deliveries.delete(settled));
    return { record, done };
  }

  // ---------------------------------------------------------------- controls and pages

  private takeFailure(what: FailWhat, workspace?: string): boolean {
    const rule = this.failRules.find((r) => r.what === what && r.remaining > 0 && (r.workspace === undefined || r.workspace === workspace));
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.failRules.splice(this.failRules.indexOf(rule), 1);
    return true;
  }

  private control(method: string, path: string, body: string): Answer {
    if (path === '/_fail' && method === 'POST') {
      const input = (parseJson(body) ?? {}) as { workspace?: unknown; times?: unknown; what?: unknown };
      const { workspace, times = 1, what = 'run' } = input;
      if ((workspace !== undefined && typeof workspace !== 'string') || typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > 1000 || !['run', 'outputs', 'api'].includes(what as string)) {
        return { status: 400, body: { message: `${FAKE_LABEL}: send {"workspace"?: "pg-orders-dev", "times": 1, "what"?: "run" | "outputs" | "api"}` } };
      }
      this.failNext(times, { workspace: workspace as string | undefined, what: what as FailWhat });
      return { status: 200, body: { fake: `${FAKE_LABEL} Terraform Cloud`, workspace: workspace ?? null, times, what } };
    }
    if (path === '/_state' && method === 'GET') {
      return {
        status: 200,
        body: {
          fake: `${FAKE_LABEL} Terraform Cloud`,
          workspaces: [...this.workspaces.values()].map((w) => ({ ...w, outputs: w.outputs?.map((o) => ({ ...o, value: o.sensitive ? '••••' : o.value })) })),
          notificationConfigurations: [...this.configurations.values()].map((c) => ({ ...c, token: c.token ? '••••' : null })),
          runs: this.listRuns(),
          notifications: this.notifications,
          pendingFailures: this.failRules,
        },
      };
    }
    return { status: 404, body: { message: `${FAKE_LABEL}: the controls are POST /_fail and GET /_state` } };
  }

  private runPage(runId: string): Answer {
    const run = this.runsById.get(runId);
    if (!run) return { status: 404, body: `<!doctype html><title>Local fake Terraform Cloud</title><p>${FAKE_LABEL}: no run ${esc(runId)} (runs live in memory until the runtime stops). <a href="/">All runs</a>` };
    const ws = this.workspaces.get(run.workspaceId)!;
    return {
      status: 200,
      body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>Run ${esc(run.id)} — Local fake Terraform Cloud</title>${STYLE}
<p class="fake">${FAKE_LABEL}: not HCP Terraform. Nothing here leaves this machine.</p>
<h1>Run <code>${esc(run.id)}</code></h1>
<p>Workspace <b>${esc(ws.organization)}/${esc(ws.name)}</b>: <b>${esc(run.status)}</b> (${run.isDestroy ? 'destroy' : 'apply'}${run.autoApply ? ', auto-apply' : ', needs a confirmation'}). <a href="/">All workspaces and runs</a></p>
<p>${esc(run.message)}</p>
<h2>Variables</h2><table><tr><th>key</th><th>value (HCL)</th></tr>${run.variables.map((v) => `<tr><td>${esc(v.key)}</td><td><code>${esc(v.value)}</code></td></tr>`).join('')}</table>
<h2>Status timestamps</h2><ul>${Object.entries(run.statusTimestamps).map(([k, v]) => `<li>${esc(k)}: ${esc(v)}</li>`).join('')}</ul></html>`,
    };
  }

  private page(): string {
    const configurations = (w: FakeWorkspace): string => [...this.configurations.values()].filter((c) => c.workspaceId === w.id)
      .map((c) => `${esc(c.name)} → <code>${esc(c.url ?? c.destinationType)}</code> (${c.enabled ? esc(c.triggers.join(', ')) : 'disabled'}${c.token ? ', signed' : ''})`).join('<br>') || 'none';
    const workspaces = [...this.workspaces.values()].map((w) => `<tr><td>${esc(w.organization)}</td><td><b>${esc(w.name)}</b><br><code>${esc(w.id)}</code></td><td>${w.outputs === undefined ? 'no state' : w.outputs.map((o) => `${esc(o.name)} = ${o.sensitive ? '<i>(sensitive)</i>' : `<code>${esc(JSON.stringify(o.value))}</code>`}`).join('<br>') || 'empty state'}</td><td>${configurations(w)}</td></tr>`).join('');
    const runs = this.listRuns().slice().reverse().map((r) => {
      const ws = this.workspaces.get(r.workspaceId)!;
      return `<tr><td>${esc(r.createdAt)}</td><td><a href="/app/${encodeURIComponent(ws.organization)}/workspaces/${encodeURIComponent(ws.name)}/runs/${encodeURIComponent(r.id)}"><code>${esc(r.id)}</code></a></td><td>${esc(ws.name)}</td><td>${r.isDestroy ? 'destroy' : 'apply'}</td><td><b>${esc(r.status)}</b></td><td>${esc(r.message)}</td></tr>`;
    }).join('');
    const notes = this.notifications.slice().reverse().slice(0, 50).map((n) => `<tr><td>${esc(n.at)}</td><td>${esc(n.trigger)}</td><td><code>${esc(n.runId ?? '')}</code></td><td>${esc(n.runStatus ?? '')}</td><td>${n.status || 'no answer'}</td></tr>`).join('');
    return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Local fake Terraform Cloud</title>${STYLE}
<p class="fake">${FAKE_LABEL}: not HCP Terraform. No infrastructure is created; nothing here leaves this machine.</p>
<h1>Local fake Terraform Cloud</h1>
<p>Served by Apollo's local runtime for the offerings' Terraform actions (<code>APOLLO_TERRAFORM_HOST=${esc(this.url)}</code>). The API (<code>/api/v2/</code>) takes <code>Authorization: Bearer &lt;tf_token&gt;</code> from <code>$APOLLO_HOME/integration-secrets.json</code>. A run moves every ${this.stepMs} ms: pending → planning → planned → applying → applied. Its outputs come from its variables (every variable as <code>var_&lt;name&gt;</code>; <code>identifier</code> → <code>endpoint</code>, <code>port</code>, sensitive <code>master_password_arn</code>; <code>bucket</code> → <code>bucket_arn</code>, <code>bucket_name</code>); a destroy run empties the state.</p>
<p>Run notifications go where a workspace's notification configurations say (Apollo's Terraform action sets its own, signed with <code>terraform_notification_token</code>: X-TFE-Notification-Signature); a workspace without one tells nobody, and Apollo then checks its runs every 15 s.</p>
<h2>Make one fail</h2>
<pre>curl -X POST ${esc(this.url)}/_fail -H 'content-type: application/json' \\
  -d '{"workspace": "pg-orders-dev", "times": 1}'</pre>
<p>The next run in that workspace (any workspace without <code>workspace</code>) ends <b>errored</b>. <code>"what": "outputs"</code> makes the next output reads answer 503 (Terraform still processing the state); <code>"what": "api"</code> makes the next API calls answer 503. <code>GET /_state</code> shows everything as JSON.</p>
<h2>Workspaces (${this.workspaces.size})</h2>
<table><tr><th>organization</th><th>workspace</th><th>state outputs</th><th>notification configurations</th></tr>${workspaces || '<tr><td colspan="4">none yet: a Terraform action creates its workspace</td></tr>'}</table>
<h2>Runs (${this.runsById.size}, newest first)</h2>
<table><tr><th>created</th><th>run</th><th>workspace</th><th>kind</th><th>status</th><th>message</th></tr>${runs || '<tr><td colspan="6">none yet</td></tr>'}</table>
<h2>Notifications sent (newest first)</h2>
<table><tr><th>at</th><th>trigger</th><th>run</th><th>run status</th><th>answered</th></tr>${notes || '<tr><td colspan="5">none yet</td></tr>'}</table>
</html>`;
  }

  /** Keeps the last MAX_KEPT finished runs. */
  private trim(): void {
    if (this.runsById.size <= MAX_KEPT) return;
    for (const run of this.runsById.values()) {
      if (this.runsById.size <= MAX_KEPT) break;
      if (FINAL.has(run.status)) this.runsById.delete(run.id);
    }
  }
}

// ---------------------------------------------------------------- the state a run leaves

/**
 * A run variable's HCL literal as a value: strings (with their escapes, `$${` and `%%{` included),
 * numbers, bools, null, lists and objects (`key = value` or `key: value`). Anything else (an expression)
 * stays as its text.
 */
export function parseHclLiteral(text: string): unknown {
  let i = 0;
  const fail = (): never => { throw new SyntaxError(`not an HCL literal at ${i}`); };
  const space = (newlines = true): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || (newlines && (text[i] === '\n' || text[i] === '\r')))) i++;
  };
  const str = (): string => {
    let out = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      const ch = text[i]!;
      if (ch === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (e !== undefined && simple[e] !== undefined) { out += simple[e]; i += 2; continue; }
        const hex = e === 'u' ? text.slice(i + 2, i + 6) : e === 'U' ? text.slice(i + 2, i + 10) : '';
        if (!/^[0-9a-fA-F]+$/.test(hex) || (e === 'u' && hex.length !== 4) || (e === 'U' && hex.length !== 8)) fail();
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + hex.length;
        continue;
      }
      if ((ch === '$' || ch === '%') && text[i + 1] === ch && text[i + 2] === '{') { out += `${ch}{`; i += 3; continue; }
      if ((ch === '$' || ch === '%') && text[i + 1] === '{') fail();
      out += ch;
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
    return out;
  };
  const value = (): unknown => {
    space();
    const ch = text[i];
    if (ch === '"') return str();
    if (ch === '[') {
      i++;
      const list: unknown[] = [];
      for (space(); text[i] !== ']'; space()) {
        list.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail();
      }
      i++;
      return list;
    }
    if (ch === '{') {
      i++;
      const object: Record<string, unknown> = {};
      for (space(); text[i] !== '}'; space()) {
        let key: string;
        if (text[i] === '"') key = str();
        else {
          const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))?.[0] ?? fail();
          key = word;
          i += word.length;
        }
        space(false);
        if (text[i] !== '=' && text[i] !== ':') fail();
        i++;
        object[key] = value();
        space(false);
        if (text[i] === ',' || text[i] === '\n' || text[i] === '\r') i++;
        else if (text[i] !== '}') fail();
      }
      i++;
      return object;
    }
    const word = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i))?.[0] ?? fail();
    i += word.length;
    return word === 'true' ? true : word === 'false' ? false : word === 'null' ? null : Number(word);
  };
  try {
    const parsed = value();
    space();
    return i === text.length ? parsed : text;
  } catch {
    return text;
  }
}

const variablesKey = (run: FakeRun): string => JSON.stringify([...run.variables].sort((a, b) => a.key.localeCompare(b.key)));

/** What applying a run with these variables leaves in the state: deterministic, so tests can predict it. */
export function stateOutputs(variables: ReadonlyArray<{ readonly key: string; readonly value: string }>): FakeOutput[] {
  const values = new Map(variables.map((v) => [v.key, parseHclLiteral(v.value)]));
  const outputs: Array<Omit<FakeOutput, 'id'>> = [];
  const identifier = values.get('identifier');
  if (typeof identifier === 'string' && identifier) {
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!${identifier}-${createHmac('sha256', 'fake').update(identifier).digest('hex').slice(0, 6)}`;
    outputs.push(
      { name: 'endpoint', value: `${identifier}.${FAKE_RDS_ZONE}`, sensitive: false },
      { name: 'port', value: 5432, sensitive: false },
      { name: 'master_password_arn', value: arn, sensitive: true },
      { name: 'master_user_secret_arn', value: arn, sensitive: true },
    );
  }
  const bucket = values.get('bucket');
  if (typeof bucket === 'string' && bucket) {
    outputs.push({ name: 'bucket_arn', value: `arn:aws:s3:::${bucket}`, sensitive: false }, { name: 'bucket_name', value: bucket, sensitive: false });
  }
  for (const [key, value] of values) outputs.push({ name: `var_${key}`, value, sensitive: false });
  return outputs.map((o) => ({ ...o, id: `wsout-${createHmac('sha256', 'fake').update(`${o.name}:${JSON.stringify(o.value)}:${randomBytes(4).toString('hex')}`).digest('hex').slice(0, 16)}` }));
}

function typeName(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'tuple';
  return value === null ? 'string' : 'object';
}

function detailedType(value: unknown): unknown {
  if (Array.isArray(value)) return ['tuple', value.map(detailedType)];
  if (value !== null && typeof value === 'object') return ['object', Object.fromEntries(Object.entries(value).map(([k, v]) => [k, detailedType(v)]))];
  return typeName(value);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const clamp = (n: number, min: number, max: number): number => (Number.isFinite(n) ? Math.min(max, Math.max(min, Math.floor(n))) : min);
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const STYLE = '<style>body{font:14px system-ui;margin:2rem;color:#1c2127;max-width:72rem}.fake{background:#fbd065;padding:6px 12px;font-weight:600;border-radius:3px;display:inline-block}td,th{padding:4px 8px;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}code{font-size:12px;word-break:break-all}pre{background:#f6f7f9;padding:8px}</style>';

// ---------------------------------------------------------------- the local runtime's fake

/**
 * The fake's token and Apollo's notification key: `tf_token` and `terraform_notification_token` in
 * `<home>/integration-secrets.json` (created, random, on first start), or in the process's in-memory
 * integration secrets when there is no home; the requests context reads the same store.
 */
export async function ensureTerraformSecrets(home: string | undefined): Promise<{ token: string; notificationToken: string }> {
  const fresh = (): string => randomBytes(24).toString('base64url');
  if (home) {
    const file = new FileIntegrationSecrets(home);
    const current = file.read();
    const token = typeof current[TF_TOKEN_SECRET] === 'string' && current[TF_TOKEN_SECRET] ? current[TF_TOKEN_SECRET] : fresh();
    const notificationToken = typeof current[TF_NOTIFICATION_SECRET] === 'string' && current[TF_NOTIFICATION_SECRET] ? current[TF_NOTIFICATION_SECRET] : fresh();
    if (current[TF_TOKEN_SECRET] !== token || current[TF_NOTIFICATION_SECRET] !== notificationToken) file.write({ [TF_TOKEN_SECRET]: token, [TF_NOTIFICATION_SECRET]: notificationToken });
    return { token, notificationToken };
  }
  const token = (await memoryIntegrationSecrets.get(TF_TOKEN_SECRET)) ?? fresh();
  const notificationToken = (await memoryIntegrationSecrets.get(TF_NOTIFICATION_SECRET)) ?? fresh();
  memoryIntegrationSecrets.set(TF_TOKEN_SECRET, token);
  memoryIntegrationSecrets.set(TF_NOTIFICATION_SECRET, notificationToken);
  return { token, notificationToken };
}

/**
 * Starts the local runtime's fake Terraform Cloud and points Terraform actions at it
 * (APOLLO_TERRAFORM_HOST, allowlisted in APOLLO_EGRESS_ALLOW), unless APOLLO_TERRAFORM_HOST already names
 * a real one; on APOLLO_TERRAFORM_FAKE_PORT when set. Its notifications go where the workspaces' notification
 * configurations say: Apollo's Terraform action creates them (with the runtime's URL, APOLLO_PUBLIC_URL).
 */
export async function startLocalTerraform(home: string | undefined): Promise<FakeTerraform | undefined> {
  if (process.env[TERRAFORM_HOST_ENV] && !process.env[TERRAFORM_FAKE_ENV]) return undefined;
  const port = Number(process.env[TERRAFORM_FAKE_PORT_ENV] || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${TERRAFORM_FAKE_PORT_ENV} must be a port number (0-65535), not ${process.env[TERRAFORM_FAKE_PORT_ENV]}`);
  // The notification key is Apollo's (its webhook verifies with it, its executor configures it): made here with the token.
  const { token } = await ensureTerraformSecrets(home);
  const fake = await FakeTerraform.start({ token, port });
  process.env[TERRAFORM_HOST_ENV] = fake.url;
  process.env[TERRAFORM_FAKE_ENV] = '1';
  const allow = (process.env[EGRESS_ALLOW_ENV] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (!allow.includes(`${fake.url}/`)) process.env[EGRESS_ALLOW_ENV] = [...allow, `${fake.url}/`].join(',');
  return fake;
}

/** The terminal's line about it. */
export function localTerraformBanner(fake: FakeTerraform): string {
  return `Terraform: a LOCAL FAKE Terraform Cloud at ${fake.url}/ (APOLLO_TERRAFORM_HOST; token ${TF_TOKEN_SECRET}; run notifications where Apollo's Terraform action configures them, signed with ${TF_NOTIFICATION_SECRET}; its page lists runs and how to make one fail)`;
}
