/**
 * "Declare incident" (POST /api/v1/incidents, incidents:manage): a title, a severity, the affected services (picked
 * from the catalog) and their environments (prod unless said), the alert it is about (matches a runbook) and a
 * description. The API's 400 details land on their fields; a critical one says it locks the environments for deploys.
 */
import { Button, Callout, Checkbox, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, InputGroup, Tag, TextArea } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { IncidentCreate } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { navigate } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { sortEnvironments } from '../deployments/deployment-rules.ts';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { INCIDENTS_KEY } from './incident-queries.ts';
import { SEVERITIES, type Severity } from './incident-rules.ts';

const FIELDS = ['title', 'severity', 'affectedServices', 'affectedEnvironments', 'alertName', 'description'];
const ALERT = /^[A-Za-z0-9_.:-]{1,128}$/;

export function DeclareIncidentDialog({ isOpen, onClose, service }: { isOpen: boolean; onClose(): void; service?: string | undefined }) {
  const { api } = useServices();
  const client = useQueryClient();
  const choices = useServiceChoices();
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<Severity>('high');
  const [services, setServices] = useState<string[]>(service ? [service] : []);
  const [environments, setEnvironments] = useState<string[]>(['prod']);
  const [alertName, setAlertName] = useState('');
  const [description, setDescription] = useState('');
  const form = useFieldErrors();
  const available = sortEnvironments([...new Set((choices.data ?? []).filter((s) => services.includes(s.id)).flatMap((s) => s.environments.map((e) => e.name)))]);
  const shownEnvironments = [...available, ...environments.filter((e) => !available.includes(e))];

  const declare = useMutation({
    mutationFn: (body: IncidentCreate) => api.read('POST /api/v1/incidents', { body }),
    onSuccess: (incident) => {
      void client.invalidateQueries({ queryKey: INCIDENTS_KEY });
      toast({ intent: 'danger', icon: 'warning-sign', message: `Incident declared: ${incident.title}` });
      close();
      navigate(`/incidents/${encodeURIComponent(incident.id)}`);
    },
    onError: (error) => form.fromApi(error, FIELDS),
  });

  function close() {
    setTitle(''); setSeverity('high'); setServices(service ? [service] : []); setEnvironments(['prod']); setAlertName(''); setDescription('');
    form.reset(); declare.reset(); onClose();
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (title.trim().length < 3) problems.title = 'Say what is wrong (at least 3 characters).';
    if (services.length === 0) problems.affectedServices = 'Pick the service that is affected.';
    if (alertName.trim() && !ALERT.test(alertName.trim())) problems.alertName = 'An alert name is letters, digits and _ . : - (HighErrorRate).';
    if (!form.setLocal(problems)) return;
    declare.mutate({
      title: title.trim(), severity, affectedServices: services as IncidentCreate['affectedServices'],
      ...(environments.length ? { affectedEnvironments: environments as NonNullable<IncidentCreate['affectedEnvironments']> } : {}),
      ...(alertName.trim() ? { alertName: alertName.trim() } : {}),
      ...(description.trim() ? { description: description.trim() } : {}),
    });
  };

  const toggleEnvironment = (name: string, on: boolean) => { setEnvironments((e) => (on ? [...e, name] : e.filter((x) => x !== name))); form.clear('affectedEnvironments'); };
  const addService = (id: string) => { if (id && !services.includes(id)) setServices([...services, id]); form.clear('affectedServices'); };
  const options = (choices.data ?? []).filter((s) => !services.includes(s.id)).map((s) => ({ value: s.id, label: s.displayName === s.id ? s.id : `${s.displayName} (${s.id})` }));

  return (
    <Dialog isOpen={isOpen} onClose={close} title="Declare an incident" icon="warning-sign" className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="declare-form">
        <DialogBody>
          {form.formError != null && <div className="apollo-form-error"><ErrorState compact error={form.formError} /></div>}
          <FormGroup label="Title" labelFor="declare-title" labelInfo="(required)" intent={form.errors.title ? 'danger' : 'none'} helperText={form.errors.title}>
            <InputGroup id="declare-title" value={title} maxLength={300} autoFocus placeholder="core-service: checkout errors after the 14:02 deploy"
              onValueChange={(v) => { setTitle(v); form.clear('title'); }} intent={form.errors.title ? 'danger' : 'none'} data-testid="declare-title" />
          </FormGroup>
          <FormGroup label="Severity" labelFor="declare-severity" intent={form.errors.severity ? 'danger' : 'none'} helperText={form.errors.severity}>
            <HTMLSelect id="declare-severity" fill value={severity} onChange={(e) => setSeverity(e.currentTarget.value as Severity)} options={SEVERITIES.map((s) => ({ value: s, label: s }))} data-testid="declare-severity" />
          </FormGroup>
          <FormGroup label="Affected services" labelFor="declare-service" labelInfo="(required)" intent={form.errors.affectedServices ? 'danger' : 'none'}
            helperText={form.errors.affectedServices ?? 'The first one\'s team is assigned.'}>
            <div className="apollo-incident-chips" data-testid="declare-services">
              {services.map((s) => (
                <Tag key={s} onRemove={() => setServices(services.filter((x) => x !== s))} data-testid="declare-service-chip" data-service={s}>{s}</Tag>
              ))}
            </div>
            <HTMLSelect id="declare-service" fill value="" onChange={(e) => addService(e.currentTarget.value)} disabled={choices.isPending} data-testid="declare-service-picker"
              options={[{ value: '', label: choices.isPending ? 'Loading services…' : services.length ? 'Add another service…' : 'Pick a service…' }, ...options]} />
          </FormGroup>
          <FormGroup label="Environments" intent={form.errors.affectedEnvironments ? 'danger' : 'none'} helperText={form.errors.affectedEnvironments ?? 'Where it happens.'}>
            <div className="apollo-incident-chips" data-testid="declare-environments">
              {shownEnvironments.map((e) => (
                <Checkbox key={e} inline label={e} checked={environments.includes(e)} onChange={(ev) => toggleEnvironment(e, ev.currentTarget.checked)} data-testid="declare-environment" data-environment={e} />
              ))}
              {shownEnvironments.length === 0 && <span className="bp6-text-muted">Pick a service first.</span>}
            </div>
          </FormGroup>
          <FormGroup label="Alert" labelFor="declare-alert" labelInfo="(optional)" intent={form.errors.alertName ? 'danger' : 'none'} helperText={form.errors.alertName ?? 'Its name picks the runbook (HighErrorRate).'}>
            <InputGroup id="declare-alert" value={alertName} maxLength={128} placeholder="HighErrorRate" onValueChange={(v) => { setAlertName(v); form.clear('alertName'); }} className="apollo-mono" data-testid="declare-alert" />
          </FormGroup>
          <FormGroup label="Description" labelFor="declare-description" labelInfo="(optional, Markdown)" intent={form.errors.description ? 'danger' : 'none'} helperText={form.errors.description}>
            <TextArea id="declare-description" fill rows={3} maxLength={10000} value={description} onChange={(e) => setDescription(e.currentTarget.value)} data-testid="declare-description" />
          </FormGroup>
          {severity === 'critical' && (
            <Callout intent="warning" icon="lock" compact data-testid="declare-critical-note">
              A critical incident locks its services&apos; environments for deploy and promote until it is resolved (rollback, scale and restart still run).
            </Callout>
          )}
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={close} /><Button type="submit" intent="danger" icon="warning-sign" text="Declare" loading={declare.isPending} data-testid="declare-submit" /></>} />
      </form>
    </Dialog>
  );
}
