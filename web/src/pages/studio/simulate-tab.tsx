/**
 * The studio's Simulate tab: a dry run of a request's fulfilment for the document being edited
 * (POST /api/v1/simulate/fulfillment). The platform engineer picks sample values (prefilled from the form's
 * defaults and placeholders, and what the Request form tab holds), the requesting team and environment, and what
 * goes wrong (an action failing at an attempt, the approval rejected, a cancel after an action); Run shows the
 * path through the real state machine as a timeline (rollback steps highlighted, each action's input as it would
 * be sent, secrets masked), the approval and quota decisions, the problems and the expected duration. Nothing is
 * called or stored.
 */
import { Button, Callout, Classes, Code, FormGroup, HTMLSelect, Icon, InputGroup, NonIdealState, NumericInput, Spinner, Tag, TextArea } from '@blueprintjs/core';
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { CatalogItemV2, SimulationRequest, SimulationResult } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useServices } from '../../lib/services-context.ts';
import { environmentIn, formatSeconds, sampleValues, withEnvironment } from './simulate-values.ts';

type Values = Record<string, unknown>;
type ScenarioKind = 'none' | 'action-fails' | 'approval-rejected' | 'cancel';

const OUTCOME = {
  completed: { intent: 'success', icon: 'tick-circle', text: 'Completed' },
  failed: { intent: 'danger', icon: 'error', text: 'Failed' },
  cancelled: { intent: 'warning', icon: 'disable', text: 'Cancelled' },
  refused: { intent: 'danger', icon: 'blocked-person', text: 'Refused at submit' },
} as const;

const PROBLEM = { error: { icon: 'error', intent: 'danger' }, warning: { icon: 'warning-sign', intent: 'warning' }, info: { icon: 'info-sign', intent: 'primary' } } as const;

function Timeline({ result }: { result: SimulationResult }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const start = Date.parse(result.path[0]?.at ?? new Date().toISOString());
  const actions = new Map(result.actions.map((a) => [`${a.phase}:${a.id}`, a]));
  const toggle = (i: number) => setOpen((s) => { const next = new Set(s); if (next.has(i)) next.delete(i); else next.add(i); return next; });
  return (
    <ol className="apollo-simulate-timeline" data-testid="simulate-timeline">
      {result.path.map((step, i) => {
        const action = step.actionId ? actions.get(`${step.phase}:${step.actionId}`) : undefined;
        const showsInput = action?.input !== undefined && (step.state === 'StartAction' || step.state === 'OpenTicket');
        return (
          <li key={i} data-testid="simulate-step" data-state={step.state} data-phase={step.phase} data-action={step.actionId ?? ''}
            className={`apollo-simulate-step apollo-simulate-${step.type.toLowerCase()}${step.phase === 'rollback' ? ' apollo-simulate-rollback' : ''}`}>
            <span className={`${Classes.TEXT_MUTED} apollo-mono apollo-small apollo-simulate-at`}>+{formatSeconds((Date.parse(step.at) - start) / 1000)}</span>
            <div>
              <div>
                <strong>{step.state}</strong> <span className={`${Classes.TEXT_MUTED} apollo-small`}>{step.type}</span>
                {step.phase === 'rollback' && <Tag minimal intent="warning" icon="undo" className="apollo-simulate-tag">rollback</Tag>}
                {step.actionId && <Tag minimal className="apollo-simulate-tag">{step.actionId}{step.attempt ? ` · attempt ${step.attempt}` : ''}</Tag>}
                {step.seconds > 0 && <Tag minimal icon="time" className="apollo-simulate-tag">{formatSeconds(step.seconds)}</Tag>}
                {step.upToSeconds !== undefined && <span className={`${Classes.TEXT_MUTED} apollo-small`}> up to {formatSeconds(step.upToSeconds)}</span>}
              </div>
              {step.note && <div className="apollo-small" data-testid="simulate-note">{step.note}</div>}
              {showsInput && (
                <>
                  <Button minimal small icon={open.has(i) ? 'chevron-down' : 'chevron-right'} text="Input as it would be sent (secrets masked)" data-testid="simulate-input-toggle" onClick={() => toggle(i)} />
                  {open.has(i) && (
                    <div data-testid="simulate-input">
                      <div className="apollo-small">
                        Retry: {action!.retry.maxAttempts} attempt{action!.retry.maxAttempts === 1 ? '' : 's'}, {action!.retry.backoff}{action!.retry.delaysSeconds.length ? ` (waits ${action!.retry.delaysSeconds.map(formatSeconds).join(', ')})` : ''} · timeout {formatSeconds(action!.timeoutSeconds)}
                        {action!.wouldCall && <> · would call <Code>{action!.wouldCall}</Code></>}
                      </div>
                      <pre className="apollo-studio-rendered">{JSON.stringify(action!.input, null, 2)}</pre>
                    </div>
                  )}
                </>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function Decisions({ result }: { result: SimulationResult }) {
  const { approval, quota, expectedDuration } = result;
  const who = approval.rule ? [...(approval.rule.approvers.roles ?? []).map((r) => `role ${r}`), ...(approval.rule.approvers.teams ?? []).map((t) => `team ${t}`), ...(approval.rule.approvers.principals ?? [])].join(approval.rule.mode === 'all' ? ' and ' : ' or ') : '';
  return (
    <dl className="apollo-simulate-decisions">
      <dt>Approval</dt>
      <dd data-testid="simulate-approval" data-decision={approval.decision}>
        {!approval.required ? 'not needed for these values'
          : approval.decision === 'not-reached' ? <>asked of {who}, but never reached: the run ends before it</>
            : <>{approval.decision === 'rejected' ? 'rejected' : 'approved'} by {who} (simulated; waits up to {formatSeconds(approval.timeoutSeconds ?? 0)})</>}
        {approval.note && <div className={`${Classes.TEXT_MUTED} apollo-small`}>{approval.note}</div>}
      </dd>
      <dt>Quota</dt>
      <dd data-testid="simulate-quota" data-decision={quota.decision}>{quota.message}</dd>
      <dt>Expected duration</dt>
      <dd data-testid="simulate-expected">
        {expectedDuration.source === 'past-runs' ? <>{formatSeconds(expectedDuration.seconds ?? 0)}, the median of past runs</>
          : expectedDuration.source === 'sla' ? <>no past runs yet; the SLA is {formatSeconds(expectedDuration.seconds ?? 0)}</> : 'no past runs and no SLA'}
        <span className={`${Classes.TEXT_MUTED} apollo-small`}> · simulated path {formatSeconds(expectedDuration.simulatedSeconds)} (one poll per outside run, approvals as instant)</span>
      </dd>
    </dl>
  );
}

function Result({ result }: { result: SimulationResult }) {
  const outcome = OUTCOME[result.outcome];
  return (
    <div data-testid="simulate-result" data-outcome={result.outcome}>
      <Callout intent={outcome.intent} icon={outcome.icon} title={outcome.text} data-testid="simulate-outcome" className="apollo-studio-note">
        {result.failure ? result.failure.message : result.outcome === 'completed' ? 'Every action would succeed.' : 'The request would be cancelled.'}
        {result.rollback.length > 0 && <div data-testid="simulate-rollback">Rolled back, newest first: {result.rollback.map((r) => `${r.name} (undoes ${r.forActionId})`).join(', then ')}.</div>}
        <div className={`${Classes.TEXT_MUTED} apollo-small`}>{result.engine.definition} on {result.engine.runtime}; {result.engine.outsideCalls} outside calls.</div>
      </Callout>
      <Decisions result={result} />
      <h3 className="apollo-subheading">Problems</h3>
      {result.problems.length === 0 ? <p className={Classes.TEXT_MUTED} data-testid="simulate-no-problems">None found.</p> : (
        <ul className="apollo-studio-issues" data-testid="simulate-problems">
          {result.problems.map((p, i) => (
            <li key={i} data-testid="simulate-problem" data-severity={p.severity} data-code={p.code} data-action={p.actionId ?? ''}>
              <Icon icon={PROBLEM[p.severity].icon} intent={PROBLEM[p.severity].intent} size={14} />
              <div>{p.actionId && <Code>{p.actionId}</Code>} {p.message} <span className={`${Classes.TEXT_MUTED} apollo-small`}>({p.code})</span></div>
            </li>
          ))}
        </ul>
      )}
      <h3 className="apollo-subheading">Path through the state machine</h3>
      {result.path.length === 0
        ? <p className={Classes.TEXT_MUTED} data-testid="simulate-no-path">None: a refused request does not exist, so its fulfilment never starts. Fix the values the problems name, then Run.</p>
        : <Timeline result={result} />}
    </div>
  );
}

export function SimulateTab({ doc, formValues }: { doc: CatalogItemV2; formValues: Values }) {
  const { api } = useServices();
  const actions = doc.fulfillment.type === 'automated' ? doc.fulfillment.actions : [];
  const environmentField = doc.presentation.fields.find((f) => f.id === 'environment');
  const [valuesText, setValuesText] = useState(() => JSON.stringify(sampleValues(doc, formValues), null, 2));
  const [team, setTeam] = useState('');
  const [kind, setKind] = useState<ScenarioKind>('none');
  const [actionId, setActionId] = useState(actions[0]?.id ?? '');
  const [attempt, setAttempt] = useState<number | undefined>(undefined);

  const parsed = useMemo((): { values?: Values; error?: string } => {
    try {
      const value = JSON.parse(valuesText) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'the values must be a JSON object: {"field": value}' };
      return { values: value as Values };
    } catch (error) {
      return { error: `not JSON: ${(error as Error).message}` };
    }
  }, [valuesText]);

  // The Environment select is a view of the values' environment field: one value, shown twice.
  const environment = environmentIn(parsed.values);
  const setEnvironment = (value: string) => setValuesText((text) => withEnvironment(text, value));
  const selected = actions.find((a) => a.id === actionId);
  const scenario: SimulationRequest['scenario'] = kind === 'action-fails' ? { kind, actionId, ...(attempt ? { attempt } : {}) }
    : kind === 'cancel' ? { kind, ...(actionId ? { afterAction: actionId } : {}) } : { kind };
  const run = useMutation({
    mutationFn: () => api.read('POST /api/v1/simulate/fulfillment', {
      body: {
        document: doc as unknown as SimulationRequest['document'], fields: parsed.values ?? {}, scenario,
        ...(team.trim() ? { team: team.trim() } : {}),
      },
    }),
  });

  const environments = environmentField?.options?.map((o) => (typeof o === 'object' && o !== null ? { value: String(o.value), label: o.label ?? String(o.value) } : { value: String(o), label: String(o) })) ?? [];
  // A value the form does not offer still shows as what it is (the run would say the form refuses it).
  const shown = environment && !environments.some((e) => e.value === environment) ? [...environments, { value: environment, label: `${environment} (not an option)` }] : environments;
  return (
    <div data-testid="studio-simulate">
      <p className={`${Classes.TEXT_MUTED} apollo-small`}>
        A dry run of a request for this document: the real fulfilment state machine runs with every action, approval and quota decision simulated. Nothing is called or stored.
      </p>
      <div className="apollo-simulate-controls">
        <FormGroup label="Sample values (JSON)" labelFor="simulate-values" helperText={parsed.error ?? 'Prefilled from the form\'s defaults and placeholders, and the Request form tab.'} intent={parsed.error ? 'danger' : 'none'}>
          <TextArea id="simulate-values" data-testid="simulate-values" fill rows={8} className="apollo-mono apollo-small" value={valuesText} onChange={(e) => setValuesText(e.target.value)} />
          <Button minimal small icon="refresh" text="Refill from the form" onClick={() => setValuesText(JSON.stringify(sampleValues(doc, formValues), null, 2))} />
        </FormGroup>
        <div className="apollo-simulate-row">
          <FormGroup label="Requesting team" labelFor="simulate-team" helperText="Its quota is read. Empty: your first team.">
            <InputGroup id="simulate-team" data-testid="simulate-team" value={team} placeholder="your team" onChange={(e) => setTeam(e.target.value)} />
          </FormGroup>
          <FormGroup label="Environment" labelFor="simulate-environment" helperText={environmentField ? 'The values\' environment field: choosing one here writes it there.' : 'The form has no environment field.'}>
            {environments.length
              ? <HTMLSelect id="simulate-environment" data-testid="simulate-environment" value={environment} disabled={parsed.error !== undefined} onChange={(e) => setEnvironment(e.target.value)} options={[{ value: '', label: 'none' }, ...shown]} />
              : <InputGroup id="simulate-environment" data-testid="simulate-environment" value={environment} disabled={!environmentField || parsed.error !== undefined} onChange={(e) => setEnvironment(e.target.value)} />}
          </FormGroup>
        </div>
        <div className="apollo-simulate-row">
          <FormGroup label="What goes wrong" labelFor="simulate-scenario">
            <HTMLSelect id="simulate-scenario" data-testid="simulate-scenario" value={kind} onChange={(e) => setKind(e.target.value as ScenarioKind)} options={[
              { value: 'none', label: 'Nothing' },
              { value: 'action-fails', label: 'An action fails', disabled: actions.length === 0 },
              { value: 'approval-rejected', label: 'The approval is rejected' },
              { value: 'cancel', label: 'Cancelled after an action' },
            ]} />
          </FormGroup>
          {(kind === 'action-fails' || kind === 'cancel') && actions.length > 0 && (
            <FormGroup label={kind === 'cancel' ? 'After' : 'Action'} labelFor="simulate-action">
              <HTMLSelect id="simulate-action" data-testid="simulate-action" value={actionId} onChange={(e) => setActionId(e.target.value)}
                options={[...(kind === 'cancel' ? [{ value: '', label: 'before the first action' }] : []), ...actions.map((a) => ({ value: a.id, label: `${a.name ?? a.id} (${a.type})` }))]} />
            </FormGroup>
          )}
          {kind === 'action-fails' && selected && (
            <FormGroup label="Fails up to attempt" labelFor="simulate-attempt" helperText={`Its policy allows ${selected.retry?.maxAttempts ?? 1}; at that many the rollback runs.`}>
              <NumericInput id="simulate-attempt" data-testid="simulate-attempt" min={1} max={20} value={attempt ?? selected.retry?.maxAttempts ?? 1} onValueChange={(n) => setAttempt(Number.isFinite(n) ? n : undefined)} />
            </FormGroup>
          )}
        </div>
        <Button intent="primary" icon="play" text="Run" data-testid="simulate-run" loading={run.isPending} disabled={parsed.error !== undefined} onClick={() => run.mutate()} />
      </div>
      <div className="apollo-simulate-output">
        {run.isPending ? <div data-testid="simulate-loading"><Spinner size={24} /></div>
          : run.isError ? <ErrorState error={run.error} onRetry={() => run.mutate()} />
            : run.data ? <Result result={run.data} />
              : <div data-testid="simulate-empty"><NonIdealState icon="play" title="Not run yet" description="Choose values and what goes wrong, then Run: the path, the decisions and what would fail show here." /></div>}
      </div>
    </div>
  );
}
