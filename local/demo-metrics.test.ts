/**
 * The local runtime's LOCAL DEMO METRICS: started beside the simulated Argo CD, read by the deployments'
 * Prometheus adapter, and controlled from the web app's origin on loopback (/local/demo-metrics).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentsDeps } from '../functions/deployments/deps.ts';
import { startHarness, type Harness } from './testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

interface State {
  label: string;
  environments: Array<{ service: string; environment: string; version: string | null; now: { requests: number; errorRate: number; p99Ms: number }; pushed: { errorRate: number } | null }>;
  presets: Array<{ id: string }>;
}

describe('the local runtime\'s demo metrics', () => {
  it('point the deployments\' metrics port at the demo server, labelled as such, and print a banner line', () => {
    const demo = h.runtime.demoMetrics!;
    expect(deploymentsDeps().metrics?.kind).toBe(`LOCAL DEMO METRICS (Prometheus API) ${demo.url}`);
    expect(h.runtime.banner.some((line) => line.startsWith(`Canary metrics: LOCAL DEMO METRICS (Prometheus API) at ${demo.url}`))).toBe(true);
  });

  it('show a service\'s environments with their running version and let the web app push the error rate up and back', async () => {
    // Prepare
    const before = await (await fetch(`${h.runtime.url}/local/demo-metrics?service=core-service`)).json() as State;
    expect(before.label).toBe('LOCAL DEMO METRICS');
    expect(before.presets.map((p) => p.id)).toEqual(['core-service-error-spike']);
    const prod = before.environments.find((e) => e.environment === 'prod')!;
    expect(prod).toMatchObject({ service: 'core-service', pushed: null });
    expect(prod.version).toEqual(expect.any(String));
    expect(prod.now.errorRate).toBeLessThan(0.006);
    // Act
    const pushed = await fetch(`${h.runtime.url}/local/demo-metrics/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'core-service', environment: 'prod', errorRate: 0.15 }) });
    // Assess
    expect(pushed.status).toBe(200);
    const at = Date.parse(((await pushed.json()) as { change: { at: string } }).change.at);
    const target = { service: 'core-service', environment: 'prod', cluster: 'local-prod', namespace: 'default', version: prod.version! };
    const after = await deploymentsDeps().metrics!.sample({ ...target, from: new Date(at), to: new Date(at + 60_000) });
    const baseline = await deploymentsDeps().metrics!.sample({ ...target, from: new Date(at - 300_000), to: new Date(at - 1_000) });
    expect(after.errorRate).toBe(0.15);
    expect(baseline.errorRate).toBeLessThan(0.006);
    const normal = await fetch(`${h.runtime.url}/local/demo-metrics/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'core-service', environment: 'prod', normal: true }) });
    expect(((await normal.json()) as { state: State }).state.environments.find((e) => e.environment === 'prod')!.pushed).toBeNull();
  });
});
