/**
 * The deploy form, for every operation: Deploy (a version from the versions list or a typed tag), Promote (from → to),
 * Roll back (to the last known good version, or one of the environment's earlier tags), Scale (replicas) and Restart;
 * each with an optional reason. The service comes from the catalog and the environment from the service's. What the
 * caller's role may not do (production needs deployments:create:prod) is said and its button disabled before anything
 * is sent; so is what a safeguard blocks (a lock, a deployment running there): the preflight is asked as the form
 * changes (debounced) and every safeguard's outcome shows before Deploy. A block that can be passed shows its way past
 * under it (a freeze exception with a reason, queueing until the window opens or an admin's override, acknowledging
 * dependencies): the preflight is asked again with the choices and they go with the request; Deploy stays enabled, and
 * what the API still refuses (409) shows each block's reason. The API's other refusals land on the field their
 * path names. One Idempotency-Key per content, so a double click
 * or a retry is one deployment. Used by the Deploy Center and, in a dialog, by a service page's environments.
 */
import { Button, Callout, Classes, Code, FormGroup, HTMLSelect, Icon, InputGroup, Tab, Tabs, TextArea, Tooltip } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import type {
  Deployment, DeploymentCreate, DeploymentPreflight, Environment, Service, ServicePromote, ServiceRestart, ServiceRollback, ServiceScale,
} from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { isProductionEnvironment } from '../../../../shared/routes.ts';
import { ErrorState, isForbidden } from '../../components/error-state.tsx';
import { splitDetails } from '../../components/field-errors.ts';
import { formatAgo, formatTime, withLocalTimes } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { useDebounced } from '../../lib/use-debounced.ts';
import { navigate } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { DEPLOYMENTS_KEY, deploymentKey, PREFLIGHT_KEY, useServiceChoices, useServiceDetail } from './deployment-queries.ts';
import {
  allowance, askFieldOf, askOf, blockingCheck, checkAsk, OPERATION_LABEL, OPERATIONS, preflightOf, previousEnvironment, sortEnvironments,
  type AskErrors, type AskValues, type Operation,
} from './deployment-rules.ts';
import { PreflightChecks } from './preflight-checks.tsx';
import { RefusalCallout, SafeguardControl } from './safeguard-choices.tsx';
import { useChoicesPreflight, useLiveSafeguards } from './safeguard-queries.ts';
import {
  choicesBody, hardBlock, mayOverrideWindow, NO_CHOICES, reasonProblem, refusalReasons, wantsOverride, type SafeguardChoices,
} from './safeguard-rules.ts';
import { useLiveLocks } from './use-live-deployments.ts';
import { VersionPicker } from './version-picker.tsx';

export interface DeployFormInitial {
  readonly operation?: Operation | undefined;
  readonly service?: string | undefined;
  readonly environment?: string | undefined;
  /** promote: where the version comes from. */
  readonly from?: string | undefined;
}

const SUBMIT_ICON = { deploy: 'rocket-slant', promote: 'arrow-up', rollback: 'undo', scale: 'layers', restart: 'refresh' } as const;

function submitText(v: AskValues, fromTag: string | undefined): string {
  if (!v.service || !v.environment) return OPERATION_LABEL[v.operation];
  const env = v.environment;
  switch (v.operation) {
    case 'deploy': return `Deploy ${v.imageTag || 'a version'} to ${env}`;
    case 'promote': return `Promote ${fromTag ?? ''} to ${env}`.replace(/\s+/g, ' ');
    case 'rollback': return `Roll back ${env}${v.imageTag ? ` to ${v.imageTag}` : ''}`;
    case 'scale': return `Scale ${env} to ${v.replicas || '…'}`;
    case 'restart': return `Restart ${env}`;
  }
}

/**
 * What happens once sent. Production goes through a pull request (restarts excepted) that Apollo merges once an operator
 * other than you, or an admin, approves it where its settings ask for an approval (deploys, promotes and scales unless
 * configured otherwise): the deployment's page says which once it starts.
 */
function whatHappens(v: AskValues): string {
  const production = v.environment !== '' && isProductionEnvironment(v.environment);
  const git = v.operation === 'restart' ? 'A rolling restart of its pods' : v.operation === 'scale' ? 'The replica count is committed to the GitOps repository' : 'The tag is committed to the environment\u2019s values file in the GitOps repository';
  const follow = 'then Apollo follows the rollout until it is healthy and the catalog shows it.';
  if (!production) return `${git}; ${follow}`;
  const approval = v.operation === 'rollback' || v.operation === 'restart'
    ? 'without waiting for an approval unless Apollo is set to ask for one'
    : 'once an operator other than you (or an admin) approves it in the Approvals inbox';
  return `Production: ${git.charAt(0).toLowerCase()}${git.slice(1)}${v.operation === 'restart' ? '' : ' through a pull request, merged'} ${approval}; ${follow}`;
}

function EnvironmentFacts({ environment }: { environment: Environment | undefined }) {
  if (!environment) return null;
  const d = environment.deployment;
  return (
    <p className={`${Classes.TEXT_MUTED} apollo-small apollo-deploy-env-facts`} data-testid="deploy-env-facts">
      Runs {d.imageTag ? <Code>{d.imageTag}</Code> : 'no known tag'}{d.replicas !== undefined && <> · {d.replicas} {d.replicas === 1 ? 'replica' : 'replicas'}</>}
      {d.lastDeployedAt && <> · deployed <span title={formatTime(d.lastDeployedAt)}>{formatAgo(d.lastDeployedAt)}</span>{d.lastDeployedBy && <> by {d.lastDeployedBy}</>}</>}
      {d.gitCommit && <> at <Code>{d.gitCommit.slice(0, 7)}</Code></>}
    </p>
  );
}

export function DeployForm({ initial = {}, lockService = false, onStarted, onCancel }: {
  initial?: DeployFormInitial;
  /** The service is fixed (a service page's dialog). */
  lockService?: boolean;
  /** After the API accepted it; by default its page opens. */
  onStarted?(deployment: Deployment): void;
  onCancel?(): void;
}) {
  const { api } = useServices();
  const client = useQueryClient();
  const me = useMe();
  const choices = useServiceChoices();
  const [values, setValues] = useState<AskValues>(() => ({
    operation: initial.operation ?? 'deploy', service: initial.service ?? '', environment: initial.environment ?? '', imageTag: '',
    from: initial.from ?? '', replicas: '', reason: '',
  }));
  const [errors, setErrors] = useState<AskErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [picked, setPicked] = useState<SafeguardChoices>(NO_CHOICES);
  const [refusal, setRefusal] = useState<string[] | null>(null);
  const [reasonAsked, setReasonAsked] = useState(false);
  const idempotency = useRef<{ content: string; key: string } | null>(null);
  const service = useServiceDetail(values.service);
  const detail: Service | undefined = values.service && service.data?.id === values.service ? service.data : undefined;
  const environments = useMemo(() => {
    const byName = new Map((detail?.environments ?? []).map((e) => [e.name, e]));
    return sortEnvironments([...byName.keys()]).map((n) => byName.get(n)!);
  }, [detail]);
  // A promote's source, until one is picked, is the environment below its target (staging for prod).
  const effective: AskValues = values.operation === 'promote' && !values.from
    ? { ...values, from: previousEnvironment(environments.map((e) => e.name), values.environment) ?? '' }
    : values;
  const env = environments.find((e) => e.name === values.environment);
  const fromEnv = environments.find((e) => e.name === effective.from);
  const fromTag = fromEnv?.deployment.imageTag;

  const set = (change: Partial<AskValues>) => {
    // Another deployment: the ways past its safeguards are chosen afresh.
    const differs = (k: 'operation' | 'service' | 'environment') => change[k] !== undefined && change[k] !== values[k];
    if (differs('operation') || differs('service') || differs('environment')) { setPicked(NO_CHOICES); setReasonAsked(false); }
    setValues((v) => {
      const next = { ...v, ...change };
      if (change.service !== undefined && change.service !== v.service) { next.environment = ''; next.from = ''; next.imageTag = ''; }
      if (change.environment !== undefined && change.environment !== v.environment) next.imageTag = '';
      if (change.operation !== undefined && change.operation !== v.operation) next.imageTag = '';
      return next;
    });
    setErrors((e) => {
      const left = { ...e };
      for (const k of Object.keys(change) as (keyof AskValues)[]) delete left[k];
      if (change.operation || change.service || change.environment) return {};
      return left;
    });
    setFormError(null);
    setRefusal(null);
  };
  const choose = (change: Partial<SafeguardChoices>) => {
    setPicked((c) => ({ ...c, ...change }));
    setFormError(null);
    setRefusal(null);
  };
  const plain = askOf(effective);
  const may = values.environment ? allowance(me.data, plain.key, plain.body) : null;
  const allowed = may?.allowed ?? true;

  // The safeguards, asked once the form stops changing (with the ways past them chosen); a lock, freeze or window
  // placed or lifted asks again at once.
  const base = preflightOf(effective);
  const [askedText, setAskedText] = useState(() => JSON.stringify(base));
  const asked = useMemo(() => JSON.parse(askedText) as DeploymentPreflight | null, [askedText]);
  const preflight = useChoicesPreflight(asked);
  useLiveLocks();
  useLiveSafeguards();
  // An answer for another service, environment or operation says nothing of this one (only the tag and the choices may lag).
  const answer = preflight.data;
  const answerFits = answer !== undefined && base !== null && answer.ask.service === base.service && answer.ask.environment === base.environment && answer.ask.operation === base.operation;
  const safeguards = answerFits ? answer : undefined;
  const admin = mayOverrideWindow(me.data);
  // Only deploys and promotes meet freezes, windows and dependencies (the other requests' schemas take no choices).
  const passable = values.operation === 'deploy' || values.operation === 'promote';
  const extra = passable ? choicesBody(picked, safeguards?.checks, admin) : {};
  const wanted = base && { ...base, ...extra };
  const preflightText = JSON.stringify(wanted);
  useDebounced(preflightText, setAskedText, 300);
  const block = blockingCheck(safeguards);
  const hard = hardBlock(safeguards?.checks);
  const overrideWanted = passable && wantsOverride(picked, safeguards?.checks, admin);
  const reasonError = overrideWanted && (reasonAsked || picked.reason.trim() !== '') ? reasonProblem(picked.reason, 'Say why') : undefined;
  const ask = { ...plain, body: { ...plain.body, ...extra } };
  const submit = useMutation({
    mutationFn: async () => {
      const content = JSON.stringify(ask);
      if (idempotency.current?.content !== content) idempotency.current = { content, key: globalThis.crypto.randomUUID() };
      const idempotencyKey = idempotency.current.key;
      const params = { id: ask.service };
      switch (ask.key) {
        case 'POST /api/v1/deployments': return api.read('POST /api/v1/deployments', { body: ask.body as unknown as DeploymentCreate, idempotencyKey });
        case 'POST /api/v1/services/{id}/promote': return api.read('POST /api/v1/services/{id}/promote', { params, body: ask.body as unknown as ServicePromote, idempotencyKey });
        case 'POST /api/v1/services/{id}/rollback': return api.read('POST /api/v1/services/{id}/rollback', { params, body: ask.body as unknown as ServiceRollback, idempotencyKey });
        case 'POST /api/v1/services/{id}/scale': return api.read('POST /api/v1/services/{id}/scale', { params, body: ask.body as unknown as ServiceScale, idempotencyKey });
        case 'POST /api/v1/services/{id}/restart': return api.read('POST /api/v1/services/{id}/restart', { params, body: ask.body as unknown as ServiceRestart, idempotencyKey });
      }
    },
    onSuccess: (deployment) => {
      idempotency.current = null;
      client.setQueryData(deploymentKey(deployment.id), deployment);
      void client.invalidateQueries({ queryKey: [...DEPLOYMENTS_KEY, 'history'] });
      const state = deployment.status === 'awaiting_approval' ? 'waiting for approval' : deployment.status === 'queued' || deployment.safeguards?.queuedUntil ? 'queued until its window opens' : 'started';
      toast({ intent: 'primary', icon: 'rocket-slant', message: `${OPERATION_LABEL[deployment.operation]} ${deployment.service} in ${deployment.environment}: ${state}` });
      if (onStarted) onStarted(deployment);
      else navigate(`/deployments/${encodeURIComponent(deployment.id)}`);
    },
    onError: (error) => {
      // A refusal (a lock placed meanwhile, a deployment started there, a block not passed): the safeguards show why.
      if (error instanceof ApiError && error.status === 409) void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      const reasons = error instanceof ApiError ? refusalReasons(error) : undefined;
      if (reasons) {
        setRefusal(reasons);
        return;
      }
      if (error instanceof ApiError && !isForbidden(error) && error.details.length) {
        const { fields, rest } = splitDetails(error.details, askFieldOf);
        setErrors(fields);
        setFormError(rest.length || Object.keys(fields).length === 0 ? error : new ApiError(error.status, error.code, error.message, [], error.requestId));
        return;
      }
      setFormError(error);
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkAsk(effective, { imageTag: env?.deployment.imageTag, replicas: env?.deployment.replicas, fromTag });
    setErrors(found);
    setReasonAsked(true);
    if (Object.keys(found).length > 0 || !allowed || hard) return;
    // An exception or an override without its reason would be sent without it: say so first.
    if (overrideWanted && reasonProblem(picked.reason)) return;
    setRefusal(null);
    submit.mutate();
  };

  const envOptions = environments.map((e) => ({ value: e.name, label: `${e.name}${e.deployment.imageTag ? ` · ${e.deployment.imageTag}` : ''}${isProductionEnvironment(e.name) ? ' (production)' : ''}` }));
  const field = (name: keyof AskValues) => ({ intent: errors[name] ? 'danger' as const : 'none' as const, helperText: errors[name] });

  return (
    <form className="apollo-deploy-form" onSubmit={onSubmit} noValidate data-testid="deploy-form" data-operation={values.operation}>
      <Tabs id="deploy-operation" selectedTabId={values.operation} onChange={(id) => set({ operation: id as Operation })} className="apollo-deploy-tabs">
        {OPERATIONS.map((op) => <Tab key={op} id={op} title={OPERATION_LABEL[op]} data-testid={`deploy-op-${op}`} />)}
      </Tabs>
      <div className="apollo-deploy-fields">
        <FormGroup label="Service" labelFor="deploy-service" {...field('service')}>
          {lockService
            ? <InputGroup id="deploy-service" value={values.service} readOnly data-testid="deploy-service" />
            : (
              <HTMLSelect id="deploy-service" fill value={values.service} onChange={(e) => set({ service: e.currentTarget.value })} data-testid="deploy-service"
                disabled={choices.isPending}
                options={[{ value: '', label: choices.isPending ? 'Reading the catalog…' : 'Pick a service' }, ...(choices.data ?? []).map((s) => ({ value: s.id, label: s.displayName && s.displayName !== s.id ? `${s.id} — ${s.displayName}` : s.id }))]} />
            )}
        </FormGroup>
        {values.operation === 'promote' && (
          <FormGroup label="From" labelFor="deploy-from" {...field('from')}>
            <HTMLSelect id="deploy-from" fill value={effective.from} onChange={(e) => set({ from: e.currentTarget.value })} disabled={!detail} data-testid="deploy-from"
              options={[{ value: '', label: 'Where it runs now' }, ...envOptions.filter((o) => o.value !== values.environment)]} />
          </FormGroup>
        )}
        <FormGroup label={values.operation === 'promote' ? 'To' : 'Environment'} labelFor="deploy-environment" {...field('environment')}>
          <HTMLSelect id="deploy-environment" fill value={values.environment} onChange={(e) => set({ environment: e.currentTarget.value })} disabled={!detail} data-testid="deploy-environment"
            options={[{ value: '', label: detail ? (environments.length ? 'Pick an environment' : 'It has no environments') : 'Pick a service first' }, ...envOptions]} />
        </FormGroup>
      </div>
      {values.service && service.isError && <ErrorState compact error={service.error} onRetry={() => void service.refetch()} />}
      {values.operation !== 'promote' && <EnvironmentFacts environment={env} />}
      {values.operation === 'promote' && fromEnv && env && (
        <p className="apollo-deploy-promote" data-testid="deploy-promote-change">
          <strong>{fromEnv.name}</strong> runs <Code>{fromTag ?? 'no known tag'}</Code> <Icon icon="arrow-right" size={12} /> <strong>{env.name}</strong> runs <Code>{env.deployment.imageTag ?? 'no known tag'}</Code>
        </p>
      )}

      {values.operation === 'deploy' && values.service && values.environment && (
        <FormGroup label="Version" className="apollo-deploy-version">
          <VersionPicker key={`${values.service}/${values.environment}`} service={values.service} environment={values.environment} value={values.imageTag}
            onChange={(imageTag) => set({ imageTag })} error={errors.imageTag} />
        </FormGroup>
      )}
      {values.operation === 'rollback' && values.service && values.environment && (
        <FormGroup label="Back to" className="apollo-deploy-version">
          <VersionPicker key={`${values.service}/${values.environment}/rollback`} service={values.service} environment={values.environment} value={values.imageTag}
            onChange={(imageTag) => set({ imageTag })} error={errors.imageTag} only="gitops-history" />
        </FormGroup>
      )}
      {values.operation === 'scale' && values.environment && (
        <FormGroup label="Replicas" labelFor="deploy-replicas" {...field('replicas')}>
          <InputGroup id="deploy-replicas" type="number" min={0} max={500} value={values.replicas} onValueChange={(replicas) => set({ replicas })}
            placeholder={env?.deployment.replicas !== undefined ? String(env.deployment.replicas) : '3'} data-testid="deploy-replicas" className="apollo-deploy-replicas" />
        </FormGroup>
      )}

      <FormGroup label="Reason" labelFor="deploy-reason" labelInfo="(optional)" {...field('reason')}
        helperText={errors.reason ?? 'On the record, the commit message and the audit log.'}>
        <TextArea id="deploy-reason" fill rows={2} maxLength={2000} value={values.reason} onChange={(e) => set({ reason: e.currentTarget.value })} data-testid="deploy-reason" />
      </FormGroup>

      {values.environment && (
        allowed
          ? <Callout compact icon={isProductionEnvironment(values.environment) ? 'endorsed' : 'info-sign'} intent={isProductionEnvironment(values.environment) ? 'warning' : 'none'} className="apollo-deploy-callout" data-testid="deploy-what-happens">{whatHappens(effective)}</Callout>
          : (
            <Callout compact icon="lock" intent="warning" className="apollo-deploy-callout" data-testid="deploy-not-allowed" title="You can't do this here">
              {may?.why} Ask an operator to do it, or an admin to change your role.
            </Callout>
          )
      )}
      {wanted && (
        <PreflightChecks result={safeguards} checking={askedText !== preflightText || preflight.isFetching} error={preflight.isError ? preflight.error : null}
          controls={passable ? (check) => (
            <SafeguardControl check={check} choices={picked} onChange={choose} admin={admin} reasonError={reasonError}
              freezeAsks={picked.exception && (safeguards?.checks ?? []).some((c) => c.safeguard === 'freeze' && c.override === 'approval')} />
          ) : undefined} />
      )}
      {refusal && <RefusalCallout reasons={refusal} />}
      {formError !== null && <div className="apollo-form-error" data-testid="deploy-error"><ErrorState compact error={formError} /></div>}
      <div className="apollo-deploy-buttons">
        {block && (
          <span className="apollo-deploy-blocked apollo-small" data-testid="deploy-blocked" data-safeguard={block.safeguard}>
            <Icon icon="ban-circle" intent="danger" size={12} /> {withLocalTimes(block.reason)}
          </span>
        )}
        {onCancel && <Button text="Cancel" onClick={onCancel} disabled={submit.isPending} />}
        <Tooltip content={hard ? withLocalTimes(hard.reason) : ''} disabled={!hard}>
          <Button type="submit" intent="primary" icon={SUBMIT_ICON[values.operation]} loading={submit.isPending} disabled={!allowed || hard !== undefined}
            text={submitText(effective, fromTag)} data-testid="deploy-submit" data-allowed={allowed} data-blocked={block?.safeguard ?? ''} />
        </Tooltip>
      </div>
    </form>
  );
}
