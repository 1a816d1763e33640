import { readFileSync } from 'node:fs';
import { retrieveSchema, type RJSFSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CatalogItemV2 } from '#schemas/index.ts';
import { checkFormValues, compileForm, visibleFields, visibleValues } from './form.ts';

const example = (name: string) => parse(readFileSync(new URL(`../../examples/catalog/${name}.yaml`, import.meta.url), 'utf8')) as CatalogItemV2;
const postgres = example('postgresql-database');
const feature = example('feature-environment');
const access = example('access-request');

/** What the web form does: rjsf's validator over the compiled schema. Returns the failing properties. */
function rjsfErrors(doc: CatalogItemV2, values: Record<string, unknown>, resolved?: Parameters<typeof compileForm>[1]): string[] {
  const { schema } = compileForm(doc, resolved);
  const { errors } = validator.validateFormData(values, schema as RJSFSchema);
  // rjsf also reports the if/then that failed ('must match "then" schema'): the field's own error says it.
  return [...new Set(errors.filter((e) => e.name !== 'if').map((e) => (e.property ?? '').replace(/^\./, '')))].sort();
}
const serverErrors = (doc: CatalogItemV2, values: Record<string, unknown>, resolved?: Parameters<typeof compileForm>[1]) =>
  [...new Set(checkFormValues(doc, values, resolved).map((i) => i.path.slice(1)))].sort();
/** The fields rjsf renders for these values (if/then resolved against them). */
const rendered = (doc: CatalogItemV2, values: Record<string, unknown>) =>
  Object.keys((retrieveSchema(validator, compileForm(doc).schema as RJSFSchema, compileForm(doc).schema as RJSFSchema, values).properties ?? {}));

const goodDev = { service: 'billing-service', db_name: 'orders', environment: 'dev', instance_class: 'db.t4g.medium', storage_gb: 20, engine_version: '16' };
const goodProd = { ...goodDev, environment: 'prod', multi_az: true, backup_retention_days: 14, maintenance_window: 'sun:03:00-sun:04:00' };

describe('the compiled request form', () => {
  it('validates good values in the browser and on the server alike', () => {
    for (const values of [goodDev, goodProd]) {
      expect(rjsfErrors(postgres, values)).toEqual([]);
      expect(checkFormValues(postgres, values)).toEqual([]);
    }
  });

  it('rejects bad values in the browser and on the server alike, naming each field', () => {
    const bad = { ...goodProd, db_name: 'Orders!', storage_gb: 10, instance_class: 'db.huge', backup_retention_days: 90, engine_version: 16 };
    const expected = ['backup_retention_days', 'db_name', 'engine_version', 'instance_class', 'storage_gb'];
    expect(rjsfErrors(postgres, bad)).toEqual(expected);
    expect(serverErrors(postgres, bad)).toEqual(expected);
    expect(checkFormValues(postgres, bad).find((i) => i.path === '/db_name')).toEqual({
      path: '/db_name', code: 'pattern', severity: 'error', message: 'must be 3 to 31 lowercase letters, digits or underscores, starting with a letter',
    });
  });

  it('shows the production fields only when environment is prod, and requires backup retention there', () => {
    expect(rendered(postgres, goodDev)).not.toContain('multi_az');
    expect(rendered(postgres, goodProd)).toEqual(expect.arrayContaining(['multi_az', 'backup_retention_days', 'maintenance_window', 'admin_password']));
    expect(visibleFields(postgres, goodDev)).toEqual(['service', 'db_name', 'environment', 'instance_class', 'storage_gb', 'engine_version']);

    const { backup_retention_days: _omitted, ...prodWithoutRetention } = goodProd;
    expect(rjsfErrors(postgres, prodWithoutRetention)).toEqual(['backup_retention_days']);
    expect(serverErrors(postgres, prodWithoutRetention)).toEqual(['backup_retention_days']);
    // In dev the same field is hidden: a stale value is ignored, not an error, and not kept.
    expect(rjsfErrors(postgres, { ...goodDev, backup_retention_days: 999 })).toEqual([]);
    expect(checkFormValues(postgres, { ...goodDev, backup_retention_days: 999 })).toEqual([]);
    expect(visibleValues(postgres, { ...goodDev, backup_retention_days: 999 })).toEqual(goodDev);
  });

  it('requires what a condition requires, including through all / not', () => {
    const base = { team: 'payments', access_level: 'operator', justification: 'Investigating INC-1234: checkout latency in eu-west-1.', expires_on: '2026-12-01' };
    expect(rjsfErrors(access, base)).toEqual(['manager_email']);
    expect(serverErrors(access, base)).toEqual(['manager_email']);
    expect(rjsfErrors(access, { ...base, team: 'platform' })).toEqual([]);
    expect(checkFormValues(access, { ...base, team: 'platform' })).toEqual([]);
    expect(rjsfErrors(access, { ...base, manager_email: 'not-an-email' })).toEqual(['manager_email']);
    expect(serverErrors(access, { ...base, manager_email: 'not-an-email' })).toEqual(['manager_email']);
    expect(serverErrors(access, { ...base, manager_email: 'lee@acme.dev', expires_on: '2026-02-30' })).toEqual(['expires_on']);
  });

  it('has the ui schema rjsf needs: order, widgets, help, placeholders, a password box for secrets', () => {
    const { uiSchema, steps } = compileForm(postgres);
    expect(uiSchema['ui:order']).toEqual([...postgres.presentation.fields.map((f) => f.id), '*']);
    expect(uiSchema.admin_password).toMatchObject({ 'ui:widget': 'password', 'ui:help': expect.stringContaining('Leave empty') });
    expect(uiSchema.db_name).toMatchObject({ 'ui:placeholder': 'orders', 'ui:options': { patternMessage: expect.any(String) } });
    expect(steps.map((s) => [s.id, s.fields])).toEqual([
      ['basics', ['service', 'db_name', 'environment']],
      ['sizing', ['instance_class', 'storage_gb', 'engine_version']],
      ['production', ['multi_az', 'backup_retention_days', 'maintenance_window', 'admin_password']],
    ]);
    // A secret's default (an error in a document) never reaches the browser.
    const leaky: CatalogItemV2 = { ...postgres, presentation: { ...postgres.presentation, fields: postgres.presentation.fields.map((f) => (f.type === 'secret' ? { ...f, default: 'hunter2' } : f)) } };
    expect(JSON.stringify(compileForm(leaky).schema)).not.toContain('hunter2');
    expect(JSON.stringify(compileForm(leaky).schema)).toContain('"default":"dev"');
  });

  it('leaves data sources as markers, and uses options once the API resolves them', () => {
    const form = compileForm(feature);
    expect(form.dataSources).toEqual({ service: { source: 'services' }, base_environment: { source: 'service-environments', dependsOn: ['service'] } });
    expect((form.schema as { properties: Record<string, unknown> }).properties.base_environment).toEqual({ title: 'Copy the configuration of', type: 'string' });

    const resolved = { resolved: { service: [{ value: 'billing-service', label: 'Billing Service' }], base_environment: [{ value: 'staging', label: 'staging' }, { value: 'prod', label: 'prod' }] } };
    const values = { service: 'billing-service', base_environment: 'qa', branch: 'feature/x', replicas: 1, expires_on: '2026-12-01' };
    expect(rjsfErrors(feature, values, resolved)).toEqual(['base_environment']);
    expect(serverErrors(feature, values, resolved)).toEqual(['base_environment']);
    expect(rjsfErrors(feature, { ...values, base_environment: 'staging' }, resolved)).toEqual([]);
    // seed_data is shown unless the base is prod.
    expect(visibleFields(feature, { ...values, base_environment: 'prod' })).not.toContain('seed_data');
    expect(visibleFields(feature, { ...values, base_environment: 'staging' })).toContain('seed_data');
  });

  it('says so when a data source has nothing to offer the caller, and accepts no value for it', () => {
    const none = { resolved: { service: [] } };
    const form = compileForm(postgres, none);
    expect((form.schema as { properties: Record<string, unknown> }).properties.service).toEqual({ title: 'Service', type: 'string', not: {} });
    expect(form.uiSchema.service).toMatchObject({ 'ui:disabled': true, 'ui:placeholder': 'None available' });
    expect(rjsfErrors(postgres, goodDev, none)).toEqual(['service']);
    expect(checkFormValues(postgres, goodDev, none)).toEqual([{ path: '/service', code: 'not-an-option', message: 'has no options to choose from', severity: 'error' }]);
  });

  it('treats a field hidden by a hidden field as hidden, whatever values linger', () => {
    const doc: CatalogItemV2 = {
      ...postgres,
      presentation: {
        fields: [
          { id: 'a', type: 'boolean', label: 'A' },
          { id: 'b', type: 'select', label: 'B', options: ['x', 'y'], visibleWhen: { field: 'a', equals: true } },
          { id: 'c', type: 'string', label: 'C', visibleWhen: { field: 'b', equals: 'x' }, validation: { required: true } },
          { id: 'd', type: 'string', label: 'D', visibleWhen: { not: { field: 'b', equals: 'x' } }, validation: { required: true } },
        ],
      },
    };
    const stale = { a: false, b: 'x' };
    expect(visibleFields(doc, stale)).toEqual(['a', 'd']);
    expect(rjsfErrors(doc, stale)).toEqual(['d']);
    expect(serverErrors(doc, stale)).toEqual(['d']);
    expect(rendered(doc, stale).sort()).toEqual(['a', 'd']);
  });

  it('refuses unknown fields and values of the wrong type on the server, without quoting a secret', () => {
    const issues = checkFormValues(postgres, { ...goodProd, admin_password: 'short', colour: 'red', storage_gb: '20' });
    expect(issues).toEqual([
      { path: '/colour', code: 'unknown-field', message: 'unknown field', severity: 'error' },
      { path: '/storage_gb', code: 'type', message: 'must be a number', severity: 'error' },
      { path: '/admin_password', code: 'min-length', message: 'must be at least 16 characters', severity: 'error' },
    ]);
    expect(JSON.stringify(issues)).not.toContain('short');
  });
});
