/**
 * "Local demo only": the LOCAL DEMO METRICS of a service, as canary analysis reads them on a laptop, with a
 * control to push an environment's error rate up (to watch a canary roll back) or back to normal, and the
 * design doc's core-service error spike (Appendix B) as a preset. The local runtime serves it on loopback at
 * /local/demo-metrics (same origin, local/web.ts); when the runtime has no demo metrics (a real APOLLO_METRICS)
 * or the app runs in AWS, nothing shows.
 */
import { Button, ButtonGroup, Callout, Classes, HTMLTable, Section, SectionCard, Tag } from '@blueprintjs/core';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeploymentHistory } from '../deployments/deployment-queries.ts';
import { isEnded } from '../deployments/deployment-rules.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';

/** The error rate the push button sets: well past the canary's default 1 %. */
const PUSHED_ERROR_RATE = 0.15;

interface Figures { requests: number; errorRate: number; p99Ms: number }
interface DemoEnvironment {
  service: string;
  environment: string;
  version: string | null;
  now: Figures;
  baseline: { errorRate: number; p99Ms: number };
  pushed: { at: string; errorRate: number | null; p99Ms: number | null; reason?: string } | null;
}
interface DemoState {
  label: string;
  url: string;
  windowSeconds: number;
  environments: DemoEnvironment[];
  presets: Array<{ id: string; title: string; environment: string; errorRate: number; p99Ms: number }>;
}

type Pushed = NonNullable<DemoEnvironment['pushed']> & { version?: string; environment: string };
type Control = { service: string; environment: string; version?: string; errorRate: number } | { service: string; environment: string; normal: true } | { preset: string };

/** The state, or null when this runtime serves no demo metrics (404). */
async function readState(service: string): Promise<DemoState | null> {
  const response = await fetch(`/local/demo-metrics?service=${encodeURIComponent(service)}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`/local/demo-metrics answered ${response.status}`);
  return (await response.json()) as DemoState;
}

async function sendControl(body: Control): Promise<Pushed> {
  const response = await fetch('/local/demo-metrics/control', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json().catch(() => ({}))) as { message?: string; change?: Pushed };
  if (!response.ok || !answer.change) throw new Error(answer.message ?? `HTTP ${response.status}`);
  return answer.change;
}

const percent = (rate: number): string => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)} %`;
const ms = (value: number): string => `${Math.round(value)} ms`;

export function LocalMetricsControl({ serviceId }: { serviceId: string }) {
  const { config, api } = useServices();
  const local = config.mode === 'local';
  const client = useQueryClient();
  const key = ['local-demo-metrics', serviceId];
  const state = useQuery({ queryKey: key, queryFn: () => readState(serviceId), enabled: local, refetchInterval: 5_000, retry: false });
  // A push aims at the version being deployed there when a deployment is under way (its canary fails; the version
  // rolled back to stays healthy), else at the version running.
  const history = useDeploymentHistory({ service: serviceId }, 10);
  const deploying = new Map<string, string>();
  for (const d of [...(history.data?.pages.flatMap((p) => p.items) ?? [])].reverse()) {
    if (!isEnded(d.status) && d.imageTag && (d.operation === 'deploy' || d.operation === 'promote')) deploying.set(d.environment, d.imageTag);
  }
  // The last push per environment made here (the state shows the running version's: a push on the deploying one shows here until it runs).
  const [lastPush, setLastPush] = useState<Record<string, Pushed>>({});
  const control = useMutation({
    // A push aims at what is being deployed there as of now (the list above may be older than a deploy just asked for).
    mutationFn: async (body: Control) => {
      if (!('errorRate' in body)) return sendControl(body);
      const fresh = await api.read('GET /api/v1/deployments/history', { query: { service: body.service, environment: body.environment, limit: 5 } }).catch(() => undefined);
      const deployingNow = fresh?.items.find((d) => !isEnded(d.status) && d.imageTag && (d.operation === 'deploy' || d.operation === 'promote'))?.imageTag;
      return sendControl({ ...body, ...(deployingNow ? { version: deployingNow } : {}) });
    },
    onSuccess: (change) => {
      setLastPush((all) => ({ ...all, [change.environment]: change }));
      void client.invalidateQueries({ queryKey: key });
    },
    onError: (error) => toast({ message: `Demo metrics: ${(error as Error).message}`, intent: 'danger' }),
  });
  const data = state.data;
  if (!local || !data || data.environments.length === 0) return null;
  return (
    <div className="apollo-section-gap">
    <Section title="Demo metrics" icon="series-configuration" className="apollo-section" data-testid="local-metrics-control"
      subtitle={`What canary analysis reads on this laptop (${data.label}, made-up traffic); the last ${data.windowSeconds} s of the running version`}
      rightElement={<Tag intent="warning" icon="lab-test" large>Local demo only</Tag>}>
      <SectionCard>
        <Callout intent="warning" compact icon="info-sign" className={Classes.TEXT_SMALL}>
          Local demo only: this control exists in the local runtime, never in AWS. Push an environment's error rate up during a deploy to watch its canary roll back.
        </Callout>
        <HTMLTable compact className="apollo-table" style={{ width: '100%', marginTop: 8 }}>
          <thead><tr><th>Environment</th><th>Version</th><th>Error rate</th><th>p99</th><th>Requests</th><th /></tr></thead>
          <tbody>
            {data.environments.map((e) => {
              const target = deploying.get(e.environment) ?? e.version ?? undefined;
              const mine = lastPush[e.environment];
              const pushed = e.pushed ?? (mine && mine.errorRate !== null ? mine : null);
              return (
              <tr key={e.environment} data-testid="local-metrics-env" data-environment={e.environment} data-target={target}>
                <td>{e.environment}</td>
                <td className="apollo-mono">{e.version ?? '—'}</td>
                <td data-testid="local-metrics-error-rate">
                  {percent(e.now.errorRate)} {pushed && <Tag minimal intent="danger" title={pushed.reason}>pushed {pushed.errorRate === null ? '' : percent(pushed.errorRate)}{'version' in pushed && pushed.version ? ` on ${pushed.version}` : ''}</Tag>}
                </td>
                <td>{ms(e.now.p99Ms)}</td>
                <td>{e.now.requests}</td>
                <td>
                  <ButtonGroup>
                    <Button size="small" intent="danger" icon="trending-up" text={`Push ${target ?? 'its'} errors to ${percent(PUSHED_ERROR_RATE)}`} disabled={control.isPending}
                      title={deploying.has(e.environment) ? `${target} is being deployed here: its traffic fails, the version before stays healthy` : 'The running version\'s traffic fails'}
                      data-testid="local-metrics-push" onClick={() => control.mutate({ service: e.service, environment: e.environment, ...(target ? { version: target } : {}), errorRate: PUSHED_ERROR_RATE })} />
                    <Button size="small" icon="reset" text="Back to normal" disabled={control.isPending || !pushed}
                      data-testid="local-metrics-normal" onClick={() => control.mutate({ service: e.service, environment: e.environment, normal: true })} />
                  </ButtonGroup>
                </td>
              </tr>
              );
            })}
          </tbody>
        </HTMLTable>
        {data.presets.length > 0 && (
          <div style={{ marginTop: 8 }}>
            {data.presets.map((p) => (
              <Button key={p.id} size="small" icon="warning-sign" intent="warning" text={p.title} disabled={control.isPending} data-testid="local-metrics-preset"
                title={`${p.environment}: ${percent(p.errorRate)} errors, p99 ${ms(p.p99Ms)}`} onClick={() => control.mutate({ preset: p.id })} />
            ))}
          </div>
        )}
      </SectionCard>
    </Section>
    </div>
  );
}
