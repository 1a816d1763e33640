/**
 * One secret (`/secrets/<env>/<service>/<name>`): its metadata (never its value), rotation policy and when it is due,
 * who uses it (linked to the catalog), and for admins the masked value (last 4 characters) on request, "Reveal last 4"
 * being a read that is audited. Tabs (`?tab=`): overview, history (versions with their staging labels; roll back to an
 * earlier one) and, for audit:read, its activity. Admins rotate it, give it a new value, schedule its deletion and
 * restore it; production secrets say their changes need MFA.
 */
import { Alert, Button, Callout, Classes, Code, HTMLTable, Icon, NonIdealState, Section, SectionCard, Tab, Tabs, Tag, Tooltip } from '@blueprintjs/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { Secret } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { isRole, roleHas } from '../../../../shared/permissions.ts';
import { isProductionEnvironment } from '../../../../shared/routes.ts';
import { DeleteDialog, EditDetailsDialog, RestoreAlert, RollbackAlert, RotateDialog, UpdateValueDialog } from './secret-dialogs.tsx';
import { CategoryTag, LocalStoreTag, ProductionTag, SecretAuditTable, SecretStatusTag } from './secret-parts.tsx';
import { secretKey, useSecret, useSecretHistory } from './secret-queries.ts';
import { daysUntil, dueText, isCurrent, powersOf, rollbackBlocked, rotatesItself, STAGE_LABEL, visibleCharacters, withoutMasked, type SecretAddress, type Version } from './secret-rules.ts';
import '../../components/catalog.css';
import '../requests/requests.css';
import './secrets.css';

type SecretMeta = Omit<Secret, 'masked'>;
type SecretTab = 'overview' | 'history' | 'activity';
const TABS: readonly SecretTab[] = ['overview', 'history', 'activity'];

const when = (iso: string | null, never = 'never') => (iso ? <span title={formatTime(iso)}>{formatAgo(iso)}</span> : <span className={Classes.TEXT_MUTED}>{never}</span>);

/** Secrets Manager keeps when a value was last read to the day (midnight UTC): said as a day, not hours ago. */
function lastRead(iso: string | null) {
  if (!iso) return <span className={Classes.TEXT_MUTED}>never</span>;
  const day = iso.slice(0, 10);
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  return <span title={`on ${day} (kept to the day)`}>{day === today ? 'today' : day === yesterday ? 'yesterday' : formatAgo(iso)}</span>;
}

function Facts({ secret }: { secret: SecretMeta }) {
  return (
    <dl className="apollo-request-summary-facts apollo-secrets-facts" data-testid="secret-facts">
      <div><dt>Name in the store</dt><dd><Code data-testid="secret-store-name">{secret.secretName}</Code></dd></div>
      <div><dt>Category</dt><dd><CategoryTag category={secret.category} /></dd></div>
      <div><dt>Owner</dt><dd data-testid="secret-owner">{secret.owner ?? <span className={Classes.TEXT_MUTED}>no owner</span>}</dd></div>
      <div><dt>Rotation policy</dt><dd data-testid="secret-policy">{secret.rotationPolicy}</dd></div>
      <div><dt>Next rotation</dt><dd data-testid="secret-due" title={formatTime(secret.nextRotationDue ?? undefined)}>{dueText(secret)}</dd></div>
      <div><dt>Rotated by</dt><dd>{secret.rotationLambda ? 'its rotation Lambda' : rotatesItself(secret) ? 'Apollo (a generated value)' : 'hand (a new value typed in)'}</dd></div>
      <div><dt>Last rotated</dt><dd>{when(secret.lastRotatedAt)}</dd></div>
      <div><dt>Last changed</dt><dd>{when(secret.lastChangedAt)}</dd></div>
      <div><dt>Last read</dt><dd data-testid="secret-last-read">{lastRead(secret.lastAccessedAt)}</dd></div>
      <div><dt>Created</dt><dd>{when(secret.createdAt)}</dd></div>
      {secret.expiresAt && <div><dt>Expires</dt><dd title={formatTime(secret.expiresAt)}>{formatAgo(secret.expiresAt)}</dd></div>}
      <div><dt>Current version</dt><dd><Code className="apollo-small" data-testid="secret-current-version">{secret.currentVersionId?.slice(0, 8) ?? '—'}</Code></dd></div>
    </dl>
  );
}

/** The masked value: admins ask for it (an audited read, GET …/{secret}?reveal=true); everyone else sees why they cannot. */
function MaskedValue({ secret, canReveal }: { secret: SecretMeta; canReveal: boolean }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [revealed, setRevealed] = useState<{ masked: string; versionId: string | null } | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const stale = revealed !== null && revealed.versionId !== secret.currentVersionId;
  const reveal = async () => {
    setPending(true);
    setError(null);
    try {
      // Only reveal=true reads the value (an access Secrets Manager records); without it the answer has no masked value.
      const one = await api.read('GET /api/v1/secrets/{env}/{service}/{secret}', { params: { env: secret.environment, service: secret.service, secret: secret.name }, query: { reveal: true } });
      client.setQueryData(secretKey(secret), withoutMasked(one));
      setRevealed({ masked: one.masked ?? '••••', versionId: one.currentVersionId });
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  };
  return (
    <Section title="Value" icon="eye-off" className="apollo-section" data-testid="secret-value-section">
      <SectionCard>
        <div className="apollo-secrets-masked-row">
          <Code className="apollo-secrets-masked" data-testid="secret-masked" data-revealed={revealed !== null && !stale}>{revealed && !stale ? revealed.masked : '••••'}</Code>
          {canReveal && (!revealed || stale) && (
            <Button icon="eye-open" text={stale ? 'Reveal last 4 again' : 'Reveal last 4'} loading={pending} onClick={() => void reveal()} data-testid="secret-reveal"
              disabled={secret.status === 'scheduled-deletion'} />
          )}
          {canReveal && revealed && !stale && <Button variant="minimal" icon="eye-off" text="Hide" onClick={() => setRevealed(null)} data-testid="secret-hide" />}
        </div>
        <p className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="secret-masked-note">
          {canReveal
            ? stale
              ? 'The value changed since you revealed it.'
              : 'Revealing reads the current value in the store and shows only its last 4 characters; the read is recorded in the audit log with your name. The full value never leaves Secrets Manager.'
            : 'Only admins (secrets:read) can see the last 4 characters, and each such read is audited. The full value never leaves Secrets Manager: services read it there.'}
        </p>
        {revealed && !stale && visibleCharacters(revealed.masked) === 0 && (
          <p className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="secret-masked-empty">
            No characters to show: the value is shorter than 8 characters, or (a JSON value read by its key, such as a database&apos;s password) it has no such field.
          </p>
        )}
        {error != null && <ErrorState compact error={error} />}
      </SectionCard>
    </Section>
  );
}

/**
 * A service that reads the secret picks up a new value when it next fetches it; Restart does it now: a rolling
 * restart of that environment, a deployment record like any other (production needs deployments:create:prod).
 */
function RestartButton({ reference, secretName }: { reference: SecretMeta['referencedBy'][number]; secretName: string }) {
  const { api } = useServices();
  const me = useMe();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const role = me.data?.role;
  const production = isProductionEnvironment(reference.environment);
  const allowed = isRole(role) && roleHas(role, production ? 'deployments:create:prod' : 'deployments:create:non-prod');
  if (!allowed) return null;
  const restart = async () => {
    setConfirming(false);
    setBusy(true);
    try {
      const deployment = await api.read('POST /api/v1/services/{id}/restart', {
        params: { id: reference.serviceId },
        body: { environment: reference.environment, reason: `pick up the new value of ${secretName}` },
        idempotencyKey: globalThis.crypto.randomUUID(),
      });
      toast({ intent: 'success', icon: 'refresh', message: `Restarting ${reference.serviceId} in ${reference.environment}`, action: { text: 'Open the deployment', onClick: () => navigate(`/deployments/${encodeURIComponent(deployment.id)}`) } });
    } catch (error) {
      toast({ intent: 'danger', icon: 'error', message: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button small minimal icon="refresh" loading={busy} onClick={() => (production ? setConfirming(true) : void restart())} data-testid="secret-restart"
        title={`A rolling restart of ${reference.serviceId} in ${reference.environment}, so it reads the new value now`}>Restart</Button>
      <Alert isOpen={confirming} intent="warning" icon="refresh" cancelButtonText="Cancel" confirmButtonText={`Restart ${reference.serviceId} in ${reference.environment}`}
        onCancel={() => setConfirming(false)} onConfirm={() => void restart()} data-testid="secret-restart-confirm">
        <p>A rolling restart of <b>{reference.serviceId}</b> in production, so it reads the new value of <Code>{secretName}</Code> now. It is recorded as a deployment.</p>
      </Alert>
    </>
  );
}

function ReferencedBy({ secret }: { secret: SecretMeta }) {
  return (
    <Section title={`Used by (${secret.referencedBy.length})`} icon="link" className="apollo-section" data-testid="secret-referenced-by">
      <SectionCard>
        {secret.referencedBy.length === 0
          ? <p className={Classes.TEXT_MUTED}>No catalog environment names this secret. A service reading it by its name in the store is not listed here.</p>
          : (
            <ul className="apollo-secrets-refs">
              {secret.referencedBy.map((r) => (
                <li key={`${r.serviceId}/${r.environment}/${r.name}`} data-testid="secret-reference" data-service={r.serviceId}>
                  <Icon icon="cube" size={12} /> <Link to={`/catalog/${encodeURIComponent(r.serviceId)}`} className="apollo-cell-strong">{r.serviceId}</Link>
                  <span className={Classes.TEXT_MUTED}> in {r.environment}, as </span><Code className="apollo-small">{r.name}</Code>
                  {' '}<RestartButton reference={r} secretName={secret.secretName} />
                </li>
              ))}
            </ul>
          )}
      </SectionCard>
    </Section>
  );
}

function HistoryTab({ secret, address, canWrite }: { secret: SecretMeta; address: SecretAddress; canWrite: boolean }) {
  const history = useSecretHistory(address);
  const [target, setTarget] = useState<Version | null>(null);
  if (history.isError) return <ErrorState compact error={history.error} onRetry={() => void history.refetch()} />;
  const versions = history.data?.versions ?? [];
  return (
    <Section title="Versions" icon="history" className="apollo-section" data-testid="secret-history" subtitle="Newest first; Secrets Manager keeps the current, previous and pending ones, and drops older ones in time.">
      <SectionCard padded={false}>
        <HTMLTable compact className="apollo-table apollo-secrets-history-table">
          <thead><tr><th>Version</th><th>Stages</th><th>Created</th><th>By</th><th>Last read</th>{canWrite && <th />}</tr></thead>
          <tbody>
            {history.isPending && <tr><td colSpan={6}><div className={Classes.SKELETON}>&nbsp;</div></td></tr>}
            {versions.map((v) => {
              const blocked = rollbackBlocked(v, secret);
              return (
                <tr key={v.versionId} data-testid="secret-version" data-version-id={v.versionId} data-stages={v.stages.join(' ')} data-current={isCurrent(v)}>
                  <td><Code className="apollo-small" title={v.versionId}>{v.versionId.slice(0, 8)}</Code></td>
                  <td>
                    {v.stages.length === 0
                      ? <span className={Classes.TEXT_MUTED}>deprecated</span>
                      : v.stages.map((s) => <Tag key={s} minimal intent={s === 'AWSCURRENT' ? 'success' : s === 'AWSPENDING' ? 'warning' : 'none'} className="apollo-inline-tag" title={s}>{STAGE_LABEL[s] ?? s}</Tag>)}
                  </td>
                  <td className="apollo-nowrap">{when(v.createdAt, 'unknown')}</td>
                  <td>{v.createdBy ?? <span className={Classes.TEXT_MUTED}>outside Apollo</span>}</td>
                  <td className="apollo-nowrap">{lastRead(v.lastAccessedAt ?? null)}</td>
                  {canWrite && (
                    <td className="apollo-secrets-version-actions">
                      {!isCurrent(v) && (
                        <Tooltip content={blocked ?? 'Make this version current again'} placement="left">
                          <Button size="small" icon="undo" text="Roll back" disabled={blocked !== null} onClick={() => setTarget(v)} data-testid="secret-version-rollback" />
                        </Tooltip>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </HTMLTable>
        {!history.isPending && versions.length === 0 && <NonIdealState icon="history" title="No versions" className="apollo-empty" />}
      </SectionCard>
      <RollbackAlert secret={secret} version={target} onClose={() => setTarget(null)} />
    </Section>
  );
}

function Actions({ secret, onRotate, onUpdate, onEdit, onDelete, onRestore }: { secret: SecretMeta; onRotate(): void; onUpdate(): void; onEdit(): void; onDelete(): void; onRestore(): void }) {
  if (secret.status === 'scheduled-deletion') return <Button intent="primary" icon="undo" text="Restore" onClick={onRestore} data-testid="secret-restore" />;
  return (
    <>
      <Tooltip content={rotatesItself(secret) ? 'Make a new value now' : 'This category needs a new value typed in: rotating says so'} placement="bottom">
        <Button intent="primary" icon="refresh" text="Rotate" onClick={onRotate} data-testid="secret-rotate" />
      </Tooltip>
      <Button icon="key" text="Update value" onClick={onUpdate} data-testid="secret-update" />
      <Button icon="edit" text="Edit details" onClick={onEdit} data-testid="secret-edit" />
      <Button intent="danger" variant="outlined" icon="trash" text="Delete" onClick={onDelete} data-testid="secret-delete" />
    </>
  );
}

export function SecretPage({ address }: { address: SecretAddress }) {
  const query = useSecret(address);
  const me = useMe();
  const search = useSearch();
  const tab = useMemo<SecretTab>(() => { const t = new URLSearchParams(search).get('tab'); return (TABS as readonly (string | null)[]).includes(t) ? t as SecretTab : 'overview'; }, [search]);
  const [dialog, setDialog] = useState<'rotate' | 'update' | 'edit' | 'delete' | 'restore' | null>(null);
  const secret = query.data;
  useEffect(() => { if (secret) document.title = `${secret.name} · ${secret.service} · ${secret.environment} · Secrets · Apollo`; }, [secret]);
  const powers = powersOf(me.data?.role);
  const canWrite = powers.write;
  const canReveal = powers.reveal;
  const canAudit = powers.audit;
  const base = `/secrets/${encodeURIComponent(address.environment)}/${encodeURIComponent(address.service)}/${encodeURIComponent(address.name)}`;

  const breadcrumb = (
    <div className="apollo-breadcrumb">
      <Link to="/secrets">Secrets</Link> <Icon icon="chevron-right" size={12} />
      <Link to={`/secrets?environment=${encodeURIComponent(address.environment)}`}>{address.environment}</Link> <Icon icon="chevron-right" size={12} />
      <Link to={`/secrets?environment=${encodeURIComponent(address.environment)}&service=${encodeURIComponent(address.service)}`}>{address.service}</Link> <Icon icon="chevron-right" size={12} />
      <span className="apollo-mono">{address.name}</span>
    </div>
  );
  if (query.isPending) {
    return <div className="apollo-page">{breadcrumb}<div className={Classes.SKELETON} style={{ height: 32, width: 320, marginBottom: 24 }} /><div className={Classes.SKELETON} style={{ height: 240 }} /></div>;
  }
  if (query.isError || !secret) {
    const notFound = (query.error as { status?: number } | null)?.status === 404;
    return (
      <div className="apollo-page" data-testid="secret-error">
        {breadcrumb}
        {notFound
          ? (
            <NonIdealState icon="search" title="No such secret" action={<Link to="/secrets">Back to Secrets</Link>}
              description={(
                <>
                  <p>There is no <Code>apollo/{address.environment}/{address.service}/{address.name}</Code> you can read.</p>
                  {me.data && !powers.all && <p className={Classes.TEXT_MUTED} data-testid="secret-not-yours-hint">You see the secrets of your teams&apos; services only; this one may belong to another team (its existence is theirs to know).</p>}
                </>
              )} />
          )
          : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </div>
    );
  }
  const s = secret;
  const deletionDays = s.deletionDate ? daysUntil(s.deletionDate) : null;
  return (
    <div className="apollo-page apollo-request apollo-secrets-detail" data-testid="secret-page" data-status={s.status} data-category={s.category} data-version={s.currentVersionId ?? ''}>
      {breadcrumb}
      <PageHeader
        title={<><Icon icon="key" size={20} /> <span className="apollo-secrets-title-name" data-testid="secret-name">{s.name}</span> <SecretStatusTag status={s.status} reason={s.statusReason} large />
          {s.production && <ProductionTag />}{s.simulated && <LocalStoreTag />}</>}
        description={<>{s.description || <span className={Classes.TEXT_MUTED}>No description.</span>} <span className={Classes.TEXT_MUTED}>· {s.service} in {s.environment}</span></>}
        actions={me.data && (canWrite
          ? <Actions secret={s} onRotate={() => setDialog('rotate')} onUpdate={() => setDialog('update')} onEdit={() => setDialog('edit')} onDelete={() => setDialog('delete')} onRestore={() => setDialog('restore')} />
          : <Tag minimal icon="lock" data-testid="secret-actions-locked" title="Rotating, updating and deleting need secrets:write (admins)">Changes need secrets:write (admins)</Tag>)}
      />
      {s.production && (
        <Callout intent="warning" icon="shield" className="apollo-secrets-callout" data-testid="secret-production-callout" title="Production">
          Production secrets need MFA: the admin role requires it.
        </Callout>
      )}
      {s.status === 'scheduled-deletion' && (
        <Callout intent="danger" icon="trash" className="apollo-secrets-callout" data-testid="secret-deletion-callout" title="Scheduled for deletion">
          Secrets Manager deletes it {s.deletionDate ? <>on <strong>{formatTime(s.deletionDate)}</strong>{deletionDays !== null && deletionDays >= 0 ? ` (in ${deletionDays} day${deletionDays === 1 ? '' : 's'})` : ''}</> : 'at the end of its recovery window'}. Until then it can be restored; services cannot read it meanwhile.
          {canWrite && <div className="apollo-callout-actions"><Button icon="undo" text="Restore" onClick={() => setDialog('restore')} data-testid="secret-restore-callout" /></div>}
        </Callout>
      )}
      {(s.status === 'overdue' || s.status === 'due-soon' || s.status === 'unused') && (
        <Callout intent={s.status === 'overdue' ? 'danger' : s.status === 'due-soon' ? 'warning' : 'none'} icon={s.status === 'unused' ? 'disable' : 'time'} className="apollo-secrets-callout" data-testid="secret-status-callout">
          {s.statusReason}
        </Callout>
      )}
      <Tabs id="secret-tabs" selectedTabId={tab} onChange={(t) => navigate(`${base}${t === 'overview' ? '' : `?tab=${String(t)}`}`, { replace: true })} className="apollo-tabs" data-testid="secret-tabs">
        <Tab id="overview" title="Overview" data-testid="secret-tab-overview" />
        <Tab id="history" title="History" data-testid="secret-tab-history" />
        {canAudit && <Tab id="activity" title="Activity" data-testid="secret-tab-activity" />}
      </Tabs>
      {tab === 'overview' && (
        <>
          <div className="apollo-request-summary" data-testid="secret-summary"><Facts secret={s} /></div>
          <div className="apollo-grid">
            <MaskedValue secret={s} canReveal={canReveal} />
            <ReferencedBy secret={s} />
          </div>
        </>
      )}
      {tab === 'history' && <HistoryTab secret={s} address={address} canWrite={canWrite} />}
      {tab === 'activity' && canAudit && <SecretAuditTable filter={{ environment: s.environment, service: s.service, name: s.name }} showSecret={false} />}
      {canWrite && (
        <>
          <RotateDialog secret={s} isOpen={dialog === 'rotate'} onClose={() => setDialog(null)} onUpdateInstead={() => setDialog('update')} />
          <UpdateValueDialog secret={s} isOpen={dialog === 'update'} onClose={() => setDialog(null)} />
          <EditDetailsDialog key={`${s.owner ?? ''}|${s.rotationDays ?? ''}|${s.description}|${s.expiresAt ?? ''}`} secret={s} isOpen={dialog === 'edit'} onClose={() => setDialog(null)} />
          <DeleteDialog secret={s} isOpen={dialog === 'delete'} onClose={() => setDialog(null)} />
          <RestoreAlert secret={s} isOpen={dialog === 'restore'} onClose={() => setDialog(null)} />
        </>
      )}
    </div>
  );
}
