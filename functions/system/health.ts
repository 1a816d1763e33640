/**
 * Apollo's health from its components. Checks are cached (so the endpoint stays fast and a burst of
 * probes doesn't hammer dependencies) and bounded by a timeout.
 * Rules: a component is down if its check fails or times out, degraded if it answers slower than
 * SLOW_MS; Apollo is down if a critical component is down, degraded if any component is not healthy.
 */
import type { Health } from '#schemas/index.ts';
import type { HealthProbe } from './ports.ts';

export const CHECK_TIMEOUT_MS = 2_000;
export const SLOW_MS = 1_000;

type Component = Health['components'][number];

async function runProbe(probe: HealthProbe): Promise<Component> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { controller.abort(); reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)); }, CHECK_TIMEOUT_MS);
  });
  const base = { name: probe.name, critical: probe.critical };
  try {
    await Promise.race([probe.check(controller.signal), timeout]);
    const latencyMs = Math.round(performance.now() - started);
    const slow = latencyMs > SLOW_MS;
    return { ...base, status: slow ? 'degraded' : 'healthy', latencyMs, checkedAt: new Date().toISOString(), ...(slow ? { message: `slow: ${latencyMs} ms` } : {}) };
  } catch (error) {
    return { ...base, status: 'down', latencyMs: Math.round(performance.now() - started), checkedAt: new Date().toISOString(), message: (error as Error).message || 'check failed' };
  } finally {
    clearTimeout(timer);
  }
}

export function overallStatus(components: readonly Component[]): Health['status'] {
  if (components.some((c) => c.critical && c.status === 'down')) return 'down';
  return components.every((c) => c.status === 'healthy') ? 'healthy' : 'degraded';
}

export class HealthChecker {
  private cached: { at: number; value: Promise<Health> } | undefined;

  constructor(private readonly probes: () => readonly HealthProbe[], private readonly cacheMs: number) {}

  check(): Promise<Health> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.cacheMs) {
      const value = Promise.all(this.probes().map(runProbe)).then((components) => ({
        status: overallStatus(components),
        checkedAt: new Date().toISOString(),
        components,
      }));
      this.cached = { at: now, value };
    }
    return this.cached.value;
  }
}
