/**
 * An offering's request form, rendered by @rjsf/core (Blueprint-themed) from GET …/items/{id}/schema: fields
 * appear and disappear as the values change (if/then), each says what is wrong with it once touched, and a
 * dependent data source (an environment of the chosen service) is read from GET …/options/{field} whenever what it
 * depends on changes. "Submit request" sends it (POST /api/v1/requests, with a priority, the team and a note) and opens
 * the request's page; before that the form says which approval the values will need, and "Check request" asks the API
 * whether it would accept them (POST /api/v1/preview/form: the values, and the chosen team's quotas with the numbers —
 * over one, submit would answer 409) without sending or reserving anything. A 400 puts each problem on its
 * field. What has been filled in is kept as a draft in the tab (form-draft.ts, secret fields never) and restored after a
 * reload, quietly said so with a way to clear it; a submitted request takes its draft with it.
 */
import { Button, Callout, Classes, Icon, NonIdealState } from '@blueprintjs/core';
import type { IChangeEvent } from '@rjsf/core';
import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ErrorSchema } from '@rjsf/utils';
import type { CatalogItem, CatalogItemV2, RequestCreate } from '../../../../schemas/types.gen.ts';
import { BlueprintForm, type BlueprintFormContext } from '../../components/rjsf-blueprint.tsx';
import { humanErrors } from '../../components/rjsf-errors.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { requestKey, useMe } from '../../lib/queries.ts';
import { navigate } from '../../lib/router.tsx';
import { toast } from '../../lib/toaster.ts';
import { useServices } from '../../lib/services-context.ts';
import { formDraft, secretFieldIds, tabStorage } from './form-draft.ts';
import { withOptions } from './form-options.ts';
import { checkOutcome } from './quota-check.ts';
import { requestFieldOf } from './request-errors.ts';
import { RequestOptions, type RequestOptionValues } from './request-options.tsx';

type Values = Record<string, unknown>;

const pick = (values: Values, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => values[k] !== undefined && values[k] !== '').map((k) => [k, values[k]]));

export function OfferingForm({ item, doc }: { item: CatalogItem; doc: CatalogItemV2 }) {
  const { api } = useServices();
  const client = useQueryClient();
  const me = useMe();
  const teams = useMemo(() => (me.data?.teams ?? []).map((t) => t.id), [me.data]);
  const [chosenOptions, setChosenOptions] = useState<RequestOptionValues>({ priority: 'normal', team: '', note: '' });
  const requestOptions = { ...chosenOptions, team: chosenOptions.team || teams[0] || '' };
  const apiErrors = useFieldErrors();
  // Which button sent the form: both are submit buttons, so rjsf validates either way.
  const mode = useRef<'submit' | 'check'>('submit');
  // One key per content: sending the same request twice (a double click, a retry after a network error) is one request.
  const idempotencyKey = useRef<string | null>(null);
  const form = useQuery({ queryKey: ['offerings', 'form', item.id, item.version], queryFn: () => api.read('GET /api/v1/catalog/items/{item_id}/schema', { params: { item_id: item.id } }) });
  // The draft left by a reload of this tab; the offering's secret fields are dropped even from what is read back.
  const [restored] = useState(() => formDraft(tabStorage(), item, secretFieldIds(doc.presentation.fields)).load());
  const [values, setValues] = useState<Values>(restored ?? {});
  const [touched, setTouched] = useState<readonly string[]>([]);
  const [submitted, setSubmitted] = useState(false);
  const [draftShown, setDraftShown] = useState(restored !== null);
  // Kept only once the requester changed something: the defaults the form fills in by itself are no draft.
  const edited = useRef(restored !== null);
  const secrets = useMemo(() => secretFieldIds(doc.presentation.fields, form.data?.uiSchema, form.data?.schema), [doc, form.data]);
  const draft = useMemo(() => formDraft(tabStorage(), item, secrets), [item, secrets]);
  const labels = useMemo(() => new Map(doc.presentation.fields.map((f) => [f.id, f.label])), [doc]);
  const conditional = useMemo(() => doc.presentation.fields.filter((f) => f.visibleWhen).map((f) => f.id), [doc]);

  // Dependent data sources: read again whenever the fields they depend on change.
  const dependent = Object.entries(form.data?.dataSources ?? {}).filter(([, ds]) => ds.resolved === false);
  const options = useQueries({
    queries: dependent.map(([fieldId, ds]) => {
      const chosen = pick(values, ds.dependsOn ?? []);
      return {
        queryKey: ['offerings', 'options', item.id, fieldId, chosen],
        queryFn: () => api.read('GET /api/v1/catalog/items/{item_id}/options/{field_id}', { params: { item_id: item.id, field_id: fieldId }, query: { values: JSON.stringify(chosen) } }),
        staleTime: 60_000,
      };
    }),
  });

  const answersKey = options.map((o) => `${o.status}:${o.dataUpdatedAt}`).join();
  const fieldIds = useMemo(() => new Set(doc.presentation.fields.map((f) => f.id)), [doc]);

  const submitRequest = useMutation({
    mutationFn: (formData: Values) => {
      const body: RequestCreate = {
        offeringId: item.id,
        fields: formData,
        priority: requestOptions.priority,
        ...(requestOptions.team ? { team: requestOptions.team } : {}),
        ...(requestOptions.note.trim() ? { note: requestOptions.note.trim() } : {}),
      };
      idempotencyKey.current ??= globalThis.crypto.randomUUID();
      return api.read('POST /api/v1/requests', { body, idempotencyKey: idempotencyKey.current });
    },
    onSuccess: (request) => {
      draft.clear();
      edited.current = false;
      idempotencyKey.current = null;
      client.setQueryData(requestKey(request.id), request);
      void client.invalidateQueries({ queryKey: ['requests', 'list'] });
      toast({ intent: 'success', icon: 'tick', message: `${item.summary.name} requested` });
      navigate(`/requests/${encodeURIComponent(request.id)}`);
    },
    onError: (error) => apiErrors.fromApi(error, (path) => requestFieldOf(path, fieldIds)),
  });
  // The API's problems with the fields, on the fields (rjsf shows them like its own).
  const extraErrors = useMemo(() => {
    const out: Record<string, { __errors: string[] }> = {};
    for (const [field, message] of Object.entries(apiErrors.errors)) if (!field.startsWith('@')) out[field] = { __errors: [message] };
    return out as ErrorSchema<Values>;
  }, [apiErrors.errors]);
  const changeOptions = (next: RequestOptionValues) => {
    setChosenOptions(next);
    idempotencyKey.current = null;
    // Another team has other quotas: what was checked no longer says.
    if (next.team !== requestOptions.team) check.reset();
    for (const key of ['priority', 'team', 'note'] as const) if (next[key] !== requestOptions[key]) apiErrors.clear(`@${key}`);
  };

  const check = useMutation({
    mutationFn: (formData: Values) => api.read('POST /api/v1/preview/form', { body: { document: item.document, values: formData, ...(requestOptions.team ? { team: requestOptions.team } : {}) } }),
    // A request Apollo would accept is done with: its draft goes.
    onSuccess: (answer) => {
      if (!checkOutcome(answer).accepted) return;
      draft.clear();
      edited.current = false;
      setDraftShown(false);
    },
  });

  const { schema, uiSchema } = useMemo(() => {
    let schema: unknown = form.data?.schema ?? {};
    const uiSchema: UiSchema = { ...(form.data?.uiSchema as UiSchema | undefined) };
    dependent.forEach(([fieldId, ds], i) => {
      const answer = options[i]?.data;
      schema = withOptions(schema, fieldId, answer?.options);
      const waiting = answer?.waitingFor ?? (ds.dependsOn ?? []).filter((d) => values[d] === undefined);
      const ui = { ...(uiSchema[fieldId] as Record<string, unknown> | undefined) };
      if (waiting.length) Object.assign(ui, { 'ui:disabled': true, 'ui:placeholder': `Choose ${waiting.map((w) => labels.get(w) ?? w).join(' and ')} first` });
      else if (options[i]?.isPending) Object.assign(ui, { 'ui:disabled': true, 'ui:placeholder': 'Loading…' });
      else if (answer && answer.options.length === 0) Object.assign(ui, { 'ui:disabled': true, 'ui:placeholder': 'None available' });
      uiSchema[fieldId] = ui;
    });
    return { schema: schema as RJSFSchema, uiSchema };
    // `options` and `dependent` change identity every render; their answers are what matters.
  }, [form.data, answersKey, values, labels]);

  // A choice the new options no longer offer (another service's environments) is cleared.
  useEffect(() => {
    const stale = dependent.filter(([fieldId], i) => {
      const answer = options[i]?.data;
      const value = values[fieldId];
      return answer && value !== undefined && !answer.options.some((o) => o.value === value);
    });
    if (stale.length) setValues((v) => Object.fromEntries(Object.entries(v).filter(([k]) => !stale.some(([id]) => id === k))));
  }, [answersKey]);

  const outcome = check.data ? checkOutcome(check.data) : null;
  if (form.isPending) return <div className={Classes.SKELETON} style={{ height: 200 }} />;
  if (form.isError) return <ErrorState error={form.error} onRetry={() => void form.refetch()} />;
  if (!doc.presentation.fields.length) return <NonIdealState icon="form" title="Nothing to fill in" />;

  const formContext: BlueprintFormContext = {
    steps: form.data.steps,
    conditional,
    showErrorsFor: submitted ? 'all' : touched,
  };
  const touch = (id: string) => {
    const name = id.replace(/^root_/, '');
    setTouched((t) => (t.includes(name) ? t : [...t, name]));
  };

  // A field's errors show once it was left (then live as it changes), or everywhere after "Check request".
  const onChange = (e: IChangeEvent<Values>, id?: string) => {
    setValues(e.formData ?? {});
    check.reset();
    idempotencyKey.current = null;
    if (id) apiErrors.clear(id.replace(/^root_/, ''));
    if (id) edited.current = true;
    if (edited.current) draft.save(e.formData ?? {});
  };
  const clearDraft = () => {
    draft.clear();
    edited.current = false;
    setDraftShown(false);
    setValues({});
    setTouched([]);
    setSubmitted(false);
    check.reset();
    apiErrors.reset();
    idempotencyKey.current = null;
  };

  return (
    <div className="apollo-offering-form" data-testid="offering-form">
      {draftShown && (
        <p className={`${Classes.TEXT_MUTED} apollo-small apollo-offering-form-draft`} data-testid="draft-restored">
          <Icon icon="history" size={12} />
          <span>Restored what you had filled in before{secrets.size ? ' (secret fields are never kept)' : ''}.</span>
          <Button variant="minimal" size="small" text="Clear form" onClick={clearDraft} data-testid="draft-clear" />
        </p>
      )}
      <BlueprintForm
        schema={schema}
        uiSchema={uiSchema}
        formData={values}
        validator={validator}
        formContext={formContext}
        liveValidate="onChange"
        omitExtraData
        liveOmit="onChange"
        noHtml5Validate
        showErrorList={false}
        transformErrors={(errors) => humanErrors(errors, uiSchema)}
        onChange={onChange}
        onBlur={touch}
        // A select's first option is not a default: the requester chooses.
        experimental_defaultFormStateBehavior={{ constAsDefaults: 'never' }}
        extraErrors={extraErrors}
        onError={() => setSubmitted(true)}
        onSubmit={(e) => {
          setSubmitted(true);
          if (mode.current === 'check') check.mutate(e.formData ?? {});
          else submitRequest.mutate(e.formData ?? {});
        }}
      >
        <RequestOptions doc={doc} values={requestOptions} fieldValues={values} teams={teams} errors={apiErrors.errors} onChange={changeOptions} />
        {apiErrors.formError !== null && <div className="apollo-form-error"><ErrorState compact error={apiErrors.formError} /></div>}
        <div className="apollo-request-buttons">
          <Button type="submit" intent="primary" icon="send-message" text="Submit request" loading={submitRequest.isPending} onClick={() => { mode.current = 'submit'; }} data-testid="submit-request" />
          <Button type="submit" icon="tick" text="Check request" loading={check.isPending} disabled={submitRequest.isPending} onClick={() => { mode.current = 'check'; }} data-testid="check-request" />
        </div>
      </BlueprintForm>
      {check.isError && <ErrorState error={check.error} onRetry={() => check.mutate(values)} />}
      {outcome && (
        outcome.accepted ? (
          <Callout intent="success" icon="tick-circle" className="apollo-offering-form-result" data-testid="form-check-ok">
            This request is complete: Apollo would accept it (nothing was sent; Submit request sends it).
            {outcome.quota && <p className="apollo-offering-form-quota" data-testid="form-check-quota">{outcome.quota}</p>}
          </Callout>
        ) : (
          <Callout intent="warning" icon="warning-sign" className="apollo-offering-form-result" data-testid="form-check-issues" title="Apollo would refuse this request">
            <ul>
              {(check.data!.valueIssues ?? []).map((i) => <li key={`${i.path}-${i.code}`}><strong>{labels.get(i.path.slice(1)) ?? i.path}</strong> {i.message}</li>)}
              {outcome.quota && <li data-testid="form-check-quota">{outcome.quota}</li>}
            </ul>
          </Callout>
        )
      )}
    </div>
  );
}
