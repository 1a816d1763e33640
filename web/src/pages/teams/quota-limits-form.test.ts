import { describe, expect, it } from 'vitest';
import { emptyRow, limitsBody, limitsFieldOf, rowOf } from './quota-limits-form.ts';

const CAPS = { 'postgresql-databases': 20 };

describe('the set limits form', () => {
  it('sends a row as the API reads it: empty environment is all, empty limit removes', () => {
    // Prepare
    const rows = [
      { resource: 'postgresql-databases', environment: 'prod', limit: '1', effectiveFrom: '' },
      { resource: ' s3-buckets ', environment: '', limit: '', effectiveFrom: '2027-01-01T00:00:00Z' },
    ];
    // Act
    const result = limitsBody(rows, '  One production database until the review ', CAPS);
    // Assess
    expect(result).toEqual({
      body: {
        limits: [
          { resource: 'postgresql-databases', environment: 'prod', limit: 1 },
          { resource: 's3-buckets', environment: null, limit: null, effectiveFrom: '2027-01-01T00:00:00.000Z' },
        ],
        reason: 'One production database until the review',
      },
    });
  });

  it('names each row’s problems on its fields', () => {
    const rows = [
      { resource: 'Postgres DBs', environment: 'Prod!', limit: '1.5', effectiveFrom: 'soon' },
      { resource: 'postgresql-databases', environment: '', limit: '21', effectiveFrom: '' },
      { resource: 'postgresql-databases', environment: '', limit: '-1', effectiveFrom: '' },
      emptyRow(),
    ];
    expect(limitsBody(rows, '', CAPS)).toEqual({
      errors: {
        '0.resource': 'Lowercase words joined by dashes, e.g. postgresql-databases',
        '0.environment': 'An environment name such as prod, or empty for all',
        '0.limit': 'A whole number from 0 to 1,000,000, or empty to remove the limit',
        '0.effectiveFrom': 'A date and time',
        '1.limit': "The organization's cap for postgresql-databases is 20",
        '2.environment': 'Row 2 already sets this one',
        '2.limit': 'A whole number from 0 to 1,000,000, or empty to remove the limit',
        '3.resource': 'Which resource',
      },
    });
    expect(limitsBody([], '', CAPS)).toEqual({ errors: { form: 'Add a limit to set' } });
  });

  it('starts a change from a quota shown', () => {
    expect(rowOf({ resource: 'postgresql-databases', environment: null, limit: 3 })).toEqual({ resource: 'postgresql-databases', environment: '', limit: '3', effectiveFrom: '' });
    expect(rowOf({ resource: 's3-buckets', environment: 'dev', limit: null }).limit).toBe('');
  });

  it('puts the API’s field paths on their rows', () => {
    expect(['/body/limits/0/limit', '/body/limits/2/environment', '/body/limits/1', '/body/limits/1/other', '/body/reason', '/body/limits', '/query/x'].map(limitsFieldOf))
      .toEqual(['0.limit', '2.environment', '1.resource', '1.resource', 'reason', undefined, undefined]);
  });
});
