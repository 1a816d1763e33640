/**
 * The demo service catalog seeded on a laptop's first start: a dozen services over dev, staging and
 * prod, owned by the demo teams, with dependencies (one cycle: core-service ⇄ notification-service),
 * runbooks and health endpoints served by the local runtime's health targets (local/targets.ts:
 * notification-service staging flaps, violations-service staging is slow, reporting-worker dev runs
 * a replica short). Written through the catalog's own domain functions, so it is shaped exactly as
 * registered data; every write is idempotent, so a half-seeded catalog is finished by a re-run.
 */
import type { EnvironmentPut, ServiceCreate } from '#schemas/index.ts';
import { getItem, putItem } from '#lib/table';
import { replaceDependencies, type DependencyInput } from '../functions/services/dependencies.ts';
import { listEnvironments, putEnvironment } from '../functions/services/environments.ts';
import { putRunbook } from '../functions/services/runbooks.ts';
import { findService, registerService } from '../functions/services/services.ts';
import { TARGETS_PATH, targetUrl } from './targets.ts';

const ACTOR = 'system:seed';

type Tier = 'critical' | 'standard' | 'experimental';
interface DemoService {
  readonly service: ServiceCreate & { tier: Tier };
  readonly envs: ReadonlyArray<'prod' | 'staging' | 'dev'>;
  readonly port: number;
  readonly deps?: ReadonlyArray<[string, DependencyInput['type'], string]>;
  /** Public URL in prod. */
  readonly external?: string;
  readonly secrets?: ReadonlyArray<[name: string, key?: string]>;
  readonly size?: 'small' | 'medium' | 'large';
}

const repo = (name: string) => `https://github.com/apollo-demo/${name}`;

export const DEMO_SERVICES: readonly DemoService[] = [
  {
    service: { name: 'core-service', displayName: 'Core Service', team: 'platform', tier: 'critical', language: 'java', framework: 'spring-boot', description: 'Accounts, tenants and the domain model every other service builds on.', repository: repo('core-service'), tags: ['domain', 'tier-0'] },
    envs: ['prod', 'staging', 'dev'], port: 5080, size: 'large',
    deps: [['postgres', 'runtime', 'Primary datastore'], ['redis', 'runtime', 'Session and query cache'], ['kafka', 'runtime', 'Publishes domain events'], ['auth-service', 'runtime', 'Validates tokens'], ['notification-service', 'optional', 'Account emails (queued when down)']],
    secrets: [['DB_PASSWORD', 'password'], ['REDIS_AUTH']],
  },
  {
    service: { name: 'notification-service', displayName: 'Notification Service', team: 'growth', tier: 'standard', language: 'typescript', framework: 'nestjs', description: 'Sends email, SMS and push notifications for every product surface.', repository: repo('notification-service'), tags: ['messaging'] },
    envs: ['prod', 'staging', 'dev'], port: 3000,
    deps: [['kafka', 'runtime', 'Consumes notification requests'], ['redis', 'runtime', 'Rate limits and de-duplication'], ['core-service', 'runtime', 'Looks up recipients and preferences']],
    secrets: [['SENDGRID_API_KEY'], ['TWILIO_AUTH_TOKEN']],
  },
  {
    service: { name: 'violations-service', displayName: 'Violations Service', team: 'payments', tier: 'standard', language: 'python', framework: 'fastapi', description: 'Detects policy and fraud violations on payments and raises cases.', repository: repo('violations-service'), tags: ['risk'] },
    envs: ['prod', 'staging', 'dev'], port: 8000,
    deps: [['core-service', 'runtime', 'Account context'], ['postgres', 'runtime', 'Cases'], ['search-service', 'optional', 'Similar-case lookup'], ['kafka', 'runtime', 'Payment events']],
    secrets: [['DB_PASSWORD', 'password']],
  },
  {
    service: { name: 'frontend', displayName: 'Frontend', team: 'growth', tier: 'critical', language: 'typescript', framework: 'react', description: 'The customer-facing web application.', repository: repo('frontend'), tags: ['web'] },
    envs: ['prod', 'staging', 'dev'], port: 8080, external: 'https://app.apollo-demo.example',
    deps: [['api-gateway', 'runtime', 'All API calls'], ['core-service', 'build', 'Generated API client']],
  },
  {
    service: { name: 'api-gateway', displayName: 'API Gateway', team: 'platform', tier: 'critical', language: 'go', framework: 'envoy', description: 'Edge routing, rate limiting and authentication for public APIs.', repository: repo('api-gateway'), tags: ['edge', 'tier-0'] },
    envs: ['prod', 'staging', 'dev'], port: 8443, external: 'https://api.apollo-demo.example', size: 'medium',
    deps: [['auth-service', 'runtime', 'Token introspection'], ['core-service', 'runtime', ''], ['billing-service', 'runtime', ''], ['search-service', 'runtime', ''], ['notification-service', 'optional', 'Webhook fan-out']],
  },
  {
    service: { name: 'auth-service', displayName: 'Auth Service', team: 'platform', tier: 'critical', language: 'go', framework: 'gin', description: 'Sign-in, OAuth2 tokens and API keys.', repository: repo('auth-service'), tags: ['security', 'tier-0'] },
    envs: ['prod', 'staging', 'dev'], port: 9000,
    deps: [['postgres', 'runtime', 'Users and keys'], ['redis', 'runtime', 'Token cache']],
    secrets: [['JWT_SIGNING_KEY'], ['DB_PASSWORD', 'password']],
  },
  {
    service: { name: 'billing-service', displayName: 'Billing Service', team: 'payments', tier: 'critical', language: 'kotlin', framework: 'spring-boot', description: 'Invoices, subscriptions and payment runs.', repository: repo('billing-service'), tags: ['pci'] },
    envs: ['prod', 'staging', 'dev'], port: 5080, size: 'medium',
    deps: [['postgres', 'runtime', 'Ledger'], ['kafka', 'runtime', 'Payment events'], ['core-service', 'runtime', 'Accounts'], ['notification-service', 'optional', 'Receipts']],
    secrets: [['STRIPE_API_KEY'], ['DB_PASSWORD', 'password']],
  },
  {
    service: { name: 'search-service', displayName: 'Search Service', team: 'data', tier: 'standard', language: 'java', framework: 'opensearch', description: 'Full-text search over accounts, cases and documents.', repository: repo('search-service'), tags: ['search'] },
    envs: ['prod', 'staging', 'dev'], port: 9200,
    deps: [['kafka', 'runtime', 'Indexes domain events'], ['core-service', 'build', 'Shared schema package']],
  },
  {
    service: { name: 'reporting-worker', displayName: 'Reporting Worker', team: 'data', tier: 'standard', language: 'python', framework: 'celery', description: 'Nightly and on-demand reports; exports to the warehouse.', repository: repo('reporting-worker'), tags: ['batch'] },
    envs: ['prod', 'staging', 'dev'], port: 8001,
    deps: [['postgres', 'runtime', 'Read replica'], ['kafka', 'runtime', ''], ['billing-service', 'runtime', 'Revenue figures']],
  },
  {
    service: { name: 'recommendations', displayName: 'Recommendations', team: 'growth', tier: 'experimental', language: 'python', framework: 'pytorch', description: 'Experimental next-best-action recommendations.', repository: repo('recommendations'), tags: ['ml'] },
    envs: ['staging', 'dev'], port: 8002,
    deps: [['search-service', 'runtime', 'Candidate retrieval'], ['redis', 'optional', 'Feature cache']],
  },
  {
    service: { name: 'postgres', displayName: 'PostgreSQL', team: 'platform', tier: 'critical', language: 'sql', framework: 'postgresql', description: 'The shared PostgreSQL cluster (Amazon RDS, Multi-AZ).', tags: ['datastore'] },
    envs: ['prod', 'staging', 'dev'], port: 5432, size: 'large',
  },
  {
    service: { name: 'redis', displayName: 'Redis', team: 'platform', tier: 'standard', language: 'c', framework: 'redis', description: 'Shared Redis (ElastiCache) for caches and rate limits.', tags: ['datastore', 'cache'] },
    envs: ['prod', 'staging', 'dev'], port: 6379,
  },
  {
    service: { name: 'kafka', displayName: 'Kafka', team: 'platform', tier: 'critical', language: 'java', framework: 'kafka', description: 'The event backbone (Amazon MSK).', tags: ['datastore', 'streaming'] },
    envs: ['prod', 'staging'], port: 9092, size: 'medium',
  },
];

const CLUSTERS = { prod: 'eks-prod-us-east-1', staging: 'eks-staging', dev: 'eks-dev' } as const;
const REPLICAS = { prod: 3, staging: 2, dev: 1 } as const;
const RESOURCES = {
  small: { cpu: { request: '250m', limit: '500m' }, memory: { request: '256Mi', limit: '512Mi' } },
  medium: { cpu: { request: '500m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } },
  large: { cpu: { request: '1', limit: '2' }, memory: { request: '2Gi', limit: '4Gi' } },
} as const;
const DEPLOYERS = ['dana@apollo.local', 'developer@apollo.local', 'operator@apollo.local', 'github-actions'];

/** A stable fake commit per service and environment (the same on every laptop). */
function commitOf(seed: string): string {
  let h = 2166136261;
  let out = '';
  for (let round = 0; out.length < 40; round++) {
    for (const ch of `${seed}#${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}

/**
 * What one demo service runs in one environment, and since when. The catalog's seed and the demo
 * GitOps repository (local/fakes/demo-github.ts: its values files and their commits) read the same.
 */
export interface DemoDeployment {
  readonly service: string;
  readonly environment: 'prod' | 'staging' | 'dev';
  readonly cluster: string;
  readonly namespace: string;
  readonly port: number;
  readonly resources: (typeof RESOURCES)[keyof typeof RESOURCES];
  readonly imageTag: string;
  readonly replicas: number;
  readonly deployedAt: string;
  readonly deployedBy: string;
  /** The commit of the GitOps repository that set it (a stable fake id; the demo repository's commit has it). */
  readonly gitCommit: string;
}

function deploymentOf(demo: DemoService, env: 'prod' | 'staging' | 'dev', index: number, now: number): DemoDeployment {
  const name = demo.service.name;
  const hoursAgo = (index * 7 + { prod: 30, staging: 6, dev: 1 }[env] * (index % 3 + 1)) % 200 + 1;
  return {
    service: name,
    environment: env,
    cluster: CLUSTERS[env],
    namespace: demo.service.team,
    port: demo.port,
    resources: RESOURCES[demo.size ?? 'small'],
    imageTag: `v${1 + (index % 4)}.${(index * 3) % 17}.${env === 'dev' ? 5 : env === 'staging' ? 4 : 3}`,
    replicas: name === 'reporting-worker' && env === 'dev' ? 2 : REPLICAS[env],
    deployedAt: new Date(now - hoursAgo * 3_600_000).toISOString(),
    deployedBy: DEPLOYERS[(index + hoursAgo) % DEPLOYERS.length]!,
    gitCommit: commitOf(`${name}/${env}`),
  };
}

/** Every demo service's environments, as the seed writes them (`now`: when the catalog is seeded). */
export function demoDeployments(now = Date.now()): DemoDeployment[] {
  return DEMO_SERVICES.flatMap((demo, index) => demo.envs.map((env) => deploymentOf(demo, env, index, now)));
}

function environmentOf(demo: DemoService, env: 'prod' | 'staging' | 'dev', index: number, baseUrl: string, now: number): EnvironmentPut {
  const name = demo.service.name;
  const deployed = deploymentOf(demo, env, index, now);
  const secrets = (demo.secrets ?? []).map(([secret, key]) => ({ name: secret, secretId: `apollo/${env}/${name}/${secret.toLowerCase().replace(/_/g, '-')}`, ...(key ? { key } : {}) }));
  return {
    cluster: deployed.cluster,
    namespace: deployed.namespace,
    deployment: {
      imageTag: deployed.imageTag,
      replicas: deployed.replicas,
      lastDeployedAt: deployed.deployedAt,
      lastDeployedBy: deployed.deployedBy,
      gitCommit: deployed.gitCommit,
    },
    endpoints: {
      internal: `http://${name}.${deployed.namespace}.svc.cluster.local:${demo.port}`,
      ...(env === 'prod' && demo.external ? { external: demo.external } : {}),
      healthCheck: targetUrl(baseUrl, name, env),
    },
    resources: deployed.resources,
    secrets,
  };
}

const HIGH_ERROR_RATE = (service: string) => `# High error rate — ${service}

**Alert:** \`HighErrorRate\` fires when more than 5 % of requests to **${service}** fail (5xx) for 5 minutes.

## 1. Is it us?

1. Open the service page in Apollo and look at **Health**: which environments are down or degraded, and since when.
2. Check the **dependency graph**: a red dependency (postgres, redis, kafka) usually explains a red service.
3. Look at the last deployment on the **Environments** tab: did the error rate rise right after it?

## 2. Roll back if a deploy caused it

\`\`\`sh
apollo rollback ${service} prod --reason "errors since the last deploy" --wait
\`\`\`

Rolling back is safe at any time: the previous image tag is kept for 30 days.

## 3. Otherwise

- Scale out if the pods are CPU-bound: \`apollo scale ${service} prod 6\`.
- Look at the error logs for the top exception: \`apollo logs ${service} --env prod --level error --since 15m\`.
- Page the owning team if the rate stays above 5 % for 15 more minutes.

| Signal | Normal | Worry |
|---|---|---|
| 5xx rate | < 0.5 % | > 5 % |
| p99 latency | < 400 ms | > 2 s |
`;

const DB_EXHAUSTED = (service: string) => `# Database connections exhausted — ${service}

**Alert:** \`DatabaseConnectionExhausted\` fires when **${service}** has used more than 90 % of its connection pool for 3 minutes.

## Symptoms

- Requests hang, then fail with \`Connection is not available, request timed out after 30000ms\`.
- The health endpoint reports \`db: DOWN\`.

## Steps

1. Check postgres itself first (its health on the **postgres** service page). If postgres is down, follow its runbook instead.
2. Look for long-running queries:

   \`\`\`sql
   SELECT pid, now() - query_start AS running, state, left(query, 80)
   FROM pg_stat_activity
   WHERE datname = '${service.replace(/-/g, '_')}' AND state <> 'idle'
   ORDER BY running DESC LIMIT 20;
   \`\`\`

3. Cancel a runaway query with \`SELECT pg_cancel_backend(<pid>);\` (never \`pg_terminate_backend\` on the primary without the platform team).
4. Restart the pods one at a time to release leaked connections: \`apollo restart ${service} prod --wait\` (a rolling restart).
5. If it recurs, raise \`spring.datasource.hikari.maximum-pool-size\` only after checking postgres's \`max_connections\` headroom.
`;

interface DemoRunbook { readonly id: string; readonly service: string; readonly trigger: string; readonly title: string; readonly content: string; readonly aiPrompt?: string }

const DEMO_RUNBOOKS: readonly DemoRunbook[] = [
  { id: 'core-service-high-error-rate', service: 'core-service', trigger: 'HighErrorRate', title: 'High error rate', content: HIGH_ERROR_RATE('core-service'), aiPrompt: 'Compare the error rate before and after the last deployment of core-service; if it rose after it, propose a rollback.' },
  { id: 'core-service-db-exhausted', service: 'core-service', trigger: 'DatabaseConnectionExhausted', title: 'Database connections exhausted', content: DB_EXHAUSTED('core-service'), aiPrompt: 'List the longest-running queries of core-service on postgres and propose which to cancel.' },
  { id: 'billing-service-high-error-rate', service: 'billing-service', trigger: 'HighErrorRate', title: 'High error rate', content: HIGH_ERROR_RATE('billing-service') },
  { id: 'billing-service-db-exhausted', service: 'billing-service', trigger: 'DatabaseConnectionExhausted', title: 'Database connections exhausted', content: DB_EXHAUSTED('billing-service') },
  { id: 'notification-service-high-error-rate', service: 'notification-service', trigger: 'HighErrorRate', title: 'High error rate', content: HIGH_ERROR_RATE('notification-service') },
];

/** Where the demo environments' health checks point: the runtime's URL when they were written. */
const TARGETS_BASE = { PK: 'SYSTEM', SK: 'DEMO#targets-base' };

/** Seeds the demo catalog. `baseUrl` is the runtime's own URL, where its health targets answer. */
export async function seedDemoServices(baseUrl: string, now = Date.now()): Promise<void> {
  await putItem({ ...TARGETS_BASE, baseUrl });
  for (const demo of DEMO_SERVICES) {
    try {
      await registerService(demo.service, ACTOR);
    } catch (error) {
      if ((error as Error).name !== 'ConflictError') throw error;
    }
  }
  for (const [index, demo] of DEMO_SERVICES.entries()) {
    for (const env of demo.envs) await putEnvironment(demo.service.name, env, environmentOf(demo, env, index, baseUrl, now), ACTOR);
  }
  for (const demo of DEMO_SERVICES) {
    const deps = (demo.deps ?? []).map(([serviceId, type, description]) => ({ serviceId, type, description }));
    await replaceDependencies(demo.service.name, deps, ACTOR);
  }
  for (const runbook of DEMO_RUNBOOKS) {
    await putRunbook(runbook.service, {
      id: runbook.id,
      title: runbook.title,
      trigger: runbook.trigger,
      content: runbook.content,
      automatable: Boolean(runbook.aiPrompt),
      ...(runbook.aiPrompt ? { aiPrompt: runbook.aiPrompt } : {}),
    }, ACTOR);
  }
}

/**
 * Points the demo environments' health checks at this runtime when it listens elsewhere than when
 * they were seeded (another PORT or HOST): only checks still aimed at the old runtime's targets
 * move; anything a person changed stays. One GetItem when nothing moved.
 */
export async function repointDemoHealthChecks(baseUrl: string): Promise<number> {
  const marker = await getItem(TARGETS_BASE, { consistent: true });
  const previous = marker?.baseUrl;
  if (typeof previous !== 'string' || previous === baseUrl) return 0;
  const oldPrefix = `${previous}${TARGETS_PATH}`;
  let moved = 0;
  for (const demo of DEMO_SERVICES) {
    const service = await findService(demo.service.name);
    if (!service || service.deregisteredAt) continue;
    for (const env of await listEnvironments(demo.service.name)) {
      const check = env.endpoints.healthCheck;
      if (!check?.startsWith(oldPrefix)) continue;
      const { cluster, namespace, deployment, endpoints, resources, secrets } = env;
      await putEnvironment(demo.service.name, env.name, {
        cluster, namespace, deployment, resources, secrets,
        endpoints: { ...endpoints, healthCheck: `${baseUrl}${TARGETS_PATH}${check.slice(oldPrefix.length)}` },
      }, ACTOR);
      moved++;
    }
  }
  await putItem({ ...TARGETS_BASE, baseUrl });
  return moved;
}
