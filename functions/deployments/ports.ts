/**
 * What a deployment asks of the outside (ARCHITECTURE.md §4, deployment.asl.json): a GitOps repository
 * that holds each service's desired state per environment (GitHub through @octokit/rest), and a rollout
 * observer/driver (Argo CD's API where configured, else the Kubernetes API of the EKS cluster). Each port
 * has a real adapter and, in `npm start`, the same adapter pointed at a local fake or simulation (labelled).
 *
 * Every call carries the deployment's id so that a step that runs again (a crash between "called" and
 * "recorded", a retried Lambda) finds what it did the first time instead of doing it twice.
 */

/** One service in one environment, as the catalog knows it. */
export interface DeployTarget {
  readonly service: string;
  readonly environment: string;
  /** The EKS cluster and namespace of the environment (from the catalog). */
  readonly cluster: string;
  readonly namespace: string;
}

/** What the values file of a service's environment says (the desired state). */
export interface DesiredState {
  /** The file's path in the GitOps repository, e.g. `apps/core-service/prod/values.yaml`. */
  readonly path: string;
  readonly imageTag?: string;
  readonly replicas?: number;
  /** The rollout annotation a restart sets (ISO time). */
  readonly restartedAt?: string;
  /** The commit the file was read at (the default branch's head). */
  readonly commitSha: string;
}

/** A change of the desired state: what to set (only the named keys change; comments and other keys are kept). */
export interface DesiredChange {
  readonly imageTag?: string;
  readonly replicas?: number;
  readonly restartedAt?: string;
}

export interface GitOpsChangeRequest {
  readonly target: DeployTarget;
  readonly set: DesiredChange;
  /** The deployment's id: the branch `apollo/deploy/<id>` and a commit trailer `Apollo-Deployment: <id>` carry it. */
  readonly deploymentId: string;
  /** First line of the commit message, e.g. `deploy core-service v1.4.2 to staging`. */
  readonly title: string;
  /** More lines for the commit message / PR body (who, why, the Apollo link). */
  readonly body: string;
  /** The commit's author: the person who asked (the committer is Apollo's credentials). */
  readonly author: { readonly name: string; readonly email: string };
}

export interface GitOpsCommit {
  readonly commitSha: string;
  readonly path: string;
  /** A unified diff of the values file (what changed), for the record and the UI. */
  readonly diff: string;
  /** False when the change was found already made (a step that ran again). */
  readonly created: boolean;
  /** False when the file already said so: nothing to commit (commitSha is then the head read). */
  readonly changed: boolean;
}

export interface GitOpsPullRequest {
  readonly number: number;
  readonly url: string;
  readonly path: string;
  readonly diff: string;
  /** The branch's head commit. */
  readonly headSha: string;
  readonly created: boolean;
  readonly changed: boolean;
}

/** A version seen in the GitOps history of a service's environment (newest first). */
export interface GitOpsVersion {
  readonly imageTag: string;
  readonly commitSha: string;
  readonly at: string;
  readonly author: string;
  readonly message: string;
}

export interface GitOpsPort {
  /** What this is, for the record, the banner and the UI: e.g. `GitHub apollo-demo/gitops (LOCAL FAKE)`. */
  readonly kind: string;
  /** The repository as `owner/name`, and a web link to a commit. */
  readonly repository: string;
  commitUrl(sha: string): string;
  /** The environment's values file on the default branch; NotFound (an Error with `code: 'gitops-missing'`) when it has none. */
  read(target: DeployTarget): Promise<DesiredState>;
  /** Commits the change straight to the default branch (non-prod). Idempotent by deployment id. */
  commit(change: GitOpsChangeRequest): Promise<GitOpsCommit>;
  /** Opens a pull request from `apollo/deploy/<id>` with the change (prod). Idempotent by deployment id. */
  openPullRequest(change: GitOpsChangeRequest): Promise<GitOpsPullRequest>;
  /** Merges it (squash), answering the default branch's new commit; merged already: that commit. */
  mergePullRequest(number: number, deploymentId: string): Promise<{ readonly commitSha: string }>;
  /** Closes it unmerged (a rejected, cancelled or timed-out deployment) and deletes its branch; closed already: no-op. */
  closePullRequest(number: number, comment: string): Promise<void>;
  /** The image tags the environment's file has had, newest first (distinct consecutive tags), at most `limit`. */
  history(target: DeployTarget, limit: number): Promise<GitOpsVersion[]>;
}

/** Where a rollout is: progressing until healthy (done) or degraded/failed (stop, roll back). */
export type RolloutPhase = 'pending' | 'progressing' | 'healthy' | 'degraded' | 'failed';

export interface RolloutStatus {
  readonly phase: RolloutPhase;
  /** One line for the timeline, e.g. `2 of 3 pods updated, 2 ready`. */
  readonly message: string;
  /** The revision (commit) the platform has applied, when it says. */
  readonly revision?: string;
  readonly images?: readonly string[];
  readonly desiredReplicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
}

/** What the rollout should reach: the commit applied and, when set, the image tag / replica count / restart. */
export interface RolloutExpectation {
  readonly revision: string;
  readonly imageTag?: string;
  readonly replicas?: number;
  readonly restartedAt?: string;
}

export interface RolloutPort {
  /** e.g. `Argo CD https://argocd.corp` or `Kubernetes (EKS cluster prod-eks)` or `SIMULATED Argo CD (local)`. */
  readonly kind: string;
  /** Asks the platform to apply the revision now (Argo CD: sync to it); where it polls Git by itself, a no-op. */
  sync(target: DeployTarget, revision: string): Promise<void>;
  status(target: DeployTarget, expect: RolloutExpectation): Promise<RolloutStatus>;
  /** A rolling restart now (Argo CD's `restart` resource action, else the rollout annotation); answers the time it set. */
  restart(target: DeployTarget, deploymentId: string): Promise<{ readonly restartedAt: string }>;
}

/** An Argo CD Application as discovery reads it (the design doc's second discovery source). */
export interface DeployedApplication {
  readonly name: string;
  readonly service: string;
  readonly environment: string;
  readonly cluster: string;
  readonly namespace: string;
  /** Every tag the application's pods run (Argo CD's `status.summary.images`), sidecars included. */
  readonly imageTags: readonly string[];
  /**
   * The tag the service itself runs: the one tag of its images named after the service (the repository's
   * last path segment), else of all its images; absent when there is none, or several (a rollout under way,
   * sidecars of other tags).
   */
  readonly imageTag?: string;
  /** The commit Argo CD last compared Git at (`status.sync.revision`). */
  readonly revision?: string;
  readonly health: string;
  readonly sync: string;
}

export interface ApplicationSource {
  readonly kind: string;
  listApplications(): Promise<DeployedApplication[]>;
}
