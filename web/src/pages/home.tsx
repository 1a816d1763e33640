import { Card, Classes, Code, Elevation, HTMLTable, Icon, Section, SectionCard, Tag, type Intent } from '@blueprintjs/core';
import type { Health } from '../../../schemas/types.gen.ts';
import { ErrorState } from '../components/error-state.tsx';
import { PageHeader } from '../components/shell.tsx';
import { formatAgo, formatTime } from '../lib/format.ts';
import { useHealth, useMe, useVersion } from '../lib/queries.ts';

const STATUS_INTENT: Record<Health['status'], Intent> = { healthy: 'success', degraded: 'warning', down: 'danger' };
const STATUS_ICON = { healthy: 'tick-circle', degraded: 'warning-sign', down: 'error' } as const;

function SkeletonLines({ rows }: { rows: number }) {
  return (
    <div className="apollo-skeleton-lines">
      {Array.from({ length: rows }, (_, i) => <div key={i} className={Classes.SKELETON} style={{ width: `${90 - i * 12}%` }}>&nbsp;</div>)}
    </div>
  );
}

function HealthCard() {
  const health = useHealth();
  return (
    <Section title="Apollo health" icon="pulse" className="apollo-section" data-testid="health"
      rightElement={health.data && <Tag intent={STATUS_INTENT[health.data.status]} size="large" round>{health.data.status}</Tag>}>
      <SectionCard padded={!health.data}>
        {health.isPending && <SkeletonLines rows={4} />}
        {health.isError && <ErrorState compact error={health.error} onRetry={() => void health.refetch()} />}
        {health.data && (
          <HTMLTable className="apollo-table" compact>
            <thead><tr><th>Component</th><th>Status</th><th className="apollo-num">Latency</th><th>Checked</th></tr></thead>
            <tbody>
              {health.data.components.map((c) => (
                <tr key={c.name}>
                  <td>
                    <span className="apollo-cell-strong">{c.name}</span>
                    {c.critical && <Tag minimal className="apollo-inline-tag">critical</Tag>}
                    {c.message && <div className={Classes.TEXT_MUTED}>{c.message}</div>}
                  </td>
                  <td><Icon icon={STATUS_ICON[c.status]} intent={STATUS_INTENT[c.status]} /> {c.status}</td>
                  <td className="apollo-num">{c.latencyMs} ms</td>
                  <td className={Classes.TEXT_MUTED} title={formatTime(c.checkedAt)}>{formatAgo(c.checkedAt)}</td>
                </tr>
              ))}
            </tbody>
          </HTMLTable>
        )}
      </SectionCard>
    </Section>
  );
}

function VersionCard() {
  const version = useVersion();
  return (
    <Section title="Version" icon="tag" className="apollo-section" data-testid="version">
      <SectionCard>
        {version.isPending && <SkeletonLines rows={3} />}
        {version.isError && <ErrorState compact error={version.error} />}
        {version.data && (
          <dl className="apollo-facts">
            <dt>Version</dt><dd>{version.data.version}</dd>
            <dt>Commit</dt><dd><Code>{version.data.commit}</Code></dd>
            <dt>Built</dt><dd>{formatTime(version.data.buildTime)}</dd>
            <dt>Stage</dt><dd>{version.data.stage} ({version.data.runtime})</dd>
            <dt>Region</dt><dd>{version.data.region}</dd>
          </dl>
        )}
      </SectionCard>
    </Section>
  );
}

function MeCard() {
  const me = useMe();
  return (
    <Section title="You" icon="person" className="apollo-section" data-testid="me">
      <SectionCard>
        {me.isPending && <SkeletonLines rows={4} />}
        {me.isError && <ErrorState compact error={me.error} onRetry={() => void me.refetch()} />}
        {me.data && (
          <>
            <dl className="apollo-facts">
              <dt>Signed in as</dt><dd>{me.data.user}</dd>
              <dt>Role</dt><dd><Tag intent="primary" minimal data-testid="me-role">{me.data.role}</Tag></dd>
              <dt>Teams</dt>
              <dd>
                {me.data.teams.length === 0 ? <span className={Classes.TEXT_MUTED}>none yet — an admin adds you to a team</span> : (
                  <span className="apollo-tag-row">{me.data.teams.map((t) => <Tag key={t.id} minimal icon="people">{t.id} · {t.role}</Tag>)}</span>
                )}
              </dd>
            </dl>
            <h4 className="apollo-subheading">Effective permissions ({me.data.permissions.length})</h4>
            <div className="apollo-permission-list" data-testid="permissions">
              {me.data.permissions.map((p) => <Tag key={p} minimal round className="apollo-mono">{p}</Tag>)}
            </div>
          </>
        )}
      </SectionCard>
    </Section>
  );
}

export function HomePage() {
  const me = useMe();
  return (
    <div className="apollo-page">
      <PageHeader title={me.data ? `Welcome, ${me.data.user.split('@')[0]}` : 'Welcome'} description="Apollo's own health, its version, and what you can do here." />
      <div className="apollo-grid">
        <div className="apollo-grid-main"><HealthCard /></div>
        <div className="apollo-grid-side"><VersionCard /></div>
        <div className="apollo-grid-full"><MeCard /></div>
      </div>
      <Card elevation={Elevation.ZERO} className="apollo-hint">
        <Icon icon="info-sign" /> Secrets, Costs, Incidents, Observability and the AI Console join Catalog, the Deploy Center, Self-service, Requests and Approvals in the navigation as each one ships.
      </Card>
    </div>
  );
}
