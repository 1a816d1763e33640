/**
 * Add, edit and delete a service's runbooks: Markdown with a live preview, field-level messages (the
 * form's own checks, then the API's 400 details), If-Match with the runbook's version, 412 explained.
 */
import { Alert, Button, Callout, Dialog, DialogBody, DialogFooter, FormGroup, InputGroup, Switch, TextArea } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../../../shared/api-client.ts';
import type { Runbook, RunbookCreate } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { Markdown } from '../../components/markdown.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import './catalog-edit.css';
import { RUNBOOK_FIELDS, runbookChanges, runbookValues, validateRunbook, type RunbookValues } from './runbook-rules.ts';

type Field = keyof RunbookValues;
const CHANGED = 'Someone changed this runbook since you opened it. Close this dialog to see their version, then edit again.';

export function RunbookDialog({ serviceId, runbook: current, onClose }: { serviceId: string; runbook: Runbook | null; onClose(): void }) {
  // The runbook as it was when the dialog opened: its version is what If-Match promises.
  const [runbook] = useState(current);
  const { api } = useServices();
  const client = useQueryClient();
  const creating = runbook === null;
  const [values, setValues] = useState<RunbookValues>(() => runbookValues(runbook));
  const form = useFieldErrors();
  const save = useMutation({
    mutationFn: async () => {
      if (creating) {
        const body: RunbookCreate = { title: values.title.trim(), trigger: values.trigger, content: values.content, automatable: values.automatable };
        if (values.aiPrompt.trim()) body.aiPrompt = values.aiPrompt.trim();
        return api.read('POST /api/v1/services/{id}/runbooks', { params: { id: serviceId }, body });
      }
      const body = runbookChanges(runbook, values);
      if (Object.keys(body).length === 0) return runbook;
      return api.read('PUT /api/v1/services/{id}/runbooks/{runbookId}', { params: { id: serviceId, runbookId: runbook.id }, body, ifMatch: runbook.version });
    },
    onSuccess: (saved) => {
      toast({ intent: 'success', icon: 'tick', message: creating ? `Runbook ${saved.title} added` : `Runbook ${saved.title} saved` });
      void client.invalidateQueries({ queryKey: ['services', 'one', serviceId] });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        void client.invalidateQueries({ queryKey: ['services', 'one', serviceId] });
        form.fromApi(new ApiError(412, error.code, CHANGED, [], error.requestId), RUNBOOK_FIELDS);
      } else {
        form.fromApi(error, RUNBOOK_FIELDS);
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.setLocal(validateRunbook(values))) save.mutate();
  };
  const set = <K extends Field>(name: K) => (value: RunbookValues[K]) => {
    setValues((v) => ({ ...v, [name]: value }));
    form.clear(name);
  };
  const intent = (name: Field) => (form.errors[name] ? 'danger' : 'none');
  const field = (name: Field, label: string, helper: string, input: ReactNode, required = false) => (
    <FormGroup label={label} labelFor={`rb-${name}`} intent={intent(name)} labelInfo={required ? '(required)' : undefined} helperText={form.errors[name] ?? helper}>
      {input}
    </FormGroup>
  );
  return (
    <Dialog isOpen onClose={onClose} title={creating ? 'Add a runbook' : `Edit ${runbook.title}`} icon={creating ? 'add' : 'edit'} className="apollo-dialog apollo-runbook-dialog">
      <form onSubmit={submit} noValidate data-testid="runbook-form">
        <DialogBody>
          {form.formError !== null && <div className="apollo-form-error"><ErrorState compact error={form.formError} /></div>}
          {!creating && runbook.source === 'manifest' && (
            <Callout intent="warning" icon="git-repo" compact className="apollo-form-error">
              From <strong>{runbook.manifestPath ?? 'apollo.yaml'}</strong>: the next discovery sync puts the repository's version back, so change it there to keep a change.
            </Callout>
          )}
          <div className="apollo-form-row">
            {field('title', 'Title', 'What it fixes, e.g. "High error rate".', <InputGroup id="rb-title" value={values.title} onValueChange={set('title')} intent={intent('title')} autoFocus />, true)}
            {field('trigger', 'Alert', 'The alert that calls for it, e.g. HighErrorRate.',
              <InputGroup id="rb-trigger" value={values.trigger} onValueChange={set('trigger')} intent={intent('trigger')} leftIcon="notifications" className="apollo-mono-input" />, true)}
          </div>
          <FormGroup helperText={form.errors.automatable ?? 'The AI operations console may run an automatable runbook (with approval where an action needs it).'} intent={intent('automatable')}>
            <Switch id="rb-automatable" label="Automatable" checked={values.automatable} onChange={(e) => set('automatable')(e.currentTarget.checked)} />
          </FormGroup>
          {(values.automatable || values.aiPrompt !== '') && field('aiPrompt', 'AI prompt', 'Optional: what the AI console should be told when it runs this runbook.',
            <TextArea id="rb-aiPrompt" value={values.aiPrompt} onChange={(e) => set('aiPrompt')(e.currentTarget.value)} intent={intent('aiPrompt')} fill rows={2} />)}
          <div className="apollo-form-row">
            {field('content', 'Steps (Markdown)', 'Headings, lists, code and links; raw HTML is not rendered.',
              <TextArea id="rb-content" value={values.content} onChange={(e) => set('content')(e.currentTarget.value)} intent={intent('content')} fill rows={16} className="apollo-mono-input" />, true)}
            <FormGroup label="Preview">
              <div className="apollo-runbook-preview" data-testid="runbook-preview">
                <Markdown source={values.content || '_Nothing yet._'} />
              </div>
            </FormGroup>
          </div>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" text={creating ? 'Add runbook' : 'Save'} loading={save.isPending} /></>} />
      </form>
    </Dialog>
  );
}

export function DeleteRunbookAlert({ serviceId, runbook, isOpen, onClose }: { serviceId: string; runbook: Runbook; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const del = useMutation({
    mutationFn: () => api.request('DELETE /api/v1/services/{id}/runbooks/{runbookId}', { params: { id: serviceId, runbookId: runbook.id }, ifMatch: runbook.version }),
    onSuccess: () => toast({ intent: 'success', icon: 'trash', message: `Runbook ${runbook.title} deleted` }),
    onError: (error) => {
      const changed = error instanceof ApiError && error.status === 412;
      toast({ intent: 'danger', icon: 'error', message: changed ? 'Not deleted: someone changed this runbook since the page loaded. Check their change, then try again.' : `Not deleted: ${(error as Error).message}` });
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['services', 'one', serviceId] });
      onClose();
    },
  });
  return (
    <Alert isOpen={isOpen} intent="danger" icon="trash" confirmButtonText="Delete" cancelButtonText="Cancel" loading={del.isPending} onConfirm={() => del.mutate()} onCancel={onClose}>
      <p>Delete the runbook <strong>{runbook.title}</strong> for <code>{runbook.trigger}</code>?</p>
      <p>{runbook.source === 'manifest' ? 'It comes from apollo.yaml: the next discovery sync adds it again unless the manifest drops it. ' : ''}This is recorded in the audit log.</p>
    </Alert>
  );
}

/** "Add runbook": the button and its dialog. */
export function AddRunbookButton({ serviceId }: { serviceId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button icon="add" text="Add runbook" variant="outlined" onClick={() => setOpen(true)} data-testid="add-runbook" />
      {open && <RunbookDialog serviceId={serviceId} runbook={null} onClose={() => setOpen(false)} />}
    </>
  );
}

/** A runbook's Edit and Delete buttons with their dialogs (inside its collapsible header, so clicks stay here). */
export function RunbookActions({ serviceId, runbook }: { serviceId: string; runbook: Runbook }) {
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  return (
    <span className="apollo-runbook-actions" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()} role="presentation">
      <Button size="small" variant="minimal" icon="edit" text="Edit" onClick={() => setEditing(true)} data-testid="edit-runbook" />
      <Button size="small" variant="minimal" icon="trash" intent="danger" aria-label={`Delete ${runbook.title}`} onClick={() => setDeleting(true)} data-testid="delete-runbook" />
      {editing && <RunbookDialog serviceId={serviceId} runbook={runbook} onClose={() => setEditing(false)} />}
      <DeleteRunbookAlert serviceId={serviceId} runbook={runbook} isOpen={deleting} onClose={() => setDeleting(false)} />
    </span>
  );
}
