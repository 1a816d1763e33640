import { describe, expect, it } from 'vitest';
import { dependenciesBody, rowErrorsFromDetails, rowsOf, validateRows } from './dependency-rows.ts';

const rows = rowsOf([
  { serviceId: 'postgres', type: 'runtime', description: 'Primary store' },
  { serviceId: 'redis', type: 'optional', description: '' },
]);

describe('the dependencies dialog rows', () => {
  it('round-trips the service’s dependencies into the PUT body, trimmed', () => {
    expect(rows.map((r) => r.key)).toEqual([0, 1]);
    expect(dependenciesBody([...rows, { key: 7, serviceId: ' kafka ', type: 'build', description: ' events ' }])).toEqual({
      dependencies: [
        { serviceId: 'postgres', type: 'runtime', description: 'Primary store' },
        { serviceId: 'redis', type: 'optional', description: '' },
        { serviceId: 'kafka', type: 'build', description: 'events' },
      ],
    });
    expect(dependenciesBody([])).toEqual({ dependencies: [] });
  });

  it('finds an empty target, the service itself, a repeated target and a long description, on their rows', () => {
    expect(validateRows('core-service', rows)).toEqual({});
    expect(validateRows('core-service', [
      ...rows,
      { key: 2, serviceId: '', type: 'runtime', description: '' },
      { key: 3, serviceId: 'core-service', type: 'runtime', description: '' },
      { key: 4, serviceId: 'postgres', type: 'build', description: 'x'.repeat(501) },
    ])).toEqual({
      2: { serviceId: 'Choose a service from the catalog' },
      3: { serviceId: 'A service cannot depend on itself' },
      4: { serviceId: 'Already listed in row 1', description: 'At most 500 characters' },
    });
  });

  it('puts the API’s details on the rows their paths name and keeps the rest for above the form', () => {
    expect(rowErrorsFromDetails([
      { path: '/body/dependencies/1/serviceId', message: 'no service named redis-old' },
      { path: '/body/dependencies/1/serviceId', message: 'a second message' },
      { path: '/body/dependencies/3/type', message: 'must be equal to one of the allowed values' },
      { path: '/body/dependencies', message: 'must NOT have more than 200 items' },
    ])).toEqual({
      rows: { 1: { serviceId: 'no service named redis-old' }, 3: { type: 'must be equal to one of the allowed values' } },
      rest: ['/body/dependencies: must NOT have more than 200 items'],
    });
  });
});
