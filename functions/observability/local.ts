/** The local runtime's observability adapters: SIMULATED demo logs (adapters/demo-logs.ts), queried with the Logs Insights subset. */
import { LocalLogsAdapter } from './adapters/local-logs.ts';
import { configureObservability } from './deps.ts';
import { configureTelemetryLocal } from './telemetry-local.ts';

export function configureObservabilityLocal(): readonly string[] {
  configureObservability({ logs: new LocalLogsAdapter() });
  return [...configureTelemetryLocal(), 'Logs: SIMULATED (every answer says source "simulated"): demo services\' lines generated from the clock, core-service prod\'s HikariCP incident in minutes 45-59 of every hour; queries run the Logs Insights subset the README lists'];
}
