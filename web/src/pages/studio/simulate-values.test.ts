import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CatalogItemV2 } from '../../../../schemas/types.gen.ts';
import postgresYaml from '../../../../examples/catalog/postgresql-database.yaml?raw';
import { environmentIn, formatSeconds, sampleValues, withEnvironment } from './simulate-values.ts';

const postgres = parse(postgresYaml) as CatalogItemV2;

describe('the Simulate tab', () => {
  it('says durations in words, never rounding up past the unit', () => {
    expect([0, 15, 59, 60, 3599, 3600, 7170, 86399, 259200].map(formatSeconds)).toEqual(['0 s', '15 s', '59 s', '1 min', '59 min', '1 h', '1 h 59 min', '23 h 59 min', '3 d']);
  });

  it('prefills each field from its default, placeholder or first option, then what the form holds (a secret field only as typed there)', () => {
    // Act
    const values = sampleValues(postgres, { db_name: 'invoices', service: 'billing', admin_password: 'typed-in-the-form', storage_gb: '' });

    // Assess
    expect(values).toEqual({
      service: 'billing', db_name: 'invoices', environment: 'dev', instance_class: 'db.t4g.medium', storage_gb: 20, engine_version: '16',
      multi_az: true, backup_retention_days: 14, maintenance_window: 'sun:03:00-sun:04:00', admin_password: 'typed-in-the-form',
    });
  });

  it('keeps the Environment select and the values box one value: choosing an environment writes it into the values', () => {
    // Prepare
    const text = JSON.stringify({ db_name: 'orders', environment: 'dev' }, null, 2);

    // Act
    const prod = withEnvironment(text, 'prod');
    const none = withEnvironment(prod, '');

    // Assess
    expect(JSON.parse(prod)).toEqual({ db_name: 'orders', environment: 'prod' });
    expect(environmentIn(JSON.parse(prod) as Record<string, unknown>)).toBe('prod');
    expect(JSON.parse(none)).toEqual({ db_name: 'orders' });
    expect(environmentIn(JSON.parse(none) as Record<string, unknown>)).toBe('');
    expect(environmentIn(JSON.parse(text) as Record<string, unknown>)).toBe('dev');
    expect(withEnvironment('{"db_name": ', 'prod')).toBe('{"db_name": ');
    expect(withEnvironment('[1]', 'prod')).toBe('[1]');
  });
});
