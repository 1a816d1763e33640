/**
 * A LOCAL FAKE Kubernetes API on loopback (over HTTPS with a given certificate, or plain HTTP), for the
 * Kubernetes rollout adapter's tests: apps/v1 Deployments only, `Authorization: Bearer <token>` checked by
 * a given function (the tests check the EKS token's shape and signature). Every answer carries
 * `X-Apollo-Fake: LOCAL FAKE`; errors are Kubernetes `Status` objects.
 *
 * - `GET /apis/apps/v1/namespaces/{ns}/deployments/{name}`;
 * - `PATCH` the same with `application/strategic-merge-patch+json` or `application/merge-patch+json`
 *   (applied as a JSON merge patch, which is what both mean for maps such as annotations); a change to
 *   `spec` bumps `metadata.generation` and starts a rollout.
 *
 * A rollout moves on a timer, `podMs` per step: the controller observes the new generation, then one
 * updated replica becomes ready per step while an old one goes. `failNext` makes the next rollout stop
 * with its first new replica unavailable and the `Progressing` condition `ProgressDeadlineExceeded`.
 * `applyImage` is what a GitOps controller applying Git does (a new image in the template).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DeploymentDoc } from '#functions/deployments/adapters/kubernetes-deployment';

export const FAKE_LABEL = 'LOCAL FAKE';
const DEPLOYMENT_PATH = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/;
const MERGE_TYPES = ['application/strategic-merge-patch+json', 'application/merge-patch+json'];

export interface FakeKubernetesOptions {
  /** Serve HTTPS with this certificate (the cluster CA the adapter pins); none: plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Why a bearer token is refused (401), or undefined to accept it. @default any non-empty token */
  readonly authenticate?: (token: string) => string | undefined;
  /** Milliseconds per rollout step. @default 20 */
  readonly podMs?: number;
}

export interface FakeDeploymentSpec {
  readonly namespace: string;
  readonly name: string;
  readonly image: string;
  readonly replicas?: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface Rollout {
  /** Replicas of the current template that are ready. */
  updated: number;
  /** Replicas of earlier templates still running. */
  old: number;
  failing: boolean;
  stuck: boolean;
  timer?: NodeJS.Timeout;
}

type Json = Record<string, unknown>;

/** A request the fake answered: what the tests read. */
export interface FakeKubernetesRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  readonly body?: unknown;
  /** Why the token was refused, when it was. */
  readonly tokenProblem?: string;
}

const status = (code: number, reason: string, message: string): { status: number; body: Json } => ({
  status: code,
  body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code },
});

export class FakeKubernetes {
  readonly requests: FakeKubernetesRequest[] = [];
  url = '';
  private readonly deployments = new Map<string, Json>();
  private readonly rollouts = new Map<string, Rollout>();
  private readonly failing = new Set<string>();
  private readonly forbidden = new Set<string>();
  private server!: Server;
  /** Milliseconds per rollout step (tests may change it). */
  podMs: number;

  private constructor(private readonly options: FakeKubernetesOptions) {
    this.podMs = options.podMs ?? 20;
  }

  static async start(options: FakeKubernetesOptions = {}): Promise<FakeKubernetes> {
    const fake = new FakeKubernetes(options);
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => fake.send(res, fake.handle(req, Buffer.concat(chunks).toString('utf8'))));
    };
    fake.server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** A Deployment fully rolled out (every replica of its template ready). */
  put(spec: FakeDeploymentSpec): void {
    const key = `${spec.namespace}/${spec.name}`;
    const replicas = spec.replicas ?? 1;
    this.deployments.set(key, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: spec.name, namespace: spec.namespace, generation: 1, annotations: { 'deployment.kubernetes.io/revision': '1' } },
      spec: {
        replicas,
        progressDeadlineSeconds: 600,
        template: { metadata: { annotations: { ...spec.annotations } }, spec: { containers: [{ name: spec.name, image: spec.image }] } },
      },
      status: {},
    });
    this.rollouts.set(key, { updated: replicas, old: 0, failing: false, stuck: false });
    this.refresh(key, 1);
  }

  /** A new image in the template, as a GitOps controller applying a commit would: a rollout starts. */
  applyImage(namespace: string, name: string, image: string): void {
    this.change(`${namespace}/${name}`, { spec: { template: { spec: { containers: [{ name, image }] } } } });
  }

  /** The next rollout of this Deployment passes its progress deadline. */
  failNext(namespace: string, name: string): void {
    this.failing.add(`${namespace}/${name}`);
  }

  /** Every call in the namespace answers 403. */
  forbid(namespace: string): void {
    this.forbidden.add(namespace);
  }

  deployment(namespace: string, name: string): DeploymentDoc | undefined {
    return this.deployments.get(`${namespace}/${name}`) as DeploymentDoc | undefined;
  }

  /** Waits until no rollout moves (a stuck one counts as still). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.rollouts.values()].some((r) => r.timer)) {
      if (Date.now() > deadline) throw new Error('the fake Kubernetes API did not become idle in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    for (const rollout of this.rollouts.values()) clearTimeout(rollout.timer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- the Deployment controller

  /** Merges `patch` into the Deployment; a changed spec is a new generation and a rollout. */
  private change(key: string, patch: Json): Json {
    const doc = this.deployments.get(key)!;
    const before = JSON.stringify(doc.spec);
    const next = mergePatch(doc, patch) as Json;
    const metadata = next.metadata as Json;
    const specChanged = JSON.stringify(next.spec) !== before;
    if (specChanged) metadata.generation = (metadata.generation as number) + 1;
    this.deployments.set(key, next);
    if (specChanged) this.startRollout(key, JSON.stringify((JSON.parse(before) as Json).template) !== JSON.stringify((next.spec as Json).template));
    return next;
  }

  private startRollout(key: string, newTemplate: boolean): void {
    const rollout = this.rollouts.get(key)!;
    clearTimeout(rollout.timer);
    rollout.timer = undefined;
    const desired = ((this.deployments.get(key)!.spec as Json).replicas as number | undefined) ?? 1;
    if (newTemplate) {
      rollout.old = Math.max(rollout.old + rollout.updated, 0);
      rollout.updated = 0;
    }
    rollout.updated = Math.min(rollout.updated, desired);
    rollout.failing = this.failing.delete(key);
    rollout.stuck = false;
    // The controller has not seen the new generation yet.
    this.refresh(key, ((this.deployments.get(key)!.status as Json).observedGeneration as number | undefined) ?? 0);
    rollout.timer = setTimeout(() => this.step(key), this.podMs);
  }

  private step(key: string): void {
    const rollout = this.rollouts.get(key)!;
    rollout.timer = undefined;
    const doc = this.deployments.get(key)!;
    const generation = (doc.metadata as Json).generation as number;
    const desired = ((doc.spec as Json).replicas as number | undefined) ?? 1;
    const observed = (doc.status as Json).observedGeneration as number;
    if (observed < generation) {
      this.refresh(key, generation);
    } else if (rollout.failing) {
      rollout.stuck = true;
      this.refresh(key, generation);
      return;
    } else {
      if (rollout.updated < desired) rollout.updated += 1;
      rollout.old = Math.max(0, Math.min(rollout.old, desired - rollout.updated));
      if (rollout.updated > desired) rollout.updated = desired;
      this.refresh(key, generation);
    }
    if (rollout.updated < desired || rollout.old > 0) rollout.timer = setTimeout(() => this.step(key), this.podMs);
  }

  /** The Deployment's status from the rollout. */
  private refresh(key: string, observedGeneration: number): void {
    const doc = this.deployments.get(key)!;
    const rollout = this.rollouts.get(key)!;
    const desired = ((doc.spec as Json).replicas as number | undefined) ?? 1;
    // A stuck rollout has its first new replica started but never available.
    const starting = rollout.stuck || (rollout.failing && observedGeneration === (doc.metadata as Json).generation) ? 1 : 0;
    const ready = rollout.updated + rollout.old;
    doc.status = {
      observedGeneration,
      replicas: ready + starting,
      updatedReplicas: rollout.updated + starting,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(desired - ready > 0 ? { unavailableReplicas: desired - ready } : {}),
      conditions: [
        { type: 'Available', status: ready >= desired ? 'True' : 'False', reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
        rollout.stuck
          ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${(doc.metadata as Json).name as string}-new" has timed out progressing.` }
          : { type: 'Progressing', status: 'True', reason: rollout.updated >= desired && rollout.old === 0 ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated' },
      ],
    };
  }

  // ---------------------------------------------------------------- HTTP

  private send(res: ServerResponse, answer: { status: number; body: Json }): void {
    res.writeHead(answer.status, { 'content-type': 'application/json', 'x-apollo-fake': FAKE_LABEL }).end(JSON.stringify(answer.body));
  }

  private handle(req: IncomingMessage, text: string): { status: number; body: Json } {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const body = text ? safeJson(text) : undefined;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const tokenProblem = token ? this.options.authenticate?.(token) : 'no bearer token';
    this.requests.push({ method, path, ...(contentType ? { contentType } : {}), ...(body === undefined ? {} : { body }), ...(tokenProblem ? { tokenProblem } : {}) });
    if (tokenProblem) return status(401, 'Unauthorized', 'Unauthorized');
    const match = DEPLOYMENT_PATH.exec(path);
    if (!match) return status(404, 'NotFound', `${FAKE_LABEL} Kubernetes API: only apps/v1 Deployments are here, not ${path}`);
    const [namespace, name] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
    const verb = method === 'PATCH' ? 'patch' : 'get';
    if (this.forbidden.has(namespace)) {
      return status(403, 'Forbidden', `deployments.apps "${name}" is forbidden: User "apollo" cannot ${verb} resource "deployments" in API group "apps" in the namespace "${namespace}"`);
    }
    const key = `${namespace}/${name}`;
    if (!this.deployments.has(key)) return status(404, 'NotFound', `deployments.apps "${name}" not found`);
    if (method === 'GET') return { status: 200, body: this.deployments.get(key)! };
    if (method === 'PATCH') {
      if (!contentType || !MERGE_TYPES.includes(contentType)) return status(415, 'UnsupportedMediaType', `${FAKE_LABEL}: PATCH with ${MERGE_TYPES.join(' or ')}, not ${contentType ?? 'no content type'}`);
      if (!body || typeof body !== 'object' || Array.isArray(body)) return status(400, 'BadRequest', 'the patch is not a JSON object');
      return { status: 200, body: this.change(key, body as Json) };
    }
    return status(405, 'MethodNotAllowed', `${method} is not allowed here`);
  }
}

/** RFC 7386: objects merge, `null` deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Json = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
