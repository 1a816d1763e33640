import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { forgivingSearch, typoTolerance } from './search.ts';

const index = new MiniSearch({ fields: ['name'], searchOptions: { prefix: true } });
index.addAll([
  { id: 's3-bucket', name: 's3-bucket' },
  { id: 'core-service', name: 'core-service' },
  { id: 'database', name: 'database' },
  { id: 'databases', name: 'databases' },
  { id: 'secret-bucket', name: 'secret bucket' },
]);
const find = (q: string, keep?: (id: string) => boolean) => forgivingSearch(index, q, keep).map((r) => r.id).sort();

describe('forgivingSearch', () => {
  it('finds a word with two letters swapped, a letter missing or one doubled', () => {
    expect([find('core-servce'), find('databse'), find('bucckett')]).toEqual([['core-service'], ['database'], ['s3-bucket', 'secret-bucket']]);
    expect([find('buckte'), find('bukcet')]).toEqual([['s3-bucket', 'secret-bucket'], ['s3-bucket', 'secret-bucket']]);
  });

  it('stops at the closest step that finds something', () => {
    // "datbase" is one edit from "database" and two from "databases": the closer one alone answers.
    expect(find('datbase')).toEqual(['database']);
  });

  it('widens past results the caller may not see, and to any term when not every term matches', () => {
    expect(find('datbase', (id) => id !== 'database')).toEqual(['databases']);
    expect(find('core nothingness')).toEqual(['core-service']);
  });

  it('keeps short words exact', () => {
    expect([typoTolerance('db'), typoTolerance('s3'), find('s4')]).toEqual([0, 0, []]);
  });
});
