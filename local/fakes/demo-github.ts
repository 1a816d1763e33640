/**
 * The local runtime's GitHub: a fake GitHub API on loopback (github-server.ts) holding a demo
 * organisation, so discovery and the catalog refresh work in `npm start` with no account. It is a
 * fake and says so: the start banner, the org name (`apollo-demo`) and every repository URL. Its
 * catalog repository `apollo-demo/platform-catalog` serves examples/catalog/*.yaml (read from disk at
 * start) under catalog/, with a CODEOWNERS, and the GitHub Actions workflows the platform team's
 * offerings dispatch (`create-service.yml` and `archive-service.yml`, which a github-workflow action can
 * run, and `ci.yml`, which it cannot: no workflow_dispatch). Their runs take APOLLO_GITHUB_FAKE_RUN_MS (default 1500)
 * and are reported to Apollo's GitHub webhook once the runtime listens. Set APOLLO_GITHUB_ORG and/or
 * APOLLO_CATALOG_REPO (with APOLLO_GITHUB_TOKEN or $APOLLO_HOME/github.json) before `npm start` to read
 * real ones instead.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGitHub, type FakeRepo } from './github-server.ts';

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

export const DEMO_REPOS: readonly FakeRepo[] = [
  {
    name: 'core-service',
    files: {
      'apollo.yaml': DEMO_CORE_SERVICE_MANIFEST,
      'docs/runbooks/high-error-rate.md': runbook('High error rate', '1. Open the service dashboard and compare the 5xx rate with the last deploy.\n2. If a deploy preceded the spike, roll it back from Deploy Center.\n3. Otherwise check postgres and redis health on the service page.'),
      'docs/runbooks/db-pool-exhausted.md': runbook('Database connection pool exhausted', '1. Check active connections on postgres.\n2. Restart the pods holding the most connections.\n3. Raise `maxPoolSize` only with the DBA on call.'),
    },
  },
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
  if ((process.env.APOLLO_GITHUB_ORG || process.env.APOLLO_CATALOG_REPO) && !process.env.APOLLO_GITHUB_FAKE) return undefined;
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
  const runMs = Number(process.env.APOLLO_GITHUB_FAKE_RUN_MS ?? 1500);
  if (Number.isFinite(runMs) && runMs >= 0) fake.runTiming = { queuedMs: Math.round(runMs / 3), inProgressMs: runMs - Math.round(runMs / 3) };
  Object.assign(process.env, {
    APOLLO_GITHUB_FAKE: '1',
    APOLLO_GITHUB_ORG: DEMO_ORG,
    APOLLO_CATALOG_REPO: `${DEMO_ORG}/${DEMO_CATALOG_REPO}`,
    APOLLO_CATALOG_PATH: 'catalog',
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
  return `GitHub: a LOCAL FAKE GitHub at ${github.fake.url}/ (organisation ${github.fake.org}; APOLLO_GITHUB_API_URL; its page lists the workflow runs requests dispatch, with their inputs and outcome, and how to make the next one fail); it sends their workflow_run webhooks to Apollo, signed`;
}
