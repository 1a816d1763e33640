/**
 * The AI console's changes (ARCHITECTURE.md §6: "the agent acts only through Apollo's own APIs"). Each action
 * tool is one Apollo route called as the session's user: deploy, rollback, scale, restart (a deployment record
 * with all its safeguards), a code change as a pull request, a self-service request (Terraform plans too: the
 * offering's apply waits for the request's own approval), an incident timeline entry, an incident opened as
 * `ai-detected`. The route decides the permission over the exact body, as it does for a person; an action whose
 * route has a rule beyond that (the service's owning team for a pull request; the team, the offering's audience and
 * its form for a request) asks the owning context's own check before it is proposed, so what the route would refuse
 * is refused then, not after a click. The risk class (the design doc's approval table) decides whether a typed command
 * must wait for a click, and a model's call always does.
 */
import type { AiAction } from '#schemas/index.ts';
import type { Permission } from '#shared/permissions';
import { ConflictError } from '#shared/errors';
import { isProductionEnvironment } from '#shared/routes';
import { ownershipRule } from '#lib/ownership';
import type { RiskClass, ToolCaller } from './tools/types.ts';
import { ENVIRONMENT, SERVICE, ULID } from './tools/input.ts';

type Json = Readonly<Record<string, unknown>>;

export interface ActionDef<I = Record<string, unknown>> {
  /** snake_case, as the model calls it. */
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Json;
  /** The route it calls (`POST /api/v1/services/{id}/scale`). */
  readonly route: string;
  /** Its path parameters and body, from the input. */
  request(input: I, sessionId: string): { params?: Record<string, string>; body: unknown };
  risk(input: I): RiskClass;
  /** In words, for the approval card and the audit. */
  summary(input: I): string;
  /** What the route made, from its answer (where the web app shows it). */
  resource(body: unknown, input: I): NonNullable<AiAction['result']>['resource'] | undefined;
  /**
   * The route's rule beyond its permission, asked of the owning context before the action is proposed: throws the
   * error the route would answer (403 not the owning team, 400 a form's value…). None: the permission decides.
   */
  check?(input: I, caller: ToolCaller): Promise<void>;
  /**
   * The input the user approves, with what the route would otherwise decide when it runs made explicit (a
   * rollback's target tag), so the card names it and the approval holds to it; throws the error the route would
   * answer (409: no earlier version known).
   */
  bind?(input: I): Promise<I>;
}

const REASON = { type: 'string', minLength: 1, maxLength: 500, description: 'Why, in a sentence (kept on the record).' } as const;
const object = (properties: Record<string, unknown>, required: string[]): Json => ({ type: 'object', additionalProperties: false, properties, required });
const reasonOf = (reason: string | undefined, sessionId: string) => reason ?? `through the AI console (session ${sessionId})`;
const idOf = (body: unknown): string | undefined => {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
};
const deploymentOf = (body: unknown) => {
  const id = idOf(body);
  return id ? { type: 'deployment', id, href: `/deployments/${encodeURIComponent(id)}` } : undefined;
};
const envRisk = (environment: string, otherwise: RiskClass): RiskClass => (isProductionEnvironment(environment) ? 'prod_mutation' : otherwise);

interface ServiceEnv { service: string; environment: string; reason?: string }

const define = <I>(def: ActionDef<I>): ActionDef => def as unknown as ActionDef;

export const scaleService = define<ServiceEnv & { replicas: number }>({
  name: 'scale_service',
  description: "Set a service's replica count in one environment (a deployment record committed to the GitOps repository). Needs the user's approval click before it runs.",
  inputSchema: object({ service: SERVICE, environment: ENVIRONMENT, replicas: { type: 'integer', minimum: 0, maximum: 100 }, reason: REASON }, ['service', 'environment', 'replicas']),
  route: 'POST /api/v1/services/{id}/scale',
  request: (i, sessionId) => ({ params: { id: i.service }, body: { environment: i.environment, replicas: i.replicas, reason: reasonOf(i.reason, sessionId), initiatedVia: 'ai' } }),
  risk: (i) => envRisk(i.environment, 'safe_mutation'),
  summary: (i) => `Scale ${i.service} in ${i.environment} to ${i.replicas} replica${i.replicas === 1 ? '' : 's'}`,
  resource: deploymentOf,
});

export const restartService = define<ServiceEnv>({
  name: 'restart_service',
  description: "A rolling restart of a service's pods in one environment (a deployment record). Needs the user's approval click before it runs.",
  inputSchema: object({ service: SERVICE, environment: ENVIRONMENT, reason: REASON }, ['service', 'environment']),
  route: 'POST /api/v1/services/{id}/restart',
  request: (i, sessionId) => ({ params: { id: i.service }, body: { environment: i.environment, reason: reasonOf(i.reason, sessionId), initiatedVia: 'ai' } }),
  risk: (i) => envRisk(i.environment, 'safe_mutation'),
  summary: (i) => `Restart ${i.service} in ${i.environment} (rolling)`,
  resource: deploymentOf,
});

export const deployService = define<ServiceEnv & { version: string }>({
  name: 'deploy_service',
  description: 'Deploy an image tag of a service to an environment: a deployment with all its safeguards (locks, freezes, windows, dependencies, the production approval gate). Needs the user\'s approval click before it runs.',
  inputSchema: object({ service: SERVICE, environment: ENVIRONMENT, version: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', description: 'The image tag, e.g. v1.4.2.' }, reason: REASON }, ['service', 'environment', 'version']),
  route: 'POST /api/v1/deployments',
  request: (i, sessionId) => ({ body: { service: i.service, environment: i.environment, imageTag: i.version, reason: reasonOf(i.reason, sessionId), initiatedVia: 'ai' } }),
  risk: (i) => envRisk(i.environment, 'safe_mutation'),
  summary: (i) => `Deploy ${i.service} ${i.version} to ${i.environment}`,
  resource: deploymentOf,
});

export const rollbackService = define<ServiceEnv & { version?: string }>({
  name: 'rollback_service',
  description: 'Roll an environment of a service back to its last known good version (or the tag named): a deployment record. Needs the user\'s approval click before it runs.',
  inputSchema: object({ service: SERVICE, environment: ENVIRONMENT, version: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', description: 'A tag to go back to (default: the last known good one).' }, reason: REASON }, ['service', 'environment']),
  route: 'POST /api/v1/services/{id}/rollback',
  request: (i, sessionId) => ({ params: { id: i.service }, body: { environment: i.environment, ...(i.version ? { imageTag: i.version } : {}), reason: reasonOf(i.reason, sessionId), initiatedVia: 'ai' } }),
  risk: (i) => envRisk(i.environment, 'safe_mutation'),
  summary: (i) => `Roll ${i.service} in ${i.environment} back to ${i.version ?? 'its last known good version'}`,
  resource: deploymentOf,
  // The version it goes back to, found now: the approval card names it, and a deployment in between changes nothing.
  async bind(i) {
    if (i.version) return i;
    const { rollbackTarget } = await import('#functions/deployments/public');
    const found = await rollbackTarget(i.service, i.environment);
    if (!found) throw new ConflictError(`no earlier version of ${i.service} in ${i.environment} is known: name the tag to go back to`, { details: [{ path: '/input/version', message: 'name the tag to go back to' }] });
    return { ...i, version: found.imageTag };
  },
});

interface ChangeInput { service: string; title: string; description?: string; branch?: string; message?: string; files: Array<{ path: string; content: string }> }

export const openPullRequest = define<ChangeInput>({
  name: 'open_pull_request',
  description: "Open a code change on a service's repository as a GitHub pull request (a new branch, one commit of up to 20 files, each file's whole new content: read each existing file whole with repo_file first and change only what you mean to). Apollo opens it with its own GitHub credentials; you hold none. Needs the user's approval click before it runs.",
  inputSchema: object({
    service: SERVICE,
    title: { type: 'string', minLength: 1, maxLength: 256 },
    description: { type: 'string', maxLength: 20_000, description: 'Markdown: what and why.' },
    branch: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$' },
    message: { type: 'string', minLength: 1, maxLength: 5000 },
    files: {
      type: 'array', minItems: 1, maxItems: 20,
      items: object({ path: { type: 'string', minLength: 1, maxLength: 400, pattern: '^(?!/)(?!.*\\.\\.)[A-Za-z0-9._/-]+$' }, content: { type: 'string', maxLength: 200_000 } }, ['path', 'content']),
    },
  }, ['service', 'title', 'files']),
  route: 'POST /api/v1/services/{id}/changes',
  request: (i) => ({
    params: { id: i.service },
    body: { title: i.title, files: i.files, ...(i.description ? { description: i.description } : {}), ...(i.branch ? { branch: i.branch } : {}), ...(i.message ? { message: i.message } : {}) },
  }),
  risk: () => 'safe_mutation',
  // The changes route's rule: the service's owning team, or catalog:manage.
  async check(i, caller) {
    const { requireServiceOwner } = await import('#functions/services/public');
    await requireServiceOwner(i.service, ownershipRule(caller, async () => caller.teams));
  },
  summary: (i) => `Open a pull request on ${i.service}'s repository: "${i.title}" (${i.files.length} file${i.files.length === 1 ? '' : 's'}: ${i.files.slice(0, 3).map((f) => f.path).join(', ')}${i.files.length > 3 ? ', …' : ''})`,
  resource: (body) => {
    const pr = (body as { pullRequest?: { number?: number; url?: string } } | null)?.pullRequest;
    return pr?.url ? { type: 'pull-request', id: String(pr.number ?? ''), href: pr.url } : undefined;
  },
});

interface RequestInput { offeringId: string; fields: Record<string, unknown>; team?: string; note?: string }

const requestBody = (i: RequestInput, sessionId: string) => ({
  offeringId: i.offeringId, fields: i.fields, ...(i.team ? { team: i.team } : {}), note: i.note ?? `Submitted through the AI console (session ${sessionId})`,
});

export const submitRequest = define<RequestInput>({
  name: 'submit_request',
  description: "Submit a self-service request for an offering (infrastructure: databases, queues, buckets, Terraform workspaces…): its fields are checked against the offering's form, then it is approved as the offering's rule says and fulfilled. Terraform: the request plans, and its apply waits for the request's own approval. Needs the user's approval click before it is submitted.",
  inputSchema: object({
    offeringId: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', maxLength: 63 },
    fields: { type: 'object', description: "The offering's form fields." },
    team: { type: 'string', maxLength: 64 },
    note: { type: 'string', maxLength: 2000 },
  }, ['offeringId', 'fields']),
  route: 'POST /api/v1/requests',
  request: (i, sessionId) => ({ body: requestBody(i, sessionId) }),
  // The request has its own approval (the offering's rule) and quota: for the console it is a change like a PR.
  risk: () => 'safe_mutation',
  // The requests route's rules: a team of yours, an offering you may request, values its form accepts.
  async check(i, caller) {
    const { checkSubmission } = await import('#functions/requests/public');
    await checkSubmission(requestBody(i, caller.sessionId), caller);
  },
  summary: (i) => `Submit a request for ${i.offeringId} (${Object.keys(i.fields).length} field${Object.keys(i.fields).length === 1 ? '' : 's'})`,
  resource: (body) => {
    const id = idOf(body);
    return id ? { type: 'request', id, href: `/requests/${encodeURIComponent(id)}` } : undefined;
  },
});

export const addTimelineEntry = define<{ incidentId: string; content: string; type?: 'comment' | 'action' }>({
  name: 'add_incident_timeline_entry',
  description: "Add a comment or an action to an incident's timeline (what was found or done). Needs the user's approval click before it is added.",
  inputSchema: object({ incidentId: ULID, content: { type: 'string', minLength: 1, maxLength: 4000 }, type: { type: 'string', enum: ['comment', 'action'] } }, ['incidentId', 'content']),
  route: 'POST /api/v1/incidents/{id}/timeline',
  request: (i) => ({ params: { id: i.incidentId }, body: { content: i.content, type: i.type ?? 'comment' } }),
  risk: () => 'safe_mutation',
  summary: (i) => `Add to incident ${i.incidentId}'s timeline: "${i.content.length > 80 ? `${i.content.slice(0, 79)}…` : i.content}"`,
  resource: (_body, i) => ({ type: 'incident', id: i.incidentId, href: `/incidents/${encodeURIComponent(i.incidentId)}` }),
});

interface IncidentInput { title: string; severity: 'critical' | 'high' | 'medium' | 'low'; affectedServices: string[]; affectedEnvironments?: string[]; description?: string }

export const openIncident = define<IncidentInput>({
  name: 'open_incident',
  description: 'Open an incident you detected (source ai-detected): assigned to the first affected service\'s team; a critical one locks its environments for deploys until resolved. Needs the user\'s approval click before it is opened.',
  inputSchema: object({
    title: { type: 'string', minLength: 3, maxLength: 200 },
    severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low'] },
    affectedServices: { type: 'array', minItems: 1, maxItems: 20, items: SERVICE },
    affectedEnvironments: { type: 'array', maxItems: 10, items: ENVIRONMENT },
    description: { type: 'string', maxLength: 4000 },
  }, ['title', 'severity', 'affectedServices']),
  route: 'POST /api/v1/incidents',
  request: (i) => ({ body: { title: i.title, severity: i.severity, affectedServices: i.affectedServices, ...(i.affectedEnvironments?.length ? { affectedEnvironments: i.affectedEnvironments } : {}), ...(i.description ? { description: i.description } : {}) } }),
  risk: (i) => (i.severity === 'critical' ? 'prod_mutation' : 'safe_mutation'),
  summary: (i) => `Open a ${i.severity} incident "${i.title}" on ${i.affectedServices.join(', ')}`,
  resource: (body) => {
    const id = idOf(body);
    return id ? { type: 'incident', id, href: `/incidents/${encodeURIComponent(id)}` } : undefined;
  },
});

export const ACTIONS: readonly ActionDef[] = [scaleService, restartService, deployService, rollbackService, openPullRequest, submitRequest, addTimelineEntry, openIncident];

const BY_NAME = new Map(ACTIONS.map((a) => [a.name, a]));
export function actionNamed(name: string): ActionDef | undefined {
  return BY_NAME.get(name);
}

/** The design doc's RBAC for the console's changes: which `ai:sessions:execute:*` a risk needs, beside the route's own permission. */
export function executePermission(risk: RiskClass): Permission {
  if (risk === 'prod_mutation') return 'ai:sessions:execute:dangerous';
  if (risk === 'infrastructure') return 'ai:sessions:execute:all';
  return 'ai:sessions:execute:safe';
}

/** The design doc's approval table: what waits for a click even when the user typed it. Anything the model asks for always does. */
export function needsApproval(risk: RiskClass, origin: 'command' | 'model'): boolean {
  return origin === 'model' || risk === 'prod_mutation' || risk === 'infrastructure';
}
