/**
 * Code changes in the table: `SVCCHANGE#<id>` / `META` (GSI1 `SVCCHANGES#<service>` / `<createdAt>`:
 * a service's changes, newest last), and for a change made with an Idempotency-Key,
 * `SVCCHANGEKEY#<digest>` / `META` naming it, so a retry with the same key answers the same pull request.
 * Not under the service's partition: its detail page reads that partition whole.
 */
import type { ServiceChange } from '#schemas/index.ts';
import { getItem, putItem, putNew, type Item } from '#lib/table';
import type { ChangeRecord, ChangeStore } from '../change-ports.ts';

const changeKey = (id: string) => ({ PK: `SVCCHANGE#${id}`, SK: 'META' });
const keyPointer = (digest: string) => ({ PK: `SVCCHANGEKEY#${digest}`, SK: 'META' });

const INTERNAL = new Set(['PK', 'SK', 'GSI1PK', 'GSI1SK', 'entity', 'keyDigest']);
const toChange = (item: Item): ServiceChange => Object.fromEntries(Object.entries(item).filter(([k]) => !INTERNAL.has(k))) as unknown as ServiceChange;

export const dynamoChangeStore: ChangeStore = {
  async insertChange(change: ChangeRecord): Promise<void> {
    await putNew({ ...changeKey(change.id), GSI1PK: `SVCCHANGES#${change.service}`, GSI1SK: change.createdAt, entity: 'service-change', ...change }, `change ${change.id} already exists`);
    // The pointer last: once it is there, the change it names is too.
    if (change.keyDigest) await putItem({ ...keyPointer(change.keyDigest), entity: 'service-change-key', changeId: change.id });
  },

  async changeForKey(keyDigest: string): Promise<ServiceChange | undefined> {
    const pointer = await getItem(keyPointer(keyDigest), { consistent: true });
    if (typeof pointer?.changeId !== 'string') return undefined;
    const item = await getItem(changeKey(pointer.changeId), { consistent: true });
    return item && toChange(item);
  },
};
