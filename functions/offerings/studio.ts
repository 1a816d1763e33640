/**
 * The platform team's tools, side-effect free: check a document, preview its form (and, for values, the quota
 * outcome submit would give), render templates with sample data. Nothing is stored or reserved; secrets are never
 * resolved (preview mode masks them and secret fields alike).
 */
import type { CatalogItemCheck, CatalogItemCheckResult, FormPreview, FormPreviewResult, VariableTest, VariableTestResult } from '#schemas/index.ts';
import { checkCatalogDocument, checkCatalogYaml, type DocumentCheck } from '#shared/offerings/document/index';
import { checkFormValues, compileForm, visibleFields, visibleValues, type CompiledForm } from '#shared/offerings/form';
import { render, type VariableContext } from '#shared/variables/index';
import { checkQuota } from '#functions/requests/public';
import { config } from '#lib/config';
import { resolveStaticSources, type Directories, type FormOption } from './data-sources.ts';
import { withDefaults } from './request-check.ts';
import { secretFieldsOf, toSummary, type Caller, type OfferingDocument } from './shapes.ts';

type Source = { yaml?: string; document?: Record<string, unknown> };

/** Checks the document given as YAML or as JSON. */
export function checkSource(source: Source): DocumentCheck {
  return source.yaml !== undefined ? checkCatalogYaml(source.yaml) : checkCatalogDocument(source.document);
}

const issuesOf = (check: DocumentCheck) => ({ errors: check.errors, warnings: check.warnings, hints: check.hints });

/** How a valid document would list for the caller (owned by its metadata's team, as the refresh would store it without CODEOWNERS). */
function summaryOf(doc: OfferingDocument, caller: Caller) {
  const now = new Date().toISOString();
  return toSummary({ id: doc.metadata.id, version: doc.metadata.version, document: doc, source: { repo: '', path: '', sha: '', ownerTeam: doc.metadata.owner }, storedAt: now, updatedAt: now }, caller);
}

export function validateCatalogItem(body: CatalogItemCheck, caller: Caller): CatalogItemCheckResult {
  const check = checkSource(body);
  return { valid: check.errors.length === 0, ...issuesOf(check), ...(check.document ? { summary: summaryOf(check.document, caller) } : {}) };
}

/** The compiled form with its data sources resolved for the caller; dependent sources say they are read per choice. */
export async function compileFormFor(doc: OfferingDocument, caller: Caller, dirs: Directories): Promise<CompiledForm & { dataSources: Record<string, { resolved: boolean }>; resolved: Record<string, FormOption[]> }> {
  const resolved: Record<string, FormOption[]> = await resolveStaticSources(doc, caller, dirs);
  const form = compileForm(doc, { resolved });
  const dataSources = Object.fromEntries(Object.entries(form.dataSources).map(([id, source]) => [id, { ...source, resolved: id in resolved }]));
  return { ...form, dataSources, resolved };
}

export async function previewForm(body: FormPreview, caller: Caller, dirs: Directories): Promise<FormPreviewResult> {
  const check = checkSource(body);
  const doc = check.document;
  if (!doc || check.errors.length) return { valid: false, ...issuesOf(check) };
  const values = (body.values ?? {}) as Record<string, unknown>;
  const form = await compileFormFor(doc, caller, dirs);
  return {
    valid: true,
    ...issuesOf(check),
    form: { schema: form.schema as Record<string, unknown>, uiSchema: form.uiSchema, steps: form.steps, dataSources: form.dataSources },
    visibleFields: visibleFields(doc, values),
    // A chosen service or team is checked against what the caller may choose from.
    ...(body.values ? { valueIssues: checkFormValues(doc, values, { resolved: form.resolved }) } : {}),
    // What submit would reserve, only read: over quota, the request form says so before it is sent.
    ...(body.values ? { quota: await checkQuota(doc, visibleValues(doc, withDefaults(doc, values)), body.team ?? caller.teams[0] ?? null) } : {}),
  };
}

/** Renders templates in preview mode. The caller stands in for the user and requester unless the sample context says otherwise. */
export function testVariables(body: VariableTest, caller: Caller): VariableTestResult {
  let doc: OfferingDocument | undefined;
  let documentErrors: DocumentCheck['errors'] | undefined;
  if (body.yaml !== undefined || body.document !== undefined) {
    const check = checkSource(body);
    if (check.document && check.errors.length === 0) doc = check.document;
    else documentErrors = check.errors;
  }
  const sample = body.context ?? {};
  const cfg = config();
  const context: VariableContext = {
    fields: sample.fields ?? {},
    metadata: { ...(doc?.metadata ?? {}), ...(sample.metadata ?? {}) },
    request: { requester: caller.principal, ...(caller.teams[0] ? { team: caller.teams[0] } : {}), ...(sample.request ?? {}) },
    user: sample.user ?? { email: caller.principal, role: caller.role ?? 'none', teams: [...caller.teams] },
    team: sample.team ?? (caller.teams[0] ? { id: caller.teams[0] } : {}),
    system: { region: sample.system?.region ?? cfg.region, stage: sample.system?.stage ?? cfg.stage, ...(sample.system?.now ? { now: new Date(sample.system.now) } : {}) },
    env: sample.env ?? {},
    // Absent sample outputs/approval show as placeholders (‹output:create_repo.url›): they exist only once
    // the request runs. Given ones are used as they are, so a test can check a template against them.
    ...(sample.output ? { output: sample.output as Record<string, Record<string, unknown>> } : {}),
    ...(sample.approval ? { approval: sample.approval } : {}),
    secretFields: doc ? secretFieldsOf(doc) : [],
  };
  const result = render(body.templates, context, { mode: 'preview' });
  // The engine renders JSON in, JSON out: a value of the schema's any-JSON type.
  return { rendered: result.value as VariableTestResult['rendered'], uses: result.uses as VariableTestResult['uses'], errors: result.errors, ...(documentErrors ? { documentErrors } : {}) };
}
