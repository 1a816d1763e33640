/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy -c stage=prod`). Settings come from CDK context
 * (`-c key=value` or cdk.json):
 *   stage                  dev (default), staging, prod…
 *   region                 default: the CLI's (CDK_DEFAULT_REGION); unset offline → an environment-agnostic stack
 *   allowedOrigin          the web app's origin; required for prod
 *   trustedPrincipalArns   comma-separated; default: the account root
 *   vpcId                  put the Lambdas in this VPC
 *   subnetIds              comma-separated private subnets there; without them the VPC is looked up (needs credentials)
 *   securityGroupIds       comma-separated; default: one per function, outbound only
 *   vpcFunctions           comma-separated functions to put there; default: all
 *   healthClusters         comma-separated EKS clusters the health poll may describe; default: all in the account and region
 *   egressAllow            comma-separated CIDRs, host names (*.suffix too) and URL prefixes the health poll and the requests' actions may call besides public addresses (APOLLO_EGRESS_ALLOW), e.g. 10.20.0.0/16 for endpoints in the VPC; default: none
 *   logGroupTemplate       the services' log groups, comma-separated templates over {service} {environment} {cluster} {namespace}; default /apollo/{environment}/{service}
 *   grafanaUrl, grafanaDatasource, jaegerUrl, axiomOrg, axiomDataset   the consoles the observability hub's deep links open
 *   logsBackend            cloudwatch (default) or axiom: where log searches run (axiom: axiomDataset and axiomTokenSecretArn)
 *   axiomTokenSecretArn    the Secrets Manager secret with the Axiom API token (allowed to query that dataset only)
 *   tracesBackend          xray (default), jaeger (jaegerUrl: the query service) or tempo (tempoUrl)
 *   tempoUrl, tempoTenant, tracesAuthSecretArn, grafanaTracesDatasource, tracesEnvironmentAttribute   Tempo's query frontend and tenant, Jaeger's/Tempo's credentials secret, Tempo's Grafana data source, the span attribute naming the environment
 *   aiProvider             anthropic (with anthropicKeySecretArn) or bedrock: the AI console's model; default none (commands print findings only)
 *   anthropicKeySecretArn, anthropicBaseUrl, aiModel, aiModelLarge, aiModelSmall   the Anthropic API key's secret, a proxy, the model ids
 *   secretsEnvironments    JSON {"<env>": {"region": "…", "roleArn": "arn:aws:iam::<acct>:role/…"}}: environments whose secrets are in another account or region (that role trusts the stack's functions with sts:SetSourceIdentity); default: all here, through apollo-<stage>-secrets
 *   costsStorageRegions    comma-separated regions whose unattached EBS volumes and old snapshots the cost recommendations list; default: the stack's region
 *   costsAllocationUrls    JSON {"<cluster>": "http://opencost.opencost.svc:9003"}: each EKS cluster's OpenCost (or Kubecost) reachable from the jobs Lambda (vpcFunctions); default: none (no idle cost or Kubernetes right-sizing)
 *   costsAllocationKind    opencost (default) or kubecost
 *   costsAnomalyMonitorArn the Cost Anomaly Detection monitor to read; default: every monitor
 *   githubOrg              the GitHub organisation service discovery scans; default: none (discovery answers 503)
 *   githubSecret           the Secrets Manager secret with the GitHub credentials; default apollo/<stage>/github
 *   githubApiUrl           GitHub Enterprise Server's API (https://<host>/api/v3); default https://api.github.com
 *   catalogRepo            the self-service catalog's Git repository (owner/name); default: none (a refresh answers 503)
 *   catalogPath            the directory of its documents; default catalog
 *   gitopsRepo             the GitOps repository (owner/name) deployments commit to; default: none (a deployment answers 503)
 *   gitopsPath             its values file per service and environment; default apps/{service}/{environment}/values.yaml
 *   gitopsProdMode         pull-request (default: production changes merge once approved) or commit
 *   argocdUrl              Argo CD's https address; default: none (rollouts are read from the EKS clusters' Kubernetes API)
 *   webUrl                 the web app's address, for links in commits and pull requests
 *   metrics                what canary analysis reads: prometheus, amp or cloudwatch; default: none (no canary analysis)
 *   prometheusUrl          metrics=prometheus: the Prometheus API's base URL, reachable from the Lambdas
 *   ampWorkspaceUrl        metrics=amp: https://aps-workspaces.<region>.amazonaws.com/workspaces/<id> (aps:QueryMetrics on it is granted)
 *   cloudwatchNamespace    metrics=cloudwatch: the services' RequestCount/ErrorCount/Latency namespace; default Apollo/Services
 *   promqlRequests, promqlErrorRate, promqlP99Ms   PromQL replacing the default queries ({service} {environment} {version} {range}…)
 *   auditRetentionDays     Object Lock days of the audit archive; default 2557 (7 years): lower it for a throwaway stage
 *   trail                  false to skip the CloudTrail trail (an organization trail records the account)
 *   webDist                the built web app to publish; default web/dist, (re)built here (npm run build:web) when missing or stale
 *   publicUrl              Apollo's public base URL for outside systems' webhooks (a custom domain); default the API's execute-api URL
 * Synth needs no credentials and no network unless vpcId is given without subnetIds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ApolloStack } from './apollo-stack.ts';
import { PROJECT_ROOT, type BuildInfo, type FunctionName } from './functions.ts';
import { addNagPacks } from './nag.ts';
import { webBuildReason } from '../local/web.ts';
import { DEFAULT_WEB_DIST } from './web-hosting.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const list = (key: string): string[] | undefined => context(key)?.split(',').map((s) => s.trim()).filter(Boolean);

const stage = context('stage') ?? 'dev';
const vpcId = context('vpcId');
const webDist = context('webDist') === undefined ? ensureWebBuild() : resolve(PROJECT_ROOT, context('webDist')!);
new ApolloStack(app, `Apollo-${stage}`, {
  stage,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: context('region') ?? process.env.CDK_DEFAULT_REGION },
  allowedOrigin: context('allowedOrigin'),
  trustedPrincipalArns: list('trustedPrincipalArns'),
  network: vpcId
    ? { vpcId, subnetIds: list('subnetIds'), securityGroupIds: list('securityGroupIds'), functions: list('vpcFunctions') as FunctionName[] | undefined }
    : undefined,
  healthClusters: list('healthClusters'),
  egressAllow: context('egressAllow'),
  logGroupTemplate: context('logGroupTemplate'),
  consoles: { grafanaUrl: context('grafanaUrl'), grafanaDatasource: context('grafanaDatasource'), jaegerUrl: context('jaegerUrl'), axiomOrg: context('axiomOrg'), axiomDataset: context('axiomDataset'),
    logsBackend: context('logsBackend') as 'cloudwatch' | 'axiom' | undefined, axiomTokenSecretArn: context('axiomTokenSecretArn'),
    tracesBackend: context('tracesBackend') as 'xray' | 'jaeger' | 'tempo' | undefined, tempoUrl: context('tempoUrl'), tracesAuthSecretArn: context('tracesAuthSecretArn'), grafanaTracesDatasource: context('grafanaTracesDatasource'),
    tempoTenant: context('tempoTenant'), tracesEnvironmentAttribute: context('tracesEnvironmentAttribute') },
  ai: { provider: context('aiProvider') as 'anthropic' | 'bedrock' | undefined, anthropicKeySecretArn: context('anthropicKeySecretArn'), anthropicBaseUrl: context('anthropicBaseUrl'),
    model: context('aiModel'), modelLarge: context('aiModelLarge'), modelSmall: context('aiModelSmall') },
  secrets: { environments: context('secretsEnvironments') === undefined ? undefined : JSON.parse(context('secretsEnvironments')!) as Record<string, { region: string; roleArn: string }> },
  costs: { storageRegions: list('costsStorageRegions'), allocationUrls: context('costsAllocationUrls') === undefined ? undefined : JSON.parse(context('costsAllocationUrls')!) as Record<string, string>,
    allocationKind: context('costsAllocationKind') as 'opencost' | 'kubecost' | undefined, anomalyMonitorArn: context('costsAnomalyMonitorArn') },
  discovery: { org: context('githubOrg'), secretName: context('githubSecret'), apiUrl: context('githubApiUrl') },
  catalog: { repo: context('catalogRepo'), path: context('catalogPath') },
  deployments: { gitopsRepo: context('gitopsRepo'), gitopsPath: context('gitopsPath'), prodMode: context('gitopsProdMode') as 'pull-request' | 'commit' | undefined, argocdUrl: context('argocdUrl'), webUrl: context('webUrl'),
    metrics: context('metrics') as 'prometheus' | 'amp' | 'cloudwatch' | undefined, prometheusUrl: context('prometheusUrl'), ampWorkspaceUrl: context('ampWorkspaceUrl'), cloudwatchNamespace: context('cloudwatchNamespace'),
    promql: { requests: context('promqlRequests'), errorRate: context('promqlErrorRate'), p99Ms: context('promqlP99Ms') } },
  trail: context('trail') !== 'false',
  auditRetentionDays: context('auditRetentionDays') === undefined ? undefined : Number(context('auditRetentionDays')),
  build: buildInfo(),
  webDist,
  publicUrl: context('publicUrl'),
});
addNagPacks(app);

/**
 * The web app is part of the deployment: synth builds web/dist when it is missing or older than the
 * web sources (the same rule `npm start` follows), so a deploy never publishes a stale app.
 */
function ensureWebBuild(): string {
  const reason = webBuildReason();
  if (!reason) return DEFAULT_WEB_DIST;
  console.error(`${reason}: running npm run build:web`);
  // stdout belongs to the CDK CLI: the build's output goes to stderr.
  execFileSync('npm', ['run', 'build:web'], { cwd: PROJECT_ROOT, stdio: ['ignore', 2, 2] });
  if (!existsSync(join(DEFAULT_WEB_DIST, 'index.html'))) throw new Error(`npm run build:web did not produce ${join(DEFAULT_WEB_DIST, 'index.html')}`);
  return DEFAULT_WEB_DIST;
}

/** The version from package.json, the commit from git (when there is one), the time of this synth. */
function buildInfo(): BuildInfo {
  const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    // Not a git checkout (a source archive): the version still says what this is.
  }
  return { version, commit, buildTime: process.env.APOLLO_BUILD_TIME ?? new Date().toISOString() };
}
