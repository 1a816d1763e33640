import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { typoTolerance } from './search.ts';

describe('typoTolerance', () => {
  const index = new MiniSearch({ fields: ['name'], searchOptions: { fuzzy: typoTolerance, prefix: true } });
  index.addAll([{ id: 's3-bucket', name: 's3-bucket' }, { id: 'core-service', name: 'core-service' }, { id: 'database', name: 'database' }]);
  const find = (q: string) => index.search(q).map((r) => r.id);

  it('finds a word with two letters swapped, a letter missing or one doubled', () => {
    expect([find('buckte'), find('bukcet'), find('core-servce'), find('databse'), find('bucckett')]).toEqual([['s3-bucket'], ['s3-bucket'], ['core-service'], ['database'], ['s3-bucket']]);
  });

  it('keeps short words exact', () => {
    expect([typoTolerance('db'), typoTolerance('s3'), find('s4')]).toEqual([0, 0, []]);
  });
});
