import { Classes, Section, SectionCard, Spinner, Tag } from '@blueprintjs/core';
import { lazy, Suspense, useEffect } from 'react';
import type { Team } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMembers } from '../../lib/queries.ts';
import { QuotaSection } from './quota-section.tsx';
import { useTeam } from './team-queries.ts';
import './teams.css';

// The analytics draw with Recharts: they load after the page's first view, not with the app.
const TeamAnalytics = lazy(() => import('./team-analytics.tsx').then((m) => ({ default: m.TeamAnalytics })));

function Contact({ team }: { team: Team }) {
  if (!team.slackChannel && !team.email) return <span className={Classes.TEXT_MUTED}>—</span>;
  return (
    <span className="apollo-contact" data-testid="team-contact">
      {team.slackChannel && <Tag minimal icon="chat">{team.slackChannel}</Tag>}
      {team.email && <a href={`mailto:${team.email}`}><Tag minimal icon="envelope" interactive>{team.email}</Tag></a>}
    </span>
  );
}

function AboutSection({ team }: { team: Team }) {
  const members = useMembers(team.id);
  const items = members.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Section title="Team" icon="people" className="apollo-section" data-testid="team-about">
      <SectionCard>
        <dl className="apollo-facts">
          <dt>Id</dt><dd className="apollo-mono">{team.id}</dd>
          <dt>Contact</dt><dd><Contact team={team} /></dd>
          <dt>Members</dt>
          <dd data-testid="team-members">
            {members.isError ? <ErrorState compact error={members.error} onRetry={() => void members.refetch()} />
              : members.isPending ? <div className={Classes.SKELETON}>&nbsp;</div>
              : items.length === 0 ? <span className={Classes.TEXT_MUTED}>No members yet</span>
              : (
                <ul className="apollo-team-members">
                  {items.map((m) => (
                    <li key={m.principal} data-testid="team-member" data-principal={m.principal}>
                      {m.principal}{m.role === 'lead' && <Tag minimal intent="primary" className="apollo-inline-tag">lead</Tag>}
                    </li>
                  ))}
                </ul>
              )}
            {members.hasNextPage && <button type="button" className={`${Classes.BUTTON} ${Classes.MINIMAL} ${Classes.SMALL}`} onClick={() => void members.fetchNextPage()}>More</button>}
          </dd>
          <dt>Created</dt><dd><span title={formatTime(team.createdAt)}>{formatAgo(team.createdAt)}</span> by {team.createdBy}</dd>
          <dt>Updated</dt><dd><span title={formatTime(team.updatedAt)}>{formatAgo(team.updatedAt)}</span> <span className={Classes.TEXT_MUTED}>· v{team.version}</span></dd>
        </dl>
      </SectionCard>
    </Section>
  );
}

/**
 * A team: who they are and how to reach them, their quotas, and their request analytics over a window (`?days=`):
 * KPIs and trends, usage, the adoption of the offerings they own, and their request history.
 */
export function TeamPage({ id }: { id: string }) {
  const team = useTeam(id);
  useEffect(() => { if (team.data) document.title = `${team.data.name} · Teams · Apollo`; }, [team.data]);
  // Admin → Teams' "Quotas" opens the page at its quotas.
  useEffect(() => {
    if (team.data && window.location.hash === '#quotas') document.getElementById('quotas')?.scrollIntoView({ block: 'start' });
  }, [team.data]);
  if (team.isPending) return <div className="apollo-center"><Spinner /></div>;
  if (team.isError) return <div className="apollo-page"><ErrorState error={team.error} onRetry={() => void team.refetch()} /></div>;
  const t = team.data;
  return (
    <div className="apollo-page" data-testid="team-page" data-id={t.id}>
      <PageHeader title={t.name} description={t.description || undefined} />
      <div className="apollo-grid apollo-team-grid">
        <AboutSection team={t} />
        <QuotaSection teamId={t.id} teamName={t.name} />
        <Suspense fallback={<div className={`${Classes.SKELETON} apollo-grid-full`} style={{ height: 160 }} />}>
          <TeamAnalytics teamId={t.id} teamName={t.name} />
        </Suspense>
      </div>
    </div>
  );
}
