import { describe, expect, it } from 'vitest';
import { optionsFor, resolveStaticSources, valuesFromQuery, type Directories } from './data-sources.ts';
import type { Caller, OfferingDocument } from './shapes.ts';

const doc = {
  schemaVersion: '2.0',
  metadata: { id: 'feature-environment', name: 'Feature environment', description: 'x', category: 'environments', owner: 'platform', version: '1.0.0' },
  presentation: {
    fields: [
      { id: 'service', type: 'select', label: 'Service', dataSource: { source: 'services' } },
      { id: 'my_service', type: 'select', label: 'My service', dataSource: { source: 'services', mine: true } },
      { id: 'environment', type: 'select', label: 'Environment', dataSource: { source: 'service-environments', dependsOn: 'service' } },
      { id: 'team', type: 'select', label: 'Team', dataSource: { source: 'teams', mine: true } },
      { id: 'branch', type: 'string', label: 'Branch' },
    ],
  },
  fulfillment: { type: 'manual' },
} as unknown as OfferingDocument;

const dirs: Directories = {
  services: {
    listServices: async () => [{ id: 'billing-service', label: 'Billing Service', team: 'payments' }, { id: 'core-service', label: 'Core Service', team: 'platform' }],
    environmentsOf: async (id) => (id === 'core-service' ? ['prod', 'staging', 'dev'] : id === 'billing-service' ? ['prod'] : undefined),
  },
  teams: { listTeams: async () => [{ id: 'payments', label: 'Payments' }, { id: 'platform', label: 'Platform' }] },
};
const caller: Caller = { principal: 'dev@acme.test', role: 'developer', teams: ['payments'] };

describe('resolveStaticSources', () => {
  it('resolves every source that depends on no field, narrowed to the caller\'s own where mine is set', async () => {
    expect(await resolveStaticSources(doc, caller, dirs)).toEqual({
      service: [{ value: 'billing-service', label: 'Billing Service' }, { value: 'core-service', label: 'Core Service' }],
      my_service: [{ value: 'billing-service', label: 'Billing Service' }],
      team: [{ value: 'payments', label: 'Payments' }],
    });
  });
});

describe('optionsFor', () => {
  it('waits for the field a dependent source depends on, then answers that service\'s environments', async () => {
    expect(await optionsFor(doc, 'environment', {}, caller, dirs)).toEqual({ itemId: 'feature-environment', fieldId: 'environment', source: 'service-environments', options: [], waitingFor: ['service'] });
    expect((await optionsFor(doc, 'environment', { service: 'core-service' }, caller, dirs)).options.map((o) => o.value)).toEqual(['prod', 'staging', 'dev']);
  });

  it('refuses an unknown service and a non-string choice with the value\'s path', async () => {
    await expect(optionsFor(doc, 'environment', { service: 'nope' }, caller, dirs)).rejects.toMatchObject({ details: [{ path: '/query/values/service', message: 'no such service' }] });
    await expect(optionsFor(doc, 'environment', { service: 3 }, caller, dirs)).rejects.toMatchObject({ details: [{ path: '/query/values/service', message: 'must be a string' }] });
  });

  it('answers 404 for a field that does not exist or has no data source', async () => {
    await expect(optionsFor(doc, 'nothing', {}, caller, dirs)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(optionsFor(doc, 'branch', {}, caller, dirs)).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining('no data source') });
  });
});

describe('valuesFromQuery', () => {
  it('merges the JSON values with one parameter per field, parameters winning', () => {
    expect(valuesFromQuery(doc, { values: '{"service":"core-service","branch":"main"}', service: 'billing-service' })).toEqual({ service: 'billing-service', branch: 'main' });
  });

  it('refuses unknown fields with their paths and values that are not a JSON object', () => {
    expect(() => valuesFromQuery(doc, { values: '{"size":1}', colour: 'red' })).toThrow(expect.objectContaining({
      details: [{ path: '/query/values/size', message: 'unknown field' }, { path: '/query/colour', message: 'unknown field' }],
    }));
    for (const values of ['[]', 'null', '{', '"x"']) expect(() => valuesFromQuery(doc, { values })).toThrow(/JSON object/);
  });
});
