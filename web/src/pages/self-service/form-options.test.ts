import type { RJSFSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CatalogItemV2 } from '../../../../schemas/types.gen.ts';
import { compileForm } from '../../../../shared/offerings/form.ts';
import { humanErrors } from '../../components/rjsf-errors.ts';
import { withOptions } from './form-options.ts';

import featureYaml from '../../../../examples/catalog/feature-environment.yaml?raw';
import postgresYaml from '../../../../examples/catalog/postgresql-database.yaml?raw';

const doc = (name: 'feature-environment' | 'postgresql-database') => parse(name === 'feature-environment' ? featureYaml : postgresYaml) as CatalogItemV2;

describe("a dependent data source's options in the form", () => {
  it('become the choices of the field, and a value outside them is refused in words', () => {
    const { schema, uiSchema } = compileForm(doc('feature-environment'));
    const filled = withOptions(schema, 'base_environment', [{ value: 'staging', label: 'Staging' }, { value: 'prod', label: 'Production' }]) as RJSFSchema;
    expect(filled.properties!.base_environment).toEqual({ title: 'Copy the configuration of', type: 'string', oneOf: [{ const: 'staging', title: 'Staging' }, { const: 'prod', title: 'Production' }] });
    // The rest of the schema is untouched, the original too.
    expect({ ...filled, properties: { ...filled.properties, base_environment: (schema as RJSFSchema).properties!.base_environment } }).toEqual(schema);
    expect((schema as RJSFSchema).properties!.base_environment).toEqual({ title: 'Copy the configuration of', type: 'string' });

    const values = { service: 'core-service', base_environment: 'qa', branch: 'feature/x', expires_on: '2026-12-01' };
    const { errors } = validator.validateFormData(values, filled, undefined, (e) => humanErrors(e, uiSchema));
    expect(errors.map((e) => [e.property, e.message])).toEqual([['.base_environment', 'choose one of the options']]);
  });

  it('reach a field that only shows under a condition (inside an if/then)', () => {
    const base = doc('feature-environment');
    const conditional: CatalogItemV2 = { ...base, presentation: { fields: base.presentation.fields.map((f) => (f.id === 'base_environment' ? { ...f, visibleWhen: { field: 'replicas', in: [1, 2] } } : f)) } };
    const filled = JSON.stringify(withOptions(compileForm(conditional).schema, 'base_environment', [{ value: 'dev', label: 'dev' }]));
    expect(filled).toContain('"base_environment":{"title":"Copy the configuration of","type":"string","oneOf":[{"const":"dev","title":"dev"}]}');
  });

  it('with none (yet), the field is a plain one again', () => {
    const { schema } = compileForm(doc('feature-environment'));
    const once = withOptions(schema, 'base_environment', [{ value: 'dev', label: 'dev' }]);
    expect(withOptions(once, 'base_environment', [])).toEqual(schema);
  });
});

describe('form messages in words', () => {
  it("use the offering's pattern message, limits and formats, and drop what only restates another error", () => {
    const { schema, uiSchema } = compileForm(doc('postgresql-database'));
    const values = { service: 'frontend', db_name: 'Orders!', environment: 'prod', instance_class: 'db.huge', storage_gb: 10, backup_retention_days: 2.5 };
    const { errors } = validator.validateFormData(values, schema as RJSFSchema, undefined, (e) => humanErrors(e, uiSchema));
    expect(errors.map((e) => [e.property, e.message]).sort()).toEqual([
      ['.backup_retention_days', 'must be a whole number'],
      ['.backup_retention_days', 'must be at least 7'],
      ['.db_name', 'must be 3 to 31 lowercase letters, digits or underscores, starting with a letter'],
      ['.instance_class', 'choose one of the options'],
      ['.storage_gb', 'must be at least 20'],
    ]);
  });
});
