/**
 * One request, live: where it is (status, progress, ETA, retries, generation, who cancelled it and why), what was
 * asked (fields, secrets masked), the approval it waits for (approve or reject here when you may), the manual
 * fulfilment's instructions and JIRA ticket, each action with its attempts and rollback (request-actions.tsx), the
 * timeline as it is written, what happens next, and the outputs; once completed, its requester rates it
 * (request-rating.tsx). Retry, Cancel and Deprovision (request-dialogs.tsx)
 * are offered as its status allows. `request:<id>` moves the status and appends log
 * lines without a read; a new status or action reads the detail again.
 */
import {
  Button, Callout, Classes, Code, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, Icon, NonIdealState, Section, SectionCard, Tag, TextArea,
  Tooltip, type IconName, type Intent,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useFollowEnd } from '../../lib/timeline.ts';
import type { Request } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useOnReconnect, useThrottledInvalidate, useTopics } from '../../lib/live-requests.ts';
import { requestKey, useFieldLabels, useRequest } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { useRealtimeState } from '../../lib/store.ts';
import { toast } from '../../lib/toaster.ts';
import { ApprovalDeadline, ApprovalDecisions, ApprovalEscalation, ApprovalRule, ApprovalStatusTag, ApprovalWhy, DecisionDialog } from '../approvals/approval-parts.tsx';
import type { Decision } from '../approvals/approval-text.ts';
import { Actions, LocalFakeTag } from './request-actions.tsx';
import { RequestLifecycle } from './request-dialogs.tsx';
import { isLoopbackUrl } from './request-lifecycle.ts';
import { RequestProgress, RequestStatusTag } from './request-parts.tsx';
import { RatingBox } from './request-rating.tsx';
import { applyChange, asRequestChange, changesDetail, mergeTimeline, type RequestChange, type TimelineEntry } from './request-live.ts';
import { fieldText, isEnded, isUndoing } from './request-status.ts';
import './requests.css';
import { LiveBadge } from '../../components/live-badge.tsx';

const NO_LABELS: ReadonlyMap<string, string> = new Map();

/** The request's frames: its status applied in place, its log lines kept, the detail read again when it changed. */
function useLiveRequest(id: string): { change: RequestChange | null; entries: TimelineEntry[] } {
  const client = useQueryClient();
  const invalidate = useThrottledInvalidate(250);
  const [change, setChange] = useState<RequestChange | null>(null);
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  useTopics([`request:${id}`], (frame) => {
    const next = asRequestChange(frame.data, id);
    if (!next) return;
    const before = client.getQueryData<Request>(requestKey(id));
    if (before) client.setQueryData<Request>(requestKey(id), applyChange(before, next));
    setChange((c) => (c && c.updatedAt > next.updatedAt ? c : next));
    const entry = next.entry;
    if (entry) setEntries((e) => [...e, entry]);
    if (changesDetail(before, next)) invalidate(requestKey(id));
    if (!before || before.status !== next.status) invalidate(['requests', 'list']);
  });
  useOnReconnect(() => invalidate(requestKey(id)));
  return { change, entries };
}

function Facts({ request, labels }: { request: Request; labels: ReadonlyMap<string, string> }) {
  const fields = Object.entries(request.fields);
  return (
    <Section title="What was asked" icon="form" className="apollo-section" data-testid="request-fields">
      <SectionCard>
        {fields.length === 0 ? <p className={Classes.TEXT_MUTED}>No fields.</p> : (
          <dl className="apollo-facts apollo-request-fields">
            {fields.map(([id, value]) => (
              <div key={id} className="apollo-facts-row" data-testid="request-field" data-id={id}>
                <dt title={id}>{labels.get(id) ?? id}</dt>
                <dd className={value === '••••' ? 'apollo-secret' : undefined}>
                  {value === '••••' && <Icon icon="lock" size={12} className="apollo-secret-icon" title="Secret: never shown back" />}
                  {fieldText(value)}
                </dd>
              </div>
            ))}
          </dl>
        )}
        {request.note && (
          <>
            <h4 className="apollo-subheading">Note</h4>
            <p className="apollo-request-note" data-testid="request-note">{request.note}</p>
          </>
        )}
      </SectionCard>
    </Section>
  );
}

function ApprovalBox({ request }: { request: Request }) {
  const approval = request.approval;
  const [decision, setDecision] = useState<Decision | null>(null);
  if (!approval) return null;
  return (
    <Section title="Approval" icon="endorsed" className="apollo-section" data-testid="request-approval" data-status={approval.status}
      rightElement={<ApprovalStatusTag status={approval.status} />}>
      <SectionCard>
        <ApprovalEscalation approval={approval} />
        <ApprovalRule approval={approval} />
        <ApprovalDecisions approval={approval} />
        <p className={`${Classes.TEXT_MUTED} apollo-small`}><ApprovalDeadline approval={approval} /></p>
        <ApprovalWhy approval={approval} />
        {approval.status === 'pending' && approval.canDecide && (
          <div className="apollo-approval-buttons">
            <Button intent="success" icon="tick" text="Approve" onClick={() => setDecision('approve')} data-testid="approve" />
            <Button intent="danger" variant="outlined" icon="cross" text="Reject" onClick={() => setDecision('reject')} data-testid="reject" />
          </div>
        )}
      </SectionCard>
      <DecisionDialog decision={decision} approvals={[approval]} onClose={() => setDecision(null)} />
    </Section>
  );
}

/** Manual fulfilment: what the owning team does, and their buttons (the API decides who may; a 403 is explained). */
function ManualBox({ request }: { request: Request }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [outcome, setOutcome] = useState<'completed' | 'failed' | null>(null);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const complete = useMutation({
    mutationFn: (body: { outcome: 'completed' | 'failed'; note?: string }) => api.read('POST /api/v1/requests/{id}/complete', { params: { id: request.id }, body }),
    onSuccess: (answer) => {
      client.setQueryData(requestKey(request.id), answer);
      void client.invalidateQueries({ queryKey: ['requests', 'list'] });
      toast({ intent: answer.status === 'failed' ? 'warning' : 'success', icon: 'tick', message: `Request marked ${answer.status}` });
      close();
    },
  });
  if (request.fulfillment !== 'manual' && !request.manual) return null;
  // Ended by a person while its fulfilment is under way (not while it is being undone).
  const open = !isEnded(request.status) && !isUndoing(request.status);
  const ticket = request.manual?.ticket;
  function close() { setOutcome(null); setNote(''); setProblem(null); complete.reset(); }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!outcome) return;
    if (outcome === 'failed' && !note.trim()) { setProblem('Say why it could not be done: the requester reads it.'); return; }
    complete.mutate({ outcome, ...(note.trim() ? { note: note.trim() } : {}) });
  };
  return (
    <Section title="Manual fulfilment" icon="person" className="apollo-section" data-testid="request-manual">
      <SectionCard>
        {request.manual?.instructions ? <Markdown source={request.manual.instructions} /> : <p className={Classes.TEXT_MUTED}>The {request.offering.owner ?? 'owning'} team fulfils this request by hand.</p>}
        {ticket && (
          <p className="apollo-manual-ticket" data-testid="manual-ticket" data-key={ticket.key}>
            <Icon icon="issue" size={14} />
            <span>JIRA ticket {ticket.url && /^https?:\/\//i.test(ticket.url)
              ? <a href={ticket.url} target="_blank" rel="noreferrer" data-testid="manual-ticket-link">{ticket.key}</a>
              : <strong>{ticket.key}</strong>}</span>
            {ticket.status && <Tag minimal round data-testid="manual-ticket-status">{ticket.status}</Tag>}
            {isLoopbackUrl(ticket.url) && <LocalFakeTag what="This ticket's JIRA" testId="ticket-local-fake" />}
          </p>
        )}
        {request.manual?.completedBy && <p className="apollo-small">Ended by {request.manual.completedBy}.</p>}
        {open && (
          <>
            <p className={`${Classes.TEXT_MUTED} apollo-small`}>For the {request.offering.owner ?? 'owning'} team and operators: say when it is done.</p>
            <div className="apollo-approval-buttons">
              <Button intent="success" icon="tick" text="Complete" onClick={() => setOutcome('completed')} data-testid="manual-complete" />
              <Button intent="danger" variant="outlined" icon="cross" text="Mark failed" onClick={() => setOutcome('failed')} data-testid="manual-fail" />
            </div>
          </>
        )}
      </SectionCard>
      <Dialog isOpen={outcome !== null} onClose={close} title={outcome === 'failed' ? 'Mark the request failed' : 'Complete the request'} icon={outcome === 'failed' ? 'cross-circle' : 'tick-circle'} className="apollo-dialog">
        <form onSubmit={submit} noValidate data-testid="manual-form">
          <DialogBody>
            {complete.isError && <div className="apollo-form-error"><ErrorState compact error={complete.error} /></div>}
            <FormGroup label="Note" labelFor="manual-note" labelInfo={outcome === 'failed' ? '(required)' : '(optional)'} intent={problem ? 'danger' : 'none'}
              helperText={problem ?? (outcome === 'failed' ? 'Why it could not be done.' : 'What was done (names, links): the requester reads it.')}>
              <TextArea id="manual-note" fill rows={3} maxLength={4000} value={note} onChange={(e) => { setNote(e.currentTarget.value); setProblem(null); }} autoFocus />
            </FormGroup>
          </DialogBody>
          <DialogFooter actions={<><Button text="Cancel" onClick={close} /><Button type="submit" intent={outcome === 'failed' ? 'danger' : 'success'} text={outcome === 'failed' ? 'Mark failed' : 'Complete'} loading={complete.isPending} /></>} />
        </form>
      </Dialog>
    </Section>
  );
}

const SEVERITY: Record<TimelineEntry['severity'], { icon: IconName; intent: Intent }> = {
  debug: { icon: 'code', intent: 'none' },
  info: { icon: 'info-sign', intent: 'none' },
  warn: { icon: 'warning-sign', intent: 'warning' },
  error: { icon: 'error', intent: 'danger' },
};

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function Timeline({ entries, live }: { entries: readonly TimelineEntry[]; live: boolean }) {
  const { ref: list, onScroll } = useFollowEnd<HTMLOListElement>(entries.length);
  return (
    <Section title="Timeline" icon="history" className="apollo-section" data-testid="request-timeline"
      rightElement={(
        <LiveBadge live={live} tip={live ? 'New lines appear as they are written' : 'Not receiving live updates right now; the page reads them again when the connection is back'} />
      )}>
      <SectionCard>
        {entries.length === 0 ? <p className={Classes.TEXT_MUTED}>Nothing logged yet.</p> : (
          <ol className="apollo-timeline" ref={list} onScroll={onScroll}>
            {entries.map((e, i) => (
              <li key={`${e.at}-${i}`} className={`apollo-timeline-entry apollo-timeline-${e.severity}`} data-testid="timeline-entry" data-kind={e.kind ?? 'log'} data-status={e.status ?? ''}>
                <span className={`${Classes.TEXT_MUTED} apollo-mono apollo-timeline-time`} title={formatTime(e.at)}>{clock.format(new Date(e.at))}</span>
                <Icon icon={SEVERITY[e.severity].icon} intent={SEVERITY[e.severity].intent} size={14} />
                <span className="apollo-timeline-text">
                  {e.status && e.kind === 'transition' && <RequestStatusTag status={e.status} />}
                  {e.action && <Code className="apollo-timeline-action">{e.action}</Code>}
                  <span>{e.message}</span>
                </span>
              </li>
            ))}
          </ol>
        )}
      </SectionCard>
    </Section>
  );
}

function Outputs({ request }: { request: Request }) {
  const rows = Object.entries(request.outputs).flatMap(([action, values]) => Object.entries(values).map(([name, value]) => ({ action, name, value })));
  if (rows.length === 0) return null;
  return (
    <Section title="Outputs" icon="export" className="apollo-section" data-testid="request-outputs">
      <SectionCard padded={false}>
        <HTMLTable className="apollo-table" compact>
          <thead><tr><th>Name</th><th>Value</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.action}.${r.name}`} data-testid="output" data-action={r.action} data-name={r.name}>
                <td><span className={Classes.TEXT_MUTED}>{r.action}.</span><strong>{r.name}</strong></td>
                <td className="apollo-mono apollo-break" data-testid="output-value">{fieldText(r.value)}</td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      </SectionCard>
    </Section>
  );
}

function NextSteps({ request }: { request: Request }) {
  if (request.nextSteps.length === 0) return null;
  return (
    <Section title="What happens next" icon="arrow-right" className="apollo-section" data-testid="request-next-steps">
      <SectionCard>
        <ul className="apollo-next-steps">{request.nextSteps.map((s) => <li key={s}>{s}</li>)}</ul>
      </SectionCard>
    </Section>
  );
}

/** Who asked to cancel it, when and why: it is still being undone, or ended so. */
function CancelNote({ request }: { request: Request }) {
  const cancel = request.cancel;
  if (!cancel) return null;
  const done = request.status === 'cancelled';
  return (
    <Callout intent={done ? 'none' : 'warning'} icon="disable" className="apollo-request-callout" data-testid="request-cancel-note"
      title={done ? `Cancelled by ${cancel.by}` : `Cancel asked by ${cancel.by}`}>
      <span title={formatTime(cancel.at)}>{formatAgo(cancel.at)}</span>
      {cancel.reason ? <>: <span data-testid="request-cancel-reason">{cancel.reason}</span></> : '.'}
      {!done && !isEnded(request.status) && <span className={Classes.TEXT_MUTED}> What it did is being rolled back.</span>}
    </Callout>
  );
}

function Summary({ request }: { request: Request }) {
  const ended = isEnded(request.status);
  const endedAt = request.status === 'deprovisioned' ? request.deprovisionedAt ?? request.updatedAt : request.completedAt ?? request.updatedAt;
  return (
    <div className="apollo-request-summary" data-testid="request-summary">
      <RequestProgress request={request} />
      <dl className="apollo-request-summary-facts">
        <div><dt>{ended ? (request.status === 'deprovisioned' ? 'Deprovisioned' : 'Ended') : 'ETA'}</dt><dd data-testid="request-eta">
          {ended
            ? <span title={formatTime(endedAt)}>{formatAgo(endedAt)}</span>
            : request.eta ? <span title={formatTime(request.eta)}>{formatAgo(request.eta)}</span> : <span className={Classes.TEXT_MUTED}>—</span>}
        </dd></div>
        <div><dt>Requester</dt><dd data-testid="request-requester">{request.requester}</dd></div>
        <div><dt>Team</dt><dd>{request.team ?? <span className={Classes.TEXT_MUTED}>none</span>}</dd></div>
        <div><dt>Priority</dt><dd><Tag minimal intent={request.priority === 'high' ? 'warning' : 'none'} data-testid="request-priority">{request.priority}</Tag></dd></div>
        <div><dt>Created</dt><dd title={formatTime(request.createdAt)}>{formatAgo(request.createdAt)}</dd></div>
        <div><dt>Updated</dt><dd title={formatTime(request.updatedAt)}>{formatAgo(request.updatedAt)}</dd></div>
        <div><dt>Retries</dt><dd data-testid="request-retries" data-count={request.retries ?? 0}>{request.retries ? request.retries : <span className={Classes.TEXT_MUTED}>none</span>}</dd></div>
        <div>
          <dt><Tooltip content="Goes up when a retry changes the fields: outside calls carry it in their idempotency keys, so changed work is new work.">Generation</Tooltip></dt>
          <dd data-testid="request-generation">{request.generation ?? 1}</dd>
        </div>
        {request.deprovisionedAt && request.status !== 'deprovisioned' && <div><dt>Deprovisioned</dt><dd title={formatTime(request.deprovisionedAt)}>{formatAgo(request.deprovisionedAt)}</dd></div>}
        {request.currentAction && !ended && <div><dt>Running</dt><dd>{request.currentAction.name}{request.currentAction.attempt > 1 ? ` (attempt ${request.currentAction.attempt})` : ''}</dd></div>}
      </dl>
    </div>
  );
}

export function RequestPage({ id }: { id: string }) {
  const query = useRequest(id);
  const { change, entries } = useLiveRequest(id);
  const connection = useRealtimeState((s) => s.state);
  const labels = useFieldLabels(query.data ? [query.data.offering.id] : []).get(query.data?.offering.id ?? '') ?? NO_LABELS;

  if (query.isPending) {
    return <div className="apollo-page"><div className={Classes.SKELETON} style={{ height: 32, width: 320, marginBottom: 24 }} /><div className={Classes.SKELETON} style={{ height: 240 }} /></div>;
  }
  if (query.isError) {
    const notFound = (query.error as { status?: number }).status === 404;
    return (
      <div className="apollo-page" data-testid="request-error">
        {notFound
          ? <NonIdealState icon="search" title="No such request" description={<>No request has the id <Code>{id}</Code>.</>} action={<Link to="/requests">Back to requests</Link>} />
          : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </div>
    );
  }
  // A frame newer than the detail (the read was on its way) wins.
  const request = change ? applyChange(query.data, change) : query.data;
  const timeline = mergeTimeline(request.timeline, entries);
  return (
    <div className="apollo-page apollo-request" data-testid="request-page" data-id={request.id} data-status={request.status}>
      <div className="apollo-breadcrumb">
        <Link to="/requests">Requests</Link> <Icon icon="chevron-right" size={12} /> <span className="apollo-mono">{request.id}</span>
      </div>
      <PageHeader
        title={<>{request.offering.name} <RequestStatusTag status={request.status} large /></>}
        description={<span data-testid="request-message">{request.message}</span>}
        actions={(
          <>
            <RequestLifecycle request={request} labels={labels} />
            <Link to={`/self-service/${encodeURIComponent(request.offering.id)}`} className="bp6-button" data-testid="request-offering"><Icon icon="shop" /><span className="bp6-button-text">{request.offering.name} v{request.offering.version}</span></Link>
          </>
        )}
      />
      <Summary request={request} />
      <CancelNote request={request} />
      {request.error && (
        <Callout intent={request.status === 'failed' ? 'danger' : 'warning'} icon="error" title={request.status === 'failed' ? 'It failed' : request.error.code === 'deprovision-failed' ? 'Deprovisioning did not finish' : 'Not everything went as it should'} className="apollo-request-callout" data-testid="request-failure">
          {request.error.action && <><Code>{request.error.action}</Code>: </>}{request.error.message} <span className={Classes.TEXT_MUTED}>({request.error.code})</span>
        </Callout>
      )}
      <div className="apollo-grid">
        <div>
          <Actions request={request} />
          <Timeline entries={timeline} live={connection === 'open'} />
        </div>
        <div>
          <RatingBox request={request} />
          <ApprovalBox request={request} />
          <ManualBox request={request} />
          <NextSteps request={request} />
          <Outputs request={request} />
          <Facts request={request} labels={labels} />
        </div>
      </div>
    </div>
  );
}
