/**
 * What a person does to a request after submitting it, each behind a dialog that says what will happen first:
 * Retry (the plan read from the API before anything runs: what runs again and why, what is kept, whether approval is
 * asked again, retries left; fields may be changed), Cancel (with a reason: work done is rolled back) and Deprovision
 * (with a reason: its rollbacks run, after the offering's approval when it asks). The API decides who may; a refusal
 * is shown in the dialog (a 403 explained, a 409 with its message). After each, the page follows the request live.
 */
import { Button, Callout, Classes, Collapse, Dialog, DialogBody, DialogFooter, FormGroup, Icon, Spinner, Tag, TextArea } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Request, RequestRetryResult } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { requestKey } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { requestFieldOf } from '../self-service/request-errors.ts';
import { canCancel, canDeprovision, canRetry, fieldChanges, fieldsText, reasonProblem } from './request-lifecycle.ts';

type Plan = RequestRetryResult['plan'];
type Fields = Record<string, unknown>;

/** The page's copy of the request after an answer, and the lists that show it. */
function useShowRequest() {
  const client = useQueryClient();
  return (request: Request) => {
    client.setQueryData(requestKey(request.id), request);
    void client.invalidateQueries({ queryKey: ['requests', 'list'] });
  };
}

function PlanView({ plan, labels }: { plan: Plan; labels: ReadonlyMap<string, string> }) {
  return (
    <div className="apollo-retry-plan" data-testid="retry-plan" data-approval={plan.approval} data-retries-left={plan.retriesLeft}>
      <h5 className="apollo-subheading">Runs again</h5>
      {plan.rerun.length === 0
        ? <p className={Classes.TEXT_MUTED}>Nothing: every action is done already.</p>
        : (
          <ol className="apollo-retry-list">
            {plan.rerun.map((a) => (
              <li key={a.id} data-testid="retry-rerun" data-id={a.id}>
                <Icon icon="refresh" intent="primary" size={14} />
                <span><strong>{a.name}</strong>{a.why && <span className={Classes.TEXT_MUTED} data-testid="retry-why">: {a.why}</span>}</span>
              </li>
            ))}
          </ol>
        )}
      {plan.keep.length > 0 && (
        <>
          <h5 className="apollo-subheading">Kept (done already, not repeated)</h5>
          <ul className="apollo-retry-list">
            {plan.keep.map((a) => <li key={a.id} data-testid="retry-keep" data-id={a.id}><Icon icon="tick-circle" intent="success" size={14} /><span>{a.name}</span></li>)}
          </ul>
        </>
      )}
      {plan.changedFields && plan.changedFields.length > 0 && (
        <p data-testid="retry-changed">
          Changes {plan.changedFields.map((f) => <Tag key={f} minimal className="apollo-inline-tag">{labels.get(f) ?? f}</Tag>)}: they are checked again and start generation {plan.generation}.
        </p>
      )}
      <Callout compact intent={plan.approval ? 'warning' : 'none'} icon={plan.approval ? 'endorsed' : 'tick'} className="apollo-retry-approval" data-testid="retry-approval">
        {plan.approval ? 'It waits for approval again before it runs.' : 'No approval is asked again.'}
      </Callout>
      <p className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="retry-count">
        This is retry {plan.retry}; {plan.retriesLeft === 0 ? 'it is the last one this request may have.' : `${plan.retriesLeft} more ${plan.retriesLeft === 1 ? 'retry is' : 'retries are'} left after it.`}
      </p>
    </div>
  );
}

/**
 * Retry: the plan is read as the dialog opens (POST …/retry without confirm), and again for changed fields; "Retry"
 * runs the plan shown (confirm: true), with the fields it was made for.
 */
export function RetryDialog({ request, labels, isOpen, onClose }: { request: Request; labels: ReadonlyMap<string, string>; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const show = useShowRequest();
  const apiErrors = useFieldErrors();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(() => fieldsText(request.fields));
  const [problem, setProblem] = useState<string | null>(null);
  // The fields the plan shown was made for: "Retry" sends those.
  const [planned, setPlanned] = useState<Fields>({});
  // One key per confirmation: a double click (or a retry after a network error) retries once.
  const idempotencyKey = useRef<string | null>(null);
  const fieldIds = useMemo(() => new Set([...Object.keys(request.fields), ...labels.keys()]), [request.fields, labels]);

  const plan = useMutation({
    mutationFn: (fields: Fields) => api.read('POST /api/v1/requests/{id}/retry', { params: { id: request.id }, body: Object.keys(fields).length ? { fields } : {} }),
    onMutate: (fields) => { setPlanned(fields); apiErrors.reset(); },
    onError: (error) => apiErrors.fromApi(error, (path) => requestFieldOf(path, fieldIds)),
  });
  const confirm = useMutation({
    mutationFn: (fields: Fields) => {
      idempotencyKey.current ??= globalThis.crypto.randomUUID();
      return api.read('POST /api/v1/requests/{id}/retry', { params: { id: request.id }, body: { confirm: true, ...(Object.keys(fields).length ? { fields } : {}) }, idempotencyKey: idempotencyKey.current });
    },
    onSuccess: (answer) => {
      show(answer.request);
      toast({ intent: 'primary', icon: 'refresh', message: `Retry ${answer.plan.retry} started: ${answer.plan.rerun.map((a) => a.name).join(', ') || 'nothing'} to run` });
      onClose();
    },
    onError: (error) => apiErrors.fromApi(error, (path) => requestFieldOf(path, fieldIds)),
  });

  // Each opening starts from the request as it is now, and reads its plan.
  useEffect(() => {
    if (!isOpen) return;
    setEditing(false);
    setText(fieldsText(request.fields));
    setProblem(null);
    idempotencyKey.current = null;
    confirm.reset();
    plan.mutate({});
  }, [isOpen]);

  const edit = fieldChanges(request.fields, text);
  // The plan shown is for other fields than those in the editor now: read it again before retrying.
  const stale = !edit.ok || JSON.stringify(edit.fields) !== JSON.stringify(planned);
  const check = () => {
    if (!edit.ok) { setProblem(edit.problem); return; }
    plan.mutate(edit.fields);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (stale) { check(); return; }
    if (plan.data) confirm.mutate(planned);
  };
  const fieldProblems = Object.entries(apiErrors.errors);

  return (
    <Dialog isOpen={isOpen} onClose={onClose} title="Retry the request" icon="refresh" className="apollo-dialog apollo-retry-dialog">
      <form onSubmit={submit} noValidate data-testid="retry-form">
        <DialogBody>
          <p>It runs again from the first action not done; what is done is kept, never repeated.</p>
          {plan.isPending && <div className="apollo-retry-loading" data-testid="retry-plan-loading"><Spinner size={16} /> <span className={Classes.TEXT_MUTED}>Working out what runs again…</span></div>}
          {apiErrors.formError !== null && <div className="apollo-form-error"><ErrorState compact error={apiErrors.formError} /></div>}
          {plan.data && !plan.isPending && <PlanView plan={plan.data.plan} labels={labels} />}
          <Button variant="minimal" size="small" icon={editing ? 'chevron-down' : 'chevron-right'} text="Change fields before retrying" onClick={() => setEditing((e) => !e)} aria-expanded={editing} data-testid="retry-edit-toggle" />
          <Collapse isOpen={editing}>
            <FormGroup label="Fields" labelFor="retry-fields" intent={problem ? 'danger' : 'none'} className="apollo-retry-fields"
              helperText={problem ?? 'Edit the values to change (JSON). Secret fields stay as they were unless you type a new value. Changed fields are checked against the offering\u2019s form.'}>
              <TextArea id="retry-fields" fill rows={8} spellCheck={false} value={text} data-testid="retry-fields"
                onChange={(e) => { setText(e.currentTarget.value); setProblem(null); apiErrors.reset(); }} />
            </FormGroup>
            {fieldProblems.length > 0 && (
              <ul className="apollo-retry-field-errors" data-testid="retry-field-errors">
                {fieldProblems.map(([id, message]) => <li key={id} data-id={id}><strong>{labels.get(id) ?? id}</strong> {message}</li>)}
              </ul>
            )}
            <Button icon="tick" text="Check the changes" onClick={check} loading={plan.isPending} disabled={!stale} data-testid="retry-check" />
          </Collapse>
        </DialogBody>
        <DialogFooter actions={(
          <>
            <Button text="Close" onClick={onClose} />
            <Button type="submit" intent="primary" icon="refresh" text={stale ? 'Check the changes first' : 'Retry'} loading={confirm.isPending}
              disabled={plan.isPending || (!plan.data && !stale)} data-testid="retry-confirm" />
          </>
        )} />
      </form>
    </Dialog>
  );
}

const REASON_COPY = {
  cancel: {
    title: 'Cancel the request',
    icon: 'disable',
    button: 'Cancel request',
    placeholder: 'Not needed any more',
    explain: (request: Request) => (request.status === 'in_progress' || request.status === 'interrupted'
      ? 'It stops, and what it did is rolled back, newest first (each action\u2019s rollback), before it ends cancelled. An action marked critical that is running cannot be interrupted: Apollo says so, and you can cancel once it ends.'
      : 'It stops before its work begins and ends cancelled; anything an earlier run of it did is rolled back.'),
    after: 'A cancelled request can be retried later.',
  },
  deprovision: {
    title: 'Deprovision the request',
    icon: 'trash',
    button: 'Deprovision',
    placeholder: 'The preview is no longer used',
    explain: (request: Request) => `What it made is removed: its actions\u2019 rollbacks run, newest first, and it reads deprovisioned. The ${request.offering.name} offering\u2019s approval rule applies: when it asks for approval, an approver decides first.`,
    after: 'This cannot be undone; request it again to have it back.',
  },
} as const;

/** Cancel or deprovision, each with the reason the log keeps. */
export function ReasonDialog({ kind, request, onClose }: { kind: 'cancel' | 'deprovision' | null; request: Request; onClose(): void }) {
  const { api } = useServices();
  const show = useShowRequest();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: ({ which, body }: { which: 'cancel' | 'deprovision'; body: { reason: string } }) => (which === 'cancel'
      ? api.read('POST /api/v1/requests/{id}/cancel', { params: { id: request.id }, body })
      : api.read('POST /api/v1/requests/{id}/deprovision', { params: { id: request.id }, body })),
    onSuccess: (answer, { which }) => {
      show(answer);
      toast({ intent: 'warning', icon: which === 'cancel' ? 'disable' : 'trash', message: which === 'cancel' ? 'Cancel asked: the page follows it' : 'Deprovision started: the page follows it' });
      close();
    },
  });
  function close() { setReason(''); setProblem(null); act.reset(); onClose(); }
  const copy = kind ? REASON_COPY[kind] : REASON_COPY.cancel;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!kind) return;
    const wrong = reasonProblem(reason);
    if (wrong) { setProblem(wrong); return; }
    act.mutate({ which: kind, body: { reason: reason.trim() } });
  };
  return (
    <Dialog isOpen={kind !== null} onClose={close} title={copy.title} icon={copy.icon} className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid={`${kind ?? 'reason'}-form`}>
        <DialogBody>
          {act.isError && <div className="apollo-form-error"><ErrorState compact error={act.error} /></div>}
          <p data-testid="reason-explain">{copy.explain(request)}</p>
          <p className={`${Classes.TEXT_MUTED} apollo-small`}>{copy.after}</p>
          <FormGroup label="Reason" labelFor="reason-text" labelInfo="(required)" intent={problem ? 'danger' : 'none'} helperText={problem ?? 'Why: it is kept in the request\u2019s log.'}>
            <TextArea id="reason-text" fill rows={3} maxLength={2000} value={reason} placeholder={copy.placeholder} autoFocus data-testid="reason-text"
              onChange={(e) => { setReason(e.currentTarget.value); setProblem(null); }} />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Keep it" onClick={close} /><Button type="submit" intent="danger" icon={copy.icon} text={copy.button} loading={act.isPending} data-testid="reason-confirm" /></>} />
      </form>
    </Dialog>
  );
}

/** The request's buttons for what its status allows, and their dialogs. */
export function RequestLifecycle({ request, labels }: { request: Request; labels: ReadonlyMap<string, string> }) {
  const [retrying, setRetrying] = useState(false);
  const [reasonFor, setReasonFor] = useState<'cancel' | 'deprovision' | null>(null);
  return (
    <>
      {canRetry(request) && <Button intent="primary" icon="refresh" text="Retry" onClick={() => setRetrying(true)} data-testid="request-retry" />}
      {canCancel(request) && <Button intent="danger" variant="outlined" icon="disable" text="Cancel request" onClick={() => setReasonFor('cancel')} data-testid="request-cancel" />}
      {canDeprovision(request) && <Button intent="danger" variant="outlined" icon="trash" text="Deprovision" onClick={() => setReasonFor('deprovision')} data-testid="request-deprovision" />}
      <RetryDialog request={request} labels={labels} isOpen={retrying} onClose={() => setRetrying(false)} />
      <ReasonDialog kind={reasonFor} request={request} onClose={() => setReasonFor(null)} />
    </>
  );
}
