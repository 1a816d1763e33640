/**
 * A service's deployments of the last 24 h as markers for its environments' health strips (the service page's
 * Health section): green where one succeeded, red where one failed, red dashed where its canary rolled it back, blue
 * while one runs; each with a tooltip and a link to its page (those a few minutes apart share a stem). Read from GET /api/v1/deployments/history?service=…,
 * again when a deployment of the service moves (`deployments`) and every minute.
 */
import { Classes } from '@blueprintjs/core';
import { useQuery } from '@tanstack/react-query';
import type { SparklineMarker } from '../../components/sparkline.tsx';
import { formatTime } from '../../lib/format.ts';
import { useThrottledInvalidate, useTopics } from '../../lib/live-requests.ts';
import { useServices } from '../../lib/services-context.ts';
import { asDeploymentChange } from './deployment-live.ts';
import { deploymentMarkers, groupMarkers, type MarkerGroup } from './canary-rules.ts';

const DAY = 24 * 3600_000;

export const markersKey = (service: string) => ['deployments', 'history', 'markers', service] as const;

function MarkerTip({ group }: { group: MarkerGroup }) {
  return (
    <span data-testid="sparkline-marker-tip">
      {group.markers.map((m) => (
        <span key={m.id} style={{ display: 'block' }}>
          {m.label} <span className={`${Classes.TEXT_MUTED} apollo-small`}>{formatTime(m.at)}</span>
        </span>
      ))}
    </span>
  );
}

/** The markers of each environment of a service, over the same 24 h as its health strips. */
export function useDeploymentMarkers(service: string): (environment: string) => SparklineMarker[] {
  const { api } = useServices();
  const invalidate = useThrottledInvalidate(500);
  const history = useQuery({
    queryKey: markersKey(service),
    queryFn: async () => {
      const from = new Date(Date.now() - DAY).toISOString();
      return (await api.read('GET /api/v1/deployments/history', { query: { service, from, limit: 200 } })).items;
    },
    refetchInterval: 60_000,
  });
  useTopics(['deployments'], (frame) => {
    const change = asDeploymentChange(frame.data);
    if (change?.service === service) invalidate(markersKey(service));
  });
  const now = Date.now();
  return (environment) => groupMarkers(deploymentMarkers(history.data ?? [], environment, now, DAY)).map((g) => {
    // The stem links to the newest of them; the tooltip names them all.
    const newest = g.markers.at(-1)!;
    return {
      key: newest.id, position: g.position, kind: g.outcome, label: g.markers.map((m) => m.label).join('; '),
      href: `/deployments/${encodeURIComponent(newest.id)}`, tip: <MarkerTip group={g} />,
    };
  });
}
