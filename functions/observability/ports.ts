/** What the observability context needs from outside: a logs backend (CloudWatch Logs, or the local runtime's simulated logs). */

/** Where a log read's lines come from: CloudWatch, Axiom, the local runtime's SIMULATED demo logs, or (local) its own handlers' real lines. */
export type LogSource = 'cloudwatch' | 'axiom' | 'simulated' | 'local';

/**
 * The catalog service and environment a read is about. A backend that keeps every service in one place (Axiom: one
 * dataset) filters its rows by them; backends that read log groups (CloudWatch, the local logs) need only those.
 */
export interface LogScope { readonly service: string; readonly environment: string }

export type LogQueryStatus = 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout' | 'Unknown';

export interface StartQueryInput {
  readonly logGroups: readonly string[];
  readonly query: string;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  /** Required by the Axiom backend (its rows are scoped by service and environment, not by log group). */
  readonly scope?: LogScope;
}

export interface LogField { readonly field: string; readonly value: string }

export interface QueryResults {
  readonly status: LogQueryStatus;
  readonly results: ReadonlyArray<readonly LogField[]>;
  readonly statistics: { readonly recordsMatched: number; readonly recordsScanned: number; readonly bytesScanned: number };
  /** Why it failed, when the backend says. */
  readonly error?: string;
}

export interface FilterEventsInput {
  readonly logGroups: readonly string[];
  readonly start: number;
  readonly end: number;
  /** Every term must appear (CloudWatch filter pattern terms). */
  readonly terms: readonly string[];
  readonly limit: number;
  /** The previous page's token. */
  readonly nextToken?: string;
  /** Required by the Axiom backend (its rows are scoped by service and environment, not by log group). */
  readonly scope?: LogScope;
}

export interface LogEvent {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly message: string;
  readonly logGroup: string;
  readonly logStream?: string;
  readonly eventId?: string;
}

export interface FilteredEvents {
  readonly events: readonly LogEvent[];
  readonly nextToken?: string;
}

export interface LogsPort {
  readonly source: LogSource;
  /** Where these groups' lines come from, when that differs by group (the local runtime: Apollo's own are real). */
  sourceOf?(logGroups: readonly string[]): LogSource;
  /** Starts a query; its backend's query id. A query the backend refuses (syntax, limits) is a ValidationError. */
  startQuery(input: StartQueryInput): Promise<string>;
  getQueryResults(queryId: string): Promise<QueryResults>;
  /** Stops a running query; false when it had already ended. */
  stopQuery(queryId: string): Promise<boolean>;
  filterEvents(input: FilterEventsInput): Promise<FilteredEvents>;
}
