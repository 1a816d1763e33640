/**
 * The observability context's settings, read once from the environment (cold start): where a
 * service's logs are, and the guardrails every log read keeps to.
 */
const PLACEHOLDERS = ['service', 'environment', 'cluster', 'namespace'] as const;
/** API Gateway answers a request within 29 s: a synchronous Axiom query must end well before. */
const MAX_AXIOM_QUERY_SECONDS = 25;

/** Where the Axiom logs backend reads, and how a service's rows are told apart in its dataset. */
export interface AxiomLogsConfig {
  /** Axiom's API (`APOLLO_AXIOM_API_URL`; not APOLLO_AXIOM_URL, which is the web app the deep links open). @default https://api.axiom.co */
  readonly apiUrl: string;
  /** The dataset holding every service's logs (`APOLLO_AXIOM_DATASET`, shared with the Axiom deep link). */
  readonly dataset: string;
  /** Sent as X-Axiom-Org-Id (`APOLLO_AXIOM_ORG`; needed with a personal token, not with an API token). */
  readonly orgId: string | undefined;
  /** The Secrets Manager secret holding the API token (`APOLLO_AXIOM_TOKEN_SECRET_ARN`): the token itself, or JSON `{"token"}`. */
  readonly tokenSecretArn: string | undefined;
  /** The token itself, for local use only (`APOLLO_AXIOM_TOKEN`); the secret wins when both are set. */
  readonly token: string | undefined;
  /** The field naming a row's catalog service (`APOLLO_AXIOM_SERVICE_FIELD`). @default service */
  readonly serviceField: string;
  /** The field naming a row's environment (`APOLLO_AXIOM_ENVIRONMENT_FIELD`). @default environment */
  readonly environmentField: string;
  /** The field holding a row's log line (`APOLLO_AXIOM_MESSAGE_FIELD`). @default message */
  readonly messageField: string;
  /**
   * How long Apollo waits for Axiom, in seconds, at most 25 (`APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS`): a query still
   * running then is answered Timeout, a page 503. It must end before the observability Lambda's own timeout
   * (10 s unless infra sizes it up, 29 s at most behind API Gateway), with a second or two to spare. @default 8
   */
  readonly queryTimeoutSeconds: number;
}

export interface ObservabilityConfig {
  /**
   * A catalog environment's log group(s), `,`-separated templates over {service} {environment}
   * {cluster} {namespace} (`APOLLO_LOG_GROUP_TEMPLATE`). @default /apollo/{environment}/{service}
   */
  readonly logGroupTemplates: readonly string[];
  /** Apollo's own Lambdas' log groups, `<prefix><context>`, read as the service `apollo` (`APOLLO_OWN_LOG_GROUP_PREFIX`). @default /aws/lambda/apollo-<stage>- */
  readonly ownLogGroupPrefix: string;
  /** The longest time range a query or a read may span, in days (`APOLLO_LOGS_MAX_RANGE_DAYS`). @default 7 */
  readonly maxRangeDays: number;
  /** Log reads (queries started and pages read) per caller per minute (`APOLLO_LOGS_RATE_PER_MINUTE`). @default 30 */
  readonly ratePerMinute: number;
  /** How long a query's record is kept, in hours (`APOLLO_LOG_QUERY_TTL_HOURS`). @default 24 */
  readonly queryTtlHours: number;
  /** Where logs are read: CloudWatch Logs, or Axiom with APL (`APOLLO_LOGS_BACKEND`). @default cloudwatch */
  readonly logsBackend: 'cloudwatch' | 'axiom';
  /** The Axiom backend's settings: present exactly when logsBackend is axiom. */
  readonly axiom: AxiomLogsConfig | undefined;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

/** A field name as an APL bracket reference takes it: no quote, backslash or line break. */
function fieldName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (!/^[^'"\\\r\n]{1,200}$/.test(value)) throw new Error(`${name} must be a field name without quotes, backslashes or line breaks, not "${value}"`);
  return value;
}

function readAxiomConfig(env: NodeJS.ProcessEnv): AxiomLogsConfig {
  const apiUrl = (env.APOLLO_AXIOM_API_URL || 'https://api.axiom.co').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(apiUrl)) throw new Error(`APOLLO_AXIOM_API_URL must be an http(s) URL, not "${apiUrl}"`);
  if (apiUrl.startsWith('http://') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(apiUrl)) {
    throw new Error(`APOLLO_AXIOM_API_URL must be https (the token travels with every query), not "${apiUrl}"`);
  }
  const dataset = env.APOLLO_AXIOM_DATASET;
  if (!dataset) throw new Error('APOLLO_LOGS_BACKEND is axiom but APOLLO_AXIOM_DATASET is not set: name the dataset holding the services\' logs');
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(dataset)) throw new Error(`APOLLO_AXIOM_DATASET must be an Axiom dataset name (letters, digits, . _ -), not "${dataset}"`);
  const tokenSecretArn = env.APOLLO_AXIOM_TOKEN_SECRET_ARN || undefined;
  const token = env.APOLLO_AXIOM_TOKEN || undefined;
  if (!tokenSecretArn && !token) throw new Error('APOLLO_LOGS_BACKEND is axiom but no token is configured: set APOLLO_AXIOM_TOKEN_SECRET_ARN (AWS) or APOLLO_AXIOM_TOKEN (local)');
  if (tokenSecretArn && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(tokenSecretArn)) {
    throw new Error(`APOLLO_AXIOM_TOKEN_SECRET_ARN must be a Secrets Manager secret ARN, not "${tokenSecretArn}"`);
  }
  const queryTimeoutSeconds = positive(env, 'APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS', 8);
  if (queryTimeoutSeconds > MAX_AXIOM_QUERY_SECONDS) {
    throw new Error(`APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS must be at most ${MAX_AXIOM_QUERY_SECONDS} (API Gateway answers within 29 s), not ${queryTimeoutSeconds}`);
  }
  return {
    apiUrl,
    dataset,
    orgId: env.APOLLO_AXIOM_ORG || undefined,
    tokenSecretArn,
    token,
    serviceField: fieldName(env, 'APOLLO_AXIOM_SERVICE_FIELD', 'service'),
    environmentField: fieldName(env, 'APOLLO_AXIOM_ENVIRONMENT_FIELD', 'environment'),
    messageField: fieldName(env, 'APOLLO_AXIOM_MESSAGE_FIELD', 'message'),
    queryTimeoutSeconds,
  };
}

export function readObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const templates = (env.APOLLO_LOG_GROUP_TEMPLATE || '/apollo/{environment}/{service}').split(',').map((t) => t.trim()).filter(Boolean);
  for (const template of templates) {
    for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(name!)) throw new Error(`APOLLO_LOG_GROUP_TEMPLATE names {${name}}, which is not one of {service} {environment} {cluster} {namespace}`);
    }
    if (!template.includes('{')) throw new Error(`APOLLO_LOG_GROUP_TEMPLATE "${template}" names no placeholder: every service would read the same log group`);
  }
  const logsBackend = env.APOLLO_LOGS_BACKEND || 'cloudwatch';
  if (logsBackend !== 'cloudwatch' && logsBackend !== 'axiom') throw new Error(`APOLLO_LOGS_BACKEND must be cloudwatch or axiom, not "${logsBackend}"`);
  return {
    logGroupTemplates: templates,
    ownLogGroupPrefix: env.APOLLO_OWN_LOG_GROUP_PREFIX || `/aws/lambda/apollo-${env.APOLLO_STAGE || 'dev'}-`,
    maxRangeDays: positive(env, 'APOLLO_LOGS_MAX_RANGE_DAYS', 7),
    ratePerMinute: positive(env, 'APOLLO_LOGS_RATE_PER_MINUTE', 30),
    queryTtlHours: positive(env, 'APOLLO_LOG_QUERY_TTL_HOURS', 24),
    logsBackend,
    axiom: logsBackend === 'axiom' ? readAxiomConfig(env) : undefined,
  };
}

let cached: ObservabilityConfig | undefined;
export function observabilityConfig(): ObservabilityConfig {
  cached ??= readObservabilityConfig();
  return cached;
}
