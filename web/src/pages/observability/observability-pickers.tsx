/** The hub's pickers: service (the page only), environment and time range; changes go into the URL. */
import { FormGroup, HTMLSelect } from '@blueprintjs/core';
import { formatTime } from '../../lib/format.ts';
import { RANGES, type ObservabilityState, type RangeValue } from './observability-url.ts';

const WINDOW = 'window';

export type StateChange = Partial<Record<keyof ObservabilityState, string | undefined>>;

export function ObservabilityPickers({ idPrefix, state, environment, environments, services, onChange }: {
  idPrefix: string;
  state: ObservabilityState;
  /** The environment shown (the URL's, or the default). */
  environment: string | undefined;
  environments: readonly string[];
  /** Given on the Observability page; the service page is its own service. */
  services?: readonly { id: string; displayName: string }[] | undefined;
  onChange(change: StateChange): void;
}) {
  const envs = environment && !environments.includes(environment) ? [...environments, environment] : environments;
  return (
    <form className="apollo-obs-pickers" aria-label="Observability filters" onSubmit={(e) => e.preventDefault()} data-testid="obs-pickers">
      {services && (
        <FormGroup label="Service" labelFor={`${idPrefix}-service`}>
          <HTMLSelect id={`${idPrefix}-service`} fill value={state.service ?? ''} onChange={(e) => onChange({ service: e.currentTarget.value })} data-testid="obs-service"
            options={[{ value: '', label: 'Pick a service…' }, ...services.map((s) => ({ value: s.id, label: s.displayName === s.id ? s.id : `${s.displayName} (${s.id})` }))]} />
        </FormGroup>
      )}
      <FormGroup label="Environment" labelFor={`${idPrefix}-environment`}>
        <HTMLSelect id={`${idPrefix}-environment`} fill value={environment ?? ''} disabled={envs.length === 0} onChange={(e) => onChange({ environment: e.currentTarget.value })} data-testid="obs-environment"
          options={envs.length ? envs.map((e) => ({ value: e, label: e })) : [{ value: '', label: 'No environments' }]} />
      </FormGroup>
      <FormGroup label="Time range" labelFor={`${idPrefix}-range`}>
        {/* A fixed window (an incident's) shows as its own choice; picking a range leaves it. */}
        <HTMLSelect id={`${idPrefix}-range`} fill value={state.from ? WINDOW : state.range} data-testid="obs-range" data-window={state.from ? 'true' : undefined}
          onChange={(e) => { if (e.currentTarget.value !== WINDOW) onChange({ range: e.currentTarget.value as RangeValue }); }}
          options={[
            ...(state.from ? [{ value: WINDOW, label: `${formatTime(state.from)} – ${state.to ? formatTime(state.to) : 'now'}` }] : []),
            ...RANGES.map((r) => ({ value: r.value, label: r.label })),
          ]} />
      </FormGroup>
    </form>
  );
}
