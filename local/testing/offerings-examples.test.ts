/**
 * The example offerings (examples/catalog) as `npm start` seeds them, over signed HTTP: every one is
 * stored and browsable, searchable with a typo, and readable as a whole document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItem, CatalogList, CatalogSearchResult } from '#schemas/index.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  expect(await seedDemoData({ baseUrl: h.runtime.url })).toContain('offerings-v1');
});
afterAll(async () => { await h.close(); });

const get = async <T>(path: string, query: Record<string, string> = {}, role: Parameters<Harness['client']>[0] = 'developer') => {
  const res = await h.client(role).send('GET', path, { query });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as T;
};

describe('the seeded example offerings', () => {
  it('are all stored and browsable', async () => {
    const list = await get<CatalogList>('/api/v1/catalog', {}, 'admin');
    expect(list.items.map((i) => i.id).sort()).toEqual(['access-request', 'feature-environment', 'new-microservice-repository', 'postgresql-database', 's3-bucket']);
    const pg = list.items.find((i) => i.id === 'postgresql-database')!;
    expect(pg).toMatchObject({ name: 'PostgreSQL database', category: 'databases', owner: 'platform', version: '2.3.0', sla: '2h', icon: 'database', lifecycle: { state: 'active' } });
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
