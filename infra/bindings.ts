/**
 * What a context's descriptor may ask for by name (`bindings` in functions/<context>/context.ts, and
 * on each of its jobs for the jobs Lambda), each turned here into exactly its permissions and the
 * environment variables that name its resources. Infra names no context: it binds what descriptors
 * declare (ApolloStack loops over them).
 */
import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { ArnPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Binding } from '#lib/context';
import { EGRESS_ALLOW_ENV, parseEgressAllow } from '#lib/egress';
import { CONTEXTS } from '#shared/routes';
import type { ApolloFunction } from './apollo-function.ts';
import type { ApolloAudit } from './audit.ts';
import { wildcardFinding } from './nag.ts';
import type { ApolloWebIdentity } from './web-identity.ts';

export interface GitHubSettings {
  /** The GitHub organisation to scan. @default - none: a sync answers 503 saying what to set, the hourly run does nothing */
  readonly org?: string;
  /** The credentials secret's name (`{ "token" }` or a GitHub App's `{ "appId", "privateKey", "installationId" }`, plus `"webhookSecret"`). @default `apollo/<stage>/github` */
  readonly secretName?: string;
  /** The GitHub API. @default https://api.github.com (GitHub Enterprise Server: https://<host>/api/v3) */
  readonly apiUrl?: string;
}

export interface CatalogRepositorySettings {
  /** The self-service catalog's repository, `owner/name`. @default - none: the refresh answers 503 saying what to set */
  readonly repo?: string;
  /** The directory of its documents. @default catalog */
  readonly path?: string;
}

export interface DeploymentTargetSettings {
  /** The GitOps repository, `owner/name`, holding each service's values per environment. @default - none: a deployment answers 503 saying what to set */
  readonly gitopsRepo?: string;
  /** The values file's path template. @default apps/{service}/{environment}/values.yaml */
  readonly gitopsPath?: string;
  /** Production changes as a pull request merged once approved (default), or a commit. */
  readonly prodMode?: 'pull-request' | 'commit';
  /** Argo CD's address; without it the rollout is read from the EKS clusters' Kubernetes API. */
  readonly argocdUrl?: string;
  /** The web app's address, for links in commits and pull requests. */
  readonly webUrl?: string;
  /** What canary analysis reads (APOLLO_METRICS, functions/deployments/adapters/metrics.ts). @default - none: no canary analysis */
  readonly metrics?: 'prometheus' | 'amp' | 'cloudwatch';
  /** `metrics: prometheus`: the Prometheus API's base URL (reachable from the Lambdas). */
  readonly prometheusUrl?: string;
  /** `metrics: amp`: the Amazon Managed Prometheus workspace, `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>` (aps:QueryMetrics on it is granted). */
  readonly ampWorkspaceUrl?: string;
  /** `metrics: cloudwatch`: the services' metrics namespace. @default Apollo/Services */
  readonly cloudwatchNamespace?: string;
  /** PromQL replacing the defaults (APOLLO_PROMQL_REQUESTS, …_ERROR_RATE, …_P99_MS). */
  readonly promql?: { readonly requests?: string; readonly errorRate?: string; readonly p99Ms?: string };
}

const METRICS_SOURCES = ['prometheus', 'amp', 'cloudwatch'];
/** An AMP workspace URL: its region and id (the console's query URL, ending /api/v1/query, too). */
const AMP_WORKSPACE_URL = /^https:\/\/aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com\/workspaces\/(ws-[A-Za-z0-9-]+)(\/api\/v1(\/\S*)?)?\/?$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

export interface ApolloBindingsProps {
  readonly stage: string;
  /** The REST API's name (its CloudWatch metrics). */
  readonly apiName: string;
  /** The Lambda that `job-dispatch` hands work to. */
  readonly jobs: ApolloFunction;
  readonly audit: ApolloAudit;
  readonly webIdentity: ApolloWebIdentity;
  readonly github?: GitHubSettings;
  readonly catalog?: CatalogRepositorySettings;
  readonly deployments?: DeploymentTargetSettings;
  /** The EKS clusters the health poll reads. @default - every cluster of the account and region (`cluster/*`) */
  readonly healthClusters?: readonly string[];
  /**
   * Apollo's public base URL (`public-url`), e.g. the REST API's `https://<id>.execute-api.<region>.amazonaws.com/<stage>`
   * built from its id and stage name: the API's own `url` names its deployment stage, which depends on every
   * method and so on the functions behind them, a cycle once one of them is told the URL.
   */
  readonly publicUrl: string;
  /**
   * What the egress guard lets the requests' actions and the health poll call besides public addresses
   * (`egress-allow`: `APOLLO_EGRESS_ALLOW`, CIDRs, host names, `*.suffix`es and URL prefixes, checked here as at cold
   * start): a VPC's range, say, for health endpoints and action targets behind an internal load balancer.
   * @default - none: loopback, link-local (the metadata address), private and reserved addresses are refused
   */
  readonly egressAllow?: string;
  /**
   * Where the catalog services' logs are: `,`-separated log group templates over {service} {environment}
   * {cluster} {namespace}, each starting with a fixed prefix (the grant's scope). @default /apollo/{environment}/{service}
   */
  readonly logGroupTemplate?: string;
  /** The consoles the observability hub's deep links open (each unset: its link answers 400 saying what to set). */
  readonly consoles?: ConsoleSettings;
  /** The AI console's model (unset: no model; built-in commands print their findings without analysis). */
  readonly ai?: AiModelSettings;
  /** Where each environment's secrets are (unset environments: this account and region, through the stack's secrets role). */
  readonly secrets?: SecretsSettings;
  /** What the cost-ingest job reads beyond Cost Explorer. */
  readonly costs?: CostsSettings;
}

export interface CostsSettings {
  /** Regions whose unattached EBS volumes and old snapshots are recommended for deletion. @default - the stack's region */
  readonly storageRegions?: readonly string[];
  /** Each EKS cluster's OpenCost (or Kubecost) base URL, reachable from the jobs Lambda (put it in the VPC: `vpcFunctions`). @default - none: no idle cost, no Kubernetes right-sizing */
  readonly allocationUrls?: Readonly<Record<string, string>>;
  readonly allocationKind?: 'opencost' | 'kubecost';
  /** The Cost Anomaly Detection monitor to read. @default - every monitor of the account */
  readonly anomalyMonitorArn?: string;
}

export interface SecretsSettings {
  /** Environments whose Secrets Manager is elsewhere: another account's role (it trusts the stack's secrets role's principals with sts:SetSourceIdentity) and region. */
  readonly environments?: Readonly<Record<string, { readonly region: string; readonly roleArn: string }>>;
}

export interface AiModelSettings {
  /** anthropic (the Anthropic API, its key in anthropicKeySecretArn) or bedrock (Amazon Bedrock in this region). */
  readonly provider?: 'anthropic' | 'bedrock';
  /** The Secrets Manager secret holding the Anthropic API key (GetSecretValue on it is granted). */
  readonly anthropicKeySecretArn?: string;
  /** The Anthropic API's base URL (a proxy); default https://api.anthropic.com. */
  readonly anthropicBaseUrl?: string;
  /** Model ids: the default, the larger one (debug, incident, postmortem), the smaller one (explain, help). */
  readonly model?: string;
  readonly modelLarge?: string;
  readonly modelSmall?: string;
}

export interface ConsoleSettings {
  /** Grafana's address (Explore links). */
  readonly grafanaUrl?: string;
  /** The Grafana data source uid Explore opens. */
  readonly grafanaDatasource?: string;
  /** Jaeger's UI (trace links). */
  readonly jaegerUrl?: string;
  /** Axiom's organisation and dataset (APL links; with logsBackend axiom, the dataset queried). */
  readonly axiomOrg?: string;
  readonly axiomDataset?: string;
  /** Where log searches run: CloudWatch Logs Insights (default) or Axiom (APL; needs axiomDataset and axiomTokenSecretArn). */
  readonly logsBackend?: 'cloudwatch' | 'axiom';
  /** The Secrets Manager secret holding the Axiom API token (GetSecretValue on it is granted). */
  readonly axiomTokenSecretArn?: string;
  /** Where traces are read: X-Ray (default), Jaeger's query API (jaegerUrl) or Grafana Tempo (tempoUrl). */
  readonly tracesBackend?: 'xray' | 'jaeger' | 'tempo';
  /** Tempo's query frontend, reachable from the Lambdas. */
  readonly tempoUrl?: string;
  /** A Secrets Manager secret with Jaeger's or Tempo's credentials ("bearer <token>" or "basic <user>:<password>"). */
  readonly tracesAuthSecretArn?: string;
  /** The Grafana data source uid of Tempo, for trace links. */
  readonly grafanaTracesDatasource?: string;
  /** A multi-tenant Tempo's tenant (X-Scope-OrgID). */
  readonly tempoTenant?: string;
  /** The span attribute naming the environment. @default deployment.environment */
  readonly tracesEnvironmentAttribute?: string;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

const DEFAULT_LOG_GROUP_TEMPLATE = '/apollo/{environment}/{service}';
/** A template's fixed start: what `logs-read` is scoped to. */
const logGroupPrefix = (template: string): string => template.slice(0, template.indexOf('{'));

const GITHUB_ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const HTTPS_URL = /^https:\/\/[^\s/]+(\/\S*)?$/;
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;
const CLUSTER = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

/** Settings are checked once, when the stack is built: a wrong one fails `cdk synth`, not a sync at 3 a.m. */
function validate(props: ApolloBindingsProps): void {
  const { github = {}, catalog = {} } = props;
  if (github.org !== undefined && !GITHUB_ORG.test(github.org)) throw new Error(`githubOrg "${github.org}" is not a GitHub organisation name`);
  if (github.apiUrl !== undefined && !HTTPS_URL.test(github.apiUrl)) throw new Error(`githubApiUrl must be an https URL, not "${github.apiUrl}"`);
  if (catalog.repo !== undefined && !REPOSITORY.test(catalog.repo)) throw new Error(`catalogRepo "${catalog.repo}" is not a GitHub repository (owner/name)`);
  if (catalog.path !== undefined && (catalog.path.split('/').some((s) => s === '.' || s === '..') || !/^[^\s\\]*$/.test(catalog.path))) {
    throw new Error(`catalogPath "${catalog.path}" is not a directory of the repository`);
  }
  const { deployments = {} } = props;
  if (deployments.gitopsRepo !== undefined && !REPOSITORY.test(deployments.gitopsRepo)) throw new Error(`gitopsRepo "${deployments.gitopsRepo}" is not a GitHub repository (owner/name)`);
  if (deployments.gitopsPath !== undefined && (!deployments.gitopsPath.includes('{service}') || !deployments.gitopsPath.includes('{environment}') || deployments.gitopsPath.split('/').some((s) => s === '.' || s === '..'))) {
    throw new Error(`gitopsPath "${deployments.gitopsPath}" must be a path in the repository naming {service} and {environment}`);
  }
  if (deployments.prodMode !== undefined && !['pull-request', 'commit'].includes(deployments.prodMode)) throw new Error(`gitopsProdMode must be pull-request or commit, not "${deployments.prodMode}"`);
  if (deployments.argocdUrl !== undefined && !HTTPS_URL.test(deployments.argocdUrl)) throw new Error(`argocdUrl must be an https URL, not "${deployments.argocdUrl}"`);
  if (deployments.webUrl !== undefined && !HTTPS_URL.test(deployments.webUrl)) throw new Error(`webUrl must be an https URL, not "${deployments.webUrl}"`);
  validateMetrics(deployments);
  for (const template of (props.logGroupTemplate ?? DEFAULT_LOG_GROUP_TEMPLATE).split(',').map((t) => t.trim())) {
    const placeholders = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!);
    if (!placeholders.length || placeholders.some((p) => !['service', 'environment', 'cluster', 'namespace'].includes(p))) {
      throw new Error(`logGroupTemplate "${template}" must name {service}, {environment}, {cluster} or {namespace}, and nothing else in braces`);
    }
    if (!/^\/[.\-_/#A-Za-z0-9]+\/$/.test(logGroupPrefix(template)) || logGroupPrefix(template).startsWith('/aws/lambda/apollo-')) {
      throw new Error(`logGroupTemplate "${template}" must start with a fixed path of its own ending in / (e.g. /apollo/), the scope of the logs grant`);
    }
  }
  for (const [name, url] of Object.entries({ grafanaUrl: props.consoles?.grafanaUrl, jaegerUrl: props.consoles?.jaegerUrl, tempoUrl: props.consoles?.tempoUrl })) {
    if (url !== undefined && !HTTPS_URL.test(url)) throw new Error(`${name} must be an https URL, not "${url}"`);
  }
  validateTelemetryBackends(props.consoles ?? {});
  const ai = props.ai ?? {};
  if (ai.provider !== undefined && !['anthropic', 'bedrock'].includes(ai.provider)) throw new Error(`aiProvider must be anthropic or bedrock, not "${ai.provider}"`);
  if (ai.anthropicKeySecretArn !== undefined && !SECRET_ARN.test(ai.anthropicKeySecretArn)) throw new Error(`anthropicKeySecretArn must be a Secrets Manager secret ARN, not "${ai.anthropicKeySecretArn}"`);
  if (ai.provider === 'anthropic' && !ai.anthropicKeySecretArn) throw new Error('aiProvider anthropic needs anthropicKeySecretArn (the secret with the Anthropic API key)');
  if (ai.anthropicBaseUrl !== undefined && !HTTPS_URL.test(ai.anthropicBaseUrl)) throw new Error(`anthropicBaseUrl must be an https URL, not "${ai.anthropicBaseUrl}"`);
  for (const name of props.healthClusters ?? []) if (!CLUSTER.test(name)) throw new Error(`healthClusters: "${name}" is not an EKS cluster name`);
  if (props.egressAllow !== undefined) {
    try {
      parseEgressAllow(props.egressAllow);
    } catch (error) {
      throw new Error(`egressAllow: ${(error as Error).message.replace(`${EGRESS_ALLOW_ENV}: `, '')}`, { cause: error });
    }
  }
  if (!Token.isUnresolved(props.publicUrl) && !/^https:\/\/[^\s/]+(\/[^\s]*[^\s/])?$/.test(props.publicUrl)) throw new Error(`publicUrl must be an https URL without a trailing slash, not "${props.publicUrl}"`);
}

function validateTelemetryBackends(c: ConsoleSettings): void {
  if (c.logsBackend !== undefined && !['cloudwatch', 'axiom'].includes(c.logsBackend)) throw new Error(`logsBackend must be cloudwatch or axiom, not "${c.logsBackend}"`);
  if (c.logsBackend === 'axiom' && (!c.axiomDataset || !c.axiomTokenSecretArn)) throw new Error('logsBackend axiom needs axiomDataset and axiomTokenSecretArn (the secret with the Axiom API token)');
  if (c.tracesBackend !== undefined && !['xray', 'jaeger', 'tempo'].includes(c.tracesBackend)) throw new Error(`tracesBackend must be xray, jaeger or tempo, not "${c.tracesBackend}"`);
  if (c.tracesBackend === 'jaeger' && !c.jaegerUrl) throw new Error('tracesBackend jaeger needs jaegerUrl (the Jaeger query service)');
  if (c.tracesBackend === 'tempo' && !c.tempoUrl) throw new Error('tracesBackend tempo needs tempoUrl (the Tempo query frontend)');
  for (const [name, arn] of Object.entries({ axiomTokenSecretArn: c.axiomTokenSecretArn, tracesAuthSecretArn: c.tracesAuthSecretArn })) {
    if (arn !== undefined && !SECRET_ARN.test(arn)) throw new Error(`${name} must be a Secrets Manager secret ARN, not "${arn}"`);
  }
}

function validateMetrics(d: DeploymentTargetSettings): void {
  if (d.metrics === undefined) {
    if (d.prometheusUrl || d.ampWorkspaceUrl || d.cloudwatchNamespace) throw new Error('prometheusUrl, ampWorkspaceUrl and cloudwatchNamespace need metrics (prometheus, amp or cloudwatch)');
    return;
  }
  if (!METRICS_SOURCES.includes(d.metrics)) throw new Error(`metrics must be one of ${METRICS_SOURCES.join(', ')}, not "${d.metrics}"`);
  if (d.metrics === 'prometheus' && !(d.prometheusUrl && HTTP_URL.test(d.prometheusUrl))) throw new Error(`metrics=prometheus needs prometheusUrl, the Prometheus API's http(s) base URL (not "${d.prometheusUrl ?? ''}")`);
  if (d.metrics === 'amp' && !(d.ampWorkspaceUrl && AMP_WORKSPACE_URL.test(d.ampWorkspaceUrl))) throw new Error(`metrics=amp needs ampWorkspaceUrl, https://aps-workspaces.<region>.amazonaws.com/workspaces/<id> (not "${d.ampWorkspaceUrl ?? ''}")`);
  if (d.cloudwatchNamespace !== undefined && (!/^[A-Za-z0-9.\-_/#:]{1,255}$/.test(d.cloudwatchNamespace) || d.cloudwatchNamespace.startsWith('AWS/'))) throw new Error(`cloudwatchNamespace must be a custom CloudWatch namespace (not AWS/…), not "${d.cloudwatchNamespace}"`);
  for (const [name, template] of Object.entries(d.promql ?? {})) {
    for (const [, placeholder] of (template ?? '').matchAll(/\{([a-z_]+)\}/gi)) {
      if (!['service', 'environment', 'namespace', 'cluster', 'version', 'range'].includes(placeholder!)) throw new Error(`promql ${name} names {${placeholder}}, which is not a placeholder ({service} {environment} {namespace} {cluster} {version} {range})`);
    }
  }
}

export class ApolloBindings extends Construct {
  /** The GitHub credentials secret (an existing Secrets Manager secret, referenced by name). */
  readonly githubSecret: ISecret;
  private readonly bound = new Map<ApolloFunction, Set<Binding>>();

  constructor(scope: Construct, id: string, private readonly props: ApolloBindingsProps) {
    super(scope, id);
    validate(props);
    this.githubSecret = Secret.fromSecretNameV2(this, 'GitHubCredentials', props.github?.secretName ?? `apollo/${props.stage}/github`);
  }

  /** Binds `fn` to each of `bindings` once, however many descriptors or jobs ask. */
  bind(fn: ApolloFunction, bindings: readonly Binding[]): void {
    const done = this.bound.get(fn) ?? new Set<Binding>();
    this.bound.set(fn, done);
    for (const binding of bindings) {
      if (done.has(binding)) continue;
      done.add(binding);
      this.apply(fn, binding);
    }
  }

  private apply(fn: ApolloFunction, binding: Binding): void {
    const { props } = this;
    switch (binding) {
      case 'api-metrics':
        fn.addEnvironment('APOLLO_API_NAME', props.apiName);
        fn.grantUnscoped('ReadApiMetrics', ['cloudwatch:GetMetricData'],
          'GetMetricData has no resource-level permissions in IAM; the function reads the AWS/ApiGateway metrics of this API for GET /api/v1/metrics');
        return;
      case 'github-settings':
        fn.addEnvironment('APOLLO_GITHUB_SECRET', this.githubSecret.secretName);
        if (props.github?.org) fn.addEnvironment('APOLLO_GITHUB_ORG', props.github.org);
        if (props.github?.apiUrl) fn.addEnvironment('APOLLO_GITHUB_API_URL', props.github.apiUrl);
        return;
      case 'github-credentials':
        this.bind(fn, ['github-settings']);
        this.githubSecret.grantRead(fn);
        return;
      case 'catalog-repository':
        if (props.catalog?.repo) fn.addEnvironment('APOLLO_CATALOG_REPO', props.catalog.repo);
        if (props.catalog?.path !== undefined) fn.addEnvironment('APOLLO_CATALOG_PATH', props.catalog.path);
        return;
      case 'job-dispatch':
        if (fn === props.jobs) throw new Error('the jobs Lambda does not dispatch to itself');
        // The unqualified function only (grantInvoke would add `<arn>:*`, every version and alias).
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.jobs.function.functionArn] }));
        fn.addEnvironment('APOLLO_JOBS_FUNCTION', props.jobs.function.functionName);
        return;
      case 'user-admin':
        props.webIdentity.grantUserAdmin(fn);
        return;
      case 'audit-archive':
        fn.addEnvironment('APOLLO_AUDIT_BUCKET', props.audit.bucket.bucketName);
        props.audit.grantExport(fn);
        return;
      case 'eks-clusters':
        this.grantClusters(fn);
        return;
      case 'integration-secrets':
        this.grantIntegrationSecrets(fn);
        return;
      case 'logs-read':
        this.grantLogsRead(fn);
        return;
      case 'telemetry-read':
        this.grantTelemetryRead(fn);
        return;
      case 'ai-model':
        this.grantAiModel(fn);
        return;
      case 'apollo-api-invoke': {
        // The REST contexts' functions by their fixed names (apollo-<stage>-<context>), not their tokens: the
        // functions acted through may themselves hand work to the jobs Lambda, which holds this binding (no cycle).
        const stack = Stack.of(fn);
        const arns = CONTEXTS.map((context) => stack.formatArn({ service: 'lambda', resource: 'function', resourceName: `apollo-${props.stage}-${context}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: arns }));
        fn.addEnvironment('APOLLO_API_FUNCTION_PREFIX', `apollo-${props.stage}-`);
        fn.addEnvironment('APOLLO_ACCOUNT_ID', stack.account);
        return;
      }
      case 'secrets-stores':
        this.grantSecretsStores(fn);
        return;
      case 'cost-explorer':
        this.grantCostSources(fn);
        return;
      case 'egress-allow':
        if (props.egressAllow) fn.addEnvironment(EGRESS_ALLOW_ENV, props.egressAllow);
        return;
      case 'public-url':
        // Terraform's notification configurations (the requests' Terraform actions) point at <it>/api/v1/webhooks/terraform.
        fn.addEnvironment('APOLLO_PUBLIC_URL', props.publicUrl);
        return;
      case 'gitops-repository': {
        const d = props.deployments ?? {};
        if (d.gitopsRepo) fn.addEnvironment('APOLLO_GITOPS_REPO', d.gitopsRepo);
        if (d.gitopsPath) fn.addEnvironment('APOLLO_GITOPS_PATH', d.gitopsPath);
        if (d.prodMode) fn.addEnvironment('APOLLO_GITOPS_PROD_MODE', d.prodMode);
        if (d.argocdUrl) fn.addEnvironment('APOLLO_ARGOCD_URL', d.argocdUrl);
        if (d.webUrl) fn.addEnvironment('APOLLO_WEB_URL', d.webUrl);
        this.bind(fn, ['github-credentials']);
        return;
      }
      case 'deployment-targets':
        // Argo CD's token is an integration secret (argocd_token); without Argo CD, the clusters' API.
        this.bind(fn, ['gitops-repository', 'integration-secrets', 'eks-clusters']);
        this.bindCanaryMetrics(fn);
        return;
      case 'notification-events': {
        // Notifications go to the account's default bus too, so a company routes them to Slack or email (ARCHITECTURE.md §5).
        const bus = Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
        fn.addEnvironment('APOLLO_NOTIFICATION_BUS', 'default');
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [bus] }));
        return;
      }
    }
  }

  /**
   * What canary analysis reads (APOLLO_METRICS and its settings), and the permission to read it:
   * GetMetricData (which IAM cannot scope) for CloudWatch, QueryMetrics on the one workspace for AMP.
   */
  private bindCanaryMetrics(fn: ApolloFunction): void {
    const d = this.props.deployments ?? {};
    if (!d.metrics) return;
    fn.addEnvironment('APOLLO_METRICS', d.metrics);
    if (d.promql?.requests) fn.addEnvironment('APOLLO_PROMQL_REQUESTS', d.promql.requests);
    if (d.promql?.errorRate) fn.addEnvironment('APOLLO_PROMQL_ERROR_RATE', d.promql.errorRate);
    if (d.promql?.p99Ms) fn.addEnvironment('APOLLO_PROMQL_P99_MS', d.promql.p99Ms);
    switch (d.metrics) {
      case 'prometheus':
        fn.addEnvironment('APOLLO_PROMETHEUS_URL', d.prometheusUrl!);
        return;
      case 'amp': {
        const [, region, workspace] = AMP_WORKSPACE_URL.exec(d.ampWorkspaceUrl!)!;
        fn.addEnvironment('APOLLO_AMP_WORKSPACE_URL', `https://aps-workspaces.${region}.amazonaws.com/workspaces/${workspace}`);
        fn.addEnvironment('APOLLO_AMP_REGION', region!);
        const arn = Stack.of(this).formatArn({ service: 'aps', region, resource: 'workspace', resourceName: workspace, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['aps:QueryMetrics'], resources: [arn] }));
        return;
      }
      case 'cloudwatch':
        if (d.cloudwatchNamespace) fn.addEnvironment('APOLLO_CLOUDWATCH_NAMESPACE', d.cloudwatchNamespace);
        fn.grantUnscoped('ReadCanaryMetrics', ['cloudwatch:GetMetricData'],
          'GetMetricData has no resource-level permissions in IAM; canary analysis reads the deployed service\'s RequestCount, ErrorCount and Latency in its metrics namespace');
        return;
    }
  }

  /**
   * The observability hub's metrics and traces: the source canary analysis reads (CloudWatch by default —
   * application metrics and Container Insights, GetMetricData, which IAM cannot scope —, or Prometheus / AMP,
   * QueryMetrics on the one workspace), X-Ray's trace reads (no resource-level permissions either), and the
   * consoles deep links open.
   */
  private grantTelemetryRead(fn: ApolloFunction): void {
    const d = this.props.deployments ?? {};
    if (d.metrics === 'prometheus') {
      fn.addEnvironment('APOLLO_OBSERVABILITY_METRICS', 'prometheus');
      fn.addEnvironment('APOLLO_PROMETHEUS_URL', d.prometheusUrl!);
    } else if (d.metrics === 'amp') {
      const [, region, workspace] = AMP_WORKSPACE_URL.exec(d.ampWorkspaceUrl!)!;
      fn.addEnvironment('APOLLO_OBSERVABILITY_METRICS', 'prometheus');
      fn.addEnvironment('APOLLO_PROMETHEUS_URL', `https://aps-workspaces.${region}.amazonaws.com/workspaces/${workspace}`);
      const arn = Stack.of(this).formatArn({ service: 'aps', region, resource: 'workspace', resourceName: workspace, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['aps:QueryMetrics'], resources: [arn] }));
    } else {
      fn.addEnvironment('APOLLO_OBSERVABILITY_METRICS', 'cloudwatch');
      if (d.cloudwatchNamespace) fn.addEnvironment('APOLLO_CLOUDWATCH_NAMESPACE', d.cloudwatchNamespace);
      fn.grantUnscoped('ReadServiceMetrics', ['cloudwatch:GetMetricData'],
        'GetMetricData has no resource-level permissions in IAM; the observability hub reads the services\' application metrics and Container Insights');
    }
    fn.grantUnscoped('ReadTraces', ['xray:BatchGetTraces', 'xray:GetTraceSummaries'],
      'X-Ray\'s trace reads have no resource-level permissions in IAM; the observability hub reads the catalog services\' traces');
    const c = this.props.consoles ?? {};
    if (c.grafanaUrl) fn.addEnvironment('APOLLO_GRAFANA_URL', c.grafanaUrl);
    if (c.grafanaDatasource) fn.addEnvironment('APOLLO_GRAFANA_DATASOURCE', c.grafanaDatasource);
    if (c.jaegerUrl) fn.addEnvironment('APOLLO_JAEGER_URL', c.jaegerUrl);
    if (c.axiomOrg) fn.addEnvironment('APOLLO_AXIOM_ORG', c.axiomOrg);
    if (c.axiomDataset) fn.addEnvironment('APOLLO_AXIOM_DATASET', c.axiomDataset);
    if (c.tracesBackend && c.tracesBackend !== 'xray') fn.addEnvironment('APOLLO_TRACES_BACKEND', c.tracesBackend);
    if (c.tempoUrl) fn.addEnvironment('APOLLO_TEMPO_URL', c.tempoUrl);
    if (c.grafanaTracesDatasource) fn.addEnvironment('APOLLO_GRAFANA_TRACES_DATASOURCE', c.grafanaTracesDatasource);
    if (c.tempoTenant) fn.addEnvironment('APOLLO_TEMPO_TENANT', c.tempoTenant);
    if (c.tracesEnvironmentAttribute) fn.addEnvironment('APOLLO_TRACES_ENVIRONMENT_ATTRIBUTE', c.tracesEnvironmentAttribute);
    if (c.tracesAuthSecretArn) {
      fn.addEnvironment('APOLLO_TRACES_AUTH_SECRET_ARN', c.tracesAuthSecretArn);
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [c.tracesAuthSecretArn] }));
    }
  }

  /**
   * The AI console's model: the Anthropic API's key (GetSecretValue on its one secret) or Amazon Bedrock
   * (InvokeModelWithResponseStream on foundation models and inference profiles of this account and region).
   */
  private secretsRole?: Role;

  /**
   * The secrets role, assumed by the bound functions with the caller as SourceIdentity (CloudTrail names the
   * person): Secrets Manager on `apollo/*` of this account and region, and ListSecrets (no resource scope in IAM).
   * Environments elsewhere name their own role (APOLLO_SECRETS_ENVIRONMENTS), which the functions may assume too.
   */
  /**
   * The cost-ingest job's sources: Cost Explorer (its reads have no resource-level permissions), EC2's volume and
   * snapshot lists (Describe* neither), and where each cluster's OpenCost is.
   */
  private grantCostSources(fn: ApolloFunction): void {
    const c = this.props.costs ?? {};
    fn.grantUnscoped('ReadCostExplorer', ['ce:GetCostAndUsage', 'ce:GetCostForecast', 'ce:GetAnomalies', 'ce:GetReservationCoverage', 'ce:GetReservationUtilization', 'ce:GetSavingsPlansCoverage', 'ce:GetSavingsPlansUtilization', 'ce:GetSavingsPlansPurchaseRecommendation', 'ce:GetRightsizingRecommendation'],
      'Cost Explorer\'s reads have no resource-level permissions in IAM; only the daily cost-ingest job holds them (each request is billed)');
    fn.grantUnscoped('ListIdleStorage', ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots'],
      'EC2\'s Describe calls have no resource-level permissions in IAM; the cost-ingest job lists unattached volumes and old snapshots to recommend deleting them');
    fn.addEnvironment('APOLLO_COSTS_STORAGE_REGIONS', (c.storageRegions?.length ? c.storageRegions : [Stack.of(fn).region]).join(','));
    if (c.allocationUrls && Object.keys(c.allocationUrls).length) {
      for (const [cluster, url] of Object.entries(c.allocationUrls)) {
        if (!HTTP_URL.test(url)) throw new Error(`costs.allocationUrls: ${cluster}'s OpenCost must be an http(s) base URL, not "${url}"`);
      }
      fn.addEnvironment('APOLLO_COSTS_ALLOCATION_URLS', JSON.stringify(c.allocationUrls));
      if (c.allocationKind) fn.addEnvironment('APOLLO_COSTS_ALLOCATION_KIND', c.allocationKind);
    }
    if (c.anomalyMonitorArn) fn.addEnvironment('APOLLO_COSTS_ANOMALY_MONITOR_ARN', c.anomalyMonitorArn);
  }

  private grantSecretsStores(fn: ApolloFunction): void {
    const stack = Stack.of(this);
    if (!this.secretsRole) {
      this.secretsRole = new Role(this, 'SecretsRole', {
        roleName: `apollo-${this.props.stage}-secrets`,
        // The bound functions' roles only (each added below with sts:SetSourceIdentity).
        assumedBy: new ArnPrincipal(fn.role.roleArn),
        description: 'Apollo reaches this account\'s secrets (apollo/*) through this role, assumed with the caller as SourceIdentity',
        maxSessionDuration: Duration.hours(1),
      });
      const secrets = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'apollo/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      this.secretsRole.addToPolicy(new PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:UpdateSecret',
          'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:RotateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:RestoreSecret', 'secretsmanager:TagResource',
          'secretsmanager:UntagResource', 'secretsmanager:ListSecretVersionIds'],
        resources: [secrets],
      }));
      this.secretsRole.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
      Validations.of(this.secretsRole).acknowledge({ id: wildcardFinding(this, secrets), reason: 'Apollo manages every secret it names apollo/<env>/<service>/<name>: the prefix is the scope.' });
      Validations.of(this.secretsRole).acknowledge({ id: wildcardFinding(this, '*'), reason: 'secretsmanager:ListSecrets has no resource-level permission in IAM; the expiry job filters by the apollo/ name prefix.' });
    }
    const roles = [this.secretsRole.roleArn, ...Object.values(this.props.secrets?.environments ?? {}).map((e) => e.roleArn)];
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'], resources: roles }));
    this.secretsRole.assumeRolePolicy?.addStatements(new PolicyStatement({ principals: [new ArnPrincipal(fn.role.roleArn)], actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }));
    fn.addEnvironment('APOLLO_SECRETS_ROLE_ARN', this.secretsRole.roleArn);
    if (this.props.secrets?.environments && Object.keys(this.props.secrets.environments).length) {
      fn.addEnvironment('APOLLO_SECRETS_ENVIRONMENTS', JSON.stringify(this.props.secrets.environments));
    }
  }

  private grantAiModel(fn: ApolloFunction): void {
    const ai = this.props.ai ?? {};
    for (const [name, value] of Object.entries({ APOLLO_AI_MODEL: ai.model, APOLLO_AI_MODEL_LARGE: ai.modelLarge, APOLLO_AI_MODEL_SMALL: ai.modelSmall, ANTHROPIC_BASE_URL: ai.anthropicBaseUrl })) {
      if (value) fn.addEnvironment(name, value);
    }
    if (ai.provider === 'bedrock') {
      fn.addEnvironment('APOLLO_AI_PROVIDER', 'bedrock');
      const stack = Stack.of(this);
      const resources = [
        stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: '*' }),
        stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: '*' }),
      ];
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resources }));
      for (const resource of resources) {
        Validations.of(fn).acknowledge({ id: wildcardFinding(this, resource), reason: 'The AI console\'s model is chosen by configuration (APOLLO_AI_MODEL*) and may change without a deploy: invoking Bedrock models and inference profiles of this region only, nothing else of Bedrock.' });
      }
    } else if (ai.anthropicKeySecretArn) {
      fn.addEnvironment('APOLLO_ANTHROPIC_KEY_SECRET_ARN', ai.anthropicKeySecretArn);
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [ai.anthropicKeySecretArn] }));
    }
  }

  /**
   * Logs Insights queries and FilterLogEvents on the catalog services' log groups (under each
   * template's fixed prefix) and Apollo's own Lambdas' (`/aws/lambda/apollo-<stage>-*`); reading a
   * query's results and stopping it cannot be scoped (IAM has no resource for a query id).
   */
  private grantLogsRead(fn: ApolloFunction): void {
    const stack = Stack.of(this);
    const template = this.props.logGroupTemplate ?? DEFAULT_LOG_GROUP_TEMPLATE;
    const own = `/aws/lambda/apollo-${this.props.stage}-`;
    fn.addEnvironment('APOLLO_LOG_GROUP_TEMPLATE', template);
    fn.addEnvironment('APOLLO_OWN_LOG_GROUP_PREFIX', own);
    const prefixes = [...new Set([...template.split(',').map((t) => logGroupPrefix(t.trim())), own])];
    const resources = prefixes.map((prefix) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['logs:StartQuery', 'logs:FilterLogEvents'], resources }));
    for (const resource of resources) {
      Validations.of(fn).acknowledge({
        id: wildcardFinding(this, resource),
        reason: 'Services get log groups as they are registered, without a deploy: queries (StartQuery) and reads (FilterLogEvents) of the log groups under the configured template\'s fixed prefix, or Apollo\'s own Lambdas\', and no others; the handler reads only the log groups the catalog names for a service.',
      });
    }
    const c = this.props.consoles ?? {};
    if (c.logsBackend === 'axiom') {
      // The services' searches go to Axiom (APL); Apollo's own logs stay in CloudWatch (the grants above).
      fn.addEnvironment('APOLLO_LOGS_BACKEND', 'axiom');
      fn.addEnvironment('APOLLO_AXIOM_DATASET', c.axiomDataset!);
      fn.addEnvironment('APOLLO_AXIOM_TOKEN_SECRET_ARN', c.axiomTokenSecretArn!);
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [c.axiomTokenSecretArn!] }));
    }
    fn.grantUnscoped('ReadLogQueries', ['logs:GetQueryResults', 'logs:StopQuery'],
      'GetQueryResults and StopQuery take a query id, which IAM cannot scope (no resource-level permissions); the queries were started on the granted log groups only, and the handler answers only its caller\'s own queries');
  }

  /**
   * The secrets offerings' actions name (`{{secrets.<name>}}` is `apollo/<stage>/integrations/<name>`):
   * GetSecretValue under that prefix only, and the prefix in `APOLLO_INTEGRATION_SECRETS_PREFIX`.
   */
  private grantIntegrationSecrets(fn: ApolloFunction): void {
    const prefix = `apollo/${this.props.stage}/integrations/`;
    fn.addEnvironment('APOLLO_INTEGRATION_SECRETS_PREFIX', prefix);
    const resource = Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [resource] }));
    Validations.of(fn).acknowledge({
      id: wildcardFinding(this, resource),
      reason: `Operators create an integration secret under ${prefix} whenever an offering's action needs one, without a deploy, and Secrets Manager appends a random suffix to every secret ARN: reading (GetSecretValue only) under that one prefix is the narrowest grant.`,
    });
  }

  /**
   * DescribeCluster (endpoint and CA) of the named clusters, or of every cluster of the account and
   * region; inside each cluster the role needs an EKS access entry allowed to get Deployments (infra/DEPLOY.md).
   */
  private grantClusters(fn: ApolloFunction): void {
    const names = this.props.healthClusters;
    const stack = Stack.of(this);
    const resources = (names?.length ? names : ['*']).map((resourceName) => stack.formatArn({ service: 'eks', resource: 'cluster', resourceName }));
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['eks:DescribeCluster'], resources }));
    if (!names?.length) {
      Validations.of(fn).acknowledge({
        id: wildcardFinding(this, resources[0]!),
        reason: 'The health poll reads the endpoint and CA of whichever EKS clusters the catalog names, which change without a deploy; DescribeCluster only, on clusters of this account and region. Give healthClusters to name them instead.',
      });
    }
  }
}
