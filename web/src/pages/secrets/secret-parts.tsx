/** Small pieces the secrets pages share: the status, category and "Local store" tags, and the audit table. */
import { Button, Classes, Code, HTMLTable, NonIdealState, Tag, Tooltip, type Intent } from '@blueprintjs/core';
import type { AuditEntry, Secret } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useSecretAudit } from './secret-queries.ts';
import { CATEGORY_LABEL, STATUS_INTENT, STATUS_LABEL, type Category, type SecretStatus } from './secret-rules.ts';

export function SecretStatusTag({ status, reason, large = false }: { status: SecretStatus; reason?: string | undefined; large?: boolean }) {
  const tag = (
    <Tag intent={STATUS_INTENT[status]} minimal={status !== 'overdue'} round size={large ? 'large' : 'medium'}
      icon={status === 'overdue' ? 'error' : status === 'due-soon' ? 'time' : status === 'unused' ? 'disable' : status === 'scheduled-deletion' ? 'trash' : 'tick'}
      className={`apollo-secrets-status apollo-secrets-status-${status}`} data-testid="secret-status" data-status={status}>
      {STATUS_LABEL[status]}
    </Tag>
  );
  return reason ? <Tooltip content={reason} placement="top">{tag}</Tooltip> : tag;
}

export function CategoryTag({ category }: { category: Category }) {
  return <Tag minimal className="apollo-secrets-category" data-testid="secret-category" data-category={category}>{CATEGORY_LABEL[category]}</Tag>;
}

export function LocalStoreTag() {
  return (
    <Tooltip content="Kept by the local runtime's encrypted file store, not AWS Secrets Manager" placement="bottom">
      <Tag minimal intent="warning" icon="database" data-testid="secret-local-store">Local store</Tag>
    </Tooltip>
  );
}

export function ProductionTag() {
  return <Tag minimal intent="danger" icon="shield" data-testid="secret-production">production</Tag>;
}

export const secretTitle = (s: Pick<Secret, 'environment' | 'service' | 'name'>): string => `${s.service} · ${s.name} (${s.environment})`;

const OUTCOME_INTENT: Record<AuditEntry['outcome'], Intent> = { pending: 'warning', succeeded: 'success', failed: 'danger' };
const ACTION_LABEL: Record<string, string> = {
  'secrets.create': 'created',
  'secrets.update': 'updated',
  'secrets.delete': 'scheduled deletion',
  'secrets.rotate': 'rotated',
  'secrets.rollback': 'rolled back',
  'secrets.restore': 'restored',
  'secrets.list': 'listed secrets',
  'secrets.expiring': 'read the expiring dashboard',
  'secrets.read.metadata': 'read its metadata',
  'secrets.read.masked': 'revealed its last 4 characters',
  'secrets.read.history': 'read its history',
};
const actionText = (action: string): string => ACTION_LABEL[action] ?? action.replace(/^secrets\./, '').replace(/[.-]/g, ' ');

/** Who read or changed secrets, newest first (GET /api/v1/secrets/audit): never a value, only that it was given. */
export function SecretAuditTable({ filter, showSecret = true }: { filter: { environment?: string | undefined; service?: string | undefined; name?: string | undefined }; showSecret?: boolean }) {
  const audit = useSecretAudit(filter);
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];
  if (audit.isError && !audit.data) return <div data-testid="secret-audit-error"><ErrorState compact error={audit.error} onRetry={() => void audit.refetch()} /></div>;
  return (
    <div className="apollo-table-card" data-testid="secret-audit">
      <HTMLTable compact className="apollo-table">
        <thead><tr><th>When</th><th>Who</th><th>What</th>{showSecret && <th>Secret</th>}<th>Outcome</th></tr></thead>
        <tbody>
          {audit.isPending && <tr><td colSpan={showSecret ? 5 : 4}><div className={Classes.SKELETON}>&nbsp;</div></td></tr>}
          {items.map((e) => (
            <tr key={e.id} data-testid="secret-audit-row" data-action={e.action}>
              <td className="apollo-nowrap" title={formatTime(e.at)}>{formatAgo(e.at)}</td>
              <td>{e.actor}{e.actorRole && <span className={`${Classes.TEXT_MUTED} apollo-small`}> · {e.actorRole}</span>}{e.actorType === 'ai' && <Tag minimal className="apollo-inline-tag">AI</Tag>}</td>
              <td>{actionText(e.action)}</td>
              {showSecret && <td>{e.resourceId ? <Code className="apollo-small">{e.resourceId}</Code> : <span className={Classes.TEXT_MUTED} title="A read of many secrets (the list, the expiring dashboard)">—</span>}</td>}
              <td><Tag minimal intent={OUTCOME_INTENT[e.outcome]}>{e.outcome}{e.statusCode ? ` ${e.statusCode}` : ''}</Tag></td>
            </tr>
          ))}
        </tbody>
      </HTMLTable>
      {!audit.isPending && items.length === 0 && <NonIdealState icon="history" title="Nothing recorded yet" description="Reads of masked values and every change are recorded here." className="apollo-empty" />}
      {audit.hasNextPage && (
        <div className="apollo-load-more">
          <Button text="Load more" icon="more" loading={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()} data-testid="secret-audit-more" />
        </div>
      )}
    </div>
  );
}
