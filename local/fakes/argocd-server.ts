/**
 * A SIMULATED Argo CD on loopback (a LOCAL FAKE, never deployed; every answer carries `X-Apollo-Fake:
 * LOCAL FAKE`), for `npm start` and the Argo CD adapter's tests. There is no cluster: each Application
 * (one per service × environment) owns one simulated Deployment whose pods live in memory. It speaks
 * the part of Argo CD's REST API (PROTOCOLS.md §7) that functions/deployments/adapters/argocd.ts uses,
 * with `Authorization: Bearer <token>` required (401 `{"error","code":16,"message"}` otherwise):
 *
 * - `GET /api/v1/applications[?selector=k=v,k]` and `GET /api/v1/applications/{name}` (an unknown name:
 *   403 "permission denied", as Argo CD answers when no project is named);
 * - `POST /api/v1/applications/{name}/sync {"revision"?}`: an operation starts (Running), reads the desired
 *   state through `readValues`, applies it and ends Succeeded (or Failed when told to); a sync while one
 *   runs answers 400 `{"code":9,"message":"another operation is already in progress"}` (grpc-gateway maps
 *   FailedPrecondition to 400);
 * - `GET /api/v1/applications/{name}/resource?namespace&resourceName&version&group&kind` (the Deployment's
 *   live manifest as `{"manifest": "<json>"}`);
 * - `POST /api/v1/applications/{name}/resource/actions/v2 {"action":"restart",…}` and the deprecated
 *   `POST …/resource/actions?namespace&resourceName&…` with the body `"restart"` (the v2 route can be
 *   switched off to play an Argo CD before 3.1).
 *
 * Git: `readValues(service, environment, revision?)` answers the environment's values (image tag,
 * replicas, restartedAt) and the commit they were read at; the local runtime reads the fake GitHub's
 * GitOps repository. Real Argo CD polls Git every ~3 minutes; here every `pollMs` (auto-sync: an
 * application whose values changed is synced, except to a revision whose sync already failed), or at once
 * on a sync request.
 *
 * A rollout replaces pods one by one (maxSurge 1, maxUnavailable 0), `podMs` each (APOLLO_ARGOCD_SIM_POD_MS,
 * default 800 ms): the new pod starts (not ready), is ready `podMs` later, an old one goes, the next new one
 * starts. Health is Argo CD's for a Deployment: Progressing while that goes on, Healthy at the end;
 * Degraded (`exceeded its progress deadline`) when the rollout was told to fail: its first new pod goes
 * CrashLoopBackOff and the old pods stay.
 *
 * Controls (no token), as JSON or forms from the page: `POST /_fail {"application"?, "times"?: 1, "what"?:
 * "rollout"|"sync"|"api"}` (`rollout`: the next rollout of that application, or of any, ends Degraded;
 * `sync`: the next sync operation ends Failed; `api`: the next API calls answer 503), `POST /_sync
 * {"application"}` (what the UI's Sync button does), `GET /_state` (JSON) and `GET /`, a page listing the
 * applications, their sync and health, images and pods (it reloads itself every 2 s).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileIntegrationSecrets, memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { ARGOCD_SIMULATED_ENV, ARGOCD_TOKEN_SECRET, ARGOCD_URL_ENV, DEFAULT_APP_TEMPLATE, ENVIRONMENT_LABEL, SERVICE_LABEL } from '#functions/deployments/adapters/argocd';
import { DEFAULT_DEPLOYMENT_NAME_TEMPLATE, renderName, RESTARTED_AT_ANNOTATION, type DeploymentDoc } from '#functions/deployments/adapters/kubernetes-deployment';

export const FAKE_LABEL = 'LOCAL FAKE';
export const SIMULATED_LABEL = 'SIMULATED';
export const SIMULATED_ARGOCD_TITLE = 'SIMULATED Argo CD';
/** Milliseconds per pod replaced in a rollout. */
export const ARGOCD_SIM_POD_MS_ENV = 'APOLLO_ARGOCD_SIM_POD_MS';
/** The port the local runtime's simulator listens on (unset or 0: a free one). */
export const ARGOCD_FAKE_PORT_ENV = 'APOLLO_ARGOCD_FAKE_PORT';
export const DEFAULT_POD_MS = 800;
export const DEFAULT_POLL_MS = 3_000;
const HISTORY_LIMIT = 10;
const MAX_BODY = 1024 * 1024;

/** What Git says of one service's environment (its values file) and the commit it was read at. */
export interface SimulatedValues {
  readonly imageTag?: string;
  readonly replicas?: number;
  readonly restartedAt?: string;
  readonly revision: string;
}

/**
 * The desired state of a service's environment: at `revision` when a sync names one (a function that
 * can only read the head may ignore it), else the head. Undefined: no values file (the app is Missing).
 */
export type ReadValues = (service: string, environment: string, revision?: string) => Promise<SimulatedValues | undefined>;

export interface SimulatedApplicationSpec {
  readonly service: string;
  readonly environment: string;
  /** The destination cluster's name. @default `local-<environment>` */
  readonly cluster?: string;
  /** @default `default` */
  readonly namespace?: string;
  /** The image repository. @default `registry.local-fake.test/<service>` */
  readonly image?: string;
  /** @default `apollo.dev/service` and `apollo.dev/environment` (an ApplicationSet would set them); `{}` for none */
  readonly labels?: Readonly<Record<string, string>>;
}

export type SimulatedFailure = 'rollout' | 'sync' | 'api';

export interface SimulatedArgoCdOptions {
  /** Accepted as `Authorization: Bearer <token>`. */
  readonly token: string;
  readonly readValues: ReadValues;
  readonly applications?: readonly SimulatedApplicationSpec[];
  /** @default APOLLO_ARGOCD_SIM_POD_MS, else 800 */
  readonly podMs?: number;
  /** How long a sync operation stays Running before it applies. @default podMs / 4, between 5 and 250 ms */
  readonly syncMs?: number;
  /** Git is read every `pollMs` for auto-sync; 0: only on a sync request. @default 3000 */
  readonly pollMs?: number;
  /** @default `{service}-{environment}` */
  readonly appNameTemplate?: string;
  /** @default `{service}` */
  readonly deploymentNameTemplate?: string;
  /** Shown as each application's source. @default `https://github.com/apollo-demo/gitops` */
  readonly repoURL?: string;
  /** False plays an Argo CD before 3.1: no `resource/actions/v2` route (404). @default true */
  readonly resourceActionsV2?: boolean;
  readonly host?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
}

export interface SimulatedPod {
  readonly name: string;
  /** The pod template's hash (image and restart annotation). */
  readonly template: string;
  readonly image: string;
  ready: boolean;
  status: 'ContainerCreating' | 'Running' | 'CrashLoopBackOff';
  readonly createdAt: string;
}

interface Operation {
  phase: 'Running' | 'Succeeded' | 'Failed' | 'Error';
  message: string;
  /** The revision asked for (or the head read). */
  revision: string | undefined;
  readonly startedAt: string;
  finishedAt?: string;
  readonly initiatedBy: { readonly username?: string; readonly automated?: boolean };
}

interface Applied {
  readonly imageTag?: string;
  readonly replicas?: number;
  readonly restartedAt?: string;
}

export interface SimulatedApplication {
  readonly name: string;
  readonly service: string;
  readonly environment: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: string;
  /** The values last read from Git (the compare target). */
  git: SimulatedValues | undefined;
  /** What the last sync applied from Git. */
  applied: Applied | undefined;
  /** The live Deployment (undefined: not in the cluster). */
  live: { imageTag: string; replicas: number; restartedAt?: string; generation: number } | undefined;
  pods: SimulatedPod[];
  /** The current rollout was told to fail: its new pod crashed, the Deployment is past its deadline. */
  stuck: boolean;
  failing: boolean;
  operation: Operation | undefined;
  readonly history: Array<{ id: number; revision: string; deployedAt: string; deployStartedAt: string }>;
  reconciledAt: string | undefined;
  /** The last error reading Git (a ComparisonError in Argo CD). */
  gitError: string | undefined;
}

interface FailRule {
  readonly what: SimulatedFailure;
  readonly application?: string;
  remaining: number;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Argo CD's errors through grpc-gateway: `{error, code (gRPC), message}`. */
const grpcError = (status: number, code: number, message: string): Answer => ({ status, body: { error: message, code, message } });
const permissionDenied = (): Answer => grpcError(403, 7, 'permission denied');
const isoSeconds = (at = Date.now()): string => new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class SimulatedArgoCd {
  /** Every API request's method and path (with query), in order. */
  readonly requests: string[] = [];
  /** Milliseconds per pod replaced (tests may change it). */
  podMs: number;
  readonly pollMs: number;
  readonly syncMs: number;
  resourceActionsV2: boolean;
  url = '';
  private readonly apps = new Map<string, SimulatedApplication>();
  private readonly rollouts = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly failRules: FailRule[] = [];
  private readonly appTemplate: string;
  private readonly deploymentTemplate: string;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  private server!: Server;
  private historyId = 0;

  private constructor(private readonly options: SimulatedArgoCdOptions) {
    if (!options.token) throw new Error('the simulated Argo CD needs a token');
    const fromEnv = Number(process.env[ARGOCD_SIM_POD_MS_ENV] || NaN);
    this.podMs = options.podMs ?? (Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : DEFAULT_POD_MS);
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.syncMs = options.syncMs ?? Math.min(250, Math.max(5, Math.round(this.podMs / 4)));
    this.resourceActionsV2 = options.resourceActionsV2 ?? true;
    this.appTemplate = options.appNameTemplate ?? DEFAULT_APP_TEMPLATE;
    this.deploymentTemplate = options.deploymentNameTemplate ?? DEFAULT_DEPLOYMENT_NAME_TEMPLATE;
  }

  /** Starts it: the applications adopt what Git says (their pods already running), then the poll begins. */
  static async start(options: SimulatedArgoCdOptions): Promise<SimulatedArgoCd> {
    const sim = new SimulatedArgoCd(options);
    sim.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.on('end', () => {
        const answer = size > MAX_BODY ? grpcError(413, 3, 'request body too large') : undefined;
        (answer ? Promise.resolve(answer) : sim.handle(req, Buffer.concat(chunks).toString('utf8'))).then((a) => sim.send(res, a), (failure: unknown) => {
          console.error('[simulated-argocd] request failed:', failure);
          if (!res.headersSent) sim.send(res, grpcError(500, 2, 'internal error'));
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      sim.server.once('error', reject);
      sim.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    sim.url = `http://${options.host ?? '127.0.0.1'}:${(sim.server.address() as AddressInfo).port}`;
    await Promise.all((options.applications ?? []).map((spec) => sim.addApplication(spec)));
    if (sim.pollMs > 0) sim.poller = setInterval(() => void sim.poll(), sim.pollMs);
    return sim;
  }

  // ---------------------------------------------------------------- what tests and the runtime drive and read

  /** Adds an application (if absent) and adopts Git's values as already running. */
  async addApplication(spec: SimulatedApplicationSpec): Promise<SimulatedApplication> {
    const target = { service: spec.service, environment: spec.environment, cluster: spec.cluster ?? `local-${spec.environment}`, namespace: spec.namespace ?? 'default' };
    const name = renderName(this.appTemplate, target);
    const existing = this.apps.get(name);
    if (existing) return existing;
    const app: SimulatedApplication = {
      name,
      ...target,
      deployment: renderName(this.deploymentTemplate, target),
      image: spec.image ?? `registry.local-fake.test/${spec.service}`,
      labels: spec.labels ?? { [SERVICE_LABEL]: spec.service, [ENVIRONMENT_LABEL]: spec.environment },
      createdAt: new Date().toISOString(),
      git: undefined, applied: undefined, live: undefined, pods: [], stuck: false, failing: false, operation: undefined, history: [], reconciledAt: undefined, gitError: undefined,
    };
    this.apps.set(name, app);
    try {
      const values = await this.options.readValues(app.service, app.environment);
      app.git = values;
      app.reconciledAt = new Date().toISOString();
      if (values) {
        this.apply(app, values, values.revision);
        // Running before the simulation started: no rollout to watch.
        app.pods = Array.from({ length: app.live!.replicas }, () => this.newPod(app, true));
      }
    } catch (error) {
      app.gitError = `failed to read Git: ${(error as Error).message}`;
    }
    return app;
  }

  application(name: string): SimulatedApplication | undefined {
    return this.apps.get(name);
  }

  applications(): SimulatedApplication[] {
    return [...this.apps.values()];
  }

  /** The next `times` rollouts (of `application`, or any) end Degraded; sync operations end Failed; or API calls answer 503. */
  failNext(times = 1, options: { readonly application?: string; readonly what?: SimulatedFailure } = {}): void {
    this.failRules.push({ what: options.what ?? 'rollout', application: options.application, remaining: times });
  }

  /** Starts a sync as the API's sync does (400-style refusal as an Error while one runs). */
  sync(name: string, revision?: string, initiatedBy: Operation['initiatedBy'] = { username: 'admin' }): Operation {
    const app = this.apps.get(name);
    if (!app) throw new Error(`no application ${name}`);
    if (app.operation?.phase === 'Running') throw new Error('another operation is already in progress');
    const operation: Operation = { phase: 'Running', message: 'waiting to read Git', revision, startedAt: new Date().toISOString(), initiatedBy };
    app.operation = operation;
    this.track(this.runSync(app, operation));
    return operation;
  }

  /** Reads Git for every application now (what the poll does), auto-syncing those whose values changed. */
  async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      await Promise.all([...this.apps.values()].map(async (app) => {
        if (running(app)) return;
        try {
          app.git = await this.options.readValues(app.service, app.environment);
          app.gitError = undefined;
        } catch (error) {
          app.gitError = `failed to read Git: ${(error as Error).message}`;
          return;
        }
        app.reconciledAt = new Date().toISOString();
        // A sync may have started while Git was read. As Argo CD's auto-sync, a revision whose sync failed is not tried again.
        const failedBefore = app.operation?.revision === app.git?.revision && app.operation?.phase !== 'Succeeded';
        if (app.git && this.syncStatus(app) === 'OutOfSync' && !running(app) && !failedBefore && !this.closed) this.sync(app.name, app.git.revision, { automated: true });
      }));
    } finally {
      this.polling = false;
    }
  }

  /** Waits until no operation runs and no rollout moves (a stuck one counts as still), or fails after `timeoutMs`. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 || this.rollouts.size > 0 || [...this.apps.values()].some((a) => a.operation?.phase === 'Running')) {
      if (Date.now() > deadline) throw new Error('the simulated Argo CD did not become idle in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    for (const timer of this.rollouts.values()) clearTimeout(timer);
    this.rollouts.clear();
    await Promise.allSettled([...this.pending]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- the simulation

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async runSync(app: SimulatedApplication, operation: Operation): Promise<void> {
    const finish = (phase: Operation['phase'], message: string): void => {
      operation.phase = phase;
      operation.message = message;
      operation.finishedAt = new Date().toISOString();
    };
    let values: SimulatedValues | undefined;
    try {
      values = await this.options.readValues(app.service, app.environment, operation.revision);
    } catch (error) {
      app.gitError = `failed to read Git: ${(error as Error).message}`;
      finish('Error', `ComparisonError: ${app.gitError}`);
      return;
    }
    if (this.closed) return;
    app.git = values;
    app.gitError = undefined;
    app.reconciledAt = new Date().toISOString();
    operation.revision ??= values?.revision;
    operation.message = `syncing to ${operation.revision ?? 'HEAD'}`;
    // Applying takes a moment in Argo CD too; the operation is Running meanwhile.
    await new Promise((resolve) => setTimeout(resolve, this.syncMs));
    if (this.closed) return;
    if (!values) {
      finish('Failed', `${SIMULATED_LABEL}: no values file for ${app.service} in ${app.environment} in Git: nothing to apply`);
      return;
    }
    if (this.takeFailure('sync', app.name)) {
      finish('Failed', `one or more objects failed to apply, reason: Deployment.apps "${app.deployment}" is invalid (${SIMULATED_LABEL} failure injected with POST /_fail)`);
      return;
    }
    this.apply(app, values, operation.revision ?? values.revision);
    finish('Succeeded', 'successfully synced (all tasks run)');
  }

  /** Applies Git's values to the live Deployment; a changed template or replica count starts a rollout. */
  private apply(app: SimulatedApplication, values: SimulatedValues, revision: string): void {
    const previous = app.applied;
    app.applied = { imageTag: values.imageTag, replicas: values.replicas, restartedAt: values.restartedAt };
    app.history.push({ id: this.historyId++, revision, deployedAt: new Date().toISOString(), deployStartedAt: app.operation?.startedAt ?? new Date().toISOString() });
    if (app.history.length > HISTORY_LIMIT) app.history.splice(0, app.history.length - HISTORY_LIMIT);
    const live = app.live ?? { imageTag: values.imageTag ?? 'latest', replicas: values.replicas ?? 1, generation: 0 };
    const before = { ...live };
    if (values.imageTag !== undefined) live.imageTag = values.imageTag;
    if (values.replicas !== undefined) live.replicas = values.replicas;
    // Git's restartedAt is applied when Git changes it (a restart made by the action stays otherwise).
    if (values.restartedAt !== undefined && values.restartedAt !== previous?.restartedAt) live.restartedAt = values.restartedAt;
    const changed = !app.live || before.imageTag !== live.imageTag || before.replicas !== live.replicas || before.restartedAt !== live.restartedAt;
    if (changed) live.generation += 1;
    app.live = live;
    if (changed) this.startRollout(app);
  }

  private restart(app: SimulatedApplication): string {
    if (!app.live) throw new Error('not in the cluster');
    const at = isoSeconds();
    app.live.restartedAt = at;
    app.live.generation += 1;
    this.startRollout(app);
    return at;
  }

  private template(app: SimulatedApplication): string {
    return createHash('sha256').update(`${app.live?.imageTag}\n${app.live?.restartedAt ?? ''}`).digest('hex').slice(0, 10);
  }

  private newPod(app: SimulatedApplication, ready: boolean): SimulatedPod {
    return {
      name: `${app.deployment}-${this.template(app).slice(0, 10)}-${randomBytes(3).toString('hex').slice(0, 5)}`,
      template: this.template(app),
      image: `${app.image}:${app.live!.imageTag}`,
      ready,
      status: ready ? 'Running' : 'ContainerCreating',
      createdAt: new Date().toISOString(),
    };
  }

  private startRollout(app: SimulatedApplication): void {
    const timer = this.rollouts.get(app.name);
    if (timer) clearTimeout(timer);
    this.rollouts.delete(app.name);
    app.stuck = false;
    // A crashed pod of an earlier template goes with the new rollout.
    app.pods = app.pods.filter((p) => p.status !== 'CrashLoopBackOff');
    app.failing = this.takeFailure('rollout', app.name);
    this.step(app);
  }

  /** One step of the rolling update (maxSurge 1, maxUnavailable 0); then again in `podMs` until done or stuck. */
  private step(app: SimulatedApplication): void {
    this.rollouts.delete(app.name);
    if (this.closed || !app.live) return;
    const target = this.template(app);
    const desired = app.live.replicas;
    const fresh = (): SimulatedPod[] => app.pods.filter((p) => p.template === target);
    const old = (): SimulatedPod[] => app.pods.filter((p) => p.template !== target);
    const starting = fresh().find((p) => !p.ready);
    if (starting) {
      if (app.failing) {
        starting.status = 'CrashLoopBackOff';
        app.stuck = true;
        return;
      }
      starting.ready = true;
      starting.status = 'Running';
      const oldest = old()[0];
      if (oldest && app.pods.length > desired) app.pods.splice(app.pods.indexOf(oldest), 1);
    }
    if (fresh().length < desired) {
      app.pods.push(this.newPod(app, false));
    } else {
      // Scaled down, or the last new pod ready: extra new pods and every old one go.
      const keep = new Set(fresh().slice(0, desired));
      app.pods = app.pods.filter((p) => keep.has(p));
    }
    const done = app.pods.length === desired && app.pods.every((p) => p.template === target && p.ready);
    if (!done) this.rollouts.set(app.name, setTimeout(() => this.step(app), this.podMs));
  }

  private takeFailure(what: SimulatedFailure, application?: string): boolean {
    const rule = this.failRules.find((r) => r.what === what && r.remaining > 0 && (r.application === undefined || r.application === application));
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.failRules.splice(this.failRules.indexOf(rule), 1);
    return true;
  }

  // ---------------------------------------------------------------- what Argo CD would say

  private syncStatus(app: SimulatedApplication): 'Synced' | 'OutOfSync' | 'Unknown' {
    if (!app.git) return app.gitError ? 'Unknown' : app.live ? 'OutOfSync' : 'Unknown';
    const applied = app.applied;
    if (!applied) return 'OutOfSync';
    const same = (a: unknown, b: unknown): boolean => a === undefined || a === b;
    return same(app.git.imageTag, applied.imageTag) && same(app.git.replicas, applied.replicas) && same(app.git.restartedAt, applied.restartedAt) ? 'Synced' : 'OutOfSync';
  }

  /** The live Deployment, as the Kubernetes API would show it. */
  deploymentDoc(app: SimulatedApplication): DeploymentDoc | undefined {
    const live = app.live;
    if (!live) return undefined;
    const target = this.template(app);
    const updated = app.pods.filter((p) => p.template === target).length;
    const ready = app.pods.filter((p) => p.ready).length;
    const progressing = app.stuck
      ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${app.deployment}-${target}" has timed out progressing.` }
      : { type: 'Progressing', status: 'True', reason: updated === live.replicas && ready === app.pods.length ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: `ReplicaSet "${app.deployment}-${target}" is progressing.` };
    return {
      metadata: { name: app.deployment, namespace: app.namespace, generation: live.generation, annotations: { 'deployment.kubernetes.io/revision': String(live.generation) } },
      spec: {
        replicas: live.replicas,
        template: {
          metadata: { annotations: live.restartedAt ? { [RESTARTED_AT_ANNOTATION]: live.restartedAt } : {} },
          spec: { containers: [{ name: app.service, image: `${app.image}:${live.imageTag}` }] },
        },
      },
      status: {
        observedGeneration: live.generation,
        replicas: app.pods.length,
        updatedReplicas: updated,
        readyReplicas: ready,
        availableReplicas: ready,
        unavailableReplicas: Math.max(0, live.replicas - ready),
        conditions: [
          { type: 'Available', status: ready >= live.replicas ? 'True' : 'False', reason: ready >= live.replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
          progressing,
        ],
      },
    };
  }

  /** Argo CD's health of a Deployment (gitops-engine's health_deployment.go). */
  private health(app: SimulatedApplication): { status: string; message?: string } {
    const doc = this.deploymentDoc(app);
    if (!doc) return { status: 'Missing' };
    if (app.stuck) return { status: 'Degraded', message: `Deployment "${app.deployment}" exceeded its progress deadline` };
    const desired = doc.spec!.replicas!;
    const s = doc.status!;
    if ((s.updatedReplicas ?? 0) < desired) return { status: 'Progressing', message: `Waiting for rollout to finish: ${s.updatedReplicas} out of ${desired} new replicas have been updated...` };
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return { status: 'Progressing', message: `Waiting for rollout to finish: ${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas are pending termination...` };
    if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return { status: 'Progressing', message: `Waiting for rollout to finish: ${s.availableReplicas} of ${s.updatedReplicas} updated replicas are available...` };
    return { status: 'Healthy' };
  }

  applicationJson(app: SimulatedApplication): Record<string, unknown> {
    const health = this.health(app);
    const sync = this.syncStatus(app);
    const source = { repoURL: this.options.repoURL ?? 'https://github.com/apollo-demo/gitops', path: `apps/${app.service}/${app.environment}`, targetRevision: 'HEAD' };
    const destination = { name: app.cluster, namespace: app.namespace };
    const op = app.operation;
    return {
      metadata: { name: app.name, namespace: 'argocd', labels: app.labels, creationTimestamp: app.createdAt, annotations: { 'apollo.dev/simulated': SIMULATED_LABEL } },
      spec: { project: 'default', source, destination, syncPolicy: { automated: this.pollMs > 0 ? { prune: false, selfHeal: false } : undefined } },
      status: {
        sync: { status: sync, ...(app.git ? { revision: app.git.revision } : {}), comparedTo: { source, destination } },
        health,
        ...(op ? {
          operationState: {
            operation: { sync: { revision: op.revision }, initiatedBy: op.initiatedBy },
            phase: op.phase,
            message: op.message,
            startedAt: op.startedAt,
            ...(op.finishedAt ? { finishedAt: op.finishedAt } : {}),
            ...(op.phase === 'Succeeded' ? { syncResult: { revision: op.revision, source } } : {}),
          },
        } : {}),
        summary: { images: [...new Set(app.pods.map((p) => p.image))] },
        resources: app.live ? [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: app.namespace, name: app.deployment, status: sync, health }] : [],
        history: app.history.map((h) => ({ ...h, source })),
        ...(app.reconciledAt ? { reconciledAt: app.reconciledAt } : {}),
        ...(app.gitError ? { conditions: [{ type: 'ComparisonError', message: app.gitError }] } : {}),
        sourceType: 'Helm',
      },
    };
  }

  // ---------------------------------------------------------------- HTTP

  private send(res: ServerResponse, answer: Answer): void {
    const html = typeof answer.body === 'string';
    const text = answer.body === undefined ? '' : html ? (answer.body as string) : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(answer.body === undefined ? {} : { 'content-type': html ? 'text/html; charset=utf-8' : 'application/json' }),
      'cache-control': 'no-store',
      'x-apollo-fake': FAKE_LABEL,
      ...answer.headers,
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, body: string): Promise<Answer> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulated');
    const path = url.pathname;
    if (path === '/' && method === 'GET') return { status: 200, body: this.page() };
    if (path.startsWith('/_')) return this.control(method, path, body, req.headers['content-type'] ?? '');
    if (!path.startsWith('/api/v1/')) return { status: 404, body: `${SIMULATED_ARGOCD_TITLE} (${FAKE_LABEL}): nothing at ${path}; the API is under /api/v1/, this simulator's page is /` };

    this.requests.push(`${method} ${path}${url.search}`);
    const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!presented) return grpcError(401, 16, `no session information (${SIMULATED_ARGOCD_TITLE}: send Authorization: Bearer <${ARGOCD_TOKEN_SECRET}>)`);
    if (!safeEqual(presented, this.options.token)) return grpcError(401, 16, `invalid session: token signature is invalid (${SIMULATED_ARGOCD_TITLE})`);
    if (this.takeFailure('api')) return { ...grpcError(503, 14, `${SIMULATED_LABEL}: Argo CD unavailable (failure injected with POST /_fail)`), headers: { 'retry-after': '1' } };
    return this.api(method, path.slice('/api/v1'.length), url.searchParams, body);
  }

  private api(method: string, path: string, query: URLSearchParams, body: string): Answer {
    const segments = path.split('/').slice(1).map((s) => decodeURIComponent(s));
    if (segments[0] !== 'applications') return grpcError(404, 5, 'Not Found');
    if (segments.length === 1 && method === 'GET') {
      const selector = query.get('selector');
      const items = [...this.apps.values()].filter((app) => matchesSelector(app.labels, selector)).map((app) => this.applicationJson(app));
      return { status: 200, body: { metadata: { resourceVersion: String(this.requests.length) }, items } };
    }
    const app = segments[1] ? this.apps.get(segments[1]) : undefined;
    const rest = segments.slice(2).join('/');
    const known = ['', 'sync', 'resource', 'resource/actions', 'resource/actions/v2'];
    if (!known.includes(rest) || (rest === 'resource/actions/v2' && !this.resourceActionsV2)) return grpcError(404, 5, 'Not Found');
    if (!app) return permissionDenied();
    if (rest === '' && method === 'GET') return { status: 200, body: this.applicationJson(app) };
    if (rest === 'sync' && method === 'POST') {
      const input = (parseJson(body) ?? {}) as { revision?: unknown };
      if (input.revision !== undefined && typeof input.revision !== 'string') return grpcError(400, 3, 'revision must be a string');
      try {
        this.sync(app.name, (input.revision as string | undefined) || undefined);
      } catch (error) {
        return grpcError(400, 9, (error as Error).message);
      }
      return { status: 200, body: this.applicationJson(app) };
    }
    if (rest === 'resource' && method === 'GET') {
      const doc = this.resourceOf(app, query.get('namespace'), query.get('resourceName'), query.get('kind'), query.get('group'));
      if (!doc) return grpcError(403, 7, `${query.get('group') ?? ''}/${query.get('kind') ?? ''} ${query.get('resourceName') ?? ''} not found as part of application ${app.name}`);
      return { status: 200, body: { manifest: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', ...doc }) } };
    }
    if ((rest === 'resource/actions' || rest === 'resource/actions/v2') && method === 'POST') {
      const v2 = rest.endsWith('v2');
      const input = v2 ? ((parseJson(body) ?? {}) as Record<string, unknown>) : Object.fromEntries(query);
      const action = v2 ? input.action : parseJson(body);
      const doc = this.resourceOf(app, str(input.namespace), str(input.resourceName), str(input.kind), str(input.group));
      if (!doc) return grpcError(403, 7, `${str(input.group) ?? ''}/${str(input.kind) ?? ''} ${str(input.resourceName) ?? ''} not found as part of application ${app.name}`);
      if (action !== 'restart') return grpcError(400, 3, `action '${String(action)}' is not available for Deployment (this simulator knows restart)`);
      this.restart(app);
      return { status: 200, body: {} };
    }
    return grpcError(405, 12, 'Method Not Allowed');
  }

  private resourceOf(app: SimulatedApplication, namespace: string | null | undefined, name: string | null | undefined, kind: string | null | undefined, group: string | null | undefined): DeploymentDoc | undefined {
    if (kind !== 'Deployment' || (group ?? 'apps') !== 'apps' || name !== app.deployment || (namespace && namespace !== app.namespace)) return undefined;
    return this.deploymentDoc(app);
  }

  private control(method: string, path: string, body: string, contentType: string): Answer {
    const form = contentType.startsWith('application/x-www-form-urlencoded');
    const input = (form ? Object.fromEntries(new URLSearchParams(body)) : parseJson(body) ?? {}) as Record<string, unknown>;
    const back = (result: Record<string, unknown>): Answer => (form ? { status: 303, headers: { location: '/' } } : { status: 200, body: { simulated: SIMULATED_ARGOCD_TITLE, ...result } });
    if (path === '/_fail' && method === 'POST') {
      const application = input.application === '' ? undefined : input.application;
      const times = input.times === undefined || input.times === '' ? 1 : Number(input.times);
      const what = input.what === undefined || input.what === '' ? 'rollout' : input.what;
      if ((application !== undefined && (typeof application !== 'string' || !this.apps.has(application))) || !Number.isInteger(times) || times < 1 || times > 1000 || !['rollout', 'sync', 'api'].includes(what as string)) {
        return { status: 400, body: { message: `${SIMULATED_LABEL}: send {"application"?: "core-service-staging" (one of ${[...this.apps.keys()].join(', ') || 'none yet'}), "times"?: 1, "what"?: "rollout" | "sync" | "api"}` } };
      }
      this.failNext(times, { application: application as string | undefined, what: what as SimulatedFailure });
      return back({ application: application ?? null, times, what });
    }
    if (path === '/_sync' && method === 'POST') {
      const name = typeof input.application === 'string' ? input.application : '';
      if (!this.apps.has(name)) return { status: 404, body: { message: `${SIMULATED_LABEL}: no application '${name}'` } };
      try {
        this.sync(name);
      } catch (error) {
        return { status: 409, body: { message: (error as Error).message } };
      }
      return back({ application: name, syncing: true });
    }
    if (path === '/_state' && method === 'GET') {
      return { status: 200, body: { simulated: SIMULATED_ARGOCD_TITLE, podMs: this.podMs, pollMs: this.pollMs, applications: [...this.apps.values()].map((app) => ({ ...app, deploymentStatus: this.deploymentDoc(app)?.status })), pendingFailures: this.failRules } };
    }
    return { status: 404, body: { message: `${SIMULATED_LABEL}: the controls are POST /_fail, POST /_sync and GET /_state` } };
  }

  private page(): string {
    const rows = [...this.apps.values()].map((app) => {
      const health = this.health(app);
      const sync = this.syncStatus(app);
      const op = app.operation;
      const pods = app.pods.map((p) => `<span class="pod ${p.status === 'CrashLoopBackOff' ? 'bad' : p.ready ? 'ok' : 'wait'}" title="${esc(p.name)}: ${esc(p.image)}">${esc(p.status)} <code>${esc(p.image.split(':').at(-1) ?? '')}</code></span>`).join(' ') || 'none';
      return `<tr><td><b>${esc(app.name)}</b><br>${esc(app.cluster)} / ${esc(app.namespace)}</td>
<td>${esc(sync)}<br><code>${esc(app.git?.revision?.slice(0, 7) ?? '')}</code>${app.gitError ? `<br><i>${esc(app.gitError)}</i>` : ''}</td>
<td class="h-${esc(health.status)}">${esc(health.status)}${health.message ? `<br><small>${esc(health.message)}</small>` : ''}</td>
<td>${op ? `${esc(op.phase)} <code>${esc(op.revision?.slice(0, 7) ?? '')}</code><br><small>${esc(op.message)}</small>` : 'none'}</td>
<td>${[...new Set(app.pods.map((p) => p.image))].map((i) => `<code>${esc(i)}</code>`).join('<br>') || 'none'}</td>
<td>${pods}</td>
<td><form method="post" action="/_sync"><input type="hidden" name="application" value="${esc(app.name)}"><button>Sync</button></form>
<form method="post" action="/_fail"><input type="hidden" name="application" value="${esc(app.name)}"><button>Fail next rollout</button></form></td></tr>`;
    }).join('');
    return `<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>${SIMULATED_ARGOCD_TITLE} (${FAKE_LABEL})</title>${STYLE}
<p class="fake">${SIMULATED_LABEL} Argo CD — ${FAKE_LABEL}: not Argo CD. There is no cluster: pods are simulated in memory; nothing here leaves this machine.</p>
<h1>${SIMULATED_ARGOCD_TITLE}</h1>
<p>Served by Apollo's local runtime for deployments (<code>${ARGOCD_URL_ENV}=${esc(this.url)}</code>). The API (<code>/api/v1/</code>) takes <code>Authorization: Bearer &lt;${ARGOCD_TOKEN_SECRET}&gt;</code> from <code>$APOLLO_HOME/integration-secrets.json</code>. Each application reads its values file from the GitOps repository ${this.pollMs > 0 ? `every ${this.pollMs / 1000} s (auto-sync) and ` : ''}on a sync; a rollout replaces one pod every ${this.podMs} ms.</p>
<h2>Make one fail</h2>
<pre>curl -X POST ${esc(this.url)}/_fail -H 'content-type: application/json' \\
  -d '{"application": "core-service-staging", "times": 1}'</pre>
<p>The next rollout of that application (of any without <code>application</code>) ends <b>Degraded</b>: its first new pod crash-loops and the Deployment passes its progress deadline. <code>"what": "sync"</code> makes the next sync operation end Failed; <code>"what": "api"</code> makes the next API calls answer 503. <code>GET /_state</code> shows everything as JSON.</p>
<h2>Applications (${this.apps.size})</h2>
<table><tr><th>application</th><th>sync</th><th>health</th><th>last operation</th><th>images</th><th>pods</th><th></th></tr>${rows || '<tr><td colspan="7">none</td></tr>'}</table>
</html>`;
  }
}

const running = (app: SimulatedApplication): boolean => app.operation?.phase === 'Running';

/** A label selector's equality and existence terms (`k=v`, `k==v`, `k!=v`, `k`, `!k`), comma-separated. */
function matchesSelector(labels: Readonly<Record<string, string>>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').map((t) => t.trim()).filter(Boolean).every((term) => {
    const neq = /^([^!=]+)!=(.*)$/.exec(term);
    if (neq) return labels[neq[1]!.trim()] !== neq[2]!.trim();
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (eq) return labels[eq[1]!.trim()] === eq[2]!.trim();
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    return term in labels;
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const STYLE = '<style>body{font:14px system-ui;margin:2rem;color:#1c2127;max-width:80rem}.fake{background:#fbd065;padding:6px 12px;font-weight:600;border-radius:3px;display:inline-block}td,th{padding:4px 8px;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}code{font-size:12px;word-break:break-all}pre{background:#f6f7f9;padding:8px}.pod{display:inline-block;padding:1px 6px;margin:1px;border-radius:3px;font-size:12px}.ok{background:#c9f1d8}.wait{background:#fde8b0}.bad{background:#f9c7c7}.h-Healthy{color:#1c6e42}.h-Progressing{color:#935610}.h-Degraded{color:#ac2f33}form{display:inline}</style>';

// ---------------------------------------------------------------- the local runtime's simulator

/**
 * The simulator's token: `argocd_token` in `<home>/integration-secrets.json` (created, random, on first
 * start), or in the process's in-memory integration secrets when there is no home; the deployments
 * context reads the same store.
 */
export async function ensureArgoCdToken(home: string | undefined): Promise<string> {
  const fresh = (): string => randomBytes(24).toString('base64url');
  if (home) {
    const file = new FileIntegrationSecrets(home);
    const current = file.read()[ARGOCD_TOKEN_SECRET];
    if (typeof current === 'string' && current) return current;
    const token = fresh();
    file.write({ [ARGOCD_TOKEN_SECRET]: token });
    return token;
  }
  const token = (await memoryIntegrationSecrets.get(ARGOCD_TOKEN_SECRET)) ?? fresh();
  memoryIntegrationSecrets.set(ARGOCD_TOKEN_SECRET, token);
  return token;
}

/**
 * Starts the local runtime's simulated Argo CD and points the deployments' Argo CD adapter at it
 * (APOLLO_ARGOCD_URL, and APOLLO_ARGOCD_SIMULATED so the adapter's kind says so), unless APOLLO_ARGOCD_URL
 * already names a real one; on APOLLO_ARGOCD_FAKE_PORT when set.
 */
export async function startLocalArgoCd(
  home: string | undefined,
  readValues: ReadValues,
  applications: readonly SimulatedApplicationSpec[],
  options: Partial<Omit<SimulatedArgoCdOptions, 'token' | 'readValues' | 'applications'>> = {},
): Promise<SimulatedArgoCd | undefined> {
  if (process.env[ARGOCD_URL_ENV] && !process.env[ARGOCD_SIMULATED_ENV]) return undefined;
  const port = Number(process.env[ARGOCD_FAKE_PORT_ENV] || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${ARGOCD_FAKE_PORT_ENV} must be a port number (0-65535), not ${process.env[ARGOCD_FAKE_PORT_ENV]}`);
  const token = await ensureArgoCdToken(home);
  const sim = await SimulatedArgoCd.start({ port, ...options, token, readValues, applications });
  process.env[ARGOCD_URL_ENV] = sim.url;
  process.env[ARGOCD_SIMULATED_ENV] = '1';
  return sim;
}

/** The terminal's line about it. */
export function localArgoCdBanner(sim: SimulatedArgoCd): string {
  return `Argo CD: a ${SIMULATED_LABEL} Argo CD (${FAKE_LABEL}) at ${sim.url}/ (${ARGOCD_URL_ENV}; token ${ARGOCD_TOKEN_SECRET}; ${sim.applications().length} applications reading the GitOps repository, one pod every ${sim.podMs} ms; its page shows the pods and how to make a rollout fail)`;
}
