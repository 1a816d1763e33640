/**
 * Add or edit one environment of a service (cluster, namespace, image tag, replicas, endpoints, resources,
 * required secrets) and remove one after a confirmation. Field errors come from the form's own checks and
 * the API's 400 details; an edit sends If-Match with the environment's version, and a 412 is explained.
 */
import { Alert, Button, Callout, Classes, Dialog, DialogBody, DialogFooter, FormGroup, InputGroup } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../../../shared/api-client.ts';
import type { Environment, Service } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import './catalog-edit.css';
import { environmentBody, environmentField, environmentValues, validateEnvironment, type EnvironmentValues, type SecretValues } from './environment-rules.ts';

type TextField = Exclude<keyof EnvironmentValues, 'secrets'>;

export function EnvironmentDialog({ service, environment: current, onClose }: { service: Service; environment: Environment | null; onClose(): void }) {
  // The environment as it was when the dialog opened: its version is what If-Match promises.
  const [environment] = useState(current);
  const { api } = useServices();
  const client = useQueryClient();
  const creating = environment === null;
  const [values, setValues] = useState<EnvironmentValues>(() => environmentValues(environment));
  const [nextKey, setNextKey] = useState(values.secrets.length);
  const form = useFieldErrors();
  const { errors, formError } = form;
  const save = useMutation({
    mutationFn: async () => {
      const name = creating ? values.name : environment.name;
      return api.read('PUT /api/v1/services/{id}/environments/{env}', { params: { id: service.id, env: name }, body: environmentBody(values, environment), ...(creating ? {} : { ifMatch: environment.version }) });
    },
    onSuccess: (saved) => {
      toast({ intent: 'success', icon: 'tick', message: creating ? `${saved.name} added to ${service.displayName}` : `${saved.name} saved` });
      void client.invalidateQueries({ queryKey: ['services'] });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        void client.invalidateQueries({ queryKey: ['services', 'one', service.id] });
        form.fromApi(new ApiError(412, error.code, 'Someone changed this environment since you opened it (a deployment, or another edit). Close this dialog to see theirs, then edit again.', [], error.requestId), environmentField);
      } else {
        form.fromApi(error, environmentField);
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.setLocal(validateEnvironment(values, creating, service.environments.map((e) => e.name)))) save.mutate();
  };
  const forget = form.clear;
  const set = (name: TextField) => (value: string) => { setValues((v) => ({ ...v, [name]: value })); forget(name); };
  const setSecret = (i: number, change: Partial<SecretValues>) => {
    setValues((v) => ({ ...v, secrets: v.secrets.map((s, j) => (j === i ? { ...s, ...change } : s)) }));
    for (const f of Object.keys(change)) forget(`secrets.${i}.${f}`);
  };
  const removeSecret = (i: number) => {
    setValues((v) => ({ ...v, secrets: v.secrets.filter((_, j) => j !== i) }));
    // Indexes move: a secret's message would land on the wrong row.
    form.clearWhere((field) => field.startsWith('secrets.'));
  };
  const addSecret = () => {
    setValues((v) => ({ ...v, secrets: [...v.secrets, { key: nextKey, name: '', secretId: '', jsonKey: '' }] }));
    setNextKey((k) => k + 1);
  };
  const intent = (name: string) => (errors[name] ? 'danger' : 'none');
  const field = (name: TextField, label: string, helper: string, input: ReactNode, required = false) => (
    <FormGroup label={label} labelFor={`env-${name}`} intent={intent(name)} labelInfo={required ? '(required)' : undefined} helperText={errors[name] ?? helper}>
      {input}
    </FormGroup>
  );
  const text = (name: TextField, placeholder?: string, mono = true) => (
    <InputGroup id={`env-${name}`} value={values[name]} onValueChange={set(name)} intent={intent(name)} placeholder={placeholder} className={mono ? 'apollo-mono-input' : undefined} />
  );
  return (
    <Dialog isOpen onClose={onClose} title={creating ? `Add an environment to ${service.displayName}` : `Edit ${environment.name} of ${service.displayName}`} icon={creating ? 'add' : 'edit'} className="apollo-dialog apollo-env-dialog">
      <form onSubmit={submit} noValidate data-testid="environment-form">
        <DialogBody>
          {formError !== null && <div className="apollo-form-error"><ErrorState compact error={formError} /></div>}
          <div className="apollo-form-row apollo-form-row-3">
            {field('name', 'Name', creating ? 'e.g. prod, staging, dev. It cannot change later.' : 'Names never change.',
              <InputGroup id="env-name" value={values.name} onValueChange={set('name')} intent={intent('name')} disabled={!creating} autoFocus={creating} className="apollo-mono-input" />, creating)}
            {field('cluster', 'Cluster', 'The EKS cluster it runs on.', text('cluster', 'eks-prod-us-east-1'), true)}
            {field('namespace', 'Namespace', 'Its Kubernetes namespace.', text('namespace', 'payments'), true)}
          </div>
          <div className="apollo-form-row">
            {field('imageTag', 'Image tag', 'What is deployed now; deployments set it too.', text('imageTag', 'v1.2.3'))}
            {field('replicas', 'Replicas', 'Desired replicas; the health check compares the ready ones.', text('replicas', '3'))}
          </div>
          <h4 className="apollo-subheading">Endpoints</h4>
          <div className="apollo-form-row apollo-form-row-3">
            {field('internal', 'Internal', 'Inside the cluster.', text('internal', 'http://svc.ns.svc.cluster.local:8080'))}
            {field('external', 'External', 'A full URL, if public.', text('external', 'https://…'))}
            {field('healthCheck', 'Health check', 'Polled every minute; without one, health is unknown.', text('healthCheck', 'https://…/health'))}
          </div>
          <h4 className="apollo-subheading">Resources <span className="apollo-small">(per replica; request and limit together)</span></h4>
          <div className="apollo-form-row apollo-form-row-4">
            {field('cpuRequest', 'CPU request', 'e.g. 250m', text('cpuRequest', '250m'))}
            {field('cpuLimit', 'CPU limit', 'e.g. 1', text('cpuLimit', '500m'))}
            {field('memoryRequest', 'Memory request', 'e.g. 256Mi', text('memoryRequest', '256Mi'))}
            {field('memoryLimit', 'Memory limit', 'e.g. 1Gi', text('memoryLimit', '512Mi'))}
          </div>
          <h4 className="apollo-subheading">Required secrets</h4>
          {errors.secrets && <Callout intent="danger" compact className="apollo-form-error">{errors.secrets}</Callout>}
          {values.secrets.length === 0 && <p className={Classes.TEXT_MUTED}>None: it reads no secrets.</p>}
          {values.secrets.map((s, i) => (
            <div key={s.key} className="apollo-secret-row" data-testid="secret-row">
              <FormGroup label={i === 0 ? 'Name' : undefined} labelFor={`env-secret-${s.key}-name`} intent={intent(`secrets.${i}.name`)} helperText={errors[`secrets.${i}.name`]}>
                <InputGroup id={`env-secret-${s.key}-name`} value={s.name} onValueChange={(v) => setSecret(i, { name: v })} intent={intent(`secrets.${i}.name`)} placeholder="DB_PASSWORD" className="apollo-mono-input" />
              </FormGroup>
              <FormGroup label={i === 0 ? 'Secrets Manager secret' : undefined} labelFor={`env-secret-${s.key}-secretId`} intent={intent(`secrets.${i}.secretId`)} helperText={errors[`secrets.${i}.secretId`]}>
                <InputGroup id={`env-secret-${s.key}-secretId`} value={s.secretId} onValueChange={(v) => setSecret(i, { secretId: v })} intent={intent(`secrets.${i}.secretId`)} placeholder="name or ARN" className="apollo-mono-input" />
              </FormGroup>
              <FormGroup label={i === 0 ? 'JSON key' : undefined} labelFor={`env-secret-${s.key}-jsonKey`} intent={intent(`secrets.${i}.jsonKey`)} helperText={errors[`secrets.${i}.jsonKey`]}>
                <InputGroup id={`env-secret-${s.key}-jsonKey`} value={s.jsonKey} onValueChange={(v) => setSecret(i, { jsonKey: v })} intent={intent(`secrets.${i}.jsonKey`)} placeholder="optional" className="apollo-mono-input" />
              </FormGroup>
              <FormGroup label={i === 0 ? '\u00a0' : undefined}>
                <Button icon="cross" variant="minimal" aria-label={`Remove ${s.name || 'this secret'}`} onClick={() => removeSecret(i)} />
              </FormGroup>
            </div>
          ))}
          <Button icon="add" text="Add secret" variant="outlined" onClick={addSecret} data-testid="add-secret" />
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" text={creating ? 'Add environment' : 'Save'} loading={save.isPending} /></>} />
      </form>
    </Dialog>
  );
}

export function DeleteEnvironmentAlert({ service, environment, isOpen, onClose }: { service: Service; environment: Environment; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const del = useMutation({
    mutationFn: () => api.request('DELETE /api/v1/services/{id}/environments/{env}', { params: { id: service.id, env: environment.name } }),
    onSuccess: () => toast({ intent: 'success', icon: 'trash', message: `${environment.name} removed from ${service.displayName}` }),
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Not removed: ${(error as Error).message}` }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['services'] });
      onClose();
    },
  });
  return (
    <Alert isOpen={isOpen} intent="danger" icon="trash" confirmButtonText="Remove" cancelButtonText="Cancel" loading={del.isPending} onConfirm={() => del.mutate()} onCancel={onClose}>
      <p>Remove <strong>{environment.name}</strong> ({environment.cluster}/{environment.namespace}) from <strong>{service.displayName}</strong>?</p>
      <p>Apollo stops checking its health and forgets its endpoints, resources and secrets; nothing changes in the cluster. This is recorded in the audit log.</p>
    </Alert>
  );
}

/** "Add environment": the button and its dialog. */
export function AddEnvironmentButton({ service }: { service: Service }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button icon="add" text="Add environment" variant="outlined" onClick={() => setOpen(true)} data-testid="add-environment" />
      {open && <EnvironmentDialog service={service} environment={null} onClose={() => setOpen(false)} />}
    </>
  );
}

/** An environment's Edit and Remove buttons with their dialogs. */
export function EnvironmentActions({ service, environment }: { service: Service; environment: Environment }) {
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  return (
    <span className="apollo-runbook-actions">
      <Button size="small" variant="minimal" icon="edit" aria-label={`Edit ${environment.name}`} onClick={() => setEditing(true)} data-testid="edit-environment" />
      <Button size="small" variant="minimal" icon="trash" intent="danger" aria-label={`Remove ${environment.name}`} onClick={() => setDeleting(true)} data-testid="delete-environment" />
      {editing && <EnvironmentDialog service={service} environment={environment} onClose={() => setEditing(false)} />}
      <DeleteEnvironmentAlert service={service} environment={environment} isOpen={deleting} onClose={() => setDeleting(false)} />
    </span>
  );
}
