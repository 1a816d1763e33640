/**
 * Which log groups a catalog service's environment writes to: the configured templates
 * (APOLLO_LOG_GROUP_TEMPLATE, default `/apollo/{environment}/{service}`) filled from the catalog's
 * environment (its cluster and namespace too). Only these are ever read: a caller names a service,
 * never an arbitrary log group. The service `apollo` is Apollo's own Lambdas.
 */
import { config } from '#lib/config';
import { CONTEXTS } from '#shared/routes';
import { NotFoundError, ValidationError } from '#shared/errors';
import { listEnvironments } from '#functions/services/public';
import { observabilityConfig } from './config.ts';

/** The service name under which Apollo's own handler logs are read. */
export const APOLLO_SERVICE = 'apollo';
export const APOLLO_FUNCTIONS = [...CONTEXTS, 'jobs', 'realtime'];

export interface LogTarget {
  readonly service: string;
  readonly environment: string;
  readonly logGroups: readonly string[];
}

export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z]+)\}/g, (_m, name: string) => values[name] ?? '');
}

/**
 * The log groups of `service` in `environment` (default its first: prod before staging before dev).
 * `only` narrows them to those named, each of which must be one of them (400 otherwise).
 */
export async function logTargetOf(service: string, environment?: string, only?: readonly string[]): Promise<LogTarget> {
  const target = service === APOLLO_SERVICE ? apolloTarget(environment) : await catalogTarget(service, environment);
  if (!only) return target;
  const unknown = only.filter((group) => !target.logGroups.includes(group));
  if (unknown.length) {
    throw new ValidationError(`not log groups of ${service} in ${target.environment}: ${unknown.join(', ')}`, {
      details: unknown.map((group) => ({ path: `/body/logGroups/${only.indexOf(group)}`, message: `${group} is not one of ${target.logGroups.join(', ')}` })),
    });
  }
  return { ...target, logGroups: only };
}

function apolloTarget(environment: string | undefined): LogTarget {
  const stage = config().stage;
  if (environment !== undefined && environment !== stage) throw new NotFoundError(`Apollo runs as the stage ${stage}, not ${environment}`);
  const prefix = observabilityConfig().ownLogGroupPrefix;
  return { service: APOLLO_SERVICE, environment: stage, logGroups: APOLLO_FUNCTIONS.map((fn) => `${prefix}${fn}`) };
}

async function catalogTarget(service: string, environment: string | undefined): Promise<LogTarget> {
  const environments = await listEnvironments(service);
  const env = environment === undefined ? environments[0] : environments.find((e) => e.name === environment);
  if (!env) {
    throw new NotFoundError(environment === undefined
      ? `service ${service} has no environments, so no logs`
      : `service ${service} has no environment ${environment} (it has ${environments.map((e) => e.name).join(', ') || 'none'})`);
  }
  const values = { service, environment: env.name, cluster: env.cluster, namespace: env.namespace };
  const logGroups = [...new Set(observabilityConfig().logGroupTemplates.map((t) => fillTemplate(t, values)))];
  return { service, environment: env.name, logGroups };
}
