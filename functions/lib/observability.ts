/** The logger and metrics singletons every function uses (Powertools). */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Keys whose values never reach a log line or an audit entry: anything that ends like a credential
 * (`password`, `clientSecret`, `githubToken`, `x-amz-security-token`, `x-hub-signature-256`, …).
 * Names of secrets (`secretName`) stay readable.
 */
const SECRET_KEYS = /(password|passwd|passphrase|secret|token|api[-_]?key|private[-_]?key|authorization|cookie|signature(-256)?|secretaccesskey|credentials?)$/i;

/** JSON.stringify replacer: the logger's, so no log line carries a secret-bearing key's value. */
export function redactingReplacer(key: string, value: unknown): unknown {
  return key && SECRET_KEYS.test(key) ? '[redacted]' : value;
}

/** A copy with every secret-bearing key's value replaced (audit details, error details). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

// The service name is the function's (POWERTOOLS_SERVICE_NAME, set per Lambda: apollo-<context>),
// so logs and the metrics' `service` dimension say which context they came from.
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'apollo';

const baseLogger = new Logger({
  serviceName,
  logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? (process.env.APOLLO_RUNTIME === 'local' ? 'WARN' : 'INFO'),
  jsonReplacerFn: (key: string, value: unknown) => redactingReplacer(key, value),
});

const scopes = new AsyncLocalStorage<Logger>();

/**
 * Runs one invocation with a logger of its own. Lambda runs one invocation at a time in a container,
 * so there the singleton is enough; the local runtime runs many invocations of every function in one
 * process, where keys appended by one (route, principal, connection) would show on another's lines.
 */
export function withLoggerScope<T>(functionName: string, run: () => T): T {
  return scopes.run(baseLogger.createChild({ serviceName: functionName }), run);
}

/** The logger of the invocation in progress (see withLoggerScope), else the singleton. */
export const logger: Logger = new Proxy(baseLogger, {
  get(target, property) {
    const current = scopes.getStore() ?? target;
    const value: unknown = Reflect.get(current, property, current);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
  },
});

export const metrics = new Metrics({ namespace: 'Apollo', serviceName });
