/**
 * The example offerings (examples/catalog) as `npm start` seeds them (with the demo teams and
 * services), over signed HTTP: browse, search, read; the request form with its data sources
 * resolved for the caller, a dependent data source's options; the validation report; and the
 * platform team's side-effect-free tools (validate, preview a form, test variables).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type {
  CatalogItem,
  CatalogItemCheckResult,
  CatalogItemForm,
  CatalogItemSource,
  CatalogList,
  CatalogOptions,
  CatalogSearchResult,
  CatalogValidationReport,
  FormPreviewResult,
  VariableTestResult,
} from '#schemas/index.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  expect(await seedDemoData({ baseUrl: h.runtime.url })).toContain('offerings-v1');
});
afterAll(async () => { await h.close(); });

const example = (id: string): string => readFileSync(new URL(`../../examples/catalog/${id}.yaml`, import.meta.url), 'utf8');

async function post<T>(path: string, body: unknown, role: Parameters<Harness['client']>[0] = 'viewer', status = 200): Promise<T> {
  const res = await h.client(role).send('POST', path, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body as T;
}

const errorOf = async (method: string, path: string, options: { query?: Record<string, string>; body?: unknown } = {}) => {
  const res = await h.client('developer').send(method, path, options);
  return { status: res.status, ...(res.body as { error: { code: string; message: string; details: Array<{ path: string; message: string }> } }).error };
};

const get = async <T>(path: string, query: Record<string, string> = {}, role: Parameters<Harness['client']>[0] = 'developer') => {
  const res = await h.client(role).send('GET', path, { query });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as T;
};

describe('the seeded example offerings', () => {
  it('are all stored and browsable', async () => {
    const list = await get<CatalogList>('/api/v1/catalog', {}, 'admin');
    expect(list.items.map((i) => i.id).sort()).toEqual(['access-request', 'dns-record', 'feature-environment', 'new-microservice-repository', 'postgresql-database', 's3-bucket']);
    const pg = list.items.find((i) => i.id === 'postgresql-database')!;
    expect(pg).toMatchObject({ name: 'PostgreSQL database', category: 'databases', owner: 'platform', version: '2.3.0', sla: '2h', icon: 'database', lifecycle: { state: 'active' } });
  });

  it("serves an offering's file as written, comments included, and hides it like the offering", async () => {
    const source = await get<CatalogItemSource>('/api/v1/catalog/items/postgresql-database/source');
    expect(source).toMatchObject({ itemId: 'postgresql-database', version: '2.3.0', source: { path: 'examples/catalog/postgresql-database.yaml' } });
    expect(source.text).toBe(example('postgresql-database'));
    expect((await errorOf('GET', '/api/v1/catalog/items/no-such-offering/source')).code).toBe('NotFound');
  });

  it('answers "PostgreSQL database" for a misspelled search', async () => {
    const found = await get<CatalogSearchResult>('/api/v1/catalog/search', { q: 'postgress databse' });
    expect(found.items[0]!.offering.id).toBe('postgresql-database');
  });

  it('reads one example with its source and a valid validation record', async () => {
    const item = await get<CatalogItem>('/api/v1/catalog/items/postgresql-database');
    expect(item.source).toEqual({ repo: 'local/examples', path: 'examples/catalog/postgresql-database.yaml', sha: expect.stringMatching(/^[0-9a-f]{40}$/), ownerTeam: 'platform' });
    expect(item.validation).toMatchObject({ valid: true, errors: [], currentVersion: '2.3.0', servingOlderVersion: false });
  });
});

describe('the request form', () => {
  it('compiles the document for @rjsf with the caller\'s own services resolved (mine: true) and the steps', async () => {
    // The local developer is in payments: "mine" services are payments' own.
    const form = await get<CatalogItemForm>('/api/v1/catalog/items/postgresql-database/schema');
    expect([form.itemId, form.version]).toEqual(['postgresql-database', '2.3.0']);
    expect(form.steps.map((s) => s.id)).toEqual(['basics', 'sizing', 'production']);
    expect(form.dataSources).toEqual({ service: { source: 'services', mine: true, resolved: true } });
    const text = JSON.stringify(form.schema);
    expect(text).toContain('billing-service');
    expect(text).not.toContain('core-service');
    // The local admin is in platform: theirs are platform's.
    const asAdmin = JSON.stringify((await get<CatalogItemForm>('/api/v1/catalog/items/postgresql-database/schema', {}, 'admin')).schema);
    expect(asAdmin).toContain('core-service');
    expect(asAdmin).not.toContain('billing-service');
  });

  it('leaves a dependent data source to the options route, which answers once the service is chosen', async () => {
    const form = await get<CatalogItemForm>('/api/v1/catalog/items/feature-environment/schema');
    expect(form.dataSources.base_environment).toEqual({ source: 'service-environments', dependsOn: ['service'], resolved: false });
    const path = '/api/v1/catalog/items/feature-environment/options/base_environment';
    expect(await get<CatalogOptions>(path)).toEqual({ itemId: 'feature-environment', fieldId: 'base_environment', source: 'service-environments', options: [], waitingFor: ['service'] });
    const chosen = await get<CatalogOptions>(path, { values: JSON.stringify({ service: 'core-service' }) });
    expect(chosen.options).toEqual([{ value: 'prod', label: 'prod' }, { value: 'staging', label: 'staging' }, { value: 'dev', label: 'dev' }]);
    expect((await get<CatalogOptions>(path, { service: 'core-service' })).options).toEqual(chosen.options);
  });

  it('refuses unknown fields, an unknown service and a field without a data source, with paths', async () => {
    const path = '/api/v1/catalog/items/feature-environment/options/base_environment';
    expect(await errorOf('GET', path, { query: { colour: 'red', values: '{"size":1}' } })).toMatchObject({
      code: 'ValidationError', details: [{ path: '/query/values/size', message: 'unknown field' }, { path: '/query/colour', message: 'unknown field' }],
    });
    expect(await errorOf('GET', path, { query: { service: 'no-such-service' } })).toMatchObject({ code: 'ValidationError', details: [{ path: '/query/values/service', message: 'no such service' }] });
    expect(await errorOf('GET', path, { query: { values: '[1]' } })).toMatchObject({ details: [{ path: '/query/values', message: 'not a JSON object' }] });
    expect((await errorOf('GET', '/api/v1/catalog/items/feature-environment/options/branch')).status).toBe(404);
    expect((await errorOf('GET', '/api/v1/catalog/items/feature-environment/options/nothing')).status).toBe(404);
    expect((await errorOf('GET', '/api/v1/catalog/items/nothing/schema')).status).toBe(404);
  });
});

describe('the validation report', () => {
  it('answers the stored record and a fresh check of the version served', async () => {
    const report = await get<CatalogValidationReport>('/api/v1/catalog/validation/postgresql-database', {}, 'viewer');
    expect(report.stored).toMatchObject({ itemId: 'postgresql-database', valid: true, currentVersion: '2.3.0' });
    expect(report.fresh).toMatchObject({ version: '2.3.0', valid: true, errors: [] });
    expect((await errorOf('GET', '/api/v1/catalog/validation/nothing')).status).toBe(404);
  });
});

describe('the platform team\'s tools', () => {
  it('validates every example with no errors, from YAML and from JSON', async () => {
    for (const id of ['access-request', 'feature-environment', 'new-microservice-repository', 'postgresql-database', 's3-bucket']) {
      const result = await post<CatalogItemCheckResult>('/api/v1/validate/catalog-item', { yaml: example(id) });
      expect({ id, valid: result.valid, errors: result.errors }).toEqual({ id, valid: true, errors: [] });
      expect(result.summary).toMatchObject({ id, canRequest: false, requestBlockedReason: 'Your role (viewer) cannot create requests.' });
    }
    const item = await get<CatalogItem>('/api/v1/catalog/items/s3-bucket');
    expect((await post<CatalogItemCheckResult>('/api/v1/validate/catalog-item', { document: item.document })).valid).toBe(true);
  });

  it('reports a broken document\'s errors with paths and YAML lines, and stores nothing', async () => {
    const broken = example('s3-bucket').replace(/^ {2}category: .*$/m, '  category: search').replace(/^ {2}version: .*$/m, '  version: one');
    const result = await post<CatalogItemCheckResult>('/api/v1/validate/catalog-item', { yaml: broken });
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/metadata/category', '/metadata/version']));
    expect(result.errors.every((e) => e.severity === 'error' && typeof e.line === 'number')).toBe(true);
    expect(result.summary).toBeUndefined();
    const syntax = await post<CatalogItemCheckResult>('/api/v1/validate/catalog-item', { yaml: 'metadata: [unclosed' });
    expect(syntax.valid).toBe(false);
    expect(syntax.errors[0]!.line).toBe(1);
    expect((await get<CatalogItem>('/api/v1/catalog/items/s3-bucket')).summary.category).toBe('storage');
  });

  it('refuses a body with both YAML and JSON, or neither, and unknown fields', async () => {
    expect((await errorOf('POST', '/api/v1/validate/catalog-item', { body: { yaml: 'a: 1', document: {} } })).status).toBe(400);
    expect((await errorOf('POST', '/api/v1/validate/catalog-item', { body: {} })).status).toBe(400);
    expect(await errorOf('POST', '/api/v1/validate/catalog-item', { body: { yaml: 'a: 1', extra: true } })).toMatchObject({ status: 400, details: expect.arrayContaining([{ path: '/body/extra', message: 'unknown field' }]) });
  });

  it('previews a form: the production fields appear when environment is prod, and values are checked', async () => {
    const dev = await post<FormPreviewResult>('/api/v1/preview/form', { yaml: example('postgresql-database'), values: { environment: 'dev' } });
    const prod = await post<FormPreviewResult>('/api/v1/preview/form', { yaml: example('postgresql-database'), values: { environment: 'prod', db_name: 'X' } });
    expect(dev.valid).toBe(true);
    expect(dev.form!.steps.map((s) => s.id)).toEqual(['basics', 'sizing', 'production']);
    expect(dev.visibleFields).not.toContain('multi_az');
    expect(prod.visibleFields).toEqual(expect.arrayContaining(['multi_az', 'backup_retention_days']));
    expect(prod.valueIssues!.map((i) => i.path)).toEqual(expect.arrayContaining(['/db_name', '/service']));
    // A chosen service must be one the caller may choose (mine: payments' own for the local developer).
    const notMine = await post<FormPreviewResult>('/api/v1/preview/form', { yaml: example('postgresql-database'), values: { service: 'core-service' } }, 'developer');
    const mine = await post<FormPreviewResult>('/api/v1/preview/form', { yaml: example('postgresql-database'), values: { service: 'billing-service' } }, 'developer');
    expect(notMine.valueIssues!.filter((i) => i.path === '/service')).toHaveLength(1);
    expect(mine.valueIssues!.filter((i) => i.path === '/service')).toEqual([]);
    const invalid = await post<FormPreviewResult>('/api/v1/preview/form', { yaml: 'schemaVersion: "2.0"' });
    expect([invalid.valid, invalid.form, invalid.errors.length > 0]).toEqual([false, undefined, true]);
  });

  it('renders templates with sample data in preview mode: types kept, secrets masked, each variable\'s source, unknown ones named', async () => {
    const result = await post<VariableTestResult>('/api/v1/test/variables', {
      yaml: example('postgresql-database'),
      templates: { workspace: 'pg-{{fields.db_name | slug}}-{{fields.environment}}', storage: '{{fields.storage_gb}}', token: '{{secrets.tf_token}}', password: '{{fields.admin_password}}', who: '{{request.requester}}', oops: '{{fields.colour}}' },
      context: { fields: { db_name: 'Orders_DB', environment: 'prod', storage_gb: 50, admin_password: 'hunter2' } },
    }, 'developer');
    const rendered = result.rendered as Record<string, unknown>;
    expect(rendered.workspace).toBe('pg-orders-db-prod');
    expect(rendered.storage).toBe(50);
    expect(rendered.who).toBe('developer@apollo.local');
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(result.uses.find((u) => u.key === 'environment')).toMatchObject({ where: '/workspace', scope: 'fields', value: 'prod' });
    expect(result.errors).toEqual([expect.objectContaining({ where: '/oops', variable: 'fields.colour' })]);
  });

  it('shows an action output as a placeholder until a sample gives it, then uses the sample', async () => {
    const templates = { endpoint: '{{output.provision.endpoint}}' };
    const before = await post<VariableTestResult>('/api/v1/test/variables', { templates }, 'developer');
    const after = await post<VariableTestResult>('/api/v1/test/variables', { templates, context: { output: { provision: { endpoint: 'db.internal:5432' } } } }, 'developer');
    expect([before.rendered, before.errors]).toEqual([{ endpoint: '‹output:provision.endpoint›' }, []]);
    expect([after.rendered, after.errors]).toEqual([{ endpoint: 'db.internal:5432' }, []]);
  });
});
