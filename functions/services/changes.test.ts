/** A change's repository as the catalog may write it, and the bounds of its files. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import { checkFiles, MAX_CHANGE_BYTES, MAX_FILE_BYTES, parseRepository } from './changes.ts';

describe('parseRepository', () => {
  it('reads owner/name, an https URL (with .git or a trailing slash, any host) and an ssh remote', () => {
    const cases: Array<[string, { owner: string; repo: string } | undefined]> = [
      ['apollo-demo/core-service', { owner: 'apollo-demo', repo: 'core-service' }],
      ['https://github.com/apollo-demo/core-service', { owner: 'apollo-demo', repo: 'core-service' }],
      ['https://github.com/apollo-demo/core-service.git', { owner: 'apollo-demo', repo: 'core-service' }],
      ['https://ghe.corp.example/platform/ledger.api/', { owner: 'platform', repo: 'ledger.api' }],
      ['git@github.com:apollo-demo/core-service.git', { owner: 'apollo-demo', repo: 'core-service' }],
      ['', undefined],
      ['core-service', undefined],
      ['https://github.com/apollo-demo', undefined],
      ['https://github.com/apollo-demo/core-service/tree/main', undefined],
      ['../core-service', undefined],
      ['https://github.com/../x', undefined],
    ];
    for (const [text, expected] of cases) expect(parseRepository(text), text).toEqual(expected);
  });
});

describe('checkFiles', () => {
  const refusal = (run: () => void): ValidationError => {
    try {
      run();
    } catch (error) {
      return error as ValidationError;
    }
    throw new Error('accepted');
  };

  it('accepts distinct paths within the bounds', () => {
    expect(() => checkFiles([{ path: 'a.txt', content: 'x'.repeat(MAX_FILE_BYTES) }, { path: 'b.txt', delete: true }])).not.toThrow();
  });

  it('names a path given twice, a file over 200 KB (in bytes, not characters) and a change over 1 MB', () => {
    const big = 'é'.repeat(MAX_FILE_BYTES / 2 + 1);
    const error = refusal(() => checkFiles([{ path: 'a.txt', content: 'a' }, { path: 'a.txt', delete: true }, { path: 'b.txt', content: big }]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details).toEqual([
      { path: '/files/1/path', message: 'a.txt is already changed by /files/0' },
      { path: '/files/2/content', message: `${MAX_FILE_BYTES + 2} bytes: at most ${MAX_FILE_BYTES} bytes a file` },
    ]);
    const many = Array.from({ length: 6 }, (_, i) => ({ path: `f${i}`, content: 'x'.repeat(MAX_FILE_BYTES) }));
    expect(refusal(() => checkFiles(many)).details).toEqual([{ path: '/files', message: `${6 * MAX_FILE_BYTES} bytes of content: at most ${MAX_CHANGE_BYTES} bytes a change` }]);
  });
});
