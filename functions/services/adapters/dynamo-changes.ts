/**
 * Code changes in the table: `SVCCHANGE#<id>` / `META` (GSI1 `SVCCHANGES#<service>` / `<createdAt>`:
 * a service's changes, newest last), and for a change made with an Idempotency-Key,
 * `SVCCHANGEKEY#<digest>` / `META` with the id, branch and time it started with (written before GitHub is
 * asked anything), so a retry with the same key answers the same pull request, or resumes the attempt.
 * Not under the service's partition: its detail page reads that partition whole.
 */
import type { ServiceChange } from '#schemas/index.ts';
import { getItem, putItem, type Item } from '#lib/table';
import type { ChangeClaim, ChangeStore } from '../change-ports.ts';

const changeKey = (id: string) => ({ PK: `SVCCHANGE#${id}`, SK: 'META' });
const keyPointer = (digest: string) => ({ PK: `SVCCHANGEKEY#${digest}`, SK: 'META' });

const INTERNAL = new Set(['PK', 'SK', 'GSI1PK', 'GSI1SK', 'entity']);
const toChange = (item: Item): ServiceChange => Object.fromEntries(Object.entries(item).filter(([k]) => !INTERNAL.has(k))) as unknown as ServiceChange;

export const dynamoChangeStore: ChangeStore = {
  async putChange(change: ServiceChange): Promise<void> {
    await putItem({ ...changeKey(change.id), GSI1PK: `SVCCHANGES#${change.service}`, GSI1SK: change.createdAt, entity: 'service-change', ...change });
  },

  async claimKey(keyDigest: string, claim: ChangeClaim): Promise<void> {
    await putItem({ ...keyPointer(keyDigest), entity: 'service-change-key', ...claim });
  },

  async readKey(keyDigest: string): Promise<{ claim: ChangeClaim; change: ServiceChange | undefined } | undefined> {
    const pointer = await getItem(keyPointer(keyDigest), { consistent: true });
    if (typeof pointer?.changeId !== 'string' || typeof pointer.branch !== 'string' || typeof pointer.createdAt !== 'string') return undefined;
    const item = await getItem(changeKey(pointer.changeId), { consistent: true });
    return { claim: { changeId: pointer.changeId, branch: pointer.branch, createdAt: pointer.createdAt }, change: item && toChange(item) };
  },
};
