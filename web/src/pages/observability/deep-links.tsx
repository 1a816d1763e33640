/**
 * Buttons into the outside consoles (Grafana, CloudWatch, Jaeger / X-Ray, Axiom), each link from
 * GET /api/v1/observability/deeplink with the range and filters in view; a console Apollo is not configured for
 * (a 400) shows as a disabled button whose tooltip gives the API's reason.
 */
import { AnchorButton, Tooltip } from '@blueprintjs/core';
import { useQueries } from '@tanstack/react-query';
import { ApiError } from '../../../../shared/api-client.ts';
import { useServices } from '../../lib/services-context.ts';
import { insightsQueryOf, windowOf, type ObservabilityState } from './observability-url.ts';

const TARGETS = [
  { target: 'grafana', label: 'Grafana', icon: 'dashboard' },
  { target: 'cloudwatch', label: 'CloudWatch', icon: 'cloud' },
  { target: 'xray', label: 'X-Ray', icon: 'graph' },
  { target: 'jaeger', label: 'Jaeger', icon: 'graph' },
  { target: 'axiom', label: 'Axiom', icon: 'search-template' },
] as const;

/** The trace ids the deep-link API takes (X-Ray's or W3C's). */
const LINKABLE_TRACE = /^(1-[0-9a-f]{8}-[0-9a-f]{24}|[0-9a-f]{32})$/;

export function DeepLinks({ service, environment, state }: { service: string; environment: string | undefined; state: ObservabilityState }) {
  const { api } = useServices();
  const range = windowOf(state, Math.floor(Date.now() / 60_000) * 60_000);
  const trace = state.view === 'traces' && state.trace && LINKABLE_TRACE.test(state.trace) ? state.trace : undefined;
  const links = useQueries({
    queries: TARGETS.map(({ target }) => {
      // Only CloudWatch's query language is known here (Logs Insights); the others open on the service and range.
      const query = target === 'cloudwatch' && state.view === 'logs' ? insightsQueryOf(state) : undefined;
      return {
        queryKey: ['observability', 'deeplink', target, service, environment, range.from, query, trace],
        queryFn: () => api.read('GET /api/v1/observability/deeplink', { query: {
          target, service, from: range.from, to: range.to,
          ...(environment ? { environment } : {}),
          ...(query ? { query } : {}),
          ...(trace ? { traceId: trace } : {}),
        } }),
        staleTime: 60_000,
        retry: false,
      };
    }),
  });
  return (
    <div className="apollo-obs-deeplinks" role="group" aria-label="Open in another console" data-testid="deep-links">
      {TARGETS.map(({ target, label, icon }, i) => {
        const link = links[i]!;
        if (link.data) {
          return <AnchorButton key={target} icon={icon} rightIcon="share" text={label} href={link.data.url} target="_blank" rel="noopener noreferrer" variant="outlined" size="small" data-testid="deep-link" data-target={target} />;
        }
        const reason = link.error instanceof ApiError && link.error.status === 400 ? link.error.message
          : link.error ? `The link could not be made: ${(link.error as Error).message}` : 'Making the link…';
        return (
          // A disabled button takes no focus or hover: its wrapper does, so the reason reaches a keyboard and a mouse.
          <Tooltip key={target} content={reason} compact>
            <span tabIndex={0} className="apollo-obs-deeplink-off" aria-label={`${label}: ${reason}`} data-testid="deep-link" data-target={target} data-reason={link.error ? reason : undefined}>
              <AnchorButton icon={icon} text={label} disabled variant="outlined" size="small" loading={link.isPending} tabIndex={-1} aria-hidden />
            </span>
          </Tooltip>
        );
      })}
    </div>
  );
}
