/**
 * An incident's timeline (GET /api/v1/incidents/{id}/timeline), oldest first: its alerts, status changes, comments
 * and actions, and Apollo's records of the affected services in its window (deployments, requests), each linking to
 * its record; new entries arrive from `incident:<id>`. incidents:comment adds a comment or an action (Markdown).
 */
import { Button, Callout, Classes, Icon, Section, SectionCard, SegmentedControl, Tag, TextArea, type IconName } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import type { IncidentTimeline, IncidentTimelineEntry } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { LiveBadge } from '../../components/live-badge.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { formatTime, withLocalTimes } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { mergeTimeline, useFollowEnd } from '../../lib/timeline.ts';
import { timelineKey, useIncidentTimeline } from './incident-queries.ts';
import { ENTRY_ICON, ENTRY_LABEL, entryLink } from './incident-rules.ts';

const clock = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

const ENTRY_INTENT: Partial<Record<IncidentTimelineEntry['type'], 'danger' | 'primary' | 'success' | 'warning'>> = {
  alert: 'danger', status_change: 'primary', action: 'success', ai_action: 'success', deployment: 'warning',
};

function Entry({ entry }: { entry: IncidentTimelineEntry }) {
  const link = entryLink(entry);
  // People's words are Markdown; the system's lines are plain text with times in them.
  const markdown = entry.type === 'comment' || entry.type === 'action';
  return (
    <li className="apollo-timeline-entry" data-testid="incident-timeline-entry" data-type={entry.type} data-ref-kind={entry.ref.kind} data-ref-id={entry.ref.id}>
      <span className={`${Classes.TEXT_MUTED} apollo-mono apollo-timeline-time`} title={formatTime(entry.at)}>{clock.format(new Date(entry.at))}</span>
      <Icon icon={ENTRY_ICON[entry.type] as IconName} intent={ENTRY_INTENT[entry.type] ?? 'none'} size={14} />
      <span className="apollo-timeline-text">
        <Tag minimal className="apollo-timeline-stage">{ENTRY_LABEL[entry.type]}</Tag>
        <strong className="apollo-small">{entry.actor}</strong>
        {link && (link.external
          ? <a href={link.to} target="_blank" rel="noopener noreferrer" data-testid="incident-timeline-link" data-kind={entry.ref.kind}>{link.label} <Icon icon="share" size={12} /></a>
          : <Link to={link.to} data-testid="incident-timeline-link" data-kind={entry.ref.kind}>{link.label} →</Link>)}
        <span className="apollo-incident-entry-body">{markdown ? <Markdown source={entry.content} /> : withLocalTimes(entry.content)}</span>
      </span>
    </li>
  );
}

function CommentBox({ incidentId }: { incidentId: string }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [text, setText] = useState('');
  const [type, setType] = useState<'comment' | 'action'>('comment');
  const add = useMutation({
    mutationFn: () => api.read('POST /api/v1/incidents/{id}/timeline', { params: { id: incidentId }, body: { content: text.trim(), type } }),
    onSuccess: (entry) => {
      client.setQueryData<IncidentTimeline>(timelineKey(incidentId), (t) => (t && !t.items.some((i) => i.id === entry.id) ? { ...t, items: [...t.items, entry] } : t));
      setText('');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) add.mutate();
  };
  return (
    <form className="apollo-incident-comment" onSubmit={submit} data-testid="incident-comment-form">
      {add.isError && <ErrorState compact error={add.error} />}
      <TextArea fill rows={3} maxLength={10000} value={text} onChange={(e) => setText(e.currentTarget.value)} aria-label="Add to the timeline"
        placeholder={type === 'action' ? 'What you did (restarted core-service pods in prod)…' : 'What you see, what you think (Markdown)…'} data-testid="incident-comment-text"
        onKeyDown={(e) => { if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) submit(e); }} />
      <div className="apollo-incident-comment-actions">
        <SegmentedControl size="small" value={type} onValueChange={(v) => setType(v as 'comment' | 'action')} data-testid="incident-comment-type"
          options={[{ value: 'comment', label: 'Comment' }, { value: 'action', label: 'Action taken' }]} />
        <Button type="submit" intent="primary" icon="send-message" text="Add" disabled={!text.trim()} loading={add.isPending} data-testid="incident-comment-submit" />
      </div>
    </form>
  );
}

export function IncidentTimelineSection({ incidentId, live, liveEntries, canComment }: {
  incidentId: string; live: boolean; liveEntries: readonly IncidentTimelineEntry[]; canComment: boolean;
}) {
  const timeline = useIncidentTimeline(incidentId);
  const entries = useMemo(() => mergeTimeline(timeline.data?.items ?? [], liveEntries, (e) => e.id), [timeline.data, liveEntries]);
  const { ref, onScroll } = useFollowEnd<HTMLOListElement>(entries.length);
  return (
    <Section title="Timeline" icon="history" className="apollo-section apollo-incident-timeline" data-testid="incident-timeline" data-count={entries.length}
      subtitle={timeline.data ? `Apollo's records from ${formatTime(timeline.data.window.from)}` : undefined}
      rightElement={<LiveBadge live={live} tip={live ? 'New entries appear as they are written' : 'Not receiving live updates right now; the timeline is read again when the connection is back'} />}>
      <SectionCard>
        {timeline.isError && !timeline.data ? <ErrorState compact error={timeline.error} onRetry={() => void timeline.refetch()} />
          : timeline.isPending ? <div className={Classes.SKELETON} style={{ height: 120 }} />
            : entries.length === 0 ? <p className={Classes.TEXT_MUTED} data-testid="incident-timeline-empty">Nothing on the timeline yet.</p>
              : (
                <ol className="apollo-timeline" ref={ref} onScroll={onScroll}>
                  {entries.map((e) => <Entry key={e.id} entry={e} />)}
                </ol>
              )}
        {canComment
          ? <CommentBox incidentId={incidentId} />
          : <Callout compact icon="lock" className="apollo-section-gap" data-testid="incident-comment-locked">Adding to the timeline needs incidents:comment (developers and up).</Callout>}
      </SectionCard>
    </Section>
  );
}
