/**
 * The local runtime's GitHub: a fake GitHub API on loopback (github-server.ts) holding a demo
 * organisation, so discovery and the catalog refresh work in `npm start` with no account. It is a
 * fake and says so: the start banner, the org name (`apollo-demo`) and every repository URL. Its
 * catalog repository `apollo-demo/platform-catalog` serves examples/catalog/*.yaml (read from disk at
 * start) under catalog/, with a CODEOWNERS, and the GitHub Actions workflows the platform team's
 * offerings dispatch (`create-service.yml` and `archive-service.yml`, which a github-workflow action can
 * run, and `ci.yml`, which it cannot: no workflow_dispatch). Their runs take APOLLO_GITHUB_FAKE_RUN_MS (default 1500)
 * and are reported to Apollo's GitHub webhook once the runtime listens. Its GitOps repository
 * `apollo-demo/gitops` holds each demo service's Helm values per environment, agreeing with the seeded
 * catalog (the same tags, replicas, deployers, times and commit ids; core-service with a few earlier
 * versions), and is where deployments commit; its commits, branches and pull requests are kept in
 * `$APOLLO_HOME/github-gitops.json` across restarts. Set APOLLO_GITHUB_ORG, APOLLO_CATALOG_REPO and/or
 * APOLLO_GITOPS_REPO (with APOLLO_GITHUB_TOKEN or $APOLLO_HOME/github.json) before `npm start` to use
 * real ones instead.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GITOPS_PATH, readValues } from '../../functions/deployments/adapters/github-gitops.ts';
import { demoDeployments, type DemoDeployment } from '../demo-services.ts';
import { FakeGitHub, type FakeRepo, type FakeSignature } from './github-server.ts';

export const DEMO_ORG = 'apollo-demo';

const runbook = (title: string, body: string) => `# ${title}\n\n${body}\n`;

/** The design doc's example manifest, verbatim. */
export const CORE_SERVICE_MANIFEST = `# apollo.yaml — Service manifest (in repo root)
apiVersion: apollo/v1
kind: Service
metadata:
  name: core-service
  displayName: Core Service
  team: platform
  tier: critical
spec:
  language: java
  framework: spring-boot
  port: 5080
  healthCheck: /actuator/health

  dependencies:
    - service: postgres
      type: runtime
    - service: redis
      type: runtime

  runbooks:
    - trigger: "HighErrorRate"
      path: ./docs/runbooks/high-error-rate.md
      automatable: true
    - trigger: "DatabaseConnectionExhausted"
      path: ./docs/runbooks/db-pool-exhausted.md
      automatable: true
`;

/**
 * The demo repository's manifest: the design doc's example grown to agree with the seeded catalog
 * (local/demo-services.ts), so a sync adopts the seeded core-service without drift.
 */
export const DEMO_CORE_SERVICE_MANIFEST = `apiVersion: apollo/v1
kind: Service
metadata:
  name: core-service
  displayName: Core Service
  description: Accounts, tenants and the domain model every other service builds on.
  team: platform
  tier: critical
  tags: [domain, tier-0]
spec:
  language: java
  framework: spring-boot
  port: 5080
  healthCheck: /actuator/health
  dependencies:
    - service: postgres
      type: runtime
      description: Primary datastore
    - service: redis
      type: runtime
      description: Session and query cache
    - service: kafka
      type: runtime
      description: Publishes domain events
    - service: auth-service
      type: runtime
      description: Validates tokens
    - service: notification-service
      type: optional
      description: Account emails (queued when down)
  runbooks:
    - trigger: "HighErrorRate"
      path: ./docs/runbooks/high-error-rate.md
      automatable: true
    - trigger: "DatabaseConnectionExhausted"
      path: ./docs/runbooks/db-pool-exhausted.md
      automatable: true
`;

/** core-service's Spring Boot configuration: a HikariCP pool of 10 (the connection exhaustion the demo's AI session debugs). */
export const DEMO_CORE_SERVICE_APPLICATION_YML = `spring:
  application:
    name: core-service
  datasource:
    url: jdbc:postgresql://\${DB_HOST:postgres}:5432/core
    username: \${DB_USER:core}
    password: \${DB_PASSWORD}
    hikari:
      maximum-pool-size: \${HIKARI_MAX_POOL:10}
      minimum-idle: \${HIKARI_MIN_IDLE:5}
      connection-timeout: 30000
server:
  port: 8080
management:
  endpoints:
    web:
      exposure:
        include: health,prometheus
`;

/**
 * core-service's Maven build: Spring Boot, HikariCP, the PostgreSQL driver and a few more, some a patch or a minor
 * behind and HikariCP a major behind the LOCAL FAKE package registry (local/fakes/package-registry-server.ts),
 * versions written directly and through properties (testcontainers' shared by two artifacts): what `upgrade` reads.
 */
export const DEMO_CORE_SERVICE_POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>

  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.3.4</version>
    <relativePath/>
  </parent>

  <groupId>dev.apollo.demo</groupId>
  <artifactId>core-service</artifactId>
  <version>1.0.5-SNAPSHOT</version>
  <name>core-service</name>
  <description>Accounts, tenants and the domain model every other service builds on.</description>

  <properties>
    <java.version>21</java.version>
    <!-- The connection pool the DatabaseConnectionExhausted runbook is about. -->
    <hikaricp.version>5.0.1</hikaricp.version>
    <postgresql.version>42.7.2</postgresql.version>
    <testcontainers.version>1.19.7</testcontainers.version>
  </properties>

  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-data-jpa</artifactId>
      <exclusions>
        <exclusion>
          <groupId>com.zaxxer</groupId>
          <artifactId>HikariCP</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-actuator</artifactId>
    </dependency>
    <dependency>
      <groupId>com.zaxxer</groupId>
      <artifactId>HikariCP</artifactId>
      <version>\${hikaricp.version}</version>
    </dependency>
    <dependency>
      <groupId>org.postgresql</groupId>
      <artifactId>postgresql</artifactId>
      <version>\${postgresql.version}</version>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.mapstruct</groupId>
      <artifactId>mapstruct</artifactId>
      <version>1.5.5.Final</version>
    </dependency>
    <dependency>
      <groupId>org.testcontainers</groupId>
      <artifactId>postgresql</artifactId>
      <version>\${testcontainers.version}</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.testcontainers</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>\${testcontainers.version}</version>
      <scope>test</scope>
    </dependency>
  </dependencies>

  <build>
    <plugins>
      <plugin>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-maven-plugin</artifactId>
      </plugin>
    </plugins>
  </build>
</project>
`;

/** The frontend's npm manifest: React, a few libraries and tools, some behind the LOCAL FAKE package registry. */
export const DEMO_FRONTEND_PACKAGE_JSON = `{
  "name": "frontend",
  "version": "2.14.0",
  "private": true,
  "type": "module",
  "scripts": {
    "dev": "vite",
    "build": "tsc -b && vite build",
    "test": "vitest run"
  },
  "dependencies": {
    "@tanstack/react-query": "^5.28.0",
    "axios": "^1.6.7",
    "react": "^18.2.0",
    "react-dom": "^18.2.0",
    "zod": "~3.22.4"
  },
  "devDependencies": {
    "eslint": "8.57.0",
    "typescript": "~5.4.5",
    "vite": "^5.2.0",
    "vitest": "^1.5.0"
  }
}
`;

export const DEMO_REPOS: readonly FakeRepo[] = [
  {
    name: 'core-service',
    files: {
      'apollo.yaml': DEMO_CORE_SERVICE_MANIFEST,
      'docs/runbooks/high-error-rate.md': runbook('High error rate', '1. Open the service dashboard and compare the 5xx rate with the last deploy.\n2. If a deploy preceded the spike, roll it back from Deploy Center.\n3. Otherwise check postgres and redis health on the service page.'),
      'docs/runbooks/db-pool-exhausted.md': runbook('Database connection pool exhausted', '1. Check active connections on postgres.\n2. Restart the pods holding the most connections.\n3. Raise `maxPoolSize` only with the DBA on call.'),
      // The Spring Boot configuration whose HikariCP pool the AI console's transcript raises (10 → 15) through a code change.
      'src/main/resources/application.yml': DEMO_CORE_SERVICE_APPLICATION_YML,
      // Its Maven build, whose dependencies `upgrade` checks against the LOCAL FAKE package registry.
      'pom.xml': DEMO_CORE_SERVICE_POM,
    },
  },
  // The frontend's repository: no apollo.yaml (the seed registers the service), its package.json for `upgrade`.
  { name: 'frontend', files: { 'package.json': DEMO_FRONTEND_PACKAGE_JSON, 'README.md': '# Frontend\n\nThe customer-facing web application (a LOCAL FAKE repository).\n' } },
  {
    name: 'ledger-api',
    files: {
      'apollo.yaml': `apiVersion: apollo/v1
kind: Service
metadata:
  name: ledger-api
  displayName: Ledger API
  description: Double-entry ledger behind payouts and refunds (discovered from the local fake GitHub).
  team: payments
  tier: critical
  tags: [payments, pci]
spec:
  language: kotlin
  framework: ktor
  healthCheck: /health
  dependencies:
    - service: core-service
      type: runtime
  runbooks:
    - trigger: LedgerImbalance
      path: runbooks/ledger-imbalance.md
      automatable: false
  environments:
    - name: staging
      cluster: apollo-staging
      namespace: payments
    - name: prod
      cluster: apollo-prod
      namespace: payments
`,
      'runbooks/ledger-imbalance.md': runbook('Ledger imbalance', 'Freeze payouts, then run the reconciliation report for the last hour.'),
    },
  },
  {
    name: 'email-digest',
    files: {
      'apollo.yaml': `apiVersion: apollo/v1
kind: Service
metadata:
  name: email-digest
  team: growth
  tier: experimental
spec:
  language: typescript
  framework: node
`,
    },
  },
  {
    // Invalid on purpose: the sync reports it with the schema paths at fault.
    name: 'legacy-reports',
    files: {
      'apollo.yaml': `apiVersion: apollo/v1
kind: Service
metadata:
  name: legacy-reports
  team: data
  tier: gold
  owner: sam
spec:
  language: python
`,
    },
  },
  { name: 'handbook', files: { 'README.md': '# Handbook\n\nNo apollo.yaml here: discovery skips it.\n' } },
];

/** The demo catalog repository: the self-service offerings as platform teams keep them in Git. */
export const DEMO_CATALOG_REPO = 'platform-catalog';

/** Who owns the demo catalog's documents (the refresh reads it; the last matching line wins). */
export const DEMO_CATALOG_CODEOWNERS = `# The self-service catalog: each offering belongs to the team that fulfils it.
# Apollo's catalog refresh reads this file; the last matching pattern wins.
*                @apollo-demo/platform
/catalog/        @apollo-demo/platform
`;

/**
 * The demo's dispatchable workflow. It declares `apollo_request` and names its runs with it: Apollo
 * finds the run it started by that name when GitHub does not say (an older GitHub Enterprise) and
 * after a crash between dispatching and recording, so a retry never starts a second run.
 */
export const DEMO_CREATE_SERVICE_WORKFLOW = `name: Create service
run-name: "Create \${{ inputs.name }} (\${{ inputs.apollo_request }})"
on:
  workflow_dispatch:
    inputs:
      name: { description: The service's name, required: true, type: string }
      description: { description: What it does, required: false, type: string }
      team: { description: The owning team, required: false, type: string }
      language: { description: Its language, required: false, type: string }
      features: { description: Features as a JSON list, required: false, type: string, default: "[]" }
      tier: { description: Its tier, required: false, type: string }
      request_id: { description: The Apollo request, required: false, type: string }
      apollo_request: { description: Apollo's idempotency key (the run's name carries it), required: false, type: string }
jobs:
  create:
    runs-on: ubuntu-latest
    steps:
      - run: echo "LOCAL FAKE - creating \${{ inputs.name }} for \${{ inputs.team }}"
`;

/** The demo's other dispatchable workflow: the new-microservice example's rollback archives what create-service made. */
export const DEMO_ARCHIVE_SERVICE_WORKFLOW = `name: Archive service
run-name: "Archive \${{ inputs.name }} (\${{ inputs.apollo_request }})"
on:
  workflow_dispatch:
    inputs:
      name: { description: The service's repository, required: true, type: string }
      reason: { description: Why it is archived, required: false, type: string }
      apollo_request: { description: Apollo's idempotency key (the run's name carries it), required: false, type: string }
jobs:
  archive:
    runs-on: ubuntu-latest
    steps:
      - run: echo "LOCAL FAKE - archiving \${{ inputs.name }}"
`;

/** A workflow without workflow_dispatch: dispatching it is refused (422). */
export const DEMO_CI_WORKFLOW = `name: CI
on:
  push:
    branches: [main]
jobs:
  validate:
    runs-on: ubuntu-latest
    steps:
      - run: echo "LOCAL FAKE - validating the catalog"
`;

/** examples/catalog/*.yaml as the catalog repository's catalog/ directory, plus CODEOWNERS, a README and the workflows. */
export function demoCatalogRepo(examples = fileURLToPath(new URL('../../examples/catalog', import.meta.url))): FakeRepo {
  const files: Record<string, string> = {
    '.github/CODEOWNERS': DEMO_CATALOG_CODEOWNERS,
    '.github/workflows/create-service.yml': DEMO_CREATE_SERVICE_WORKFLOW,
    '.github/workflows/archive-service.yml': DEMO_ARCHIVE_SERVICE_WORKFLOW,
    '.github/workflows/ci.yml': DEMO_CI_WORKFLOW,
    'README.md': '# Platform catalog\n\nSelf-service offerings (Schema v2.0), one YAML file each under catalog/. A FAKE repository served by Apollo\'s local runtime.\n',
  };
  let names: string[] = [];
  try {
    names = readdirSync(examples).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch {
    // No examples on disk: an empty catalog.
  }
  for (const name of names) files[`catalog/${name}`] = readFileSync(join(examples, name), 'utf8');
  return { name: DEMO_CATALOG_REPO, files };
}

// ---------------------------------------------------------------- the GitOps repository

/** The demo GitOps repository: each demo service's Helm values per environment, where deployments commit. */
export const DEMO_GITOPS_REPO = 'gitops';
/** Its values files' path (the adapter's default, APOLLO_GITOPS_PATH unset). */
export const DEMO_GITOPS_PATH = DEFAULT_GITOPS_PATH;

export const DEMO_GITOPS_README = `# GitOps

The desired state of every apollo-demo service, one Helm values file per environment:
\`apps/<service>/<environment>/values.yaml\`. Argo CD applies what the default branch says.

Apollo's deployments change \`image.tag\`, \`replicaCount\` and the restart annotation
\`podAnnotations["apollo.dev/restartedAt"]\`: non-production straight on \`main\`, production through a pull
request from \`apollo/deploy/<deployment>\`, merged once approved. Their commits end with the trailer
\`Apollo-Deployment: <id>\`. Everything else in a values file belongs to the owning team.

A LOCAL FAKE repository served by Apollo's local runtime.
`;

/** The image repository a demo environment's values file names (the simulated Argo CD runs the same). */
export const demoImageRepository = (deployment: Pick<DemoDeployment, 'service' | 'namespace'>): string => `registry.apollo-demo.example/${deployment.namespace}/${deployment.service}`;

/** A demo environment's values file at a tag and a replica count. */
export function demoValuesFile(deployment: DemoDeployment, imageTag = deployment.imageTag, replicas = deployment.replicas): string {
  const { service, environment, namespace, port, resources, cluster } = deployment;
  return `# ${service} in ${environment}: Helm values (cluster ${cluster}, namespace ${namespace}).
# Apollo's deployments set image.tag, replicaCount and the restart annotation; the rest is the team's.
image:
  repository: ${demoImageRepository({ service, namespace })}
  tag: ${imageTag}
  pullPolicy: IfNotPresent
replicaCount: ${replicas}
service:
  port: ${port}
podAnnotations: {}
resources:
  requests:
    cpu: "${resources.cpu.request}"
    memory: ${resources.memory.request}
  limits:
    cpu: "${resources.cpu.limit}"
    memory: ${resources.memory.limit}
`;
}

/**
 * core-service's earlier versions per environment, oldest first (its current ones, v1.0.3 in prod, v1.0.4
 * in staging and v1.0.5 in dev, are the catalog's): what "pick a version from the GitOps history" offers.
 * A replica count with a tag is a scale commit when the tag is the one before.
 */
export const DEMO_CORE_SERVICE_HISTORY: Readonly<Record<'prod' | 'staging' | 'dev', ReadonlyArray<{ readonly imageTag: string; readonly replicas?: number }>>> = {
  prod: [{ imageTag: 'v0.9.2' }, { imageTag: 'v0.9.2', replicas: 4 }, { imageTag: 'v0.9.2', replicas: 3 }, { imageTag: 'v1.0.1' }],
  staging: [{ imageTag: 'v0.9.2' }, { imageTag: 'v1.0.1' }, { imageTag: 'v1.0.3' }],
  dev: [{ imageTag: 'v1.0.1' }, { imageTag: 'v1.0.2' }, { imageTag: 'v1.0.3' }, { imageTag: 'v1.0.4' }],
};

const DAY_MS = 86_400_000;

/** A deployer as a Git signature (the seed's deployers are emails or `github-actions`). */
function signatureOf(deployer: string, date: string): FakeSignature {
  if (!deployer.includes('@')) return { name: `${deployer}[bot]`, email: `${deployer}[bot]@users.noreply.github.com`, date };
  return { name: deployer.split('@')[0]!, email: deployer, date };
}

/**
 * Puts the GitOps repository in the fake with a history that agrees with the seeded catalog: a first
 * commit, core-service's earlier versions, then, for every service and environment, the commit that set
 * what the catalog says it runs, at the time the catalog says, by the person it names, with the commit
 * id the catalog records (so "the environment's git commit" is a commit of this repository).
 */
export function seedDemoGitOps(fake: FakeGitHub, now = Date.now()): void {
  const deployments = demoDeployments(now);
  type Change = { at: number; path: string; text: string; message: string; author: FakeSignature; sha?: string };
  const changes: Change[] = [];
  const pathOf = (d: DemoDeployment) => DEMO_GITOPS_PATH.replace('{service}', d.service).replace('{environment}', d.environment);
  for (const d of deployments) {
    const deployedAt = Date.parse(d.deployedAt);
    if (d.service === 'core-service') {
      const earlier = DEMO_CORE_SERVICE_HISTORY[d.environment];
      earlier.forEach((version, i) => {
        const at = deployedAt - (earlier.length - i) * 2 * DAY_MS - 3 * 3_600_000;
        const previous = earlier[i - 1];
        const replicas = version.replicas ?? d.replicas;
        const message = previous && previous.imageTag === version.imageTag
          ? `scale ${d.service} to ${replicas} in ${d.environment}`
          : `deploy ${d.service} ${version.imageTag} to ${d.environment}`;
        const author = signatureOf(['dana@apollo.local', 'operator@apollo.local', 'github-actions'][i % 3]!, new Date(at).toISOString());
        changes.push({ at, path: pathOf(d), text: demoValuesFile(d, version.imageTag, replicas), message, author });
      });
    }
    changes.push({
      at: deployedAt, path: pathOf(d), text: demoValuesFile(d), message: `deploy ${d.service} ${d.imageTag} to ${d.environment}`,
      author: signatureOf(d.deployedBy, d.deployedAt), sha: d.gitCommit,
    });
  }
  changes.sort((a, b) => a.at - b.at);
  const first = new Date(changes[0]!.at - DAY_MS).toISOString();
  fake.putRepo({ name: DEMO_GITOPS_REPO, files: { 'README.md': DEMO_GITOPS_README } }, { message: 'Initial commit', author: { name: 'platform', email: 'platform@apollo.local', date: first } });
  for (const c of changes) fake.commit(DEMO_GITOPS_REPO, c.path, c.text, { message: c.message, author: c.author, ...(c.sha ? { sha: c.sha } : {}) });
}

/**
 * What the demo GitOps repository says of a service's environment, at `revision` or the head (in
 * process, no HTTP): the SIMULATED Argo CD's `readValues`. Undefined when the environment has no values file.
 */
export function demoGitOpsValues(fake: FakeGitHub): (service: string, environment: string, revision?: string) => Promise<{ imageTag?: string; replicas?: number; restartedAt?: string; revision: string } | undefined> {
  return async (service, environment, revision) => {
    const path = DEMO_GITOPS_PATH.replace('{service}', service).replace('{environment}', environment);
    const sha = revision ?? fake.headOf(DEMO_GITOPS_REPO);
    const text = sha === undefined ? undefined : fake.fileAt(DEMO_GITOPS_REPO, path, sha);
    return text === undefined || sha === undefined ? undefined : { ...readValues(text, path), revision: sha };
  };
}

/** Where, in $APOLLO_HOME, the demo GitOps repository's commits, branches and pull requests are kept. */
export const GITOPS_STATE_FILE = 'github-gitops.json';

export interface DemoGitHub {
  readonly fake: FakeGitHub;
  readonly webhookSecret: string;
}

/**
 * Starts the fake with the demo organisation and points discovery at it (the environment the
 * handlers read), unless a real organisation is configured. The webhook secret is kept in
 * `$APOLLO_HOME/github-webhook-secret` so signed test deliveries keep working across restarts.
 */
export async function startDemoGitHub(home: string | undefined): Promise<DemoGitHub | undefined> {
  if ((process.env.APOLLO_GITHUB_ORG || process.env.APOLLO_CATALOG_REPO || process.env.APOLLO_GITOPS_REPO) && !process.env.APOLLO_GITHUB_FAKE) return undefined;
  const token = `fake_${randomBytes(16).toString('hex')}`;
  let webhookSecret = randomBytes(24).toString('hex');
  if (home) {
    const file = join(home, 'github-webhook-secret');
    try {
      webhookSecret = readFileSync(file, 'utf8').trim() || webhookSecret;
    } catch {
      writeFileSync(file, `${webhookSecret}\n`, { mode: 0o600 });
    }
  }
  const fake = await FakeGitHub.start({ org: DEMO_ORG, tokens: [token], repos: [...DEMO_REPOS, demoCatalogRepo()] });
  // The GitOps repository outlives a restart, as the catalog does: deployments' commits are kept in $APOLLO_HOME.
  const gitopsState = home ? join(home, GITOPS_STATE_FILE) : undefined;
  if (!gitopsState || !fake.restoreRepo(DEMO_GITOPS_REPO, gitopsState)) seedDemoGitOps(fake);
  if (gitopsState) fake.keepRepo(DEMO_GITOPS_REPO, gitopsState);
  const runMs = Number(process.env.APOLLO_GITHUB_FAKE_RUN_MS ?? 1500);
  if (Number.isFinite(runMs) && runMs >= 0) fake.runTiming = { queuedMs: Math.round(runMs / 3), inProgressMs: runMs - Math.round(runMs / 3) };
  Object.assign(process.env, {
    APOLLO_GITHUB_FAKE: '1',
    APOLLO_GITHUB_ORG: DEMO_ORG,
    APOLLO_CATALOG_REPO: `${DEMO_ORG}/${DEMO_CATALOG_REPO}`,
    APOLLO_CATALOG_PATH: 'catalog',
    APOLLO_GITOPS_REPO: `${DEMO_ORG}/${DEMO_GITOPS_REPO}`,
    APOLLO_GITHUB_API_URL: fake.url,
    APOLLO_GITHUB_TOKEN: token,
    APOLLO_GITHUB_WEBHOOK_SECRET: webhookSecret,
  });
  // Every GitHub integration reads the credentials just set (not ones cached from an earlier start);
  // discovery and the catalog refresh re-read their settings in their contexts' local hooks.
  const { configureGitHubCredentials } = await import('../../functions/lib/github/credentials.ts');
  configureGitHubCredentials(undefined);
  return { fake, webhookSecret };
}

/** The terminal's line about it: where it is and its page (the workflow runs requests dispatch, how to make one fail). */
export function localGitHubBanner(github: DemoGitHub): string {
  return `GitHub: a LOCAL FAKE GitHub at ${github.fake.url}/ (organisation ${github.fake.org}; APOLLO_GITHUB_API_URL; its page lists the workflow runs requests dispatch, with their inputs and outcome, and how to make the next one fail); it sends their workflow_run webhooks to Apollo, signed; deployments commit to its GitOps repository ${github.fake.org}/${DEMO_GITOPS_REPO} (APOLLO_GITOPS_REPO; its commits and pull requests at ${github.fake.url}/${github.fake.org}/${DEMO_GITOPS_REPO}; a commit made through its API with the fake's token ${process.env.APOLLO_GITHUB_TOKEN ?? '(none)'} is pushed to Apollo as GitHub would)`;
}
