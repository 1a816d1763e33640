/**
 * The self-service catalog over signed HTTP through the local runtime: browse with filters and
 * pages, a category, search with typos and highlights, one offering; what each role and team may
 * see and request; reserved category names and unknown parameters refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItem, CatalogList, CatalogSearchResult, CatalogValidationReport } from '#schemas/index.ts';
import { putValidation, putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;

function doc(id: string, extra: Partial<OfferingDocument['metadata']> & Pick<OfferingDocument, 'access' | 'lifecycle'> = {}): OfferingDocument {
  const { access, lifecycle, ...metadata } = extra;
  return {
    schemaVersion: '2.0',
    metadata: { id, name: id, description: `The ${id} offering.`, category: 'databases', owner: 'platform', version: '1.0.0', tags: [], ...metadata },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name' }] },
    fulfillment: { type: 'manual', ticket: { project: 'PLAT', summary: 'x' } },
    ...(access ? { access } : {}),
    ...(lifecycle ? { lifecycle } : {}),
  } as unknown as OfferingDocument;
}

const source = (id: string, ownerTeam = 'platform') => ({ repo: 'apollo-demo/platform-catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam });

async function get<T>(role: Parameters<Harness['client']>[0], path: string, query: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await h.client(role).send('GET', path, { query });
  return { status: res.status, body: res.body as T };
}

beforeAll(async () => {
  h = await startHarness();
  const admin = h.client('admin');
  for (const [id, name] of [['platform', 'Platform'], ['payments', 'Payments']]) {
    expect((await admin.send('POST', '/api/v1/teams', { body: { id, name } })).status).toBe(201);
  }
  expect((await admin.send('PUT', '/api/v1/teams/payments/members/developer@apollo.local', { body: {} })).status).toBe(201);
  const offerings: Array<[OfferingDocument, string?]> = [
    [doc('postgresql-database', { name: 'PostgreSQL database', description: 'A managed PostgreSQL database with backups.', tags: ['postgres', 'sql'], sla: { fulfillmentTime: '30m' }, icon: 'database' })],
    [doc('redis-cache', { name: 'Redis cache', tags: ['cache'], owner: 'payments' }), 'payments'],
    [doc('s3-bucket', { name: 'S3 bucket', category: 'storage' })],
    [doc('ftp-server', { name: 'FTP server', category: 'storage', lifecycle: { status: 'retired', replacement: 's3-bucket' } })],
    [doc('payments-vault', { name: 'Payments vault', category: 'security', owner: 'payments', access: { view: { teams: ['payments'] } } }), 'payments'],
    [doc('prod-access', { name: 'Production access', category: 'access', access: { request: { roles: ['operator'] } } })],
  ];
  for (const [d, owner] of offerings) await putVersion(d, source(d.metadata.id, owner));
  await putValidation('postgresql-database', {
    source: source('postgresql-database'), checkedAt: '2026-11-25T00:00:00.000Z', valid: true, errors: [], warnings: [],
    hints: [{ path: '/metadata/documentation', message: 'add a link to its documentation', code: 'no-documentation', severity: 'hint' }],
    currentVersion: '1.0.0', servingOlderVersion: false,
  });
});
afterAll(async () => { await h.close(); });

describe('browsing the catalog', () => {
  it('lists what the caller may see by category then name, each saying whether they may request it', async () => {
    const { status, body } = await get<CatalogList>('developer', '/api/v1/catalog');
    expect(status).toBe(200);
    expect(body.items.map((i) => [i.id, i.canRequest])).toEqual([
      ['prod-access', false], ['postgresql-database', true], ['redis-cache', true], ['payments-vault', true], ['s3-bucket', true],
    ]);
    expect(body.items.find((i) => i.id === 'prod-access')!.requestBlockedReason).toBe('Only the operator role and above may request it.');
    expect(body.items.find((i) => i.id === 'postgresql-database')).toEqual({
      id: 'postgresql-database', name: 'PostgreSQL database', description: 'A managed PostgreSQL database with backups.', category: 'databases', owner: 'platform',
      tags: ['postgres', 'sql'], version: '1.0.0', sla: '30m', icon: 'database', lifecycle: { state: 'active' }, canRequest: true,
    });
    expect(body.total).toBe(5);
  });

  it('shows a viewer everything visible but nothing requestable, and hides a team-only offering', async () => {
    const { body } = await get<CatalogList>('viewer', '/api/v1/catalog');
    expect(body.items.map((i) => i.id)).toEqual(['prod-access', 'postgresql-database', 'redis-cache', 's3-bucket']);
    expect(new Set(body.items.map((i) => i.requestBlockedReason))).toEqual(new Set(['Your role (viewer) cannot create requests.']));
  });

  it('filters by owner, tag and lifecycle, and pages with a cursor', async () => {
    expect((await get<CatalogList>('admin', '/api/v1/catalog', { owner: 'payments' })).body.items.map((i) => i.id)).toEqual(['redis-cache', 'payments-vault']);
    expect((await get<CatalogList>('admin', '/api/v1/catalog', { tag: 'sql' })).body.items.map((i) => i.id)).toEqual(['postgresql-database']);
    expect((await get<CatalogList>('admin', '/api/v1/catalog', { lifecycle: 'retired' })).body.items.map((i) => [i.id, i.lifecycle])).toEqual([
      ['ftp-server', { state: 'retired', replacement: 's3-bucket' }],
    ]);
    const first = await get<CatalogList>('admin', '/api/v1/catalog', { limit: '4' });
    const second = await get<CatalogList>('admin', '/api/v1/catalog', { limit: '4', cursor: first.body.nextCursor! });
    expect([...first.body.items, ...second.body.items].map((i) => i.id)).toEqual(['prod-access', 'postgresql-database', 'redis-cache', 'payments-vault', 's3-bucket']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses unknown parameters and bad values with their paths', async () => {
    const res = await get<{ error: { details: unknown[] } }>('viewer', '/api/v1/catalog', { colour: 'red', lifecycle: 'gone' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: '/query/colour', message: 'unknown field' },
      { path: '/query/lifecycle', message: 'must be one of: active, deprecated, retired' },
    ]);
  });
});

describe('a category', () => {
  it('lists one category with the other filters', async () => {
    const { status, body } = await get<CatalogList>('developer', '/api/v1/catalog/storage');
    expect(status).toBe(200);
    expect(body.items.map((i) => i.id)).toEqual(['s3-bucket']);
    expect((await get<CatalogList>('developer', '/api/v1/catalog/storage', { lifecycle: 'retired' })).body.items.map((i) => i.id)).toEqual(['ftp-server']);
  });

  it('answers 404 for a category the caller sees nothing of, and refuses reserved names and non-slugs', async () => {
    expect((await get('viewer', '/api/v1/catalog/security')).status).toBe(404);
    expect((await get('developer', '/api/v1/catalog/security')).status).toBe(200);
    for (const name of ['items', 'validation', 'refresh']) {
      const res = await get<{ error: { message: string; details: unknown[] } }>('viewer', `/api/v1/catalog/${name}`);
      expect(res.status, name).toBe(400);
      expect(res.body.error.details).toEqual([{ path: '/path/category', message: 'reserved name' }]);
    }
    expect((await get('viewer', '/api/v1/catalog/Not_A_Slug')).status).toBe(400);
  });
});

describe('searching', () => {
  it('finds an offering with a typo, ranked and highlighted, among what the caller may see', async () => {
    const { status, body } = await get<CatalogSearchResult>('viewer', '/api/v1/catalog/search', { q: 'postgrsql' });
    expect(status).toBe(200);
    expect(body.items[0]!.offering.id).toBe('postgresql-database');
    expect(body.items[0]!.highlights.find((x) => x.field === 'name')).toEqual({ field: 'name', text: 'PostgreSQL database', matches: [{ start: 0, length: 10 }] });
    expect((await get<CatalogSearchResult>('viewer', '/api/v1/catalog/search', { q: 'vault' })).body.items).toEqual([]);
    expect((await get<CatalogSearchResult>('developer', '/api/v1/catalog/search', { q: 'vault' })).body.items.map((r) => r.offering.id)).toEqual(['payments-vault']);
  });

  it('needs a query', async () => {
    const res = await get<{ error: { details: unknown[] } }>('viewer', '/api/v1/catalog/search');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: '/query/q', message: 'is required' }]);
  });
});

describe('one offering', () => {
  it('answers the document, its source, its validation record and what the caller may do', async () => {
    const { status, body } = await get<CatalogItem>('developer', '/api/v1/catalog/items/postgresql-database');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'postgresql-database', version: '1.0.0',
      summary: { id: 'postgresql-database', canRequest: true, lifecycle: { state: 'active' } },
      source: source('postgresql-database'),
      storedAt: expect.any(String),
      validation: { itemId: 'postgresql-database', valid: true, currentVersion: '1.0.0', servingOlderVersion: false },
    });
    expect((body.document as { metadata: { name: string } }).metadata.name).toBe('PostgreSQL database');
    expect((await get<CatalogItem>('developer', '/api/v1/catalog/items/s3-bucket')).body.validation).toBeNull();
  });

  it('answers 404 alike for an unknown offering and one the caller may not see', async () => {
    const unknown = await get<{ error: { message: string } }>('viewer', '/api/v1/catalog/items/nothing-here');
    const hidden = await get<{ error: { message: string } }>('viewer', '/api/v1/catalog/items/payments-vault');
    expect([unknown.status, hidden.status]).toEqual([404, 404]);
    expect(hidden.body.error.message).toBe('offering payments-vault not found');
  });

  it('serves a new version at once after the refresh stores it', async () => {
    await putVersion(doc('s3-bucket', { name: 'S3 bucket', category: 'storage', version: '1.1.0', description: 'Now with versioning.' }), { ...source('s3-bucket'), sha: 'sha-2' });
    const { body } = await get<CatalogItem>('viewer', '/api/v1/catalog/items/s3-bucket');
    expect([body.version, body.source.sha]).toEqual(['1.1.0', 'sha-2']);
    expect((await get<CatalogSearchResult>('viewer', '/api/v1/catalog/search', { q: 'versioning' })).body.items.map((r) => r.offering.id)).toEqual(['s3-bucket']);
  });
});

describe('an offering that never had a valid version', () => {
  it('has only its validation record, which its owning team and admins may read and nobody else', async () => {
    await putValidation('half-baked', {
      source: source('half-baked', 'payments'), checkedAt: '2026-11-25T00:00:00.000Z', valid: false,
      errors: [{ path: '/metadata/version', message: 'must be a semantic version', code: 'schema', severity: 'error', line: 7 }], warnings: [], hints: [],
      currentVersion: null, servingOlderVersion: false,
    });
    const asOwner = await get<CatalogValidationReport>('developer', '/api/v1/catalog/validation/half-baked');
    expect(asOwner).toEqual({ status: 200, body: { itemId: 'half-baked', stored: expect.objectContaining({ valid: false, currentVersion: null }), fresh: null } });
    expect((await get('admin', '/api/v1/catalog/validation/half-baked')).status).toBe(200);
    expect((await get('viewer', '/api/v1/catalog/validation/half-baked')).status).toBe(404);
    expect((await get('admin', '/api/v1/catalog/items/half-baked')).status).toBe(404);
  });
});
