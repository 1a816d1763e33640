/**
 * The observability context's settings, read once from the environment (cold start): where a
 * service's logs are, and the guardrails every log read keeps to.
 */
const PLACEHOLDERS = ['service', 'environment', 'cluster', 'namespace'] as const;

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
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

export function readObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const templates = (env.APOLLO_LOG_GROUP_TEMPLATE || '/apollo/{environment}/{service}').split(',').map((t) => t.trim()).filter(Boolean);
  for (const template of templates) {
    for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(name!)) throw new Error(`APOLLO_LOG_GROUP_TEMPLATE names {${name}}, which is not one of {service} {environment} {cluster} {namespace}`);
    }
    if (!template.includes('{')) throw new Error(`APOLLO_LOG_GROUP_TEMPLATE "${template}" names no placeholder: every service would read the same log group`);
  }
  return {
    logGroupTemplates: templates,
    ownLogGroupPrefix: env.APOLLO_OWN_LOG_GROUP_PREFIX || `/aws/lambda/apollo-${env.APOLLO_STAGE || 'dev'}-`,
    maxRangeDays: positive(env, 'APOLLO_LOGS_MAX_RANGE_DAYS', 7),
    ratePerMinute: positive(env, 'APOLLO_LOGS_RATE_PER_MINUTE', 30),
    queryTtlHours: positive(env, 'APOLLO_LOG_QUERY_TTL_HOURS', 24),
  };
}

let cached: ObservabilityConfig | undefined;
export function observabilityConfig(): ObservabilityConfig {
  cached ??= readObservabilityConfig();
  return cached;
}
