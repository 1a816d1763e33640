/**
 * Demo data: about 60 days of deployment history for the demo services (local/demo-services.ts), so the Deploy
 * Center's history and its DORA statistics (GET /api/v1/deployments/stats) show believable numbers on a fresh
 * `npm start`: deploys to dev and staging, promotes to prod behind an approval, source commits with their times (lead
 * time), a few failed rollouts each followed by a rollback, a few canary rollbacks with Apollo's automatic rollback,
 * and some refused or cancelled asks. Every record says it is demo data (its reason, its GitOps and rollout kind).
 *
 * Seeded only when the table holds no deployment at all (real history is never mixed with invented history), and
 * the same on a re-run: ids and times come from the services, environments and an anchor instant stored once, so a
 * half-seeded history is finished by writing the same items again, not doubled. Each environment's newest record is
 * what the catalog says runs there (tag, time, commit, who), so the history and the catalog agree.
 */
import type { Deployment } from '#schemas/index.ts';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { db, getItem, putItem, queryPage, tableName } from '#lib/table';
import { isProductionEnvironment } from '#shared/routes';
import type { DeploymentRecord } from '../functions/deployments/records.ts';
import { listEnvironments } from '../functions/services/environments.ts';
import { DEMO_SERVICES } from './demo-services.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const HISTORY_DAYS = 60;
/** The instant the history was generated back from (kept, so a re-run writes the very same records). */
const ANCHOR = { PK: 'SYSTEM', SK: 'DEMO#deployments-anchor' };
const DEMO_KIND = 'demo history (seeded by npm start)';
const DEPLOYERS = ['dana@apollo.local', 'developer@apollo.local', 'operator@apollo.local', 'github-actions'];
const APPROVERS = ['operator@apollo.local', 'admin@apollo.local'];
/** Datastores change rarely; applications often. Mean days between deployments per environment. */
const CADENCE: Record<string, Record<'dev' | 'staging' | 'prod', number>> = {
  app: { dev: 3.2, staging: 4.2, prod: 5.5 },
  datastore: { dev: 12, staging: 15, prod: 20 },
};
const DATASTORES = new Set(['postgres', 'redis', 'kafka']);

/** A deterministic pseudo-random stream from a seed string (FNV-1a into mulberry32). */
export function randomOf(seed: string): () => number {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return () => {
    h = (h + 0x6d2b79f5) >>> 0;
    let t = h;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID for `time` whose random part comes from `seed`: the same record gets the same id on every run. */
export function ulidOf(time: number, seed: string): string {
  let t = time;
  let head = '';
  for (let i = 0; i < 10; i++) { head = CROCKFORD[t % 32]! + head; t = Math.floor(t / 32); }
  const random = randomOf(seed);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += CROCKFORD[Math.floor(random() * 32)]!;
  return head + tail;
}

const hex = (random: () => number, length: number) => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');

/**
 * The tag before `tag` (v1.4.3 → v1.4.2 → … → v1.3.9; v1.0.0 → v0.9.9), or, when the tag is not semver, a numbered
 * one before it (build-7 → build-7-prev1 → build-7-prev2: never a growing chain of suffixes).
 */
export function previousTag(tag: string): string {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  if (!m) {
    const numbered = /^(.*)-prev(\d+)$/.exec(tag);
    return numbered ? `${numbered[1]}-prev${Number(numbered[2]) + 1}` : `${tag}-prev1`;
  }
  let [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (patch > 0) patch -= 1;
  else if (minor > 0) { minor -= 1; patch = 9; } else if (major > 0) { major -= 1; minor = 9; patch = 9; } else return `${tag}-prev1`;
  return `v${major}.${minor}.${patch}`;
}

interface Planned {
  readonly record: DeploymentRecord;
  readonly lines: ReadonlyArray<{ at: number; message: string; severity?: 'info' | 'warn' | 'error'; status?: Deployment['status'] }>;
}

interface EnvironmentNow {
  readonly service: string;
  readonly environment: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly repository?: string | undefined;
  readonly imageTag: string;
  readonly deployedAt: number;
  readonly deployedBy: string;
  readonly gitCommit: string;
  readonly replicas: number;
}

/** One environment's history, oldest first, ending with what runs there now. */
function historyOf(env: EnvironmentNow, anchor: number): Planned[] {
  const random = randomOf(`${env.service}/${env.environment}`);
  const kind = DATASTORES.has(env.service) ? 'datastore' : 'app';
  const stage = (env.environment === 'prod' || env.environment === 'staging' || env.environment === 'dev') ? env.environment : 'staging';
  const mean = CADENCE[kind]![stage];
  const production = isProductionEnvironment(env.environment);
  const oldest = anchor - HISTORY_DAYS * DAY;
  const planned: Planned[] = [];
  let tag = env.imageTag;
  let at = env.deployedAt;
  let n = 0;
  // Newest first: the current deployment, then what ran before it, going back to 60 days before the anchor.
  while (at > oldest) {
    const seed = `${env.service}/${env.environment}/${n}`;
    const current = n === 0;
    const previous = previousTag(tag);
    const roll = random();
    const by = current ? env.deployedBy : DEPLOYERS[Math.floor(random() * DEPLOYERS.length)]!;
    const operation: Deployment['operation'] = production ? 'promote' : 'deploy';
    const duration = (production ? 8 : 3) * MINUTE + Math.floor(random() * 6 * MINUTE);
    // Commit → running here: minutes to hours in dev, hours in staging, a day or more through prod's approval.
    const lead = { dev: 25 * MINUTE + random() * 3 * 3600_000, staging: 2 * 3600_000 + random() * 20 * 3600_000, prod: 18 * 3600_000 + random() * 3 * DAY }[stage];
    const hasCommitTime = random() < 0.85;
    const sha = current ? env.gitCommit.slice(0, 12) : hex(random, 12);
    const base = (id: string, created: number, overrides: Partial<DeploymentRecord>): DeploymentRecord => ({
      id, operation, service: env.service, environment: env.environment, imageTag: tag, previousImageTag: previous,
      replicas: env.replicas, previousReplicas: env.replicas, fromEnvironment: operation === 'promote' ? 'staging' : null,
      status: 'succeeded', stage: 'done', initiatedBy: by, initiatedByRole: production ? 'operator' : 'developer',
      initiatedVia: by === 'github-actions' ? 'api' : random() < 0.3 ? 'cli' : 'ui',
      reason: `demo history: ${operation === 'promote' ? `promote ${tag} from staging` : `release ${tag}`}`,
      gitCommit: hex(random, 40), createdAt: new Date(created).toISOString(), updatedAt: new Date(created + duration).toISOString(),
      completedAt: new Date(created + duration).toISOString(), durationMs: duration, error: null,
      approval: production ? { required: true, status: 'approved', decidedBy: [APPROVERS[Math.floor(random() * APPROVERS.length)]!] } : { required: false },
      gitops: { kind: DEMO_KIND, repository: env.repository ?? 'apollo-demo/gitops', path: `apps/${env.service}/${env.environment}/values.yaml` },
      rollout: { kind: DEMO_KIND, phase: 'healthy', message: `${env.replicas} of ${env.replicas} pods ready` },
      cancel: null, rollbackOf: null,
      ...(hasCommitTime || current ? { sourceCommit: { sha, committedAt: new Date(created + duration - lead).toISOString(), url: `https://github.com/apollo-demo/${env.service}/commit/${sha}` } } : { sourceCommit: { sha } }),
      production, cluster: env.cluster, namespace: env.namespace, version: 6,
      ...overrides,
    });
    const done = (record: DeploymentRecord, outcome: string, severity: 'info' | 'warn' | 'error' = 'info') => [
      { at: Date.parse(record.createdAt), message: `${record.initiatedBy} asked for ${record.operation} ${record.imageTag ?? ''} in ${record.environment} (${DEMO_KIND})` },
      // The timeline's statuses have no rolled_back: that one says it in words.
      { at: Date.parse(record.completedAt!), message: outcome, severity, ...(record.status === 'rolled_back' ? {} : { status: record.status }) },
    ];

    if (current) {
      // What the catalog says runs here now: it ended at the catalog's time, with its commit.
      const created = env.deployedAt - duration;
      const record = base(ulidOf(created, seed), created, { gitCommit: env.gitCommit, completedAt: new Date(env.deployedAt).toISOString(), updatedAt: new Date(env.deployedAt).toISOString() });
      planned.push({ record, lines: done(record, `${tag} is running in ${env.environment}`) });
    } else if (roll < 0.09 && !(env.service === 'core-service' && production)) {
      // A rollout that failed after Git changed, rolled back to what ran before within the hour; then the fix.
      const created = at - 90 * MINUTE - Math.floor(random() * 60 * MINUTE);
      const failedTag = `${tag}-rc1`;
      const failed = base(ulidOf(created, `${seed}/failed`), created, { imageTag: failedTag, status: 'failed', stage: 'rollout', error: 'the rollout is degraded: CrashLoopBackOff (demo)', rollout: { kind: DEMO_KIND, phase: 'degraded', message: `0 of ${env.replicas} new pods ready: CrashLoopBackOff` } });
      const back = Date.parse(failed.completedAt!) + 5 * MINUTE + Math.floor(random() * 30 * MINUTE);
      const rollback = base(ulidOf(back, `${seed}/rollback`), back, { operation: 'rollback', imageTag: previous, previousImageTag: failedTag, fromEnvironment: null, rollbackOf: failed.id, reason: `demo history: ${failedTag} crash-loops; back to ${previous}`, approval: { required: false }, sourceCommit: null });
      planned.push({ record: rollback, lines: done(rollback, `${previous} is running again in ${env.environment}`) });
      planned.push({ record: failed, lines: done(failed, `the rollout of ${failedTag} failed: CrashLoopBackOff`, 'error') });
      const fix = base(ulidOf(at, seed), at, {});
      planned.push({ record: fix, lines: done(fix, `${tag} is running in ${env.environment}`) });
    } else if (roll < 0.13 && stage !== 'dev') {
      // Canary analysis failed: Apollo rolled it back by itself (the rollback is its own record), then the fix.
      const created = at - 2 * 3600_000 - Math.floor(random() * 3600_000);
      const canaryTag = `${tag}-rc1`;
      const decision = created + duration + 5 * MINUTE;
      const rollbackId = ulidOf(decision + MINUTE, `${seed}/auto-rollback`);
      const canary: NonNullable<Deployment['canary']> = {
        status: 'failed', metrics: DEMO_KIND,
        config: { intervalSeconds: 60, iterations: 5, threshold: 5, minSuccessRate: 0.99, maxP99Ms: 500, onFailure: 'rollback' },
        baseline: { requests: 12000, errorRate: 0.002, p99Ms: 310, version: previous, from: new Date(created - 3600_000).toISOString(), to: new Date(created).toISOString() },
        checks: [], failedChecks: 5, startedAt: new Date(created + duration).toISOString(),
        decision: { outcome: 'rolled_back', reason: 'success rate 96.1 % is below 99 % in 5 checks', at: new Date(decision).toISOString() },
        rollbackDeploymentId: rollbackId,
      };
      const analysed = base(ulidOf(created, `${seed}/canary`), created, { imageTag: canaryTag, status: 'rolled_back', stage: 'done', canary, completedAt: new Date(decision + 6 * MINUTE).toISOString(), updatedAt: new Date(decision + 6 * MINUTE).toISOString() });
      const rollback = base(rollbackId, decision + MINUTE, { operation: 'rollback', imageTag: previous, previousImageTag: canaryTag, fromEnvironment: null, rollbackOf: analysed.id, initiatedBy: 'apollo', initiatedByRole: 'system', initiatedVia: 'api', reason: `demo history: canary of ${canaryTag} failed; Apollo rolls back to ${previous}`, approval: { required: false }, sourceCommit: null, fast: true, durationMs: 4 * MINUTE, completedAt: new Date(decision + 5 * MINUTE).toISOString(), updatedAt: new Date(decision + 5 * MINUTE).toISOString() });
      planned.push({ record: rollback, lines: done(rollback, `${previous} is running again in ${env.environment}`) });
      planned.push({ record: analysed, lines: done(analysed, `canary analysis failed (success rate 96.1 % < 99 %): rolled back to ${previous}`, 'error') });
      const fix = base(ulidOf(at, seed), at, {});
      planned.push({ record: fix, lines: done(fix, `${tag} is running in ${env.environment}`) });
    } else if (roll < 0.16) {
      // Asked for, never reached the environment (a lock, or changed their mind); then it went out.
      const created = at - 3 * 3600_000;
      const refused = random() < 0.5;
      const asked = base(ulidOf(created, `${seed}/asked`), created, refused
        ? { status: 'refused', stage: 'safeguards', gitCommit: null, error: `${env.service} ${env.environment} is locked: load test running (demo)`, completedAt: new Date(created).toISOString(), updatedAt: new Date(created).toISOString(), durationMs: 0 }
        : { status: 'cancelled', stage: 'done', gitCommit: null, cancel: { by, at: new Date(created + 2 * MINUTE).toISOString(), reason: 'wrong tag (demo)' }, completedAt: new Date(created + 3 * MINUTE).toISOString(), updatedAt: new Date(created + 3 * MINUTE).toISOString() });
      planned.push({ record: asked, lines: done(asked, refused ? 'refused: the environment is locked' : 'cancelled: wrong tag', 'warn') });
      const fix = base(ulidOf(at, seed), at, {});
      planned.push({ record: fix, lines: done(fix, `${tag} is running in ${env.environment}`) });
    } else {
      const record = base(ulidOf(at, seed), at, {});
      planned.push({ record, lines: done(record, `${tag} is running in ${env.environment}`) });
    }
    tag = previous;
    // The next one back: around the cadence's mean, at working hours.
    const gap = mean * DAY * (0.4 + random() * 1.2);
    const earlier = new Date(at - gap);
    earlier.setUTCHours(8 + Math.floor(random() * 9), Math.floor(random() * 60), 0, 0);
    // Working hours may land after the one it precedes: a day earlier then (room for its failures and retries).
    at = earlier.getTime() > at - 6 * 3600_000 ? earlier.getTime() - DAY : earlier.getTime();
    n++;
  }
  return planned.filter((p) => Date.parse(p.record.createdAt) > oldest).reverse();
}

/** Whether the table holds any deployment record (everyone's index, one item). */
async function anyDeployment(): Promise<boolean> {
  const page = await queryPage({ index: 'GSI2', partition: 'DEPLOYS', limit: 1 });
  return page.items.length > 0;
}

/**
 * The items as records.ts writes them (createDeployment's META with its two index keys, appendTimeline's LOG lines),
 * put 25 at a time: a thousand single puts would add seconds to every fresh start. Ids are deterministic, so putting
 * one again writes the same item.
 */
function itemsOf({ record, lines }: Planned): Array<Record<string, unknown>> {
  const meta = {
    PK: `DEPLOY#${record.id}`, SK: 'META', ...record,
    GSI1PK: `DEPLOYSVC#${record.service}`, GSI1SK: `${record.createdAt}#${record.id}`,
    GSI2PK: 'DEPLOYS', GSI2SK: `${record.createdAt}#${record.id}`,
  };
  const logs = lines.map((line, i) => {
    const id = ulidOf(line.at, `${record.id}/log/${i}`);
    return { PK: `DEPLOY#${record.id}`, SK: `LOG#${id}`, id, at: new Date(line.at).toISOString(), stage: record.stage, message: line.message, severity: line.severity ?? 'info', ...(line.status ? { status: line.status } : {}) };
  });
  return [meta, ...logs];
}

/** Seeds the demo deployment history unless deployments exist already; answers how many records it wrote. */
export async function seedDemoDeployments(now = Date.now()): Promise<number> {
  const marker = await getItem(ANCHOR, { consistent: true });
  if (marker?.done) return 0;
  // A first run over a table with real deployments leaves it alone; a re-run (the anchor stored) finishes its own.
  if (!marker && (await anyDeployment())) return 0;
  const anchor = typeof marker?.at === 'number' ? marker.at : now;
  if (!marker) await putItem({ ...ANCHOR, at: anchor });
  const plans: Planned[] = [];
  for (const demo of DEMO_SERVICES) {
    const environments = await listEnvironments(demo.service.name).catch(() => []);
    for (const env of environments) {
      const { imageTag, lastDeployedAt, lastDeployedBy, gitCommit, replicas } = env.deployment;
      if (!imageTag || !lastDeployedAt) continue;
      plans.push(...historyOf({
        service: demo.service.name, environment: env.name, cluster: env.cluster, namespace: env.namespace, imageTag,
        deployedAt: Math.min(Date.parse(lastDeployedAt), anchor), deployedBy: lastDeployedBy ?? DEPLOYERS[0]!, gitCommit: gitCommit ?? '0'.repeat(40), replicas: replicas ?? 1,
      }, anchor));
    }
  }
  const items = plans.flatMap(itemsOf);
  for (let i = 0; i < items.length; i += 25) {
    let request: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> | undefined = {
      [tableName()]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: request }));
      request = out.UnprocessedItems as typeof request;
    }
  }
  await putItem({ ...ANCHOR, at: anchor, done: true });
  return plans.length;
}
