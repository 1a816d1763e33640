/** What the system context needs from outside. */

/** One component of Apollo's health: the table, an integration. */
export interface HealthProbe {
  readonly name: string;
  /** A critical component that is down makes Apollo down; others only degrade it. */
  readonly critical: boolean;
  /** Resolves if the component answers; rejects with a reason otherwise. */
  check(signal: AbortSignal): Promise<void>;
}

/** Per-route request metrics rendered as Prometheus text. */
export interface MetricsSource {
  render(): Promise<string>;
}
