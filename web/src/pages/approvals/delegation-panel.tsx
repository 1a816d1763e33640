/**
 * Delegation on the approvals inbox: your delegate for a period (who, from when, until when, why; End now), or a form
 * to name one (the API's 400 said on its fields); and the approvers whose delegate you are, whose approvals you may
 * decide on their behalf while it holds.
 */
import { Button, Callout, Classes, Dialog, DialogBody, DialogFooter, FormGroup, Icon, InputGroup, Tag, TextArea } from '@blueprintjs/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { ApprovalDelegation, ApprovalDelegationPut } from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { ErrorState, isForbidden } from '../../components/error-state.tsx';
import { splitDetails } from '../../components/field-errors.ts';
import { formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import {
  checkDelegation, delegationBodyOf, delegationFieldOf, MAX_DELEGATION_DAYS, type DelegationErrors, type DelegationValues,
} from './approval-text.ts';

export const DELEGATION_KEY = ['approvals', 'delegation'] as const;

const EMPTY: DelegationValues = { delegate: '', from: '', until: '', reason: '' };

/** An instant as a `datetime-local` value in the browser's zone. */
const localInput = (iso: string): string => {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

export function useDelegations() {
  const { api } = useServices();
  return useQuery({ queryKey: DELEGATION_KEY, queryFn: () => api.read('GET /api/v1/approvals/delegation') });
}

function DelegationDialog({ isOpen, current, onClose }: { isOpen: boolean; current: ApprovalDelegation | null; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const me = useMe();
  const [values, setValues] = useState<DelegationValues>(EMPTY);
  const [errors, setErrors] = useState<DelegationErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const save = useMutation({
    mutationFn: (body: ApprovalDelegationPut) => api.read('PUT /api/v1/approvals/delegation', { body }),
    onSuccess: (made) => {
      client.setQueryData(DELEGATION_KEY, (old: { mine: ApprovalDelegation | null; toMe: ApprovalDelegation[] } | undefined) => ({ toMe: old?.toMe ?? [], mine: made }));
      void client.invalidateQueries({ queryKey: DELEGATION_KEY });
      toast({ intent: 'success', icon: 'people', message: `${made.delegate} decides your approvals until ${formatTime(made.until)}` });
      close();
    },
    onError: (error) => {
      if (error instanceof ApiError && !isForbidden(error) && error.status === 400 && error.details.length) {
        const { fields, rest } = splitDetails(error.details, delegationFieldOf);
        setErrors(fields as DelegationErrors);
        setFormError(rest.length || Object.keys(fields).length === 0 ? error : null);
        setProblems(rest);
        return;
      }
      setFormError(error);
      setProblems([]);
    },
  });
  function close() { setValues(EMPTY); setErrors({}); setFormError(null); setProblems([]); save.reset(); onClose(); }
  const opened = () => setValues(current ? { delegate: current.delegate, from: '', until: localInput(current.until), reason: current.reason ?? '' } : EMPTY);
  const set = (change: Partial<DelegationValues>) => {
    setValues((v) => ({ ...v, ...change }));
    setErrors((e) => { const left = { ...e }; for (const k of Object.keys(change) as (keyof DelegationValues)[]) delete left[k]; return left; });
    setFormError(null);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkDelegation(values, me.data?.user);
    setErrors(found);
    if (Object.keys(found).length === 0) save.mutate(delegationBodyOf(values));
  };
  const field = (name: keyof DelegationValues, help: string) => ({ intent: errors[name] ? 'danger' as const : 'none' as const, helperText: errors[name] ?? help });
  return (
    <Dialog isOpen={isOpen} onOpening={opened} onClose={close} title={current ? 'Change your delegate' : 'Name a delegate'} icon="people" className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="delegation-form">
        <DialogBody>
          <p>While it holds, your delegate may decide what you may (never a request of theirs or yours), and each decision says it was for you.{current ? ' This replaces your delegation.' : ''}</p>
          {formError !== null && (
            <div className="apollo-form-error" data-testid="delegation-error">
              <ErrorState compact error={formError} />
              {problems.length > 0 && <ul>{problems.map((line) => <li key={line} className="apollo-mono apollo-small">{line}</li>)}</ul>}
            </div>
          )}
          <FormGroup label="Delegate" labelFor="delegation-delegate" labelInfo="(required)" {...field('delegate', 'Their email, as they sign in to Apollo.')}>
            <InputGroup id="delegation-delegate" type="email" value={values.delegate} onValueChange={(delegate) => set({ delegate })} placeholder="name@example.com"
              intent={errors.delegate ? 'danger' : 'none'} autoFocus data-testid="delegation-delegate" />
          </FormGroup>
          <div className="apollo-delegation-times">
            <FormGroup label="From" labelFor="delegation-from" labelInfo="(optional)" {...field('from', 'Empty: now.')}>
              <InputGroup id="delegation-from" type="datetime-local" value={values.from} onValueChange={(from) => set({ from })} intent={errors.from ? 'danger' : 'none'} data-testid="delegation-from" />
            </FormGroup>
            <FormGroup label="Until" labelFor="delegation-until" labelInfo="(required)" {...field('until', `At most ${MAX_DELEGATION_DAYS} days ahead; you can end it earlier.`)}>
              <InputGroup id="delegation-until" type="datetime-local" value={values.until} onValueChange={(until) => set({ until })} intent={errors.until ? 'danger' : 'none'} data-testid="delegation-until" />
            </FormGroup>
          </div>
          <FormGroup label="Reason" labelFor="delegation-reason" labelInfo="(optional)" {...field('reason', 'Your delegate and the audit log read it.')}>
            <TextArea id="delegation-reason" fill rows={2} maxLength={500} value={values.reason} onChange={(e) => set({ reason: e.currentTarget.value })} data-testid="delegation-reason" />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={close} /><Button type="submit" intent="primary" icon="people" text={current ? 'Save delegate' : 'Name delegate'} loading={save.isPending} data-testid="delegation-save" /></>} />
      </form>
    </Dialog>
  );
}

/** Your delegation, or the offer to name one; and whose delegate you are. */
export function DelegationPanel() {
  const { api } = useServices();
  const client = useQueryClient();
  const delegations = useDelegations();
  const [editing, setEditing] = useState(false);
  const end = useMutation({
    mutationFn: () => api.read('DELETE /api/v1/approvals/delegation'),
    onSuccess: () => {
      client.setQueryData(DELEGATION_KEY, (old: { mine: ApprovalDelegation | null; toMe: ApprovalDelegation[] } | undefined) => ({ toMe: old?.toMe ?? [], mine: null }));
      void client.invalidateQueries({ queryKey: DELEGATION_KEY });
      toast({ intent: 'success', icon: 'tick', message: 'Delegation ended: you decide your approvals again' });
    },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Could not end the delegation: ${error instanceof Error ? error.message : String(error)}` }),
  });
  if (delegations.isPending) return <div className={`${Classes.SKELETON} apollo-delegation`} style={{ height: 44 }} />;
  if (delegations.isError) return <div className="apollo-delegation" data-testid="delegation-panel"><ErrorState compact error={delegations.error} onRetry={() => void delegations.refetch()} /></div>;
  const { mine, toMe } = delegations.data;
  return (
    <div className="apollo-delegation" data-testid="delegation-panel" data-delegate={mine?.delegate ?? ''}>
      {toMe.length > 0 && (
        <Callout intent="primary" icon="people" className="apollo-delegation-to-me" data-testid="delegation-to-me">
          {toMe.map((d) => (
            <p key={d.principal} data-testid="delegation-to-me-item" data-principal={d.principal} data-active={d.active}>
              You are the delegate of <strong>{d.principal}</strong> {d.active ? 'until' : `from ${formatTime(d.from)} until`} <span title={d.until}>{formatTime(d.until)}</span>
              {d.reason && <span className={Classes.TEXT_MUTED}> — {d.reason}</span>}
              {d.active ? '. Their approvals show below; each one you decide says it was for them.' : '.'}
            </p>
          ))}
        </Callout>
      )}
      <div className="apollo-delegation-mine" data-testid="delegation-mine" data-set={mine !== null}>
        <Icon icon="people" className={Classes.TEXT_MUTED} />
        {mine ? (
          <span>
            Your delegate: <strong data-testid="delegation-delegate-name">{mine.delegate}</strong>
            {!mine.active && <> from <span>{formatTime(mine.from)}</span></>} until <span data-testid="delegation-until-text">{formatTime(mine.until)}</span>
            {' '}<Tag minimal round intent={mine.active ? 'success' : 'none'}>{mine.active ? 'active' : 'upcoming'}</Tag>
            {mine.reason && <span className={Classes.TEXT_MUTED}> — {mine.reason}</span>}
          </span>
        ) : (
          <span className={Classes.TEXT_MUTED}>Away? Name a delegate who decides your approvals for a period.</span>
        )}
        <span className="apollo-approvals-toolbar-spacer" />
        <Button size="small" variant="outlined" icon={mine ? 'edit' : 'add'} text={mine ? 'Change' : 'Name a delegate'} onClick={() => setEditing(true)} data-testid="delegation-open" />
        {mine && <Button size="small" variant="outlined" intent="danger" icon="stop" text="End now" loading={end.isPending} onClick={() => end.mutate()} data-testid="delegation-end" />}
      </div>
      <DelegationDialog isOpen={editing} current={mine} onClose={() => setEditing(false)} />
    </div>
  );
}

