/**
 * The Deploy Center's deployment windows, per environment: when deploys and promotes may run (the summary, open or
 * closed now with when it closes or opens in the window's time zone), "Set a window" / "Edit" (a dialog: the days, start
 * and end times, more sets of hours, the time zone, the browser's by default) and "Remove" for people with
 * deployments:govern (admins), disabled with the reason for the rest. Live from `deployments` (`window.changed`).
 */
import {
  Button, Checkbox, Classes, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Section, SectionCard, Tag,
  Tooltip,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent, type ReactElement } from 'react';
import type { DeploymentWindow } from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { ErrorState, isForbidden } from '../../components/error-state.tsx';
import { splitDetails } from '../../components/field-errors.ts';
import { LiveBadge } from '../../components/live-badge.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { PREFLIGHT_KEY, useServiceChoices } from './deployment-queries.ts';
import { sortEnvironments } from './deployment-rules.ts';
import { useLiveSafeguards, useWindows, WINDOWS_KEY } from './safeguard-queries.ts';
import {
  browserTimeZone, checkWindow, governAllowance, NEW_SLOT, timeZoneChoices, WINDOW_DAY_LABEL, WINDOW_DAYS, windowBodyOf, windowFieldOf, windowNowText,
  windowValuesOf, type SlotValues, type WindowErrors, type WindowValues,
} from './safeguard-rules.ts';
import './safeguards.css';

function WindowDialog({ environment, window, environments, onClose }: {
  /** The environment edited; '' for a new window (the dialog asks which). */
  environment: string;
  window: DeploymentWindow | undefined;
  /** The environments a new window may be for (those without one). */
  environments: readonly string[];
  onClose(): void;
}) {
  const { api } = useServices();
  const client = useQueryClient();
  const [values, setValues] = useState<WindowValues>(() => windowValuesOf(environment, window, browserTimeZone()));
  const [errors, setErrors] = useState<WindowErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  /** The API's problems no field shows, as "path: message". */
  const [problems, setProblems] = useState<string[]>([]);
  const zones = useMemo(() => timeZoneChoices([values.timezone]), [values.timezone]);
  const save = useMutation({
    mutationFn: () => api.read('PUT /api/v1/deployments/windows/{env}', { params: { env: values.environment }, body: windowBodyOf(values) }),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: WINDOWS_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      toast({ intent: 'primary', icon: 'time', message: `${saved.environment}: deploys and promotes run ${saved.summary} (${windowNowText(saved).replace(/^\w/, (c) => c.toLowerCase())})` });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && !isForbidden(error) && error.details.length) {
        const { fields, rest } = splitDetails(error.details, windowFieldOf);
        setErrors(fields);
        setFormError(rest.length || Object.keys(fields).length === 0 ? error : null);
        setProblems(rest);
        return;
      }
      setFormError(error);
      setProblems([]);
    },
  });
  const set = (change: Partial<WindowValues>, cleared: string[] = Object.keys(change)) => {
    setValues((v) => ({ ...v, ...change }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !cleared.some((c) => k === c || k.startsWith(`${c}.`)))));
    setFormError(null);
  };
  const setSlot = (i: number, change: Partial<SlotValues>) =>
    set({ slots: values.slots.map((s, j) => (j === i ? { ...s, ...change } : s)) }, Object.keys(change).map((k) => `slots.${i}.${k}`).concat('slots'));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkWindow(values, zones);
    setErrors(found);
    if (Object.keys(found).length === 0) save.mutate();
  };
  const field = (name: string) => ({ intent: errors[name] ? 'danger' as const : 'none' as const, helperText: errors[name] });
  return (
    <Dialog isOpen onClose={onClose} title={environment ? `Deployment window for ${environment}` : 'Set a deployment window'} icon="time" className="apollo-dialog apollo-window-dialog">
      <form onSubmit={submit} noValidate data-testid="window-form">
        <DialogBody>
          <p>Deploys and promotes to every service's <strong>{values.environment || 'environment'}</strong> run only in these hours. Outside them a deploy is refused, or queued until the window opens (the asker chooses); an admin may override it with a reason. Rollback, scale and restart run at any time.</p>
          {formError !== null && (
            <div className="apollo-form-error" data-testid="window-error">
              <ErrorState compact error={formError} />
              {problems.length > 0 && <ul className="apollo-safeguard-problems">{problems.map((line) => <li key={line} className="apollo-mono apollo-small">{line}</li>)}</ul>}
            </div>
          )}
          {!environment && (
            <FormGroup label="Environment" labelFor="window-environment" {...field('environment')}>
              <HTMLSelect id="window-environment" fill value={values.environment} onChange={(e) => set({ environment: e.currentTarget.value })} data-testid="window-environment"
                options={[{ value: '', label: environments.length ? 'Pick an environment' : 'Every environment has a window' }, ...environments.map((e) => ({ value: e, label: e }))]} />
            </FormGroup>
          )}
          {values.slots.map((slot, i) => (
            <fieldset key={i} className="apollo-window-slot" data-testid="window-slot" data-index={i}>
              <legend className="apollo-small">{values.slots.length > 1 ? `Hours ${i + 1}` : 'Hours'}</legend>
              <FormGroup label="Days" {...field(`slots.${i}.days`)}>
                <div className="apollo-safeguard-checkboxes">
                  {WINDOW_DAYS.map((day) => (
                    <Checkbox key={day} inline label={WINDOW_DAY_LABEL[day]} checked={slot.days.includes(day)} data-testid="window-day" data-day={day}
                      onChange={(e) => setSlot(i, { days: e.currentTarget.checked ? [...slot.days, day] : slot.days.filter((d) => d !== day) })} />
                  ))}
                </div>
              </FormGroup>
              <div className="apollo-safeguard-times">
                <FormGroup label="From" labelFor={`window-start-${i}`} {...field(`slots.${i}.start`)}>
                  <InputGroup id={`window-start-${i}`} type="time" value={slot.start} onValueChange={(start) => setSlot(i, { start })} data-testid="window-start" />
                </FormGroup>
                <FormGroup label="Until" labelFor={`window-end-${i}`} {...field(`slots.${i}.end`)} helperText={errors[`slots.${i}.end`] ?? 'Before the start: past midnight.'}>
                  <InputGroup id={`window-end-${i}`} type="time" value={slot.end} onValueChange={(end) => setSlot(i, { end })} data-testid="window-end" />
                </FormGroup>
                {values.slots.length > 1 && (
                  <Button variant="minimal" icon="trash" aria-label={`Remove hours ${i + 1}`} className="apollo-window-slot-remove"
                    onClick={() => set({ slots: values.slots.filter((_, j) => j !== i) }, ['slots'])} />
                )}
              </div>
            </fieldset>
          ))}
          {errors.slots && <p className={`${Classes.INTENT_DANGER} apollo-small`}>{errors.slots}</p>}
          {values.slots.length < 14 && (
            <Button variant="minimal" icon="add" text="More hours (other days)" onClick={() => set({ slots: [...values.slots, NEW_SLOT] }, ['slots'])} data-testid="window-add-slot" />
          )}
          <FormGroup label="Time zone" labelFor="window-timezone" {...field('timezone')} helperText={errors.timezone ?? `The window's clock${values.timezone === browserTimeZone() ? ' (yours)' : `; yours is ${browserTimeZone()}`}.`}>
            <HTMLSelect id="window-timezone" fill value={values.timezone} onChange={(e) => set({ timezone: e.currentTarget.value })} data-testid="window-timezone"
              options={zones.map((z) => ({ value: z, label: z }))} />
          </FormGroup>
          <FormGroup label="Description" labelFor="window-description" labelInfo="(optional)" {...field('description')}>
            <InputGroup id="window-description" maxLength={500} value={values.description} onValueChange={(description) => set({ description })} placeholder="Production: office hours, not on Fridays"
              data-testid="window-description" />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" icon="time" text="Save the window" loading={save.isPending} data-testid="window-confirm" /></>} />
      </form>
    </Dialog>
  );
}

/** Removes an environment's window; the windows and the safeguards' answers are read again. */
function useRemoveWindow() {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (environment: string) => api.request('DELETE /api/v1/deployments/windows/{env}', { params: { env: environment } }),
    onSuccess: (_answer, environment) => {
      void client.invalidateQueries({ queryKey: WINDOWS_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      toast({ intent: 'success', icon: 'tick', message: `${environment} has no deployment window now: deploys run at any time` });
    },
    onError: (error, environment) => {
      toast({ intent: 'danger', icon: 'error', message: `Could not remove ${environment}'s window: ${error instanceof Error ? error.message : String(error)}` });
    },
  });
}

export function WindowsPanel() {
  const windows = useWindows();
  const { live } = useLiveSafeguards();
  const me = useMe();
  const choices = useServiceChoices();
  const remove = useRemoveWindow();
  const [editing, setEditing] = useState<{ environment: string } | null>(null);
  const may = governAllowance(me.data);
  const items = windows.data?.items ?? [];
  const byEnvironment = new Map(items.map((w) => [w.environment, w]));
  const environments = sortEnvironments([...new Set([...(choices.data ?? []).flatMap((s) => s.environments.map((e) => e.name)), ...byEnvironment.keys()])]);
  const withoutWindow = environments.filter((e) => !byEnvironment.has(e));
  const guarded = (button: ReactElement) => (me.data ? (may.allowed ? button : <Tooltip content={may.why}>{button}</Tooltip>) : null);
  return (
    <Section title="Deployment windows" icon="time" className="apollo-section apollo-safeguard-section" data-testid="windows-panel" data-count={items.length}
      subtitle="When deploys and promotes to an environment may run; outside, a deploy is refused or queued until it opens."
      rightElement={(
        <>
          {guarded(<Button size="small" variant="outlined" icon="add" text="Set a window" disabled={!may.allowed} onClick={() => setEditing({ environment: '' })} data-testid="window-new" data-allowed={may.allowed} />)}
          <LiveBadge live={live} tip={live ? 'Windows show as they are set and removed' : 'Not receiving live updates right now; read every minute'} />
        </>
      )}>
      <SectionCard padded={false}>
        {windows.isError && <ErrorState compact error={windows.error} onRetry={() => void windows.refetch()} />}
        {windows.isPending && <div className={Classes.SKELETON} style={{ height: 48, margin: 12 }} />}
        {windows.data && environments.length === 0 && (
          <div data-testid="windows-empty">
            <NonIdealState icon="time" title="No deployment windows" className="apollo-empty apollo-safeguard-empty" description="Deploys run at any time." />
          </div>
        )}
        {windows.data && environments.length > 0 && (
          <HTMLTable compact className="apollo-table" data-testid="windows-table">
            <thead><tr><th>Environment</th><th>Window</th><th>Now</th><th>Set by</th><th aria-label="Actions" /></tr></thead>
            <tbody>
              {environments.map((name) => {
                const w = byEnvironment.get(name);
                return (
                  <tr key={name} data-testid="window-row" data-environment={name} data-has-window={w !== undefined} data-open={w ? w.open : true}>
                    <td className="apollo-cell-strong">{name}</td>
                    <td data-testid="window-summary">
                      {w ? <>{w.summary}{w.description && <div className={`${Classes.TEXT_MUTED} apollo-small apollo-break`}>{w.description}</div>}</> : <span className={Classes.TEXT_MUTED}>No window: any time</span>}
                    </td>
                    <td data-testid="window-now">
                      {w
                        ? <><Tag minimal round intent={w.open ? 'success' : 'warning'} data-testid="window-state">{w.open ? 'open' : 'closed'}</Tag> <span className="apollo-small" title={formatTime((w.open ? w.closesAt : w.opensAt) ?? undefined)}>{windowNowText(w)}</span></>
                        : <Tag minimal round intent="success">open</Tag>}
                    </td>
                    <td className="apollo-small">{w ? <>{w.updatedBy}<div className={Classes.TEXT_MUTED} title={formatTime(w.updatedAt)}>{formatAgo(w.updatedAt)}</div></> : null}</td>
                    <td className="apollo-nowrap apollo-window-actions">
                      {guarded(<Button size="small" variant="outlined" icon={w ? 'edit' : 'add'} text={w ? 'Edit' : 'Set'} disabled={!may.allowed} onClick={() => setEditing({ environment: name })}
                        data-testid="window-edit" data-allowed={may.allowed} />)}
                      {w && guarded(<Button size="small" variant="outlined" icon="trash" text="Remove" disabled={!may.allowed || remove.isPending} onClick={() => remove.mutate(name)}
                        data-testid="window-remove" data-allowed={may.allowed} />)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </HTMLTable>
        )}
      </SectionCard>
      {editing && (
        <WindowDialog key={editing.environment} environment={editing.environment} window={byEnvironment.get(editing.environment)} environments={withoutWindow} onClose={() => setEditing(null)} />
      )}
    </Section>
  );
}
