/**
 * The offering studio (/studio, /studio?item=<id>): a platform engineer edits an offering's YAML and sees, side by
 * side, what Apollo says about it (POST /api/v1/validate/catalog-item: errors with lines, warnings, hints; a click
 * jumps to the line), the request form it makes (compiled here with the same compileForm the API uses; data
 * sources are filled in the real form) and its templates rendered with the form's values
 * (POST /api/v1/test/variables: where each variable came from, secrets masked), and a dry run of a request's
 * fulfilment (the Simulate tab, ./simulate-tab.tsx: POST /api/v1/simulate/fulfillment). Nothing is stored: changes reach
 * the catalog through its Git repository.
 */
import { Button, Callout, Classes, Code, HTMLTable, Icon, NonIdealState, Section, SectionCard, Tab, Tabs, Tag, Tooltip } from '@blueprintjs/core';
import { yaml as yamlLanguage } from '@codemirror/lang-yaml';
import validator from '@rjsf/validator-ajv8';
import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import CodeMirror, { type EditorView } from '@uiw/react-codemirror';
import { useEffect, useMemo, useRef, useState } from 'react';
import { parse, stringify } from 'yaml';
import type { CatalogItem, CatalogItemCheckResult, CatalogItemV2, DocumentIssue, VariableTest, VariableTestResult } from '../../../../schemas/types.gen.ts';
import { compileForm, type CompiledForm } from '../../../../shared/offerings/form.ts';
import starter from '../../../../examples/catalog/postgresql-database.yaml?raw';
import { ErrorState } from '../../components/error-state.tsx';
import { BlueprintForm, type BlueprintFormContext } from '../../components/rjsf-blueprint.tsx';
import { humanErrors } from '../../components/rjsf-errors.ts';
import { PageHeader } from '../../components/shell.tsx';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { useTheme } from '../../lib/store.ts';
import { SimulateTab } from './simulate-tab.tsx';
import './studio.css';

type Values = Record<string, unknown>;

/** A value that settles: the latest one once it stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

const SEVERITY = {
  error: { icon: 'error', intent: 'danger', label: 'Errors' },
  warning: { icon: 'warning-sign', intent: 'warning', label: 'Warnings' },
  hint: { icon: 'lightbulb', intent: 'primary', label: 'Hints' },
} as const;

function Issues({ check, onJump }: { check: CatalogItemCheckResult; onJump(line: number): void }) {
  const all: DocumentIssue[] = [...check.errors, ...check.warnings, ...check.hints];
  if (all.length === 0) {
    return <Callout intent="success" icon="tick-circle" data-testid="studio-valid">Valid: no errors, warnings or hints.</Callout>;
  }
  return (
    <ul className="apollo-studio-issues" data-testid="studio-issues">
      {all.map((issue, i) => {
        const s = SEVERITY[issue.severity];
        return (
          <li key={`${issue.severity}-${issue.path}-${issue.code}-${i}`} data-testid="studio-issue" data-severity={issue.severity} data-code={issue.code} data-line={issue.line ?? ''}>
            <Icon icon={s.icon} intent={s.intent} size={14} />
            <div>
              <div>
                {issue.line !== undefined
                  ? <Button minimal small className="apollo-studio-line" text={`line ${issue.line}`} onClick={() => onJump(issue.line!)} />
                  : null}
                <Code className="apollo-break">{issue.path || '/'}</Code>
              </div>
              <div>{issue.message} <span className={`${Classes.TEXT_MUTED} apollo-small`}>({issue.code})</span></div>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function LiveForm({ form, stale, values, onValues }: { form: CompiledForm; stale: boolean; values: Values; onValues(v: Values): void }) {
  const uiSchema = useMemo<UiSchema>(() => {
    const ui: UiSchema = { ...(form.uiSchema as UiSchema), 'ui:submitButtonOptions': { norender: true } };
    // In the real form the API fills these from Apollo; here they are plain inputs that say where options come from.
    for (const [id, ds] of Object.entries(form.dataSources)) {
      ui[id] = { ...(ui[id] as object | undefined), 'ui:placeholder': `a value from ${ds.source}${ds.dependsOn ? ` (given ${ds.dependsOn.join(', ')})` : ''}` };
    }
    return ui;
  }, [form]);
  const context: BlueprintFormContext = { steps: form.steps };
  return (
    <div data-testid="studio-form">
      {stale && <Callout intent="warning" icon="history" className="apollo-studio-note" data-testid="studio-form-stale">The document has errors: this is the form of its last valid version.</Callout>}
      <BlueprintForm
        schema={form.schema as RJSFSchema}
        uiSchema={uiSchema}
        formData={values}
        validator={validator}
        formContext={context}
        liveValidate="onChange"
        omitExtraData
        liveOmit="onChange"
        noHtml5Validate
        showErrorList={false}
        experimental_defaultFormStateBehavior={{ constAsDefaults: 'never' }}
        transformErrors={(errors) => humanErrors(errors, uiSchema)}
        onChange={(e) => onValues(e.formData ?? {})}
      />
    </div>
  );
}

function Variables({ result, isFetching }: { result: VariableTestResult | undefined; isFetching: boolean }) {
  if (!result) return <div className={Classes.SKELETON} style={{ height: 160 }} />;
  return (
    <div data-testid="studio-variables" className={isFetching ? 'apollo-studio-refreshing' : undefined}>
      {result.errors.length > 0 && (
        <Callout intent="danger" icon="error" className="apollo-studio-note" title={`${result.errors.length} ${result.errors.length === 1 ? 'problem' : 'problems'}`} data-testid="studio-variable-errors">
          <ul>{result.errors.map((e, i) => <li key={i}><Code>{e.where || '/'}</Code> {e.message}</li>)}</ul>
        </Callout>
      )}
      <h3 className="apollo-subheading">Where each value came from</h3>
      {result.uses.length === 0 ? <p className={Classes.TEXT_MUTED}>No variables.</p> : (
        <HTMLTable compact striped className="apollo-studio-uses" data-testid="studio-uses">
          <thead><tr><th>Variable</th><th>Value</th><th>From</th><th>Where</th></tr></thead>
          <tbody>
            {result.uses.map((u, i) => (
              <tr key={i}>
                <td><Code className="apollo-break">{`{{${u.expression}}}`}</Code></td>
                <td className="apollo-mono apollo-break">{typeof u.value === 'string' ? u.value : JSON.stringify(u.value)}</td>
                <td className="apollo-small">{u.source}</td>
                <td className={`${Classes.TEXT_MUTED} apollo-mono apollo-small apollo-break`}>{u.where}</td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      )}
      <h3 className="apollo-subheading">Rendered (preview: secrets masked, outputs as placeholders)</h3>
      <pre className="apollo-studio-rendered" data-testid="studio-rendered">{stringify(result.rendered)}</pre>
    </div>
  );
}

/**
 * Sample data for what only exists once a request runs: its id, and each action's declared outputs as a marker
 * naming it (‹provision.endpoint›), so a template reads as it will.
 */
function sampleContext(doc: CatalogItemV2, fields: Values) {
  const actions = doc.fulfillment.type === 'automated' ? [...doc.fulfillment.actions, ...(doc.fulfillment.rollbackActions ?? [])] : [];
  const output = Object.fromEntries(actions.map((a) => [a.id, Object.fromEntries((a.outputs ?? []).map((o) => [o.name, `‹${a.id}.${o.name}›`]))]));
  return { fields, request: { id: 'req-studio-preview' }, output };
}

/** What a document's templates are: its fulfilment and monitoring. */
function templatesOf(doc: CatalogItemV2): VariableTest['templates'] {
  return { fulfillment: doc.fulfillment, ...(doc.monitoring ? { monitoring: doc.monitoring } : {}) };
}

function Studio({ initial, source }: { initial: string; source?: CatalogItem }) {
  const { api } = useServices();
  const theme = useTheme();
  const [text, setText] = useState(initial);
  const [values, setValues] = useState<Values>({});
  const [tab, setTab] = useState<'form' | 'variables' | 'schema' | 'simulate'>('form');
  const view = useRef<EditorView | null>(null);
  const settled = useDebounced(text, 400);
  const settledValues = useDebounced(values, 400);

  const check = useQuery({
    queryKey: ['studio', 'check', settled],
    queryFn: () => api.read('POST /api/v1/validate/catalog-item', { body: { yaml: settled } }),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });

  // The form of the last valid version, so a typo mid-edit doesn't blank it.
  const [good, setGood] = useState<{ doc: CatalogItemV2; form: CompiledForm } | null>(null);
  const checkedText = check.data && !check.isPlaceholderData ? settled : undefined;
  useEffect(() => {
    if (checkedText === undefined || !check.data?.valid) return;
    try {
      const doc = parse(checkedText) as CatalogItemV2;
      setGood({ doc, form: compileForm(doc) });
    } catch {
      // Valid for the API means parseable here; nothing to do if not.
    }
  }, [checkedText, check.data]);

  const variables = useQuery({
    queryKey: ['studio', 'variables', good?.doc, settledValues],
    queryFn: () => api.read('POST /api/v1/test/variables', { body: { templates: templatesOf(good!.doc), document: good!.doc as unknown as VariableTest['document'], context: sampleContext(good!.doc, settledValues) } }),
    enabled: good !== null && tab === 'variables',
    placeholderData: keepPreviousData,
  });

  const jump = (line: number) => {
    const editor = view.current;
    if (!editor) return;
    const target = editor.state.doc.line(Math.min(Math.max(line, 1), editor.state.doc.lines));
    editor.dispatch({ selection: { anchor: target.from, head: target.to }, scrollIntoView: true });
    editor.focus();
  };

  const counts = check.data ? { error: check.data.errors.length, warning: check.data.warnings.length, hint: check.data.hints.length } : undefined;
  return (
    <div className="apollo-studio" data-testid="studio">
      <div className="apollo-studio-editor">
        <Section
          title={source ? <>Editing <Link to={`/self-service/${encodeURIComponent(source.id)}`}>{source.summary.name}</Link></> : 'Offering YAML'}
          icon="code"
          className="apollo-section"
          rightElement={counts && (
            <span className="apollo-studio-counts" data-testid="studio-counts">
              {(['error', 'warning', 'hint'] as const).map((s) => <Tag key={s} minimal intent={counts[s] ? SEVERITY[s].intent : 'none'} icon={SEVERITY[s].icon}>{counts[s]}</Tag>)}
              {check.isFetching && <Tag minimal>checking…</Tag>}
            </span>
          )}
        >
          <SectionCard padded={false}>
            <CodeMirror
              value={text}
              height="62vh"
              theme={theme}
              extensions={[yamlLanguage()]}
              onChange={setText}
              onCreateEditor={(editor) => { view.current = editor; }}
              basicSetup={{ foldGutter: true, highlightActiveLine: true }}
              data-testid="studio-editor"
            />
          </SectionCard>
        </Section>
        <Section title="What Apollo says" icon="diagnosis" className="apollo-section">
          <SectionCard>
            {check.isError ? <ErrorState error={check.error} onRetry={() => void check.refetch()} /> : check.data ? <Issues check={check.data} onJump={jump} /> : <div className={Classes.SKELETON} style={{ height: 60 }} />}
          </SectionCard>
        </Section>
      </div>
      <div className="apollo-studio-preview">
        <Section title="Preview" icon="eye-open" className="apollo-section">
          <SectionCard>
            <Tabs id="studio-tabs" selectedTabId={tab} onChange={(id) => setTab(id as typeof tab)}>
              <Tab id="form" title="Request form" />
              <Tab id="variables" title={<span data-testid="studio-tab-variables">Variables</span>} />
              <Tab id="schema" title={<span data-testid="studio-tab-schema">JSON Schema</span>} />
              <Tab id="simulate" title={<span data-testid="studio-tab-simulate">Simulate</span>} />
            </Tabs>
            <div className="apollo-studio-tab">
              {good === null
                ? <NonIdealState icon="form" title="No form yet" description="The form appears once the document has no errors." />
                : tab === 'simulate'
                  ? <SimulateTab doc={good.doc} formValues={values} />
                  : tab === 'form'
                  ? <LiveForm form={good.form} stale={check.data?.valid === false} values={values} onValues={setValues} />
                  : tab === 'schema'
                    ? (
                      <>
                        <p className={`${Classes.TEXT_MUTED} apollo-small`}>What <Code>GET /api/v1/catalog/items/&lt;id&gt;/schema</Code> serves for @rjsf/core (there with the data sources resolved for the caller).</p>
                        <pre className="apollo-studio-rendered" data-testid="studio-schema">{JSON.stringify(good.form, null, 2)}</pre>
                      </>
                    )
                    : variables.isError ? <ErrorState error={variables.error} onRetry={() => void variables.refetch()} /> : <Variables result={variables.data} isFetching={variables.isFetching} />}
            </div>
          </SectionCard>
        </Section>
      </div>
    </div>
  );
}

export function StudioPage() {
  const { api } = useServices();
  const item = new URLSearchParams(useSearch()).get('item');
  const offering = useQuery({
    queryKey: ['offerings', 'one', item],
    queryFn: () => api.read('GET /api/v1/catalog/items/{item_id}', { params: { item_id: item! } }),
    enabled: item !== null,
  });
  // The file as written (comments, layout); a version stored before Apollo kept it, or a failed read,
  // falls back to YAML rebuilt from the document.
  const file = useQuery({
    queryKey: ['offerings', 'one', item, 'source'],
    queryFn: () => api.read('GET /api/v1/catalog/items/{item_id}/source', { params: { item_id: item! } }),
    enabled: item !== null,
    retry: false,
  });
  const initialText = (document: CatalogItem['document']): string =>
    (file.data && file.data.version === offering.data?.version ? file.data.text : null) ?? stringify(document, { lineWidth: 0, blockQuote: 'literal' });
  const description = (
    <>Edit an offering's Schema v2.0 YAML: Apollo checks it as you type, and shows the request form it makes and its templates rendered with the form's values. Nothing is stored here: offerings change through the catalog repository.</>
  );
  return (
    <div className="apollo-page apollo-page-studio">
      <PageHeader title={<><Icon icon="code-block" size={22} /> Offering studio</>} description={description}
        actions={<Tooltip content="Start from the PostgreSQL example"><Button icon="document" text="New from example" onClick={() => navigate('/studio')} /></Tooltip>} />
      {item === null
        ? <Studio key="example" initial={starter} />
        : offering.isPending || file.isPending ? <div className={Classes.SKELETON} style={{ height: 400 }} />
          : offering.isError ? <ErrorState error={offering.error} onRetry={() => void offering.refetch()} />
            : <Studio key={offering.data.id} initial={initialText(offering.data.document)} source={offering.data} />}
    </div>
  );
}
