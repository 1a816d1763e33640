/**
 * The fulfilment queue orders by priority: with one slot (APOLLO_FULFILLMENT_CONCURRENCY=1), a request
 * holding it makes the others wait, and when it ends the high-priority request runs before a low one
 * submitted earlier.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Request, RequestStatus } from '#schemas/index.ts';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, until, type Harness } from './harness.ts';

let h: Harness;
const source = (id: string) => ({ repo: 'apollo-demo/platform-catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'platform' });
const offering = (id: string, action: Record<string, unknown>) => ({
  schemaVersion: '2.0',
  metadata: { id, name: id, description: 'Queue test.', category: 'networking', owner: 'platform', version: '1.0.0' },
  presentation: { fields: [{ id: 'name', type: 'string', label: 'Name' }] },
  fulfillment: { type: 'automated', actions: [action] },
}) as unknown as OfferingDocument;

beforeAll(async () => {
  process.env.APOLLO_FULFILLMENT_CONCURRENCY = '1';
  h = await startHarness();
  // A Terraform plan nobody confirms (autoApply false, on the local fake): the action holds the only slot until its 3 s timeout.
  await putVersion(offering('slot-holder', { id: 'plan', type: 'terraform', timeout: '3s', config: { organization: 'acme', workspace: 'queue-holder', autoApply: false, token: '{{secrets.tf_token}}', variables: {} } }), source('slot-holder'));
  await putVersion(offering('quick', { id: 'create', type: 'rest', config: { method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/records', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, body: { name: '{{fields.name}}', type: 'TXT', value: 'q' } } }), source('quick'));
}, 60_000);
afterAll(async () => {
  delete process.env.APOLLO_FULFILLMENT_CONCURRENCY;
  await h.close();
});

async function submit(offeringId: string, name: string, priority: string): Promise<string> {
  const res = await h.client('developer').send('POST', '/api/v1/requests', { body: { offeringId, fields: { name }, priority } });
  expect(res.status).toBe(201);
  return (res.body as Request).id;
}
const status = async (id: string): Promise<string> => ((await h.client('developer').send('GET', `/api/v1/requests/${id}/status`)).body as RequestStatus).status;
const startedAt = async (id: string): Promise<string> => {
  const request = (await h.client('developer').send('GET', `/api/v1/requests/${id}`)).body as Request;
  return request.timeline.find((e) => e.status === 'in_progress')!.at;
};

it('admits the high-priority request before an older low one when the slot frees', async () => {
  const holder = await submit('slot-holder', 'holder', 'normal');
  await until(async () => (await status(holder)) === 'in_progress');
  const low = await submit('quick', 'low-one', 'low');
  const high = await submit('quick', 'high-one', 'high');
  await until(async () => (await status(low)) === 'queued' && (await status(high)) === 'queued');
  // Both wait while the slot is held.
  await new Promise((r) => setTimeout(r, 1000));
  expect([await status(low), await status(high)]).toEqual(['queued', 'queued']);
  await until(async () => (await status(low)) === 'completed' && (await status(high)) === 'completed', 20_000);
  expect(await status(holder)).toBe('failed');
  expect((await startedAt(high)) < (await startedAt(low))).toBe(true);
}, 40_000);
