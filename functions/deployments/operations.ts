/**
 * Asking for a deployment: deploy, rollback, promote, scale, restart. Each checks what it can before
 * anything starts (the service and environment exist, the version is a change, the permission the
 * environment needs, nobody else is deploying there), writes the record, takes the environment and
 * starts the execution named by the record's id. What it cannot know before (Git, the cluster) the
 * execution finds out and records.
 */
import type { DeploymentCreate, DeploymentPreflight, DeploymentPreflightResult, ServicePromote, ServiceRestart, ServiceRollback, ServiceScale } from '#schemas/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#shared/errors';
import { roleHas, type Role } from '#shared/permissions';
import { isProductionEnvironment } from '#shared/routes';
import { byEnvOrder, listEnvironments } from '#functions/services/public';
import { deploymentsDeps, deploymentSettings, loadDeploymentsDeps } from './deps.ts';
import {
  claimEnvironment, createDeployment, isEnded, listDeployments, newDeploymentId, releaseEnvironment, transition,
  type DeploymentRecord, type Operation,
} from './records.ts';
import { evaluateSafeguards, refusalOf } from './safeguards.ts';
import { startDeployment } from './workflow.ts';

export interface DeploymentCaller {
  readonly principal: string;
  readonly role: Role | null;
}

type Via = DeploymentRecord['initiatedVia'];

interface Ask {
  readonly operation: Operation;
  readonly service: string;
  readonly environment: string;
  readonly imageTag?: string;
  readonly replicas?: number;
  readonly fromEnvironment?: string;
  readonly reason?: string;
  readonly via?: Via;
  readonly rollbackOf?: string;
  readonly sourceCommit?: DeploymentCreate['sourceCommit'];
  readonly override?: DeploymentCreate['override'];
  readonly acknowledge?: DeploymentCreate['acknowledge'];
  readonly outsideWindow?: DeploymentCreate['outsideWindow'];
  /** rollback: skips canary analysis. */
  readonly fast?: boolean;
}

async function environmentsOf(service: string) {
  try {
    return await listEnvironments(service);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`service ${service} not found`, { details: [{ path: '/body/service', message: `no service ${service} in the catalog` }] });
    throw error;
  }
}

async function environmentNamed(service: string, name: string, field: string) {
  const environments = await environmentsOf(service);
  const environment = environments.find((e) => e.name === name);
  if (!environment) {
    throw new NotFoundError(`${service} has no environment ${name}`, { details: [{ path: field, message: `one of: ${environments.map((e) => e.name).join(', ') || '(none)'}` }] });
  }
  return { environment, environments };
}

function requirePermission(caller: DeploymentCaller, environment: string): boolean {
  const production = isProductionEnvironment(environment);
  const needed = production ? 'deployments:create:prod' : 'deployments:create:non-prod';
  if (!caller.role || !roleHas(caller.role, needed)) throw new ForbiddenError(`deploying to ${environment} needs ${needed}`, { details: [{ path: '/body/environment', message: `${environment} is ${production ? '' : 'not '}a production environment` }] });
  return production;
}

async function begin(ask: Ask, caller: DeploymentCaller): Promise<DeploymentRecord> {
  const production = requirePermission(caller, ask.environment);
  const { environment } = await environmentNamed(ask.service, ask.environment, '/body/environment');
  await loadDeploymentsDeps();
  const { gitops, rollout } = deploymentsDeps();
  const settings = deploymentSettings();
  const current = environment.deployment;
  const imageTag = ask.operation === 'scale' || ask.operation === 'restart' ? current.imageTag ?? null : ask.imageTag ?? null;
  // A deployment that failed left Git at its tag while the catalog keeps what ran well: going to the catalog's tag is a change then.
  const stranded = await strandedBy(ask.service, ask.environment, current.imageTag);
  if ((ask.operation === 'deploy' || ask.operation === 'rollback' || ask.operation === 'promote') && imageTag === current.imageTag && !stranded) {
    throw new ConflictError(`${ask.service} ${ask.environment} runs ${imageTag} already`, { details: [{ path: ask.operation === 'promote' ? '/body/from' : '/body/imageTag', message: `${ask.environment} runs ${imageTag} already` }] });
  }
  if (ask.operation === 'scale' && ask.replicas === current.replicas) {
    throw new ConflictError(`${ask.service} ${ask.environment} runs ${ask.replicas} replicas already`, { details: [{ path: '/body/replicas', message: `it is ${ask.replicas} already` }] });
  }
  const safeguards = await evaluateSafeguards({ ...ask, imageTag, production, principal: caller.principal, role: caller.role });
  if (safeguards.blocked) {
    throw new ConflictError(`refused: ${refusalOf(safeguards)}`, { details: safeguards.checks.filter((c) => c.outcome === 'block').map((c) => ({ path: BLOCK_PATH[c.safeguard] ?? '/body/environment', message: `${c.safeguard}: ${c.reason}` })) });
  }
  if (ask.override && !safeguards.overridden.some((s) => s === 'freeze' || s === 'window' || s === 'lock')) {
    throw new ValidationError('nothing to override: no freeze covers it, no open incident locks it, and it is not outside a window an admin may override', { details: [{ path: '/body/override', message: 'leave it out' }] });
  }
  const id = newDeploymentId();
  const now = new Date().toISOString();
  // A freeze exception needs an approval (an admin's), wherever it goes.
  const approvalRequired = (production && settings.approvalOperations.includes(ask.operation)) || safeguards.needsException;
  const record: DeploymentRecord = {
    id, operation: ask.operation, service: ask.service, environment: ask.environment,
    // What Git holds before it: the catalog's tag, or the tag a failed deployment left there (a cancel puts that back).
    imageTag, previousImageTag: (ask.operation !== 'scale' && ask.operation !== 'restart' ? stranded?.imageTag : undefined) ?? current.imageTag ?? null,
    replicas: ask.operation === 'scale' ? ask.replicas ?? null : current.replicas ?? null, previousReplicas: current.replicas ?? null,
    fromEnvironment: ask.fromEnvironment ?? null,
    status: 'pending', stage: 'validate',
    initiatedBy: caller.principal, initiatedByRole: caller.role ?? 'none', initiatedVia: ask.via ?? 'api',
    reason: ask.reason ?? null, gitCommit: null, createdAt: now, updatedAt: now, completedAt: null, durationMs: null, error: null,
    approval: { required: approvalRequired },
    gitops: { kind: gitops.kind, repository: gitops.repository, path: '' },
    rollout: { kind: rollout.kind, phase: 'pending', message: 'not started' },
    cancel: null, rollbackOf: ask.rollbackOf ?? null,
    production, cluster: environment.cluster, namespace: environment.namespace, version: 1,
    safeguards: {
      checks: safeguards.checks,
      ...(ask.override && safeguards.overridden.length ? { override: { reason: ask.override.reason, by: caller.principal, safeguards: safeguards.overridden.filter((s) => s !== 'dependencies') } } : {}),
      ...(safeguards.overridden.includes('dependencies') ? { acknowledged: ['dependencies'] } : {}),
      ...(ask.outsideWindow ? { outsideWindow: ask.outsideWindow } : {}),
      queuedUntil: safeguards.queueUntil ?? null,
    },
    ...(ask.sourceCommit ? { sourceCommit: ask.sourceCommit } : {}),
    ...(ask.fast ? { fast: true } : {}),
  };
  await claimEnvironment(ask.service, ask.environment, id);
  try {
    await createDeployment(record);
  } catch (error) {
    await releaseEnvironment(ask.service, ask.environment, id);
    throw error;
  }
  const what = ask.operation === 'scale' ? `scale to ${ask.replicas} replicas (from ${current.replicas ?? '?'})` : ask.operation === 'restart' ? 'a rolling restart' : `${ask.operation} ${imageTag}${current.imageTag ? ` (from ${current.imageTag})` : ''}${ask.fromEnvironment ? ` as ${ask.fromEnvironment} runs it` : ''}`;
  try {
    await startDeployment(id);
  } catch (error) {
    await transition(id, { status: 'failed', completedAt: new Date().toISOString(), error: `its workflow did not start: ${(error as Error).message}` }, { message: `its workflow did not start: ${(error as Error).message}`, severity: 'error' });
    await releaseEnvironment(ask.service, ask.environment, id);
    throw error;
  }
  const passed = safeguards.checks.filter((c) => c.overridden).map((c) => `${c.safeguard}: ${c.overridden}`);
  return transition(id, {}, { message: `${caller.principal} asked for ${what} in ${ask.environment}${safeguards.needsException ? ' (a freeze exception: an admin approves it first)' : approvalRequired ? ' (production: approval first)' : ''}${passed.length ? ` [${passed.join('; ')}]` : ''}${ask.reason ? `: ${ask.reason}` : ''}${stranded ? `; Git holds ${stranded.imageTag} from deployment ${stranded.id}, whose rollout failed` : ''}`, stage: 'validate' });
}

/** Where a refusal points in the request body. */
const BLOCK_PATH: Partial<Record<string, string>> = { freeze: '/body/override', window: '/body/outsideWindow', dependencies: '/body/acknowledge' };

/** The environment's newest deployment when it failed after changing Git to a tag the catalog does not run (Git and the catalog disagree). */
async function strandedBy(service: string, environment: string, catalogTag: string | undefined) {
  const [latest] = (await listDeployments({ service, environment }, 1)).items;
  if (!latest || (latest.status !== 'failed' && latest.status !== 'rolled_back') || !latest.gitCommit || !['deploy', 'promote', 'rollback'].includes(latest.operation)) return undefined;
  return latest.imageTag && latest.imageTag !== catalogTag ? latest : undefined;
}

export async function deploy(body: DeploymentCreate, caller: DeploymentCaller): Promise<DeploymentRecord> {
  return begin({
    operation: 'deploy', service: body.service, environment: body.environment, imageTag: body.imageTag, reason: body.reason, via: body.initiatedVia,
    sourceCommit: body.sourceCommit, override: body.override, acknowledge: body.acknowledge, outsideWindow: body.outsideWindow,
  }, caller);
}

/**
 * Where a rollback of the environment goes when no tag is named: the catalog's version when the last deployment
 * failed after changing Git, else the last that deployed successfully before the current one (our records, then
 * Git); with the deployment it undoes. Undefined: no earlier version is known.
 */
export async function rollbackTarget(service: string, environmentName: string, options: { fromGit?: boolean } = {}): Promise<{ imageTag: string; rollbackOf?: string } | undefined> {
  const { environment } = await environmentNamed(service, environmentName, '/body/environment');
  const current = environment.deployment.imageTag;
  const stranded = await strandedBy(service, environmentName, current);
  // The last deployment failed after changing Git: back to what the catalog says ran well.
  if (stranded && current) return { imageTag: current, rollbackOf: stranded.id };
  const found = await lastKnownGood(service, environmentName, environment, options.fromGit ?? true);
  return found && { imageTag: found.imageTag, ...(found.replaces ? { rollbackOf: found.replaces } : {}) };
}

/**
 * The tag to go back to: the named one, else rollbackTarget's. A named tag that is rollbackTarget's (the AI console
 * binds it into the call its user approves) undoes the same deployment.
 */
export async function rollback(service: string, body: ServiceRollback, caller: DeploymentCaller): Promise<DeploymentRecord> {
  requirePermission(caller, body.environment);
  // A named tag needs the pick only for the deployment it undoes, which Git's history never names: records only then.
  const found = await rollbackTarget(service, body.environment, { fromGit: !body.imageTag });
  const target = body.imageTag ?? found?.imageTag;
  if (!target) {
    const { environment } = await environmentNamed(service, body.environment, '/body/environment');
    throw new ConflictError(`no earlier version of ${service} in ${body.environment} is known (no successful deployment before ${environment.deployment.imageTag ?? 'the current one'} and none in the GitOps history): name one`, { details: [{ path: '/body/imageTag', message: 'name the tag to go back to' }] });
  }
  const rollbackOf = found?.imageTag === target ? found.rollbackOf : undefined;
  return begin({ operation: 'rollback', service, environment: body.environment, imageTag: target, reason: body.reason, via: body.initiatedVia, rollbackOf, fast: body.fast }, caller);
}

async function lastKnownGood(service: string, environment: string, env: Awaited<ReturnType<typeof environmentNamed>>['environment'], fromGit: boolean): Promise<{ imageTag: string; replaces?: string } | undefined> {
  const current = env.deployment.imageTag;
  let cursor: string | undefined;
  let replaces: string | undefined;
  // A tag whose deployment failed since is not known good.
  const failed = new Set<string>();
  // Our records first: a few pages of this environment's deployments, newest first.
  for (let page = 0; page < 5; page++) {
    const found = await listDeployments({ service, environment }, 50, cursor);
    for (const d of found.items) {
      if (d.operation === 'scale' || d.operation === 'restart' || !d.imageTag) continue;
      if (d.status === 'failed') { failed.add(d.imageTag); continue; }
      if (d.status !== 'succeeded') continue;
      // The newest deployment that put the current tag there: what it replaced ran before it.
      if (d.imageTag === current) {
        if (d.previousImageTag && d.previousImageTag !== current && !failed.has(d.previousImageTag)) return { imageTag: d.previousImageTag, replaces: d.id };
        replaces ??= d.id;
        continue;
      }
      if (failed.has(d.imageTag)) continue;
      return { imageTag: d.imageTag, ...(replaces ? { replaces } : {}) };
    }
    if (!found.nextCursor) break;
    cursor = found.nextCursor;
  }
  if (!fromGit) return undefined;
  // Then Git: the tags the environment's values file has had.
  await loadDeploymentsDeps();
  const history = await deploymentsDeps().gitops.history({ service, environment, cluster: env.cluster, namespace: env.namespace }, 20).catch(() => []);
  const earlier = history.find((v) => v.imageTag !== current && !failed.has(v.imageTag));
  return earlier ? { imageTag: earlier.imageTag } : undefined;
}

/**
 * The rollback a failed canary asks for: the version before it, fast (no analysis of its own), on behalf of
 * the person who asked for the failed one (they hear how it ends). Not refused by locks, freezes or windows.
 */
export async function autoRollback(failed: DeploymentRecord, reason: string): Promise<DeploymentRecord> {
  if (!failed.previousImageTag) throw new ConflictError(`${failed.service} ${failed.environment} has no version before ${failed.imageTag} to go back to`);
  return begin({
    operation: 'rollback', service: failed.service, environment: failed.environment, imageTag: failed.previousImageTag,
    reason, via: failed.initiatedVia === 'gitops' ? 'api' : failed.initiatedVia, rollbackOf: failed.id, fast: true,
  }, { principal: failed.initiatedBy, role: failed.initiatedByRole as Role });
}

export async function promote(service: string, body: ServicePromote, caller: DeploymentCaller): Promise<DeploymentRecord> {
  if (body.from === body.to) throw new ValidationError('promote needs two different environments', { details: [{ path: '/body/to', message: `must differ from from (${body.from})` }] });
  const { environment: from } = await environmentNamed(service, body.from, '/body/from');
  if (!from.deployment.imageTag) throw new ConflictError(`${service} ${body.from} has no image tag to promote`, { details: [{ path: '/body/from', message: 'runs no known tag' }] });
  return begin({
    operation: 'promote', service, environment: body.to, imageTag: from.deployment.imageTag, fromEnvironment: body.from, reason: body.reason, via: body.initiatedVia,
    override: body.override, acknowledge: body.acknowledge, outsideWindow: body.outsideWindow,
  }, caller);
}

export async function scale(service: string, body: ServiceScale, caller: DeploymentCaller): Promise<DeploymentRecord> {
  return begin({ operation: 'scale', service, environment: body.environment, replicas: body.replicas, reason: body.reason, via: body.initiatedVia }, caller);
}

export async function restart(service: string, body: ServiceRestart, caller: DeploymentCaller): Promise<DeploymentRecord> {
  return begin({ operation: 'restart', service, environment: body.environment, reason: body.reason, via: body.initiatedVia }, caller);
}

/**
 * What a deployment would meet, before anyone presses Deploy: the caller's permission for the environment,
 * the environment itself, the safeguards (lock, freeze, window, dependencies: ./safeguards.ts) with the
 * override, acknowledgement or queueing the body names, and a deployment running there. The same checks run
 * when it is asked for and again inside the workflow (what changed while it waited for approval counts).
 */
export async function preflight(body: DeploymentPreflight, caller: DeploymentCaller): Promise<DeploymentPreflightResult> {
  const checks: DeploymentPreflightResult['checks'] = [];
  const production = isProductionEnvironment(body.environment);
  const needed = production ? 'deployments:create:prod' : 'deployments:create:non-prod';
  checks.push(caller.role && roleHas(caller.role, needed)
    ? { safeguard: 'permission', outcome: 'pass', reason: `you hold ${needed}` }
    : { safeguard: 'permission', outcome: 'block', reason: `${body.environment} needs ${needed}; your role ${caller.role ?? 'none'} does not have it` });
  const environments = [...(await listEnvironments(body.service).catch(() => []))].sort(byEnvOrder);
  const environment = environments.find((e) => e.name === body.environment);
  if (!environment) {
    checks.push({ safeguard: 'environment', outcome: 'block', reason: `${body.service} has no environment ${body.environment}` });
    return { allowed: false, checks };
  }
  checks.push({ safeguard: 'environment', outcome: 'pass', reason: `${body.service} ${body.environment} runs ${environment.deployment.imageTag ?? 'no known tag'}` });
  // A promote's version is what its source runs (named, or the environment before the target on the way to prod).
  const from = body.operation === 'promote' ? (body.from ? environments.find((e) => e.name === body.from) : environments[environments.indexOf(environment) + 1]) : undefined;
  const imageTag = body.imageTag ?? (body.operation === 'scale' || body.operation === 'restart' ? environment.deployment.imageTag : from?.deployment.imageTag);
  const verdict = await evaluateSafeguards({
    operation: body.operation, service: body.service, environment: body.environment, imageTag, fromEnvironment: from?.name ?? null, production,
    principal: caller.principal, role: caller.role, override: body.override, acknowledge: body.acknowledge, outsideWindow: body.outsideWindow,
  });
  checks.push(...verdict.checks);
  const [latest] = (await listDeployments({ service: body.service, environment: body.environment }, 1)).items;
  const running = latest && !isEnded(latest.status) && latest.initiatedVia !== 'gitops';
  checks.push(running
    ? { safeguard: 'running', outcome: 'block', reason: `deployment ${latest.id} (${latest.operation} ${latest.imageTag ?? ''} by ${latest.initiatedBy}) is ${latest.status} there; wait for it or cancel it` }
    : { safeguard: 'running', outcome: 'pass', reason: 'no deployment is running there' });
  return { allowed: !checks.some((c) => c.outcome === 'block'), checks };
}
