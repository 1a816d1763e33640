/** Health badges and the catalog's tags: one look for a status everywhere it appears. */
import { Tag, Tooltip, type IconName, type Intent } from '@blueprintjs/core';
import { Link } from '../lib/router.tsx';
import './catalog.css';

export type HealthStatus = 'healthy' | 'degraded' | 'down' | 'unknown';
export type Tier = 'critical' | 'standard' | 'experimental';

export const HEALTH_INTENT: Record<HealthStatus, Intent> = { healthy: 'success', degraded: 'warning', down: 'danger', unknown: 'none' };
export const HEALTH_COLOR: Record<HealthStatus, string> = { healthy: '#238551', degraded: '#c87619', down: '#cd4246', unknown: '#8f99a8' };
const HEALTH_ICON: Record<HealthStatus, IconName> = { healthy: 'tick-circle', degraded: 'warning-sign', down: 'error', unknown: 'help' };
const HEALTH_HINT: Record<HealthStatus, string> = {
  healthy: 'The health endpoint answers 2xx and every replica is ready',
  degraded: 'Slow (over 2 s) or a 4xx from the health endpoint, or fewer ready replicas than desired',
  down: 'The health endpoint is unreachable, answers 5xx or times out, or no replica is ready',
  unknown: 'No health check configured, or not checked yet',
};

export const isHealthStatus = (v: unknown): v is HealthStatus => v === 'healthy' || v === 'degraded' || v === 'down' || v === 'unknown';

export function HealthBadge({ status, reason, large = false }: { status: HealthStatus | undefined; reason?: string | undefined; large?: boolean }) {
  const s = status ?? 'unknown';
  return (
    <Tooltip content={reason ? `${reason}` : HEALTH_HINT[s]} placement="top" compact>
      <Tag minimal={!large} round intent={HEALTH_INTENT[s]} icon={HEALTH_ICON[s]} size={large ? 'large' : 'medium'} className="apollo-health" data-testid="health-badge" data-status={s}>
        {s}
      </Tag>
    </Tooltip>
  );
}

const TIER_INTENT: Record<Tier, Intent> = { critical: 'danger', standard: 'primary', experimental: 'none' };
const TIER_ICON: Record<Tier, IconName> = { critical: 'flame', standard: 'cube', experimental: 'lab-test' };

export function TierTag({ tier }: { tier: Tier }) {
  return <Tag minimal intent={TIER_INTENT[tier]} icon={TIER_ICON[tier]} className="apollo-tier" data-testid="tier">{tier}</Tag>;
}

/** The owning team, linking to the catalog filtered on it. */
export function TeamTag({ team }: { team: string }) {
  return (
    <Link to={`/catalog?team=${encodeURIComponent(team)}`} className="apollo-tag-link" title={`Services of ${team}`}>
      <Tag minimal round icon="people" interactive data-testid="team">{team}</Tag>
    </Link>
  );
}
