/** The catalog repository through Octokit against the fake GitHub over real HTTP: trees, a truncated tree's walk, files at a commit, the paginated comparison. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../../local/fakes/github-server.ts';
import { ComparisonTooLargeError, GitHubCatalogSource } from './github-catalog-source.ts';

let fake: FakeGitHub;
let source: GitHubCatalogSource;

beforeAll(async () => {
  fake = await FakeGitHub.start({
    org: 'acme',
    tokens: ['t0ken'],
    repos: [{
      name: 'catalog',
      files: {
        '.github/CODEOWNERS': '* @acme/platform\n',
        'README.md': '# Catalog\n',
        'catalog/db.yaml': 'a: 1\n',
        'catalog/storage/s3.yaml': 'b: 2\n',
        'other/x.yaml': 'c: 3\n',
      },
    }],
  });
  source = new GitHubCatalogSource({ owner: 'acme', repo: 'catalog', baseUrl: fake.url, credentials: { credentials: async () => ({ token: 't0ken' }) } });
});
afterAll(async () => { await fake.close(); });

describe('GitHubCatalogSource', () => {
  it('names the repository and its default branch, and reads the head commit', async () => {
    expect(await source.repository()).toEqual({ fullName: 'acme/catalog', owner: 'acme', defaultBranch: 'main' });
    expect(await source.headCommit('main')).toBe(fake.headOf('catalog'));
  });

  it('lists the directory (at any depth) and the CODEOWNERS candidates with blob shas, in one tree call', async () => {
    const before = fake.requests.length;
    const files = await source.listFiles(fake.headOf('catalog')!, 'catalog');
    expect(files.map((f) => f.path).sort()).toEqual(['.github/CODEOWNERS', 'catalog/db.yaml', 'catalog/storage/s3.yaml']);
    expect(files.find((f) => f.path === 'catalog/db.yaml')!.sha).toBe((await source.readFile('catalog/db.yaml', 'main'))!.sha);
    expect(fake.requests.slice(before, before + 1)).toEqual([`GET /repos/acme/catalog/git/trees/${fake.headOf('catalog')}?recursive=true`]);
  });

  it('walks the directory through the contents API when GitHub truncated the tree', async () => {
    fake.truncateTrees = true;
    try {
      const files = await source.listFiles(fake.headOf('catalog')!, 'catalog');
      expect(files.map((f) => f.path).sort()).toEqual(['.github/CODEOWNERS', 'catalog/db.yaml', 'catalog/storage/s3.yaml']);
    } finally {
      fake.truncateTrees = false;
    }
  });

  it('reads a file as it was at a commit, after later commits', async () => {
    const old = fake.headOf('catalog')!;
    fake.commit('catalog', 'catalog/db.yaml', 'a: 2\n');
    expect((await source.readFile('catalog/db.yaml', old))!.text).toBe('a: 1\n');
    expect((await source.readFile('catalog/db.yaml', fake.headOf('catalog')!))!.text).toBe('a: 2\n');
    expect(await source.readFile('catalog/none.yaml', old)).toBeUndefined();
  });

  it('lists the files two commits differ in, following the Link pagination of a long comparison', async () => {
    const base = fake.headOf('catalog')!;
    fake.commitFiles('catalog', { 'catalog/new.yaml': 'n: 1\n', 'catalog/storage/s3.yaml': null });
    for (let i = 0; i < 120; i++) fake.commit('catalog', 'README.md', `# Catalog ${i}\n`);
    const before = fake.requests.length;

    const changed = await source.changedFiles(base, fake.headOf('catalog')!);

    expect(changed).toEqual([
      { path: 'README.md', status: 'modified' },
      { path: 'catalog/new.yaml', status: 'added' },
      { path: 'catalog/storage/s3.yaml', status: 'removed' },
    ]);
    const pages = fake.requests.slice(before);
    expect(pages).toHaveLength(2);
    expect(pages[1]).toMatch(/compare\/.+\?.*page=2/);
  });

  it('says so when a comparison reaches the 300 files GitHub lists', async () => {
    const base = fake.headOf('catalog')!;
    fake.commitFiles('catalog', Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`catalog/many/${i}.yaml`, `i: ${i}\n`])));
    await expect(source.changedFiles(base, fake.headOf('catalog')!)).rejects.toBeInstanceOf(ComparisonTooLargeError);
  });
});
