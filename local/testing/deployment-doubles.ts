/**
 * In-memory doubles of the deployments ports (functions/deployments/ports.ts), for the workflow's tests and
 * the benchmark: they keep the ports' promises (idempotent by deployment id, only the named keys change)
 * without a network. The real adapters are tested against fakes of GitHub, Argo CD and Kubernetes.
 */
import type { DeployTarget, DesiredChange, GitOpsChangeRequest, GitOpsPort, GitOpsVersion, RolloutExpectation, RolloutPort, RolloutStatus } from '../../functions/deployments/ports.ts';

interface Commit { sha: string; path: string; message: string; author: string; set: DesiredChange; branch: string }

/** A GitOps repository in memory: files by path, commits, pull requests; idempotent by deployment id as the port says. */
export class MemoryGitOps implements GitOpsPort {
  readonly kind = 'in-memory GitOps (test double)';
  readonly repository = 'test/gitops';
  readonly files = new Map<string, DesiredChange>();
  readonly commits: Commit[] = [];
  readonly pulls: Array<{ number: number; id: string; change: GitOpsChangeRequest; state: 'open' | 'merged' | 'closed'; comment?: string }> = [];
  private n = 0;
  commitUrl(sha: string): string { return `https://git.test/commit/${sha}`; }
  private pathOf(t: DeployTarget): string { return `apps/${t.service}/${t.environment}/values.yaml`; }
  private head(): string { return this.commits.at(-1)?.sha ?? 'root'; }
  async read(t: DeployTarget) { return { path: this.pathOf(t), ...this.files.get(this.pathOf(t)), commitSha: this.head() }; }
  private apply(change: GitOpsChangeRequest, branch: string): { sha: string; changed: boolean; diff: string } {
    const path = this.pathOf(change.target);
    const before = this.files.get(path) ?? {};
    const after = { ...before, ...Object.fromEntries(Object.entries(change.set).filter(([, v]) => v !== undefined)) };
    if (JSON.stringify(before) === JSON.stringify(after)) return { sha: this.head(), changed: false, diff: '' };
    if (branch === 'main') this.files.set(path, after);
    const sha = `c${String(++this.n).padStart(39, '0')}`;
    this.commits.push({ sha, path, message: `${change.title}\n\n${change.body}\n\nApollo-Deployment: ${change.deploymentId}`, author: change.author.email, set: change.set, branch });
    return { sha, changed: true, diff: `-${JSON.stringify(before)}\n+${JSON.stringify(after)}` };
  }
  async commit(change: GitOpsChangeRequest) {
    const earlier = this.commits.find((c) => c.message.endsWith(`Apollo-Deployment: ${change.deploymentId}`));
    if (earlier) return { commitSha: earlier.sha, path: earlier.path, diff: '', created: false, changed: true };
    const done = this.apply(change, 'main');
    return { commitSha: done.sha, path: this.pathOf(change.target), diff: done.diff, created: true, changed: done.changed };
  }
  async openPullRequest(change: GitOpsChangeRequest) {
    const earlier = this.pulls.find((p) => p.id === change.deploymentId);
    if (earlier) return { number: earlier.number, url: `https://git.test/pull/${earlier.number}`, path: this.pathOf(change.target), diff: '', headSha: 'h', created: false, changed: true };
    const pr = { number: this.pulls.length + 1, id: change.deploymentId, change, state: 'open' as const };
    this.pulls.push(pr);
    return { number: pr.number, url: `https://git.test/pull/${pr.number}`, path: this.pathOf(change.target), diff: `+${JSON.stringify(change.set)}`, headSha: 'h', created: true, changed: true };
  }
  async mergePullRequest(number: number) {
    const pr = this.pulls.find((p) => p.number === number)!;
    if (pr.state === 'merged') return { commitSha: this.commits.find((c) => c.message.endsWith(`Apollo-Deployment: ${pr.id}`))!.sha };
    pr.state = 'merged';
    return { commitSha: this.apply(pr.change, 'main').sha };
  }
  async closePullRequest(number: number, comment: string) {
    const pr = this.pulls.find((p) => p.number === number)!;
    if (pr.state === 'open') Object.assign(pr, { state: 'closed', comment });
  }
  async history(t: DeployTarget): Promise<GitOpsVersion[]> {
    return this.commits.filter((c) => c.path === this.pathOf(t) && c.set.imageTag).reverse().map((c) => ({ imageTag: c.set.imageTag!, commitSha: c.sha, at: new Date().toISOString(), author: c.author, message: c.message.split('\n')[0]! }));
  }
}

/** A cluster in memory: applies what the repository says after `checksToHealthy` checks; can be told to fail or to hang. */
export class MemoryRollout implements RolloutPort {
  readonly kind = 'in-memory rollout (test double)';
  checksToHealthy = 1;
  failNext = false;
  hang = false;
  readonly syncs: string[] = [];
  readonly restarts: string[] = [];
  private readonly checks = new Map<string, number>();
  constructor(private readonly git: MemoryGitOps) {}
  async sync(_t: DeployTarget, revision: string) { this.syncs.push(revision); }
  async restart(t: DeployTarget, id: string) { this.restarts.push(`${t.service}/${t.environment}/${id}`); return { restartedAt: new Date().toISOString() }; }
  async status(t: DeployTarget, expect: RolloutExpectation): Promise<RolloutStatus> {
    const key = `${t.service}/${t.environment}/${expect.revision}/${expect.restartedAt ?? ''}`;
    const n = (this.checks.get(key) ?? 0) + 1;
    this.checks.set(key, n);
    if (this.failNext) { this.failNext = false; return { phase: 'degraded', message: 'CrashLoopBackOff: 0 of 3 pods ready' }; }
    if (this.hang || n <= this.checksToHealthy) return { phase: 'progressing', message: `${n} of 3 pods updated`, desiredReplicas: 3, updatedReplicas: n, readyReplicas: n - 1 };
    const desired = await this.git.read(t);
    return { phase: 'healthy', message: `3 of 3 pods updated and ready (${desired.imageTag})`, desiredReplicas: 3, updatedReplicas: 3, readyReplicas: 3, images: [`registry.test/${t.service}:${desired.imageTag}`] };
  }
}

