/** Register and edit a service (one dialog), and deregister one: field-level messages, If-Match, 412 explained. */
import { Alert, Button, Callout, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, InputGroup, TagInput, TextArea } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../../../shared/api-client.ts';
import { isRole, roleHas } from '../../../../shared/permissions.ts';
import type { Service, ServiceCreate, ServiceUpdate } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { useMe, useTeams } from '../../lib/queries.ts';
import { navigate } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { SERVICE_FIELDS, validateService, type Field, type Values } from './service-rules.ts';

const displayNameOf = (name: string) => name.split('-').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');

export function ServiceDialog({ service: current, onClose }: { service: Service | null; onClose(): void }) {
  // The service as it was when the dialog opened: its version is what If-Match promises. A refetch meanwhile
  // (a live health change, someone's edit) must not quietly move the edit onto a newer version.
  const [service] = useState(current);
  const { api } = useServices();
  const client = useQueryClient();
  const me = useMe();
  const teams = useTeams();
  const creating = service === null;
  const [values, setValues] = useState<Values>(() => ({
    name: service?.name ?? '', displayName: service?.displayName ?? '', description: service?.description ?? '', repository: service?.repository ?? '',
    team: service?.team ?? me.data?.teams[0]?.id ?? '', tier: service?.tier ?? 'standard', language: service?.language ?? '', framework: service?.framework ?? '', tags: [...(service?.tags ?? [])],
  }));
  const [nameTouched, setNameTouched] = useState(false);
  const form = useFieldErrors();
  const owned = new Set(Object.keys(service?.manifest?.fields ?? {}));
  const save = useMutation({
    mutationFn: async () => {
      const common = {
        displayName: values.displayName.trim(), description: values.description, repository: values.repository.trim(), team: values.team,
        tier: values.tier as Service['tier'], language: values.language.trim(), framework: values.framework.trim(), tags: values.tags,
      };
      if (creating) {
        const body: ServiceCreate = { name: values.name, ...common };
        return api.read('POST /api/v1/services', { body });
      }
      // Only what changed, so a manifest-owned field left alone never turns into drift.
      const body: ServiceUpdate = {};
      for (const [k, v] of Object.entries(common) as [keyof typeof common, unknown][]) {
        if (JSON.stringify(v) !== JSON.stringify(service[k])) (body as Record<string, unknown>)[k] = v;
      }
      if (Object.keys(body).length === 0) return service;
      return api.read('PUT /api/v1/services/{id}', { params: { id: service.id }, body, ifMatch: service.version });
    },
    onSuccess: (saved) => {
      toast({ intent: 'success', icon: 'tick', message: creating ? `${saved.displayName} registered` : `${saved.displayName} saved` });
      client.setQueryData(['services', 'one', saved.id], saved);
      void client.invalidateQueries({ queryKey: ['services'] });
      onClose();
      if (creating) navigate(`/catalog/${encodeURIComponent(saved.id)}`);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        // Someone saved this service after it was opened here: show theirs rather than overwrite it.
        void client.invalidateQueries({ queryKey: ['services'] });
        form.fromApi(new ApiError(412, error.code, 'Someone changed this service since you opened it. Close this dialog to see their version, then edit again.', [], error.requestId), SERVICE_FIELDS);
      } else if (creating && error instanceof ApiError && error.status === 409) {
        // The name is taken (a service, or a deregistered one's tombstone): say so on the name.
        form.setLocal({ name: `${error.message}. Choose another name.` });
      } else {
        form.fromApi(error, SERVICE_FIELDS);
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.setLocal(validateService(values, creating))) save.mutate();
  };
  const set = <K extends Field>(name: K) => (value: Values[K]) => {
    setValues((v) => {
      const next = { ...v, [name]: value };
      // A new service's display name follows its name until the person writes their own.
      if (name === 'name' && creating && !nameTouched) next.displayName = displayNameOf(value as string);
      return next;
    });
    if (name === 'displayName') setNameTouched(true);
    form.clear(name);
  };
  const intent = (name: Field) => (form.errors[name] ? 'danger' : 'none');
  const field = (name: Field, label: string, helper: string, input: ReactNode, required = false) => (
    <FormGroup label={label} labelFor={`svc-${name}`} intent={intent(name)} labelInfo={required ? '(required)' : owned.has(name) ? '(apollo.yaml)' : undefined}
      helperText={form.errors[name] ?? helper}>
      {input}
    </FormGroup>
  );
  // Without catalog:manage a developer registers and moves services only within their own teams.
  const role = me.data && isRole(me.data.role) ? me.data.role : undefined;
  const mine = new Set((me.data?.teams ?? []).map((t) => t.id));
  const teamIds = (teams.data?.pages.flatMap((p) => p.items) ?? [])
    .filter((t) => roleHas(role, 'catalog:manage') || mine.has(t.id) || t.id === service?.team)
    .map((t) => ({ value: t.id, label: `${t.name} (${t.id})` }));
  if (values.team && !teamIds.some((t) => t.value === values.team)) teamIds.unshift({ value: values.team, label: values.team });
  return (
    <Dialog isOpen onClose={onClose} title={creating ? 'Register a service' : `Edit ${service.displayName}`} icon={creating ? 'add' : 'edit'} className="apollo-dialog apollo-service-dialog">
      <form onSubmit={submit} noValidate data-testid="service-form">
        <DialogBody>
          {form.formError !== null && <div className="apollo-form-error"><ErrorState compact error={form.formError} /></div>}
          {!creating && service.source === 'manifest' && (
            <Callout intent="primary" icon="git-repo" compact className="apollo-form-error">
              Discovered from <strong>{service.manifest?.path ?? 'apollo.yaml'}</strong>. Fields marked (apollo.yaml) are owned by the manifest: a change here is kept and shown as drift until the manifest agrees, so prefer editing the manifest.
            </Callout>
          )}
          <div className="apollo-form-row">
            {field('name', 'Name', creating ? 'The id in URLs and manifests, e.g. core-service. It cannot change later.' : 'Names never change.',
              <InputGroup id="svc-name" value={values.name} onValueChange={set('name')} disabled={!creating} intent={intent('name')} autoFocus={creating} className="apollo-mono-input" />, creating)}
            {field('displayName', 'Display name', 'Shown to people.', <InputGroup id="svc-displayName" value={values.displayName} onValueChange={set('displayName')} intent={intent('displayName')} autoFocus={!creating} />, true)}
          </div>
          {field('description', 'Description', 'What it does and for whom.', <TextArea id="svc-description" value={values.description} onChange={(e) => set('description')(e.currentTarget.value)} intent={intent('description')} fill rows={3} />)}
          {field('repository', 'Repository', 'https://github.com/org/repo', <InputGroup id="svc-repository" value={values.repository} onValueChange={set('repository')} intent={intent('repository')} leftIcon="git-repo" placeholder="https://github.com/…" />)}
          <div className="apollo-form-row">
            {field('team', 'Owning team', 'Developers register services for their own teams.',
              <HTMLSelect id="svc-team" value={values.team} onChange={(e) => set('team')(e.currentTarget.value)} options={[{ value: '', label: 'Choose a team' }, ...teamIds]} fill />, true)}
            {field('tier', 'Tier', 'Critical services page people.',
              <HTMLSelect id="svc-tier" value={values.tier} onChange={(e) => set('tier')(e.currentTarget.value)} options={['critical', 'standard', 'experimental']} fill />)}
          </div>
          <div className="apollo-form-row">
            {field('language', 'Language', 'e.g. java, typescript', <InputGroup id="svc-language" value={values.language} onValueChange={set('language')} intent={intent('language')} />)}
            {field('framework', 'Framework', 'e.g. spring-boot, react', <InputGroup id="svc-framework" value={values.framework} onValueChange={set('framework')} intent={intent('framework')} />)}
          </div>
          {field('tags', 'Tags', 'Press Enter or comma after each tag.',
            <TagInput inputProps={{ id: 'svc-tags' }} values={values.tags} addOnBlur intent={intent('tags')} leftIcon="tag"
              onChange={(tags) => set('tags')((tags as string[]).map((t) => t.trim().toLowerCase()).filter((t, i, all) => t && all.indexOf(t) === i))} />)}
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" text={creating ? 'Register' : 'Save'} loading={save.isPending} /></>} />
      </form>
    </Dialog>
  );
}

export function DeregisterAlert({ service, isOpen, onClose }: { service: Service; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const del = useMutation({
    mutationFn: () => api.request('DELETE /api/v1/services/{id}', { params: { id: service.id }, ifMatch: service.version }),
    onSuccess: () => {
      toast({ intent: 'success', icon: 'disable', message: `${service.displayName} deregistered; its name still resolves in history` });
      // A cached list still holds it: drop lists rather than show it again while they reload.
      client.removeQueries({ queryKey: ['services', 'list'] });
      void client.invalidateQueries({ queryKey: ['services'] });
      navigate('/catalog');
    },
    onError: (error) => {
      const changed = error instanceof ApiError && error.status === 412;
      if (changed) void client.invalidateQueries({ queryKey: ['services', 'one', service.id] });
      toast({ intent: 'danger', icon: 'error', message: changed ? 'Not deregistered: someone changed this service since the page loaded. Check their change, then try again.' : `Not deregistered: ${(error as Error).message}` });
    },
    onSettled: onClose,
  });
  return (
    <Alert isOpen={isOpen} intent="danger" icon="disable" confirmButtonText="Deregister" cancelButtonText="Cancel" loading={del.isPending} onConfirm={() => del.mutate()} onCancel={onClose}>
      <p>Deregister <strong>{service.displayName}</strong> (<code>{service.id}</code>)?</p>
      <p>It leaves the catalog list; its history (deployments, incidents, audit) still shows its name, and the name stays reserved for {service.team}. This is recorded in the audit log.</p>
    </Alert>
  );
}
