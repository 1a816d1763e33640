/**
 * Environment locks in place: an environment's lock badge (the reason, who placed it, until when), Lock (a dialog: the
 * reason, an optional end) and Unlock for people with deployments:policy (operators and admins), disabled with the
 * reason for the rest; and the Deploy Center's panel of every lock in force. A lock refuses deploys and promotes;
 * rollback, scale and restart still run. Live from `deployments` (`lock.changed`).
 */
import {
  Button, Callout, Classes, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, InputGroup, NonIdealState, Section, SectionCard, TextArea, Tooltip,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { EnvironmentLock } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { LiveBadge } from '../../components/live-badge.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { LOCKS_KEY, PREFLIGHT_KEY, useLocks } from './deployment-queries.ts';
import { checkLock, lockAllowance, lockedByText, locksOn } from './deployment-rules.ts';
import { useLiveLocks } from './use-live-deployments.ts';

/** A service's locks by environment, live. */
export function useServiceLocks(serviceId: string): { of(environment: string): EnvironmentLock[] } {
  const locks = useLocks();
  useLiveLocks();
  return { of: (environment) => locksOn(locks.data?.items, serviceId, environment) };
}

/** "until 5 Dec 18:00" or "until someone unlocks it". */
function Until({ lock }: { lock: EnvironmentLock }) {
  return lock.expiresAt
    ? <span title={formatTime(lock.expiresAt)}>until {formatTime(lock.expiresAt)}</span>
    : <span>{lock.source === 'incident' ? 'until the incident is resolved' : 'until someone unlocks it'}</span>;
}

/** An environment's locks as a badge: what refuses deploys there, and why. */
export function EnvironmentLockBadge({ locks }: { locks: readonly EnvironmentLock[] }) {
  if (locks.length === 0) return null;
  return (
    <>
      {locks.map((lock) => (
        <Callout key={`${lock.source}-${lock.incidentId ?? ''}`} compact intent="warning" icon="lock" className="apollo-env-lock" data-testid="environment-lock" data-source={lock.source}
          title={lock.source === 'incident' ? 'Locked by an incident' : 'Locked: deploys and promotes are refused'}>
          <div data-testid="environment-lock-reason" className="apollo-break">{lock.reason}</div>
          <div className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="environment-lock-by">
            by {lockedByText(lock)} <span title={formatTime(lock.lockedAt)}>{formatAgo(lock.lockedAt)}</span>, <Until lock={lock} />. Rollback, scale and restart still run.
          </div>
        </Callout>
      ))}
    </>
  );
}

/** Unlocks an environment's manual lock; the locks and the safeguards' answers are read again. */
function useUnlock() {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (lock: Pick<EnvironmentLock, 'service' | 'environment'>) =>
      api.request('DELETE /api/v1/services/{id}/environments/{env}/lock', { params: { id: lock.service, env: lock.environment } }),
    onSuccess: (_answer, lock) => {
      void client.invalidateQueries({ queryKey: LOCKS_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      toast({ intent: 'success', icon: 'unlock', message: `${lock.service} ${lock.environment} unlocked: deploys and promotes go ahead again` });
    },
    onError: (error, lock) => {
      toast({ intent: 'danger', icon: 'error', message: `Could not unlock ${lock.service} ${lock.environment}: ${error instanceof Error ? error.message : String(error)}` });
    },
  });
}

function LockDialog({ service, environment, isOpen, onClose }: { service: string; environment: string; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [errors, setErrors] = useState<{ reason?: string; until?: string }>({});
  const lock = useMutation({
    mutationFn: () => api.read('PUT /api/v1/services/{id}/environments/{env}/lock', {
      params: { id: service, env: environment },
      body: { reason: reason.trim(), ...(until ? { expiresAt: new Date(until).toISOString() } : {}) },
    }),
    onSuccess: (placed) => {
      void client.invalidateQueries({ queryKey: LOCKS_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      toast({ intent: 'warning', icon: 'lock', message: `${placed.service} ${placed.environment} locked: deploys and promotes are refused${placed.expiresAt ? ` until ${formatTime(placed.expiresAt)}` : ''}` });
      close();
    },
  });
  function close() { setReason(''); setUntil(''); setErrors({}); lock.reset(); onClose(); }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkLock({ reason, until });
    setErrors(found);
    if (Object.keys(found).length === 0) lock.mutate();
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title={`Lock ${service} ${environment}`} icon="lock" className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="lock-form">
        <DialogBody>
          <p>Deploys and promotes to <strong>{environment}</strong> are refused while it is locked, with your reason; rollback, scale and restart still run (they are how incidents end).</p>
          {lock.isError && <div className="apollo-form-error"><ErrorState compact error={lock.error} /></div>}
          <FormGroup label="Reason" labelFor="lock-reason" labelInfo="(required)" intent={errors.reason ? 'danger' : 'none'}
            helperText={errors.reason ?? 'What people see when their deploy is refused, and the audit log.'}>
            <TextArea id="lock-reason" fill rows={3} maxLength={2000} value={reason} autoFocus data-testid="lock-reason"
              onChange={(e) => { setReason(e.currentTarget.value); setErrors((x) => ({ ...x, reason: undefined })); }} />
          </FormGroup>
          <FormGroup label="Until" labelFor="lock-until" labelInfo="(optional)" intent={errors.until ? 'danger' : 'none'}
            helperText={errors.until ?? 'It lifts by itself then; empty: until someone unlocks it.'}>
            <InputGroup id="lock-until" type="datetime-local" value={until} data-testid="lock-until"
              onValueChange={(v) => { setUntil(v); setErrors((x) => ({ ...x, until: undefined })); }} />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={close} /><Button type="submit" intent="warning" icon="lock" text={`Lock ${environment}`} loading={lock.isPending} data-testid="lock-confirm" /></>} />
      </form>
    </Dialog>
  );
}

/**
 * Lock, or Unlock when the environment has a manual lock, under an environment; disabled with the reason for a role
 * without deployments:policy (and for an incident's lock, which its incident lifts). Hidden while `me` is unknown.
 */
export function EnvironmentLockButton({ service, environment, locks }: { service: string; environment: string; locks: readonly EnvironmentLock[] }) {
  const me = useMe();
  const [locking, setLocking] = useState(false);
  const unlock = useUnlock();
  if (!me.data) return null;
  const manual = locks.find((l) => l.source === 'manual');
  const may = lockAllowance(me.data);
  const button = manual
    ? <Button size="small" variant="outlined" icon="unlock" text="Unlock" disabled={!may.allowed} loading={unlock.isPending} onClick={() => unlock.mutate(manual)} data-testid="env-unlock" data-allowed={may.allowed} />
    : <Button size="small" variant="outlined" intent="warning" icon="lock" text="Lock" disabled={!may.allowed} onClick={() => setLocking(true)} data-testid="env-lock" data-allowed={may.allowed} />;
  return (
    <>
      {may.allowed ? button : <Tooltip content={may.why}>{button}</Tooltip>}
      <LockDialog service={service} environment={environment} isOpen={locking} onClose={() => setLocking(false)} />
    </>
  );
}

/** The Deploy Center's panel: every lock in force, with Unlock for those allowed. */
export function LocksPanel() {
  const locks = useLocks();
  const { live } = useLiveLocks();
  const me = useMe();
  const unlock = useUnlock();
  const items = locks.data?.items ?? [];
  return (
    <Section title="Locks" icon="lock" className="apollo-section apollo-locks-section" data-testid="locks-panel" data-count={items.length}
      subtitle="Environments where deploys and promotes are refused; rollback, scale and restart still run."
      rightElement={<LiveBadge live={live} tip={live ? 'Locks placed and lifted show as they happen' : 'Not receiving live updates right now; read every minute'} />}>
      <SectionCard padded={false}>
        {locks.isError && <ErrorState compact error={locks.error} onRetry={() => void locks.refetch()} />}
        {locks.isPending && <div className={Classes.SKELETON} style={{ height: 48, margin: 12 }} />}
        {locks.data && items.length === 0 && (
          <div data-testid="locks-empty"><NonIdealState icon="unlock" title="No environment is locked" description="An operator locks one from its service page, with a reason." className="apollo-empty apollo-locks-empty" /></div>
        )}
        {items.length > 0 && (
          <HTMLTable compact className="apollo-table" data-testid="locks-table">
            <thead><tr><th>Service</th><th>Environment</th><th>Reason</th><th>By</th><th>Until</th><th aria-label="Actions" /></tr></thead>
            <tbody>
              {items.map((lock) => {
                const may = lockAllowance(me.data, lock);
                const button = (
                  <Button size="small" variant="outlined" icon="unlock" text="Unlock" disabled={!may.allowed || unlock.isPending} data-testid="lock-unlock" data-allowed={may.allowed}
                    onClick={() => unlock.mutate(lock)} />
                );
                return (
                  <tr key={`${lock.service}/${lock.environment}/${lock.source}/${lock.incidentId ?? ''}`} data-testid="lock-row" data-service={lock.service} data-environment={lock.environment} data-source={lock.source}>
                    <td className="apollo-nowrap"><Link to={`/catalog/${encodeURIComponent(lock.service)}`} className="apollo-cell-strong">{lock.service}</Link></td>
                    <td>{lock.environment}</td>
                    <td className="apollo-break" data-testid="lock-reason-cell">{lock.reason}</td>
                    <td>{lockedByText(lock)}<div className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(lock.lockedAt)}>{formatAgo(lock.lockedAt)}</div></td>
                    <td className="apollo-nowrap"><Until lock={lock} /></td>
                    <td className="apollo-nowrap">{me.data && (may.allowed ? button : <Tooltip content={may.why}>{button}</Tooltip>)}</td>
                  </tr>
                );
              })}
            </tbody>
          </HTMLTable>
        )}
      </SectionCard>
    </Section>
  );
}
