import { Button, Callout, Dialog, DialogBody, DialogFooter, FormGroup, InputGroup, TextArea } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { QuotaUsage } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { emptyRow, limitsBody, limitsFieldOf, rowKey, type LimitRow, type RowField } from './quota-limits-form.ts';
import { KNOWN_ENVIRONMENTS, KNOWN_RESOURCES } from './quota-words.ts';
import { quotaUsageKey } from './team-queries.ts';

export interface QuotaLimitsDialogProps {
  readonly teamId: string;
  readonly teamName: string;
  readonly usage: QuotaUsage | undefined;
  /** The rows it opens with (a quota to change), or one empty row. */
  readonly initialRows?: readonly LimitRow[];
  onClose(): void;
}

/** Sets or removes some of a team's limits at once; the API's answer (the new usage) replaces the section's. */
export function QuotaLimitsDialog({ teamId, teamName, usage, initialRows, onClose }: QuotaLimitsDialogProps) {
  const { api } = useServices();
  const client = useQueryClient();
  const listId = useId();
  const [rows, setRows] = useState<LimitRow[]>(() => (initialRows?.length ? [...initialRows] : [emptyRow()]));
  const [reason, setReason] = useState('');
  const form = useFieldErrors();
  const caps = usage?.caps ?? {};
  const resources = [...new Set([...(usage?.items.map((i) => i.resource) ?? []), ...Object.keys(caps), ...KNOWN_RESOURCES])].sort();
  const environments = [...new Set([...KNOWN_ENVIRONMENTS, ...(usage?.items.flatMap((i) => (i.environment ? [i.environment] : [])) ?? [])])];

  const save = useMutation({
    mutationFn: (body: NonNullable<ReturnType<typeof limitsBody>['body']>) => api.read('POST /api/v1/quota/limits/{id}', { params: { id: teamId }, body }),
    onSuccess: (saved, body) => {
      client.setQueryData(quotaUsageKey(teamId), saved);
      void client.invalidateQueries({ queryKey: quotaUsageKey(teamId) });
      toast({ intent: 'success', icon: 'tick', message: `${body.limits.length === 1 ? 'Limit' : `${body.limits.length} limits`} set for ${teamName}` });
      onClose();
    },
    onError: (error) => form.fromApi(error, limitsFieldOf),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = limitsBody(rows, reason, caps);
    if (form.setLocal(result.errors ?? {}) && result.body) save.mutate(result.body);
  };
  const set = (index: number, field: RowField) => (value: string) => {
    setRows((rs) => rs.map((r, i) => (i === index ? { ...r, [field]: value } : r)));
    form.clear(rowKey(index, field));
  };
  const remove = (index: number) => {
    setRows((rs) => rs.filter((_, i) => i !== index));
    // The rows after it moved up: their errors no longer belong to them.
    form.clearWhere((key) => /^\d+\./.test(key));
  };
  const error = (index: number, field: RowField) => form.errors[rowKey(index, field)];
  const intent = (index: number, field: RowField) => (error(index, field) ? 'danger' : 'none');

  return (
    <Dialog isOpen onClose={onClose} title={`Set limits · ${teamName}`} icon="dashboard" className="apollo-dialog apollo-quota-dialog">
      <form onSubmit={submit} noValidate data-testid="quota-limits-form">
        <DialogBody>
          {form.formError !== null && <div className="apollo-form-error"><ErrorState compact error={form.formError} /></div>}
          {form.errors.form && <Callout intent="danger" icon="error" className="apollo-form-error">{form.errors.form}</Callout>}
          <datalist id={`${listId}-resources`}>{resources.map((r) => <option key={r} value={r}>{caps[r] !== undefined ? `cap ${caps[r]}` : undefined}</option>)}</datalist>
          <datalist id={`${listId}-environments`}>{environments.map((e) => <option key={e} value={e} />)}</datalist>
          <ol className="apollo-quota-rows">
            {rows.map((row, i) => (
              <li key={i} className="apollo-quota-row" data-testid="quota-limit-row" data-index={i}>
                <FormGroup label="Resource" labelFor={`${listId}-${i}-resource`} intent={intent(i, 'resource')}
                  helperText={error(i, 'resource') ?? (caps[row.resource.trim()] !== undefined ? `The organization's cap: ${caps[row.resource.trim()]}` : 'As an offering’s quota names it')}>
                  <InputGroup id={`${listId}-${i}-resource`} list={`${listId}-resources`} value={row.resource} onValueChange={set(i, 'resource')} intent={intent(i, 'resource')}
                    placeholder="postgresql-databases" autoFocus={i === 0} data-testid="quota-resource" />
                </FormGroup>
                <FormGroup label="Environment" labelFor={`${listId}-${i}-environment`} intent={intent(i, 'environment')} helperText={error(i, 'environment') ?? 'Empty: all together'}>
                  <InputGroup id={`${listId}-${i}-environment`} list={`${listId}-environments`} value={row.environment} onValueChange={set(i, 'environment')} intent={intent(i, 'environment')}
                    placeholder="all" data-testid="quota-environment" />
                </FormGroup>
                <FormGroup label="Limit" labelFor={`${listId}-${i}-limit`} intent={intent(i, 'limit')} helperText={error(i, 'limit') ?? 'Empty removes it'}>
                  <InputGroup id={`${listId}-${i}-limit`} type="text" inputMode="numeric" pattern="[0-9]*" value={row.limit} onValueChange={set(i, 'limit')} intent={intent(i, 'limit')}
                    placeholder="no limit" data-testid="quota-limit" />
                </FormGroup>
                <FormGroup label="Effective from" labelFor={`${listId}-${i}-effectiveFrom`} intent={intent(i, 'effectiveFrom')} helperText={error(i, 'effectiveFrom') ?? 'Empty: now'}>
                  <InputGroup id={`${listId}-${i}-effectiveFrom`} type="datetime-local" value={row.effectiveFrom} onValueChange={set(i, 'effectiveFrom')} intent={intent(i, 'effectiveFrom')}
                    data-testid="quota-effective-from" />
                </FormGroup>
                <Button variant="minimal" icon="cross" aria-label={`Remove row ${i + 1}`} onClick={() => remove(i)} disabled={rows.length === 1} className="apollo-quota-row-remove" />
              </li>
            ))}
          </ol>
          <Button icon="add" text="Another limit" variant="minimal" onClick={() => setRows((rs) => [...rs, emptyRow()])} disabled={rows.length >= 50} data-testid="quota-add-row" />
          <FormGroup label="Reason" labelFor={`${listId}-reason`} intent={form.errors.reason ? 'danger' : 'none'} helperText={form.errors.reason ?? `Told to ${teamName} and kept in the audit log`} className="apollo-quota-reason">
            <TextArea id={`${listId}-reason`} value={reason} onChange={(e) => { setReason(e.currentTarget.value); form.clear('reason'); }} fill rows={2} data-testid="quota-reason" />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" text="Set limits" loading={save.isPending} data-testid="quota-limits-submit" /></>} />
      </form>
    </Dialog>
  );
}
