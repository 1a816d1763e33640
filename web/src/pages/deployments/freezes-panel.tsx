/**
 * The Deploy Center's freezes ("stop the line"): upcoming, active and recently ended ones with their state, what they
 * freeze, the reason, who and until when; "Freeze deployments" (a dialog: org-wide or a team, the environments, the
 * reason, start and end) and "End now" for people with deployments:govern (admins), disabled with the reason for the
 * rest. Live from `deployments` (`freeze.changed`).
 */
import {
  Button, Checkbox, Classes, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Radio, RadioGroup, Section,
  SectionCard, Tag, TextArea, Tooltip,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import type { DeploymentFreeze } from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { ErrorState, isForbidden } from '../../components/error-state.tsx';
import { splitDetails } from '../../components/field-errors.ts';
import { LiveBadge } from '../../components/live-badge.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe, useTeams } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { PREFLIGHT_KEY, useServiceChoices } from './deployment-queries.ts';
import { sortEnvironments } from './deployment-rules.ts';
import { FREEZES_KEY, useFreezes, useLiveSafeguards } from './safeguard-queries.ts';
import {
  checkFreeze, FREEZE_STATE_INTENT, FREEZE_STATE_LABEL, freezeBodyOf, freezeFieldOf, freezeScopeText, governAllowance, sortFreezes,
  type FreezeErrors, type FreezeValues,
} from './safeguard-rules.ts';
import './safeguards.css';

const EMPTY: FreezeValues = { scope: 'org', team: '', environments: [], reason: '', startsAt: '', endsAt: '' };

/** The environment names the catalog's services have, in order (dev → prod). */
function useEnvironmentNames(): string[] {
  const choices = useServiceChoices();
  return useMemo(() => sortEnvironments([...new Set((choices.data ?? []).flatMap((s) => s.environments.map((e) => e.name)))]), [choices.data]);
}

function FreezeDialog({ isOpen, onClose }: { isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const teams = useTeams();
  const environments = useEnvironmentNames();
  const [values, setValues] = useState<FreezeValues>(EMPTY);
  const [errors, setErrors] = useState<FreezeErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  /** The API's problems no field shows, as "path: message". */
  const [problems, setProblems] = useState<string[]>([]);
  const teamIds = (teams.data?.pages ?? []).flatMap((p) => p.items.map((t) => ({ id: t.id, name: t.name })));
  const freeze = useMutation({
    mutationFn: (body: ReturnType<typeof freezeBodyOf>) => api.read('POST /api/v1/deployments/freezes', { body, idempotencyKey: globalThis.crypto.randomUUID() }),
    onSuccess: (made) => {
      void client.invalidateQueries({ queryKey: FREEZES_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      toast({ intent: 'warning', icon: 'snowflake', message: `Deployments frozen (${freezeScopeText(made).toLowerCase()}) until ${formatTime(made.endsAt)}` });
      close();
    },
    onError: (error) => {
      if (error instanceof ApiError && !isForbidden(error) && error.details.length) {
        const { fields, rest } = splitDetails(error.details, freezeFieldOf);
        setErrors(fields as FreezeErrors);
        setFormError(rest.length || Object.keys(fields).length === 0 ? error : null);
        setProblems(rest);
        return;
      }
      setFormError(error);
      setProblems([]);
    },
  });
  function close() { setValues(EMPTY); setErrors({}); setFormError(null); freeze.reset(); onClose(); }
  const set = (change: Partial<FreezeValues>) => {
    setValues((v) => ({ ...v, ...change }));
    setErrors((e) => { const left = { ...e }; for (const k of Object.keys(change) as (keyof FreezeValues)[]) delete left[k]; return left; });
    setFormError(null);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkFreeze(values);
    setErrors(found);
    if (Object.keys(found).length === 0) freeze.mutate(freezeBodyOf(values));
  };
  const field = (name: keyof FreezeValues) => ({ intent: errors[name] ? 'danger' as const : 'none' as const, helperText: errors[name] });
  const toggleEnvironment = (name: string, on: boolean) =>
    set({ environments: on ? [...values.environments, name] : values.environments.filter((e) => e !== name) });
  return (
    <Dialog isOpen={isOpen} onClose={close} title="Freeze deployments" icon="snowflake" className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="freeze-form">
        <DialogBody>
          <p>No deploys or promotes while it lasts; a deploy then needs an exception with a reason, which an admin approves. Rollback, scale and restart still run.</p>
          {formError !== null && (
            <div className="apollo-form-error" data-testid="freeze-error">
              <ErrorState compact error={formError} />
              {problems.length > 0 && <ul className="apollo-safeguard-problems">{problems.map((line) => <li key={line} className="apollo-mono apollo-small">{line}</li>)}</ul>}
            </div>
          )}
          <FormGroup label="What it freezes" {...field('scope')}>
            <RadioGroup inline selectedValue={values.scope} onChange={(e) => set({ scope: e.currentTarget.value as FreezeValues['scope'] })}>
              <Radio value="org" label="Every service (org-wide)" data-testid="freeze-scope-org" />
              <Radio value="team" label="One team's services" data-testid="freeze-scope-team" />
            </RadioGroup>
          </FormGroup>
          {values.scope === 'team' && (
            <FormGroup label="Team" labelFor="freeze-team" {...field('team')}>
              <HTMLSelect id="freeze-team" fill value={values.team} onChange={(e) => set({ team: e.currentTarget.value })} data-testid="freeze-team" disabled={teams.isPending}
                options={[{ value: '', label: teams.isPending ? 'Reading the teams…' : 'Pick a team' }, ...teamIds.map((t) => ({ value: t.id, label: t.name && t.name !== t.id ? `${t.id} — ${t.name}` : t.id }))]} />
            </FormGroup>
          )}
          <FormGroup label="Environments" {...field('environments')} helperText={errors.environments ?? 'None ticked: every environment.'}>
            <div className="apollo-safeguard-checkboxes" data-testid="freeze-environments">
              {environments.map((name) => (
                <Checkbox key={name} inline label={name} checked={values.environments.includes(name)} onChange={(e) => toggleEnvironment(name, e.currentTarget.checked)} data-env={name} />
              ))}
              {environments.length === 0 && <span className={Classes.TEXT_MUTED}>Reading the catalog's environments…</span>}
            </div>
          </FormGroup>
          <FormGroup label="Reason" labelFor="freeze-reason" labelInfo="(required)" {...field('reason')}
            helperText={errors.reason ?? 'What people see when their deploy is refused, and the audit log.'}>
            <TextArea id="freeze-reason" fill rows={2} maxLength={2000} value={values.reason} onChange={(e) => set({ reason: e.currentTarget.value })} data-testid="freeze-reason" />
          </FormGroup>
          <div className="apollo-safeguard-times">
            <FormGroup label="Starts" labelFor="freeze-starts" labelInfo="(optional)" {...field('startsAt')} helperText={errors.startsAt ?? 'Empty: now.'}>
              <InputGroup id="freeze-starts" type="datetime-local" value={values.startsAt} onValueChange={(startsAt) => set({ startsAt })} data-testid="freeze-starts" />
            </FormGroup>
            <FormGroup label="Ends" labelFor="freeze-ends" labelInfo="(required)" {...field('endsAt')} helperText={errors.endsAt ?? 'At most 90 days; an admin can end it earlier.'}>
              <InputGroup id="freeze-ends" type="datetime-local" value={values.endsAt} onValueChange={(endsAt) => set({ endsAt })} data-testid="freeze-ends" />
            </FormGroup>
          </div>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={close} /><Button type="submit" intent="danger" icon="snowflake" text="Freeze deployments" loading={freeze.isPending} data-testid="freeze-confirm" /></>} />
      </form>
    </Dialog>
  );
}

/** Ends a freeze now; the freezes and the safeguards' answers are read again. */
function useEndFreeze() {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (freeze: DeploymentFreeze) => api.read('DELETE /api/v1/deployments/freezes/{id}', { params: { id: freeze.id } }),
    onSuccess: (ended) => {
      void client.invalidateQueries({ queryKey: FREEZES_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      toast({ intent: 'success', icon: 'tick', message: `Freeze ended (${freezeScopeText(ended).toLowerCase()}): deploys go ahead again` });
    },
    onError: (error) => {
      toast({ intent: 'danger', icon: 'error', message: `Could not end the freeze: ${error instanceof Error ? error.message : String(error)}` });
    },
  });
}

function When({ freeze }: { freeze: DeploymentFreeze }) {
  if (freeze.state === 'ended') {
    return <span title={formatTime(freeze.endedAt ?? freeze.endsAt)}>ended {formatAgo(freeze.endedAt ?? freeze.endsAt)}{freeze.endedBy ? <> by {freeze.endedBy}</> : null}</span>;
  }
  return (
    <>
      {freeze.state === 'upcoming' && <div title={formatTime(freeze.startsAt)}>from {formatTime(freeze.startsAt)}</div>}
      <div title={formatTime(freeze.endsAt)}>until {formatTime(freeze.endsAt)}</div>
    </>
  );
}

export function FreezesPanel() {
  const freezes = useFreezes();
  const { live } = useLiveSafeguards();
  const me = useMe();
  const end = useEndFreeze();
  const [freezing, setFreezing] = useState(false);
  const may = governAllowance(me.data);
  const items = useMemo(() => sortFreezes(freezes.data?.items ?? []), [freezes.data]);
  const inForce = items.filter((f) => f.state !== 'ended').length;
  const freezeButton = (
    <Button size="small" intent="danger" variant="outlined" icon="snowflake" text="Freeze deployments" disabled={!may.allowed} onClick={() => setFreezing(true)}
      data-testid="freeze-open" data-allowed={may.allowed} />
  );
  return (
    <Section title="Freezes" icon="snowflake" className="apollo-section apollo-safeguard-section" data-testid="freezes-panel" data-count={items.length} data-in-force={inForce}
      subtitle="Stop the line: no deploys or promotes (org-wide or a team's services) until it ends; an exception needs an admin's approval."
      rightElement={<>{me.data && (may.allowed ? freezeButton : <Tooltip content={may.why}>{freezeButton}</Tooltip>)}<LiveBadge live={live} tip={live ? 'Freezes show as they are placed and ended' : 'Not receiving live updates right now; read every minute'} /></>}>
      <SectionCard padded={false}>
        {freezes.isError && <ErrorState compact error={freezes.error} onRetry={() => void freezes.refetch()} />}
        {freezes.isPending && <div className={Classes.SKELETON} style={{ height: 48, margin: 12 }} />}
        {freezes.data && items.length === 0 && (
          <div data-testid="freezes-empty">
            <NonIdealState icon="snowflake" title="No freezes" className="apollo-empty apollo-safeguard-empty"
              description={may.allowed ? 'Freeze deployments before a launch, a migration or the holidays.' : 'An admin freezes deployments before a launch, a migration or the holidays.'} />
          </div>
        )}
        {items.length > 0 && (
          <HTMLTable compact className="apollo-table" data-testid="freezes-table">
            <thead><tr><th>State</th><th>Freezes</th><th>Reason</th><th>By</th><th>When</th><th aria-label="Actions" /></tr></thead>
            <tbody>
              {items.map((f) => {
                const button = (
                  <Button size="small" variant="outlined" icon="stop" text="End now" disabled={!may.allowed || end.isPending} onClick={() => end.mutate(f)}
                    data-testid="freeze-end" data-allowed={may.allowed} />
                );
                return (
                  <tr key={f.id} data-testid="freeze-row" data-id={f.id} data-state={f.state} data-scope={f.scope}>
                    <td><Tag minimal round intent={FREEZE_STATE_INTENT[f.state]} data-testid="freeze-state">{FREEZE_STATE_LABEL[f.state]}</Tag></td>
                    <td data-testid="freeze-scope">{freezeScopeText(f)}</td>
                    <td className="apollo-break" data-testid="freeze-reason-cell">{f.reason}</td>
                    <td>{f.createdBy}<div className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(f.createdAt)}>{formatAgo(f.createdAt)}</div></td>
                    <td className="apollo-nowrap apollo-small"><When freeze={f} /></td>
                    <td className="apollo-nowrap">{f.state !== 'ended' && me.data && (may.allowed ? button : <Tooltip content={may.why}>{button}</Tooltip>)}</td>
                  </tr>
                );
              })}
            </tbody>
          </HTMLTable>
        )}
      </SectionCard>
      <FreezeDialog isOpen={freezing} onClose={() => setFreezing(false)} />
    </Section>
  );
}
