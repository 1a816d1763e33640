/** What the system context needs from outside. */
import type { OpenApiDocument } from '#schemas/index.ts';

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

/** The API's OpenAPI document (generated from the route table at build time). */
export interface OpenApiSource {
  /** The document, its `servers` set to `serverUrl`. */
  document(serverUrl: string): Promise<OpenApiDocument>;
}
