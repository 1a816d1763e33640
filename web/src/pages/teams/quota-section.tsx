import { Button, Classes, Section, SectionCard, Tag, Tooltip } from '@blueprintjs/core';
import { useState } from 'react';
import type { QuotaUsage } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { QuotaLimitsDialog } from './quota-limits-dialog.tsx';
import { rowOf, type LimitRow } from './quota-limits-form.ts';
import { barParts, heldPercent, withUnit, limitsAllowance, paceWords, pendingWords, quotaTitle, sortQuotas, usageWords, type QuotaItem } from './quota-words.ts';
import { useQuotaUsage } from './team-queries.ts';

function QuotaBar({ item }: { item: QuotaItem }) {
  const parts = barParts(item);
  const percent = heldPercent(item);
  return (
    <div className={`apollo-quota-bar${parts.open ? ' apollo-quota-bar-open' : ''}${parts.over ? ' apollo-quota-bar-over' : ''}`} data-testid="quota-bar"
      role="meter" aria-valuemin={0} aria-valuemax={item.limit ?? undefined} aria-valuenow={item.used + item.reserved} aria-label={usageWords(item)}
      data-used={item.used} data-reserved={item.reserved} data-limit={item.limit ?? ''} title={percent === null ? 'No limit' : `${Math.round(percent)} % held`}>
      <div className="apollo-quota-used" style={{ width: `${parts.used}%` }} />
      <div className="apollo-quota-reserved" style={{ width: `${parts.reserved}%` }} />
    </div>
  );
}

function AlertTag({ item }: { item: QuotaItem }) {
  const percent = heldPercent(item);
  const over = percent !== null && percent > 100;
  if (item.alert === 'full') return <Tag intent="danger" icon="ban-circle" data-testid="quota-alert" data-alert="full">{over ? 'over the limit' : 'full'}</Tag>;
  if (item.alert === 'warning') return <Tag intent="warning" icon="warning-sign" data-testid="quota-alert" data-alert="warning">{percent === null ? 'nearly full' : `${Math.round(percent)} % held`}</Tag>;
  return null;
}

function QuotaRow({ item, onChange }: { item: QuotaItem; onChange?: (() => void) | undefined }) {
  const pace = paceWords(item);
  return (
    <li className="apollo-quota" data-testid="quota" data-resource={item.resource} data-environment={item.environment ?? ''} data-alert={item.alert ?? ''}>
      <div className="apollo-quota-head">
        <span className="apollo-cell-strong apollo-mono">{quotaTitle(item)}</span>
        <AlertTag item={item} />
        {item.limit === null && <Tag minimal data-testid="quota-no-limit">no limit</Tag>}
        {item.pending && <Tag minimal intent="primary" icon="time" data-testid="quota-pending" title={formatTime(item.pending.effectiveFrom)}>{pendingWords(item.pending, item.unit)}</Tag>}
        {onChange && <Button variant="minimal" size="small" icon="edit" text="Change" onClick={onChange} className="apollo-quota-change" data-testid="quota-change" />}
      </div>
      <QuotaBar item={item} />
      <div className="apollo-quota-numbers" data-testid="quota-numbers">{usageWords(item)}</div>
      {(pace || item.updatedBy) && (
        <div className={`${Classes.TEXT_MUTED} apollo-small apollo-quota-meta`}>
          {pace && <span data-testid="quota-pace">{pace[0]!.toUpperCase() + pace.slice(1)}</span>}
          {item.updatedAt && item.updatedBy && <span title={formatTime(item.updatedAt)}>Limit set {formatAgo(item.updatedAt)} by {item.updatedBy}</span>}
        </div>
      )}
      {item.holders.length > 0 && (
        <ul className="apollo-quota-holders" aria-label={`Requests holding ${quotaTitle(item)}`}>
          {item.holders.map((h) => (
            <li key={h.requestId} data-testid="quota-holder" data-request={h.requestId}>
              <Link to={`/requests/${encodeURIComponent(h.requestId)}`} className="apollo-mono">{h.requestId.slice(-8)}</Link>
              {' '}<Tag minimal intent={h.state === 'in-use' ? 'none' : 'primary'} data-testid="quota-holder-state">{h.state === 'in-use' ? 'in use' : 'reserved'}</Tag>
              {' '}<span className={Classes.TEXT_MUTED}>{h.offeringId} · {withUnit(h.amount, item.unit)} · <span title={formatTime(h.since)}>since {formatAgo(h.since)}</span></span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** A team's quotas: a bar per limit (in use solid, reserved striped), its numbers, alerts, pending limit, pace and holders. */
export function QuotaSection({ teamId, teamName }: { teamId: string; teamName: string }) {
  const usage = useQuotaUsage(teamId);
  const me = useMe();
  const allowance = limitsAllowance(me.data);
  const [editing, setEditing] = useState<{ rows: LimitRow[] } | null>(null);
  const items: QuotaUsage['items'] = usage.data ? sortQuotas(usage.data.items) : [];
  const setButton = (
    <Tooltip content={allowance.why} disabled={allowance.allowed || !allowance.why} compact>
      <Button icon="edit" text="Set limits" onClick={() => setEditing({ rows: [] })} disabled={!allowance.allowed} data-testid="quota-set-limits" data-allowed={allowance.allowed} />
    </Tooltip>
  );
  return (
    <Section id="quotas" title="Quotas" icon="dashboard" className="apollo-section" data-testid="team-quotas" rightElement={setButton}
      subtitle={allowance.why || undefined}>
      <SectionCard>
        {usage.isError ? <ErrorState compact error={usage.error} onRetry={() => void usage.refetch()} />
          : usage.isPending ? <div className="apollo-skeleton-lines">{[0, 1].map((i) => <div key={i} className={Classes.SKELETON}>&nbsp;</div>)}</div>
          // One short line: the team's analytics below stay in view.
          : items.length === 0 ? <div data-testid="quota-empty" className={Classes.TEXT_MUTED}>No quota used or set for this team.</div>
          : (
            <>
              <div className={`${Classes.TEXT_MUTED} apollo-small apollo-quota-legend`}>
                <span><span className="apollo-quota-swatch apollo-quota-used" /> in use</span>
                <span><span className="apollo-quota-swatch apollo-quota-reserved" /> reserved by requests being fulfilled</span>
                <span title={formatTime(usage.data.asOf)}>as of {formatAgo(usage.data.asOf)}</span>
              </div>
              <ul className="apollo-quotas">
                {items.map((item) => <QuotaRow key={`${item.resource}/${item.environment ?? ''}`} item={item} onChange={allowance.allowed ? () => setEditing({ rows: [rowOf(item)] }) : undefined} />)}
              </ul>
            </>
          )}
      </SectionCard>
      {editing && <QuotaLimitsDialog teamId={teamId} teamName={teamName} usage={usage.data} initialRows={editing.rows} onClose={() => setEditing(null)} />}
    </Section>
  );
}
