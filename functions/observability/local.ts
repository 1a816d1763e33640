/**
 * The local runtime's observability adapters: the demo services' SIMULATED logs (adapters/demo-logs.ts) and
 * Apollo's own handlers' real lines (adapters/own-logs.ts, filled by the runtime's tee), queried with the Logs
 * Insights subset.
 */
import { LocalLogsAdapter } from './adapters/local-logs.ts';
import { OwnLogStore } from './adapters/own-logs.ts';
import { observabilityConfig } from './config.ts';
import { configureObservability } from './deps.ts';
import { APOLLO_FUNCTIONS } from './log-groups.ts';
import { configureTelemetryLocal } from './telemetry-local.ts';

let ownLogs: OwnLogStore | undefined;

/** The store of this process's own handler lines (one per process: the runtime tees into it). */
export function localOwnLogs(): OwnLogStore {
  ownLogs ??= new OwnLogStore({ prefix: observabilityConfig().ownLogGroupPrefix, functions: APOLLO_FUNCTIONS });
  return ownLogs;
}

export function configureObservabilityLocal(): readonly string[] {
  configureObservability({ logs: new LocalLogsAdapter({ ownLogs: localOwnLogs() }) });
  return [
    ...configureTelemetryLocal(),
    'Logs: SIMULATED (answers say source "simulated"): demo services\' lines generated from the clock, core-service prod\'s HikariCP incident in minutes 45-59 of every hour; queries run the Logs Insights subset the README lists',
    `Logs of the service apollo: this runtime's own handler lines, as written (source "local"; the last ${localOwnLogs().capacity} kept, INFO and up; the terminal shows ${process.env.APOLLO_TERMINAL_LOG_LEVEL ?? 'WARN'} and up)`,
  ];
}
