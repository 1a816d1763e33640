/**
 * The rollout port and the second discovery source over Argo CD's REST API (PROTOCOLS.md §7), with
 * `Authorization: Bearer <token>` (an Argo CD account's API token: the integration secret `argocd_token`
 * by default). One Argo CD Application per service and environment, named by a template
 * (`{service}-{environment}` unless APOLLO_ARGOCD_APP says otherwise).
 *
 * - `sync`: `POST /api/v1/applications/{name}/sync {"revision"}`; an operation already running is not an
 *   error (Argo CD answers FailedPrecondition "another operation is already in progress").
 * - `status`: `GET /api/v1/applications/{name}`; the rollout is healthy only when Argo CD has applied the
 *   expected revision (synced to it, or deployed it and something later), says Synced and Healthy, and the
 *   expected image tag is among `status.summary.images`; with no revision to expect (a restart), any revision
 *   and sync status will do. When the app lists its Deployment, its live
 *   manifest (`GET …/resource`) gives the pod counts and is held to the same expectation.
 * - `restart`: the Deployment's `restart` resource action (`…/resource/actions/v2`, Argo CD 3.1 and later;
 *   the deprecated `…/resource/actions` with the body `"restart"` when the server has no v2), then the
 *   annotation it set is read back. Argo CD's action takes no id: a restart step that runs again restarts
 *   again (a second rolling restart, harmless).
 * - `listApplications`: `GET /api/v1/applications`; service and environment from the labels
 *   `apollo.dev/service` / `apollo.dev/environment`, else parsed from the name by the template; the tag the
 *   service runs from `status.summary.images` (its own image's, see `serviceImageTag`).
 *
 * Failures are ArgoCdError: 401/403 (the token, or Argo CD's RBAC — which also answers 403 for an
 * application that does not exist) and other 4xx are not retryable; 408/425/429/5xx, network errors and
 * timeouts are.
 */
import { networkError } from '#lib/network-errors';
import type { ApplicationSource, DeployedApplication, DeployTarget, RolloutExpectation, RolloutPort, RolloutStatus } from '../ports.ts';
import {
  checkTemplate, DEFAULT_DEPLOYMENT_NAME_TEMPLATE, DEPLOYMENT_NAME_ENV, hasImageTag, imageTag, readDeployment, renderName, RESTARTED_AT_ANNOTATION,
  type DeploymentDoc, type DeploymentReading, type Placeholder,
} from './kubernetes-deployment.ts';

export const ARGOCD_URL_ENV = 'APOLLO_ARGOCD_URL';
export const ARGOCD_APP_ENV = 'APOLLO_ARGOCD_APP';
/** The integration secret holding the token (default `argocd_token`). */
export const ARGOCD_TOKEN_SECRET_ENV = 'APOLLO_ARGOCD_TOKEN_SECRET';
export const ARGOCD_TOKEN_SECRET = 'argocd_token';
/** Set by the local runtime when APOLLO_ARGOCD_URL is its simulator (local/fakes/argocd-server.ts): the kind says SIMULATED. */
export const ARGOCD_SIMULATED_ENV = 'APOLLO_ARGOCD_SIMULATED';
export const DEFAULT_APP_TEMPLATE = '{service}-{environment}';
export const SERVICE_LABEL = 'apollo.dev/service';
export const ENVIRONMENT_LABEL = 'apollo.dev/environment';
const DEFAULT_TIMEOUT_MS = 10_000;
const BUSY = /another operation is already in progress/i;

export type ArgoCdErrorCode =
  | 'argocd-not-configured' | 'argocd-token-unavailable' | 'argocd-unauthorized' | 'argocd-forbidden'
  | 'argocd-not-found' | 'argocd-rejected' | 'argocd-unavailable' | 'argocd-invalid-response';

/** A call to Argo CD that failed; `retryable` says whether the same call later could succeed. */
export class ArgoCdError extends Error {
  override readonly name = 'ArgoCdError';
  constructor(readonly code: ArgoCdErrorCode, message: string, readonly retryable: boolean, readonly status?: number, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** Where the token comes from: IntegrationSecrets (functions/requests) fits. */
export interface ArgoCdSecrets {
  readonly kind: string;
  get(name: string): Promise<string | undefined>;
}

export interface ArgoCdOptions {
  /** e.g. `https://argocd.corp.example` (no trailing `/api`). */
  readonly baseUrl: string;
  /** The API token, or a function reading it on each call (a rotated secret is picked up). */
  readonly token: string | (() => Promise<string | undefined>);
  /** Where the token comes from, for error messages (never the value), e.g. `the integration secret argocd_token`. */
  readonly tokenSource?: string;
  /** @default `{service}-{environment}` (also `{cluster}`, `{namespace}`) */
  readonly appNameTemplate?: string;
  /** The Deployment's name inside the application (APOLLO_K8S_DEPLOYMENT_NAME). @default `{service}` */
  readonly deploymentNameTemplate?: string;
  /** Argo CD's "applications in any namespace": the applications' namespace. @default Argo CD's own */
  readonly appNamespace?: string;
  /** `listApplications` only lists applications matching this label selector (e.g. `apollo.dev/service`). */
  readonly labelSelector?: string;
  /** @default `Argo CD <baseUrl>` */
  readonly kind?: string;
  /** @default globalThis.fetch (a private CA: NODE_EXTRA_CA_CERTS) */
  readonly fetch?: typeof fetch;
  /** Per call. @default 10 s */
  readonly timeoutMs?: number;
}

/** The options from the environment and the integration secrets; undefined when APOLLO_ARGOCD_URL is not set (no Argo CD). */
export function argoCdOptionsFromEnv(env: NodeJS.ProcessEnv, secrets: ArgoCdSecrets): ArgoCdOptions | undefined {
  const baseUrl = env[ARGOCD_URL_ENV]?.trim();
  if (!baseUrl) return undefined;
  const secret = env[ARGOCD_TOKEN_SECRET_ENV]?.trim() || ARGOCD_TOKEN_SECRET;
  return {
    baseUrl,
    token: () => secrets.get(secret),
    tokenSource: `the integration secret ${secret} (${secrets.kind})`,
    appNameTemplate: env[ARGOCD_APP_ENV]?.trim() || DEFAULT_APP_TEMPLATE,
    deploymentNameTemplate: env[DEPLOYMENT_NAME_ENV]?.trim() || DEFAULT_DEPLOYMENT_NAME_TEMPLATE,
    ...(env[ARGOCD_SIMULATED_ENV] ? { kind: `SIMULATED Argo CD (local, ${baseUrl})` } : {}),
  };
}

// ---------------------------------------------------------------- names

/**
 * The placeholders' values in a name made by the template, or undefined when it does not fit.
 * `{service}` takes as much as it can (`core-service-prod` by `{service}-{environment}` is core-service, prod).
 */
export function parseName(template: string, name: string): Partial<Record<Placeholder, string>> | undefined {
  const seen = new Set<string>();
  let pattern = '';
  let last = 0;
  for (const match of template.matchAll(/\{(service|environment|cluster|namespace)\}/g)) {
    pattern += escapeRegExp(template.slice(last, match.index));
    const key = match[1]!;
    pattern += seen.has(key) ? `\\k<${key}>` : `(?<${key}>${key === 'service' ? '.+' : '.+?'})`;
    seen.add(key);
    last = match.index + match[0].length;
  }
  pattern += escapeRegExp(template.slice(last));
  const groups = new RegExp(`^${pattern}$`).exec(name)?.groups;
  return groups ? { ...groups } : undefined;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------- Argo CD's shapes (the part read here)

interface ArgoResource {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status?: string;
  readonly health?: { readonly status?: string; readonly message?: string };
}

interface ArgoHistory {
  readonly id?: number;
  readonly revision?: string;
  readonly revisions?: readonly string[];
  readonly deployedAt?: string;
}

export interface ArgoApplication {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: {
    readonly project?: string;
    readonly destination?: { readonly server?: string; readonly name?: string; readonly namespace?: string };
  };
  readonly status?: {
    readonly sync?: { readonly status?: string; readonly revision?: string; readonly revisions?: readonly string[] };
    readonly health?: { readonly status?: string; readonly message?: string };
    readonly operationState?: {
      readonly phase?: string;
      readonly message?: string;
      readonly operation?: { readonly sync?: { readonly revision?: string; readonly revisions?: readonly string[] } };
      readonly syncResult?: { readonly revision?: string; readonly revisions?: readonly string[] };
    };
    readonly summary?: { readonly images?: readonly string[] };
    readonly resources?: readonly ArgoResource[];
    readonly history?: readonly ArgoHistory[];
  };
}

// ---------------------------------------------------------------- the API

interface Answer {
  readonly status: number;
  readonly text: string;
  /** Argo CD's error message (grpc-gateway's `{error, code, message}`), or the body's start. */
  readonly message: string;
  readonly retryAfter?: string | null;
}

const retryableStatus = (status: number): boolean => status === 408 || status === 425 || status === 429 || status >= 500;
const short = (sha: string | undefined): string => (sha && /^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 7) : (sha ?? 'no revision'));

class ArgoCdApi {
  readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: ArgoCdOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`${ARGOCD_URL_ENV} '${options.baseUrl}' is not a URL (e.g. https://argocd.example.com)`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${ARGOCD_URL_ENV} must be an http(s) URL, not ${url.protocol}`);
    this.base = url.href.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private get tokenSource(): string {
    return this.options.tokenSource ?? 'the configured token';
  }

  private async token(): Promise<string> {
    const source = this.options.token;
    let token: string | undefined;
    try {
      token = typeof source === 'string' ? source : await source();
    } catch (error) {
      throw new ArgoCdError('argocd-token-unavailable', `the Argo CD token could not be read from ${this.tokenSource}: ${(error as Error).message}`, true, undefined, { cause: error });
    }
    if (!token) throw new ArgoCdError('argocd-not-configured', `no Argo CD token: set ${this.tokenSource} to an Argo CD account's API token`, false);
    return token;
  }

  /** One exchange; throws only for no answer (network, timeout) or no token. */
  async send(method: string, path: string, options: { query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<Answer> {
    const url = new URL(`${this.base}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    if (this.options.appNamespace) url.searchParams.set('appNamespace', this.options.appNamespace);
    const token = await this.token();
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new ArgoCdError('argocd-unavailable', `Argo CD at ${this.base} did not answer within ${this.timeoutMs / 1000} s`, true, undefined, { cause: error });
      throw new ArgoCdError('argocd-unavailable', `could not reach Argo CD at ${this.base}: ${networkError(error)}`, true, undefined, { cause: error });
    }
    return { status: response.status, text, message: errorMessage(text), retryAfter: response.headers.get('retry-after') };
  }

  /** The failure an answer that is not a success means, naming what was asked. */
  failure(answer: Answer, what: string): ArgoCdError {
    const { status } = answer;
    const said = answer.message ? `: ${answer.message}` : '';
    if (status === 401) return new ArgoCdError('argocd-unauthorized', `Argo CD at ${this.base} refused the token (401${said}) ${what}: check ${this.tokenSource} (an expired, revoked or wrong token?)`, false, status);
    if (status === 403) return new ArgoCdError('argocd-forbidden', `Argo CD at ${this.base} answered 403${said} ${what}: the token's account lacks the Argo CD RBAC permission, or there is no such application`, false, status);
    if (status === 404) return new ArgoCdError('argocd-not-found', `Argo CD at ${this.base} answered 404${said} ${what}`, false, status);
    if (retryableStatus(status)) return new ArgoCdError('argocd-unavailable', `Argo CD at ${this.base} answered ${status}${said} ${what}${answer.retryAfter ? ` (retry after ${answer.retryAfter})` : ''}`, true, status);
    if (status >= 300 && status < 400) return new ArgoCdError('argocd-rejected', `Argo CD at ${this.base} answered a redirect (${status}) ${what}: is ${ARGOCD_URL_ENV} the server's address (behind an SSO proxy?)`, false, status);
    return new ArgoCdError('argocd-rejected', `Argo CD at ${this.base} refused ${what} (${status}${said})`, false, status);
  }

  /** A 2xx answer's JSON, or the failure. */
  async json<T>(method: string, path: string, what: string, options: { query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<T> {
    const answer = await this.send(method, path, options);
    if (answer.status < 200 || answer.status >= 300) throw this.failure(answer, what);
    return this.parse<T>(answer, what);
  }

  parse<T>(answer: Answer, what: string): T {
    try {
      return (answer.text ? JSON.parse(answer.text) : {}) as T;
    } catch (error) {
      throw new ArgoCdError('argocd-invalid-response', `Argo CD at ${this.base} answered ${what} with something that is not JSON (a login page or a proxy? ${ARGOCD_URL_ENV} must be the Argo CD server)`, false, answer.status, { cause: error });
    }
  }
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = typeof body.message === 'string' && body.message ? body.message : typeof body.error === 'string' ? body.error : '';
    if (message) return message.slice(0, 300);
  } catch {
    // not JSON: the start of the text
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

const appPath = (name: string): string => `/api/v1/applications/${encodeURIComponent(name)}`;

// ---------------------------------------------------------------- shared by both adapters

class ArgoCdBase {
  readonly kind: string;
  protected readonly api: ArgoCdApi;
  protected readonly appTemplate: string;
  protected readonly deploymentTemplate: string;

  constructor(protected readonly options: ArgoCdOptions) {
    this.api = new ArgoCdApi(options);
    this.appTemplate = options.appNameTemplate ?? DEFAULT_APP_TEMPLATE;
    this.deploymentTemplate = options.deploymentNameTemplate ?? DEFAULT_DEPLOYMENT_NAME_TEMPLATE;
    checkTemplate(this.appTemplate, `the Argo CD application name template (${ARGOCD_APP_ENV})`);
    checkTemplate(this.deploymentTemplate, `the Deployment name template (${DEPLOYMENT_NAME_ENV})`);
    this.kind = options.kind ?? `Argo CD ${this.api.base}`;
  }

  appName(target: DeployTarget): string {
    return renderName(this.appTemplate, target);
  }
}

// ---------------------------------------------------------------- the rollout port

export class ArgoCdRollout extends ArgoCdBase implements RolloutPort {
  /** False once the server answered that it has no `resource/actions/v2` (Argo CD before 3.1). */
  private actionsV2 = true;

  async sync(target: DeployTarget, revision: string): Promise<void> {
    const name = this.appName(target);
    const answer = await this.api.send('POST', `${appPath(name)}/sync`, {
      body: { revision, prune: false, dryRun: false, ...(this.options.appNamespace ? { appNamespace: this.options.appNamespace } : {}) },
    });
    if (answer.status >= 200 && answer.status < 300) return;
    // Whatever status it comes with (400 FailedPrecondition, or 500 when wrapped): the running operation goes on, status() follows it.
    if (BUSY.test(answer.message)) return;
    throw this.api.failure(answer, `syncing application ${name} to ${short(revision)}`);
  }

  async status(target: DeployTarget, expect: RolloutExpectation): Promise<RolloutStatus> {
    const name = this.appName(target);
    const app = await this.api.json<ArgoApplication>('GET', appPath(name), `reading application ${name}`);
    const status = app.status ?? {};
    const sync = status.sync ?? {};
    const health = status.health?.status ?? 'Unknown';
    const images = status.summary?.images ?? [];
    const operation = status.operationState;
    const opRevisions = [operation?.syncResult?.revision, ...(operation?.syncResult?.revisions ?? []), operation?.operation?.sync?.revision, ...(operation?.operation?.sync?.revisions ?? [])];
    const operationIsOurs = opRevisions.includes(expect.revision);
    const history = status.history ?? [];
    const deployed = history.some((h) => h.revision === expect.revision || h.revisions?.includes(expect.revision));
    const synced = sync.status === 'Synced';
    const atExpected = sync.revision === expect.revision || (sync.revisions?.includes(expect.revision) ?? false);
    // No revision expected (a restart changes no commit): whatever Argo CD has applied.
    const anyRevision = !expect.revision;
    const reached = anyRevision || (atExpected && synced) || deployed || (operationIsOurs && operation?.phase === 'Succeeded');
    const revision = history.at(-1)?.revision ?? sync.revision;
    const base = { ...(revision ? { revision } : {}), images };
    const want = anyRevision ? short(sync.revision) : short(expect.revision);

    if (operation && operationIsOurs && (operation.phase === 'Failed' || operation.phase === 'Error')) {
      return { ...base, phase: 'failed', message: `Argo CD's sync of ${name} to ${want} ended ${operation.phase}: ${operation.message ?? 'no message'}` };
    }
    if (operation && (operation.phase === 'Running' || operation.phase === 'Terminating')) {
      const to = short(opRevisions.find(Boolean));
      return { ...base, phase: reached || operationIsOurs ? 'progressing' : 'pending', message: `Argo CD is syncing ${name} to ${to}${operation.message ? `: ${operation.message}` : ''}` };
    }
    if (!reached) {
      return { ...base, phase: 'pending', message: `Argo CD has not applied ${want} to ${name} yet (it is at ${short(sync.revision)}, ${sync.status ?? 'Unknown'}; sync again, or wait for its auto-sync)` };
    }

    const live = await this.liveDeployment(name, target, status.resources ?? []);
    const reading = live ? readDeployment(live.doc, expect, live.name) : undefined;
    const counts = reading ? { desiredReplicas: reading.desiredReplicas, updatedReplicas: reading.updatedReplicas, readyReplicas: reading.readyReplicas } : {};
    const pods = reading ? `; ${reading.message}` : '';
    const out = { ...base, ...counts };

    if (health === 'Degraded') {
      return { ...out, phase: 'degraded', message: `Argo CD says ${name} is Degraded: ${degradedWhy(status.health?.message, status.resources ?? [], reading)}` };
    }
    // What Argo CD's health will say at its next look (its Deployment health is Degraded past the progress deadline).
    if (reading?.phase === 'failed' || reading?.phase === 'degraded') return { ...out, phase: 'degraded', message: `${name} is ${health}, but ${reading.message}` };
    // A restart (no revision) does not wait for changes of others still OutOfSync in Git.
    const syncedEnough = synced || anyRevision;
    if (health === 'Healthy' && syncedEnough && (expect.imageTag === undefined || hasImageTag(images, expect.imageTag)) && (!reading || reading.phase === 'healthy')) {
      const tag = expect.imageTag ? ` with ${images.find((i) => imageTag(i) === expect.imageTag)}` : '';
      return { ...out, phase: 'healthy', message: `${name} is Synced and Healthy at ${want}${tag}${pods}` };
    }
    return { ...out, phase: 'progressing', message: progressingWhy(name, health, syncedEnough, images, expect, reading) };
  }

  async restart(target: DeployTarget, _deploymentId: string): Promise<{ readonly restartedAt: string }> {
    const name = this.appName(target);
    const resourceName = renderName(this.deploymentTemplate, target);
    const what = `running the restart action on Deployment ${target.namespace}/${resourceName} of application ${name}`;
    const resource = { namespace: target.namespace, resourceName, version: 'v1', group: 'apps', kind: 'Deployment' };
    const before = Date.now();
    let answer = this.actionsV2 ? await this.api.send('POST', `${appPath(name)}/resource/actions/v2`, { body: { name, ...resource, action: 'restart', ...(this.options.appNamespace ? { appNamespace: this.options.appNamespace } : {}) } }) : undefined;
    // No such route (Argo CD before 3.1): the deprecated endpoint, whose body is the action's name.
    if (!answer || [404, 405, 501].includes(answer.status)) {
      const v1 = await this.api.send('POST', `${appPath(name)}/resource/actions`, { query: resource, body: 'restart' });
      if (answer && v1.status >= 200 && v1.status < 300) this.actionsV2 = false;
      answer = v1;
    }
    if (answer.status < 200 || answer.status >= 300) throw this.api.failure(answer, what);
    const live = await this.readResource(name, target.namespace, resourceName).catch(() => undefined);
    const set = live?.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
    // The action writes whole seconds (`os.date("!%Y-%m-%dT%XZ")`); when the live manifest cannot be read, the time it was asked.
    return { restartedAt: set ?? new Date(Math.floor(before / 1000) * 1000).toISOString().replace('.000Z', 'Z') };
  }

  private async liveDeployment(app: string, target: DeployTarget, resources: readonly ArgoResource[]): Promise<{ name: string; doc: DeploymentDoc } | undefined> {
    const wanted = renderName(this.deploymentTemplate, target);
    const deployments = resources.filter((r) => r.kind === 'Deployment' && (r.group ?? 'apps') === 'apps' && r.name);
    const found = deployments.find((r) => r.name === wanted) ?? (deployments.length === 1 ? deployments[0] : undefined);
    if (!found?.name) return undefined;
    try {
      return { name: found.name, doc: await this.readResource(app, found.namespace ?? target.namespace, found.name) };
    } catch (error) {
      // The counts are a nicety: the application's own status decides. A lost token fails the next call anyway.
      if (error instanceof ArgoCdError) return undefined;
      throw error;
    }
  }

  private async readResource(app: string, namespace: string, resourceName: string): Promise<DeploymentDoc> {
    const answer = await this.api.json<{ manifest?: string }>('GET', `${appPath(app)}/resource`, `reading Deployment ${namespace}/${resourceName} of ${app}`, {
      query: { namespace, resourceName, version: 'v1', group: 'apps', kind: 'Deployment' },
    });
    try {
      return JSON.parse(answer.manifest ?? '{}') as DeploymentDoc;
    } catch (error) {
      throw new ArgoCdError('argocd-invalid-response', `Argo CD's manifest of Deployment ${namespace}/${resourceName} is not JSON`, false, 200, { cause: error });
    }
  }
}

function degradedWhy(appMessage: string | undefined, resources: readonly ArgoResource[], reading: DeploymentReading | undefined): string {
  const unhealthy = resources.filter((r) => r.health?.status === 'Degraded').map((r) => `${r.kind}/${r.name}${r.health?.message ? ` (${r.health.message})` : ''}`);
  const parts = [appMessage, unhealthy.length ? unhealthy.join(', ') : undefined, reading ? reading.message : undefined].filter(Boolean);
  return parts.join('; ') || 'no message';
}

function progressingWhy(name: string, health: string, synced: boolean, images: readonly string[], expect: RolloutExpectation, reading: DeploymentReading | undefined): string {
  if (reading && reading.phase !== 'healthy') return `${name} is ${health}: ${reading.message}`;
  if (!synced) return `${name} is ${health} but not Synced yet`;
  if (health === 'Suspended') return `${name} is Suspended (a paused rollout: it will not go on until resumed)`;
  if (health === 'Missing') return `${name}'s resources are Missing in the cluster (Argo CD has not created them yet)`;
  if (expect.imageTag !== undefined && !hasImageTag(images, expect.imageTag)) return `${name} is ${health} but runs ${images.join(', ') || 'no image'}, not the tag ${expect.imageTag} yet`;
  return `${name} is ${health}${reading ? `: ${reading.message}` : ''}`;
}

// ---------------------------------------------------------------- discovery

export class ArgoCdApplications extends ArgoCdBase implements ApplicationSource {
  async listApplications(): Promise<DeployedApplication[]> {
    const list = await this.api.json<{ items?: ArgoApplication[] | null }>('GET', '/api/v1/applications', 'listing applications', {
      query: { selector: this.options.labelSelector },
    });
    return (list.items ?? []).map((app) => this.toDeployed(app)).filter((a): a is DeployedApplication => a !== undefined);
  }

  /** Undefined for an application whose service and environment are neither labelled nor in its name. */
  private toDeployed(app: ArgoApplication): DeployedApplication | undefined {
    const name = app.metadata?.name;
    if (!name) return undefined;
    const labels = app.metadata?.labels ?? {};
    const parsed = parseName(this.appTemplate, name) ?? {};
    const service = labels[SERVICE_LABEL] || parsed.service;
    const environment = labels[ENVIRONMENT_LABEL] || parsed.environment;
    if (!service || !environment) return undefined;
    const destination = app.spec?.destination ?? {};
    const status = app.status ?? {};
    const images = status.summary?.images ?? [];
    const tags = images.map(imageTag).filter((t): t is string => t !== undefined);
    const running = serviceImageTag(images, service);
    return {
      name,
      service,
      environment,
      cluster: destination.name || parsed.cluster || destination.server || '',
      namespace: destination.namespace || parsed.namespace || '',
      imageTags: [...new Set(tags)],
      ...(running ? { imageTag: running } : {}),
      ...(status.sync?.revision ? { revision: status.sync.revision } : {}),
      health: status.health?.status ?? 'Unknown',
      sync: status.sync?.status ?? 'Unknown',
    };
  }
}

/** The repository's last path segment: `core-service` of `123.dkr.ecr.eu-west-1.amazonaws.com/team/core-service:v1@sha256:…`. */
const imageName = (image: string): string => {
  const path = image.split('@')[0]!;
  const lastSlash = path.lastIndexOf('/');
  const colon = path.lastIndexOf(':');
  return (colon > lastSlash ? path.slice(0, colon) : path).slice(lastSlash + 1);
};

/**
 * The tag `service` runs among an application's images: of the images named after it (else of all), the
 * one tag they share; undefined when none is tagged or they differ (old and new pods in a rollout, sidecars).
 */
export function serviceImageTag(images: readonly string[], service: string): string | undefined {
  const own = images.filter((image) => imageName(image) === service);
  const tags = new Set((own.length ? own : images).map(imageTag).filter((t): t is string => t !== undefined));
  return tags.size === 1 ? [...tags][0] : undefined;
}
