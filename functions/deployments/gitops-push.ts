/**
 * A push to the GitOps repository made outside Apollo (someone committed a tag by hand, a CI pipeline
 * bumped it): each environment whose values file it changed becomes a deployment with `initiatedVia:
 * gitops`, and its execution follows the rollout as for any other (no Git step: the change is made).
 * Apollo's own commits carry the `Apollo-Deployment:` trailer and are skipped: they are deployments already.
 * Called by the webhooks context (GitHub's push) through ./public.ts; kept free of the GitHub client.
 */
import { isProductionEnvironment } from '#shared/routes';
import { listEnvironments } from '#functions/services/public';
import { DEFAULT_GITOPS_PATH, DEPLOYMENT_TRAILER } from './gitops-names.ts';
import { createDeployment, newDeploymentId, transition, type DeploymentRecord } from './records.ts';
import { startDeployment } from './workflow.ts';

export interface GitOpsPushCommit {
  readonly id: string;
  readonly message: string;
  readonly author: string;
  readonly paths: readonly string[];
}

export interface GitOpsPush {
  /** `owner/name` of the pushed repository. */
  readonly repository: string;
  /** The pushed head: the commit the environments are deployed at. */
  readonly after: string;
  readonly commits: readonly GitOpsPushCommit[];
}

export type GitOpsPushResult =
  | { readonly handled: false }
  | { readonly handled: true; readonly deployments: string[]; readonly skipped: string[] };

/** Whether the push is to the GitOps repository (APOLLO_GITOPS_REPO), which this context follows. */
export function isGitOpsRepository(fullName: string): boolean {
  const configured = process.env.APOLLO_GITOPS_REPO?.trim();
  return Boolean(configured) && configured!.toLowerCase() === fullName.toLowerCase();
}

/** `apps/{service}/{environment}/values.yaml` → a matcher giving service and environment of a path. */
function pathMatcher(template: string): (path: string) => { service: string; environment: string } | undefined {
  const names: string[] = [];
  const pattern = template.split(/(\{[a-z]+\})/).map((part) => {
    const m = /^\{([a-z]+)\}$/.exec(part);
    if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    names.push(m[1]!);
    return '([^/]+)';
  }).join('');
  const regex = new RegExp(`^${pattern}$`);
  return (path) => {
    const found = regex.exec(path);
    if (!found) return undefined;
    const values = Object.fromEntries(names.map((n, i) => [n, found[i + 1]!]));
    return values.service && values.environment ? { service: values.service, environment: values.environment } : undefined;
  };
}

export async function observeGitOpsPush(push: GitOpsPush): Promise<GitOpsPushResult> {
  if (!isGitOpsRepository(push.repository)) return { handled: false };
  const match = pathMatcher(process.env.APOLLO_GITOPS_PATH?.trim() || DEFAULT_GITOPS_PATH);
  // The newest outside commit that touched each environment names who and why.
  const touched = new Map<string, { service: string; environment: string; commit: GitOpsPushCommit }>();
  const skipped: string[] = [];
  for (const commit of push.commits) {
    if (commit.message.split('\n').some((line) => line.trim().startsWith(`${DEPLOYMENT_TRAILER}:`))) continue;
    for (const path of commit.paths) {
      const target = match(path);
      if (target) touched.set(`${target.service}/${target.environment}`, { ...target, commit });
    }
  }
  const deployments: string[] = [];
  for (const { service, environment, commit } of touched.values()) {
    const env = (await listEnvironments(service).catch(() => [])).find((e) => e.name === environment);
    if (!env) { skipped.push(`${service}/${environment}: not in the catalog`); continue; }
    const id = newDeploymentId();
    const now = new Date().toISOString();
    const title = commit.message.split('\n')[0]!.slice(0, 2000);
    const record: DeploymentRecord = {
      id, operation: 'deploy', service, environment,
      imageTag: null, previousImageTag: env.deployment.imageTag ?? null, replicas: env.deployment.replicas ?? null, previousReplicas: env.deployment.replicas ?? null,
      fromEnvironment: null, status: 'pending', stage: 'validate',
      initiatedBy: commit.author || 'someone in Git', initiatedByRole: 'none', initiatedVia: 'gitops',
      reason: title.length >= 3 ? title : null, gitCommit: push.after, createdAt: now, updatedAt: now, completedAt: null, durationMs: null, error: null,
      approval: { required: false }, gitops: { kind: 'GitHub', repository: push.repository, path: '' }, rollout: { kind: 'pending', phase: 'pending', message: 'not started' },
      cancel: null, rollbackOf: null, production: isProductionEnvironment(environment), cluster: env.cluster, namespace: env.namespace, version: 1,
    };
    await createDeployment(record);
    await startDeployment(id);
    await transition(id, {}, { message: `${commit.author} changed ${service} ${environment} in Git (${commit.id.slice(0, 7)}: ${title}); Apollo follows its rollout`, stage: 'validate' });
    deployments.push(id);
  }
  return { handled: true, deployments, skipped };
}
