/**
 * A circuit breaker per integration (the URL's origin), on cockatiel: after `failures` retryable
 * failures in a row (network errors, timeouts, 408/425/429/5xx) the circuit opens and calls to that
 * origin answer at once, as a retryable failure saying when it half-opens; then one trial call
 * decides. A non-retryable answer (a 4xx) means the integration is up: it closes the circuit.
 *
 * The state is in memory, per Lambda container (and per local runtime): a cold container starts
 * closed, and two containers count apart. That is enough to stop one container hammering an
 * integration that is down; the offering's retry policy still spaces the attempts.
 *
 * Unless given, the settings come from APOLLO_BREAKER_FAILURES and APOLLO_BREAKER_HALF_OPEN_MS, read when
 * an origin's circuit is first made.
 */
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhenResult, IsolatedCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import { envInteger } from '#lib/config';

export interface BreakerOptions {
  /** Consecutive retryable failures that open the circuit (default 5). */
  readonly failures?: number;
  /** How long it stays open before one trial call (default 30 s). */
  readonly halfOpenAfterMs?: number;
}

/** The circuit is open: retryable, and `closesAt` says when a call will be tried again. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(readonly origin: string, readonly closesAt: Date) {
    super(`the circuit for ${origin} is open after repeated failures; it half-opens at ${closesAt.toISOString()}`);
  }
}

interface Circuit {
  readonly policy: CircuitBreakerPolicy;
  readonly halfOpenAfterMs: number;
  openedAt: number;
}

/** The settings from the environment (the defaults when unset); a value out of range fails, naming it. */
export function breakerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Required<BreakerOptions> {
  return {
    failures: envInteger(env, 'APOLLO_BREAKER_FAILURES', 5, 1, 100),
    halfOpenAfterMs: envInteger(env, 'APOLLO_BREAKER_HALF_OPEN_MS', 30_000, 100, 3_600_000),
  };
}

export class IntegrationBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly options: BreakerOptions = {}) {}

  /**
   * Runs `call` through the origin's circuit. `failed(result)` says whether the result counts as a
   * (retryable) failure; `call` itself should not throw for an answer. Throws CircuitOpenError when open.
   */
  async run<T>(origin: string, call: () => Promise<T>, failed: (result: T) => boolean): Promise<T> {
    const circuit = this.circuit(origin);
    try {
      const outcome = await circuit.policy.execute(async () => {
        const value = await call();
        return { value, failed: failed(value) };
      });
      return outcome.value;
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new CircuitOpenError(origin, new Date(circuit.openedAt + circuit.halfOpenAfterMs));
      }
      throw error;
    }
  }

  private circuit(origin: string): Circuit {
    let circuit = this.circuits.get(origin);
    if (!circuit) {
      const fromEnv = this.options.failures === undefined || this.options.halfOpenAfterMs === undefined ? breakerOptionsFromEnv() : undefined;
      const failures = this.options.failures ?? fromEnv!.failures;
      const halfOpenAfterMs = this.options.halfOpenAfterMs ?? fromEnv!.halfOpenAfterMs;
      const policy = circuitBreaker(handleWhenResult((outcome) => (outcome as { failed: boolean }).failed), { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(failures) });
      const created: Circuit = { policy, halfOpenAfterMs, openedAt: 0 };
      policy.onBreak(() => { created.openedAt = Date.now(); });
      this.circuits.set(origin, created);
      circuit = created;
    }
    return circuit;
  }
}

/** The container's breakers (see the note above: in memory, per Lambda container). */
export const integrationBreakers = new IntegrationBreakers();
