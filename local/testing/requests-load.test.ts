/**
 * 200 requests submitted at once through the local runtime: 200 requests, all completed, and the local fake
 * DNS API and webhook receiver each called exactly 200 times (no action doubled or lost under load).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Request, RequestStatus } from '#schemas/index.ts';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, until, type Harness } from './harness.ts';

let h: Harness;
const COUNT = 200;

beforeAll(async () => {
  h = await startHarness();
  await putVersion({
    schemaVersion: '2.0',
    metadata: { id: 'dns-load', name: 'DNS (load)', description: 'A DNS record.', category: 'networking', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name', validation: { required: true } }] },
    fulfillment: {
      type: 'automated',
      actions: [
        { id: 'create', type: 'rest', config: { method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/records', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, body: { name: '{{fields.name}}', type: 'TXT', value: 'load' } }, outputs: [{ name: 'id' }] },
        { id: 'announce', type: 'webhook', config: { url: '{{env.APOLLO_FAKES_URL}}/hooks/load', secret: '{{secrets.dns_hook_key}}', payload: { id: '{{output.create.id}}' } } },
      ],
    },
  } as unknown as OfferingDocument, { repo: 'apollo-demo/platform-catalog', path: 'catalog/dns-load.yaml', sha: 'sha-load', ownerTeam: 'platform' });
}, 60_000);
afterAll(async () => { await h.close(); });

it(`${COUNT} concurrent submits make ${COUNT} requests, all completed, each fake called exactly ${COUNT} times`, async () => {
  const client = h.client('developer');
  const submitted = await Promise.all(Array.from({ length: COUNT }, (_, i) =>
    client.send('POST', '/api/v1/requests', { body: { offeringId: 'dns-load', fields: { name: `load-${i}` } } })));
  expect(submitted.map((r) => r.status)).toEqual(Array(COUNT).fill(201));
  const ids = new Set(submitted.map((r) => (r.body as Request).id));
  expect(ids.size).toBe(COUNT);
  // Asks after the unfinished ones only, a second apart: the polling must not be the load.
  const open = new Set(ids);
  await until(async () => {
    await new Promise((r) => setTimeout(r, 1000));
    for (const id of [...open]) {
      const { status } = (await client.send('GET', `/api/v1/requests/${id}/status`)).body as RequestStatus;
      if (status === 'completed' || status === 'failed') open.delete(id);
    }
    return open.size === 0;
  }, 240_000);
  const finals = await Promise.all([...ids].map(async (id) => ((await client.send('GET', `/api/v1/requests/${id}/status`)).body as RequestStatus).status));
  expect(finals.filter((s) => s === 'completed')).toHaveLength(COUNT);
  expect(h.runtime.integrations.count('POST', '/dns/records')).toBe(COUNT);
  expect(h.runtime.integrations.count('POST', '/hooks/load')).toBe(COUNT);
}, 300_000);
