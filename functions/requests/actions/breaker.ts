/**
 * A circuit breaker per integration (the URL's origin), on cockatiel: after `failures` retryable
 * failures in a row (network errors, timeouts, 408/425/429/5xx) the circuit opens and calls to that
 * origin answer at once, as a retryable failure saying when it half-opens; then one trial call
 * decides. A non-retryable answer (a 4xx) means the integration is up: it closes the circuit.
 *
 * The state is in memory, per Lambda container (and per local runtime): a cold container starts
 * closed, and two containers count apart. That is enough to stop one container hammering an
 * integration that is down; the offering's retry policy still spaces the attempts.
 */
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhenResult, IsolatedCircuitError, type CircuitBreakerPolicy } from 'cockatiel';

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
  openedAt: number;
}

export class IntegrationBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly failures: number;
  private readonly halfOpenAfterMs: number;

  constructor(options: BreakerOptions = {}) {
    this.failures = options.failures ?? 5;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;
  }

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
        throw new CircuitOpenError(origin, new Date(circuit.openedAt + this.halfOpenAfterMs));
      }
      throw error;
    }
  }

  private circuit(origin: string): Circuit {
    let circuit = this.circuits.get(origin);
    if (!circuit) {
      const policy = circuitBreaker(handleWhenResult((outcome) => (outcome as { failed: boolean }).failed), { halfOpenAfter: this.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.failures) });
      const created: Circuit = { policy, openedAt: 0 };
      policy.onBreak(() => { created.openedAt = Date.now(); });
      this.circuits.set(origin, created);
      circuit = created;
    }
    return circuit;
  }
}

/** The container's breakers (see the note above: in memory, per Lambda container). */
export const integrationBreakers = new IntegrationBreakers();
