/**
 * A service page's "Canary analysis" card: the thresholds in force for its deployments (the installation's defaults
 * with the service's overrides, each override marked), where the numbers come from, and — for deployments:policy
 * (operators and admins) — an edit dialog (empty fields keep the default) and "Reset to defaults".
 * GET/PUT/DELETE /api/v1/services/{id}/canary.
 */
import {
  Button, Callout, Classes, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, InputGroup, Section, SectionCard, Switch, Tag, Tooltip,
} from '@blueprintjs/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { CanarySettings } from '../../../../schemas/types.gen.ts';
import { ROLES, roleHas } from '../../../../shared/permissions.ts';
import { requiredPermission, ROUTES } from '../../../../shared/routes.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useMe } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { canaryFormOf, checkCanaryForm, formatMs, formatRate, onFailureText, overriddenKeys, type CanaryFormErrors, type CanaryFormValues } from './canary-rules.ts';
import './canary.css';

export const canarySettingsKey = (service: string) => ['deployments', 'canary-settings', service] as const;

/** Whether the caller may change a service's canary settings (the route table's permission for PUT), with why not. */
function useSettingsAllowance(): { allowed: boolean; why: string; known: boolean } {
  const me = useMe();
  const route = ROUTES.find((r) => r.method === 'PUT' && r.path === '/api/v1/services/{id}/canary');
  if (!route?.permission) throw new Error('the canary settings route is not in the route table');
  const needs = requiredPermission(route.permission, { pathParameters: {}, query: {}, body: {} });
  if (!me.data) return { allowed: false, why: '', known: false };
  if (me.data.permissions.includes(needs)) return { allowed: true, why: '', known: true };
  const roles = ROLES.filter((r) => roleHas(r, needs));
  return { allowed: false, known: true, why: `Changing them needs ${needs}; your role ${me.data.role} does not have it${roles.length ? ` (${roles.join(' and ')} do)` : ''}.` };
}

function Overridden({ on }: { on: boolean }) {
  return on
    ? <Tag minimal intent="primary" className="apollo-canary-override" data-testid="canary-override">override</Tag>
    : <span className={`${Classes.TEXT_MUTED} apollo-small`}> · default</span>;
}

function Field({ label, override, children, testId }: { label: string; override: boolean; children: ReactNode; testId: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId} data-override={override}>{children}<Overridden on={override} /></dd>
    </>
  );
}

function SettingsDialog({ settings, isOpen, onClose }: { settings: CanarySettings; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [values, setValues] = useState<CanaryFormValues>(() => canaryFormOf(settings));
  const [errors, setErrors] = useState<CanaryFormErrors>({});
  const defaultsEnabled = settings.overrides.enabled === undefined ? settings.enabled : true;
  const save = useMutation({
    mutationFn: (body: NonNullable<ReturnType<typeof checkCanaryForm>['body']>) => api.read('PUT /api/v1/services/{id}/canary', { params: { id: settings.service }, body }),
    onSuccess: (answer) => {
      client.setQueryData(canarySettingsKey(settings.service), answer);
      toast({ intent: 'success', icon: 'predictive-analysis', message: `Canary analysis of ${settings.service} saved: the next deployment uses it` });
      close();
    },
  });
  function close() { setErrors({}); save.reset(); onClose(); }
  const set = <K extends keyof CanaryFormValues>(key: K, value: CanaryFormValues[K]) => { setValues((v) => ({ ...v, [key]: value })); setErrors((e) => ({ ...e, [key]: undefined })); };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkCanaryForm(values, { enabled: defaultsEnabled, config: settings.defaults });
    setErrors(checked.errors);
    if (checked.body) save.mutate(checked.body);
  };
  const d = settings.defaults;
  const number = (key: 'intervalSeconds' | 'iterations' | 'threshold' | 'successPercent' | 'maxP99Ms', label: string, placeholder: string, help: string) => (
    <FormGroup label={label} labelFor={`canary-${key}`} intent={errors[key] ? 'danger' : 'none'} helperText={errors[key] ?? help}>
      <InputGroup id={`canary-${key}`} inputMode="decimal" value={values[key]} placeholder={placeholder} data-testid={`canary-field-${key}`}
        intent={errors[key] ? 'danger' : 'none'} onValueChange={(v) => set(key, v)} />
    </FormGroup>
  );
  return (
    <Dialog isOpen={isOpen} onClose={close} title={`Canary analysis of ${settings.service}`} icon="predictive-analysis" className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="canary-settings-form">
        <DialogBody>
          <p className={Classes.TEXT_MUTED}>Empty fields keep the installation's default (shown greyed). The next deployment uses what you save; one under way keeps its own.</p>
          {save.isError && <div className="apollo-form-error"><ErrorState compact error={save.error} /></div>}
          <Switch checked={values.enabled} label="Analyse this service's deployments" onChange={(e) => set('enabled', e.currentTarget.checked)} data-testid="canary-field-enabled" />
          <div className="apollo-deploy-fields">
            {number('intervalSeconds', 'Seconds between checks', String(d.intervalSeconds), '1 to 3600.')}
            {number('iterations', 'Checks', String(d.iterations), 'Passing them all promotes it.')}
            {number('threshold', 'Failed checks that end it', String(d.threshold), 'At most the number of checks.')}
            {number('successPercent', 'Success rate (%)', String(Number((d.minSuccessRate * 100).toFixed(4))), '99: at most 1 % errors.')}
            {number('maxP99Ms', 'p99 latency at most (ms)', String(d.maxP99Ms), '1 to 600000.')}
            <FormGroup label="On failure" labelFor="canary-onFailure" helperText="What a failed canary does.">
              <HTMLSelect id="canary-onFailure" fill value={values.onFailure} data-testid="canary-field-onFailure"
                onChange={(e) => set('onFailure', e.currentTarget.value as CanaryFormValues['onFailure'])}
                options={[
                  { value: '', label: `Default (${d.onFailure === 'pause' ? 'pause' : 'roll back'})` },
                  { value: 'rollback', label: 'Roll it back' },
                  { value: 'pause', label: 'Pause it for a human' },
                ]} />
            </FormGroup>
          </div>
          <p className={`${Classes.TEXT_MUTED} apollo-small`}>A check is held to these thresholds, or to 25 % above the version before when that one was already past them.</p>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={close} /><Button type="submit" intent="primary" icon="floppy-disk" text="Save" loading={save.isPending} data-testid="canary-settings-save" /></>} />
      </form>
    </Dialog>
  );
}

export function CanarySettingsCard({ serviceId }: { serviceId: string }) {
  const { api } = useServices();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: canarySettingsKey(serviceId), queryFn: () => api.read('GET /api/v1/services/{id}/canary', { params: { id: serviceId } }), retry: false });
  const may = useSettingsAllowance();
  const [editing, setEditing] = useState(false);
  const reset = useMutation({
    mutationFn: () => api.request('DELETE /api/v1/services/{id}/canary', { params: { id: serviceId } }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: canarySettingsKey(serviceId) });
      toast({ intent: 'success', icon: 'reset', message: `Canary analysis of ${serviceId} is back to the defaults` });
    },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Could not reset: ${error instanceof Error ? error.message : String(error)}` }),
  });
  // Readers without deployments:read see nothing of it (403): the card is for those who deploy.
  if (settings.isError && (settings.error as { status?: number }).status === 403) return null;
  const s = settings.data;
  const over = s ? overriddenKeys(s.overrides) : new Set<string>();
  const button = (node: ReactNode) => (may.allowed ? node : may.known ? <Tooltip content={may.why}>{node}</Tooltip> : null);
  return (
    <div className="apollo-section-gap">
      <Section title="Canary analysis" icon="predictive-analysis" className="apollo-section" data-testid="canary-settings" data-overrides={over.size}
        subtitle="After each healthy rollout, the new version's error rate and p99 are checked against these thresholds and the version before."
        rightElement={s && (
          <span className="apollo-canary-buttons" style={{ margin: 0 }}>
            {over.size > 0 && button(<Button size="small" variant="outlined" icon="reset" text="Reset to defaults" disabled={!may.allowed} loading={reset.isPending}
              onClick={() => reset.mutate()} data-testid="canary-settings-reset" data-allowed={may.allowed} />)}
            {button(<Button size="small" variant="outlined" icon="edit" text="Edit" disabled={!may.allowed} onClick={() => setEditing(true)} data-testid="canary-settings-edit" data-allowed={may.allowed} />)}
          </span>
        )}>
        <SectionCard>
          {settings.isPending && <div className={Classes.SKELETON} style={{ height: 80 }} />}
          {settings.isError && <ErrorState compact error={settings.error} onRetry={() => void settings.refetch()} />}
          {s && (
            <>
              {!s.enabled && <Callout compact intent="warning" icon="disable" data-testid="canary-settings-off" style={{ marginBottom: 8 }}>Off for this service: its deployments finish without analysis.</Callout>}
              {s.metrics === null || s.metrics === undefined
                ? <Callout compact icon="info-sign" style={{ marginBottom: 8 }} data-testid="canary-settings-no-metrics">No metrics source is configured (APOLLO_METRICS): deployments finish without analysis.</Callout>
                : null}
              <dl className="apollo-facts apollo-canary-facts">
                <Field label="Error rate" override={over.has('minSuccessRate')} testId="canary-setting-error-rate">at most {formatRate(1 - s.config.minSuccessRate)} <span className={Classes.TEXT_MUTED}>(success ≥ {formatRate(s.config.minSuccessRate)})</span></Field>
                <Field label="p99 latency" override={over.has('maxP99Ms')} testId="canary-setting-p99">at most {formatMs(s.config.maxP99Ms)}</Field>
                <Field label="Checks" override={over.has('iterations') || over.has('intervalSeconds')} testId="canary-setting-checks">{s.config.iterations} every {s.config.intervalSeconds} s</Field>
                <Field label="On failure" override={over.has('threshold') || over.has('onFailure')} testId="canary-setting-on-failure">{s.config.threshold} failed {onFailureText(s.config.onFailure)}</Field>
                {over.has('enabled') && <Field label="Analysis" override testId="canary-setting-enabled">{s.enabled ? 'on' : 'off'}</Field>}
                <dt>Numbers from</dt><dd data-testid="canary-setting-metrics">{s.metrics ?? <span className={Classes.TEXT_MUTED}>none</span>}</dd>
              </dl>
            </>
          )}
        </SectionCard>
      </Section>
      {s && editing && <SettingsDialog settings={s} isOpen={editing} onClose={() => setEditing(false)} />}
    </div>
  );
}
