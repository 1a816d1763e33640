/**
 * The refresh's rules over in-memory ports (the integration test drives the same code through the fake
 * GitHub over HTTP): what it stores, refuses, retires and reports for each file.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CatalogRefreshFile, CatalogSource as OfferingSource, OfferingValidation } from '#schemas/index.ts';
import { GitHubRateLimitedError } from '#lib/github/errors';
import { ComparisonTooLargeError } from './adapters/github-catalog-source.ts';
import { refreshCatalog, type RefreshScope } from './refresh.ts';
import type { OfferingRecord } from './ports.ts';
import type { CatalogSource, ChangedFile, RefreshStore } from './refresh-ports.ts';
import type { OfferingDocument } from './shapes.ts';

const example = (id: string): string => readFileSync(new URL(`../../examples/catalog/${id}.yaml`, import.meta.url), 'utf8');
const blob = (text: string): string => createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0${text}`).digest('hex');

class MemorySource implements CatalogSource {
  files = new Map<string, string>();
  changed: ChangedFile[] | Error = [];
  failOn = new Map<string, Error>();
  reads: string[] = [];
  constructor(files: Record<string, string>) {
    for (const [path, text] of Object.entries(files)) this.files.set(path, text);
  }
  async repository() { return { fullName: 'acme/catalog', owner: 'acme', defaultBranch: 'main' }; }
  async headCommit() { return 'c0ffee'; }
  async listFiles(_commit: string, directory: string) {
    return [...this.files].filter(([p]) => p.startsWith(`${directory}/`) || p === 'CODEOWNERS').map(([path, text]) => ({ path, sha: blob(text) }));
  }
  async readFile(path: string) {
    this.reads.push(path);
    const error = this.failOn.get(path);
    if (error) throw error;
    const text = this.files.get(path);
    return text === undefined ? undefined : { path, sha: blob(text), text };
  }
  async changedFiles() {
    if (this.changed instanceof Error) throw this.changed;
    return this.changed;
  }
}

class MemoryStore implements RefreshStore {
  current = new Map<string, OfferingRecord>();
  validations = new Map<string, Omit<OfferingValidation, 'itemId'>>();
  async getCurrent(id: string) { return this.current.get(id); }
  async listAllCurrent() { return [...this.current.values()]; }
  async putVersion(doc: OfferingDocument, source: OfferingSource) {
    const had = this.current.get(doc.metadata.id);
    const same = had && had.version === doc.metadata.version && JSON.stringify(had.source) === JSON.stringify(source) && !had.removedFromSource;
    if (!same) this.current.set(doc.metadata.id, { id: doc.metadata.id, version: doc.metadata.version, document: doc, source, storedAt: 't', updatedAt: 't' });
    return { outcome: same ? 'unchanged' as const : had ? 'updated' as const : 'created' as const };
  }
  async putValidation(itemId: string, record: Omit<OfferingValidation, 'itemId'>) { this.validations.set(itemId, record); }
  async markRemovedFromSource(id: string, path: string) {
    const had = this.current.get(id)!;
    this.current.set(id, { ...had, removedFromSource: { at: 't', path } });
  }
}

async function run(source: MemorySource, store: MemoryStore, scope: RefreshScope = {}, teams?: string[]): Promise<CatalogRefreshFile[]> {
  const files: CatalogRefreshFile[] = [];
  await refreshCatalog({ source, store, directory: 'catalog', ...(teams ? { teams: { listTeams: async () => teams.map((id) => ({ id, label: id })) } } : {}) }, scope, {
    started: async () => undefined,
    file: async (f) => { files.push(f); },
  });
  return files;
}
const outcomes = (files: CatalogRefreshFile[]) => files.map((f) => [f.path, f.outcome, f.itemId ?? null]);

describe('refreshCatalog', () => {
  it('stores valid documents owned by their metadata.owner without a CODEOWNERS, and skips what is not a document', async () => {
    const source = new MemorySource({ 'catalog/db.yaml': example('postgresql-database'), 'catalog/notes.md': '# notes', 'other/s3.yaml': example('s3-bucket') });
    const store = new MemoryStore();
    expect(outcomes(await run(source, store))).toEqual([['catalog/db.yaml', 'created', 'postgresql-database']]);
    expect(store.current.get('postgresql-database')!.source).toEqual({ repo: 'acme/catalog', path: 'catalog/db.yaml', sha: blob(example('postgresql-database')), ownerTeam: 'platform' });
    expect(store.validations.get('postgresql-database')).toMatchObject({ valid: true, currentVersion: '2.3.0', servingOlderVersion: false });
  });

  it('a file whose YAML names no id is invalid with its syntax error and line, and nothing is recorded on any offering', async () => {
    const source = new MemorySource({ 'catalog/broken.yaml': 'metadata:\n  id: [unclosed\n' });
    const store = new MemoryStore();
    const [file] = await run(source, store);
    expect(file).toMatchObject({ path: 'catalog/broken.yaml', outcome: 'invalid', servingVersion: null });
    expect(file!.itemId).toBeUndefined();
    expect(file!.errors[0]).toMatchObject({ severity: 'error', line: expect.any(Number) });
    expect(store.validations.size).toBe(0);
  });

  it('a file that now defines another offering retires the one it defined', async () => {
    const source = new MemorySource({ 'catalog/a.yaml': example('s3-bucket') });
    const store = new MemoryStore();
    await run(source, store);
    source.files.set('catalog/a.yaml', example('s3-bucket').replace('id: s3-bucket', 'id: s3-bucket-v2'));
    const files = await run(source, store);
    expect(outcomes(files)).toEqual([['catalog/a.yaml', 'created', 's3-bucket-v2'], ['catalog/a.yaml', 'retired', 's3-bucket']]);
    expect(files[1]!.message).toBe('catalog/a.yaml now defines s3-bucket-v2: s3-bucket is retired from source');
  });

  it('an invalid file keeps the offering it defined (last good version), not retired', async () => {
    const source = new MemorySource({ 'catalog/a.yaml': example('s3-bucket') });
    const store = new MemoryStore();
    await run(source, store);
    source.files.set('catalog/a.yaml', example('s3-bucket').replace('  version: 1.6.0', '  version: nope'));
    const files = await run(source, store);
    expect(outcomes(files)).toEqual([['catalog/a.yaml', 'invalid', 's3-bucket']]);
    expect(files[0]).toMatchObject({ servingVersion: '1.6.0', errors: [expect.objectContaining({ path: '/metadata/version' })] });
    expect(store.current.get('s3-bucket')!.removedFromSource).toBeUndefined();
    expect(store.validations.get('s3-bucket')).toMatchObject({ valid: false, currentVersion: '1.6.0', servingOlderVersion: true });
  });

  it('a new file claiming the id of an offering another file defines is refused, whichever sorts first', async () => {
    const source = new MemorySource({ 'catalog/b.yaml': example('s3-bucket') });
    const store = new MemoryStore();
    await run(source, store);
    source.files.set('catalog/a.yaml', example('s3-bucket').replace('  version: 1.6.0', '  version: 9.0.0'));
    const files = await run(source, store);
    expect(outcomes(files)).toEqual([['catalog/a.yaml', 'invalid', 's3-bucket'], ['catalog/b.yaml', 'unchanged', 's3-bucket']]);
    expect(files[0]!.errors[0]).toMatchObject({ path: '/metadata/id', code: 'duplicate-id', message: 'the offering id s3-bucket is already defined by catalog/b.yaml' });
    expect(store.current.get('s3-bucket')).toMatchObject({ version: '1.6.0', source: { path: 'catalog/b.yaml' } });
    // Nothing is recorded on b's offering for a's problem.
    expect(store.validations.get('s3-bucket')).toMatchObject({ valid: true, source: { path: 'catalog/b.yaml' } });
  });

  it('takes over an offering stored from elsewhere (the local seed) rather than calling it a duplicate', async () => {
    const store = new MemoryStore();
    const doc = { metadata: { id: 's3-bucket', version: '1.6.0', owner: 'platform' } } as OfferingDocument;
    store.current.set('s3-bucket', { id: 's3-bucket', version: '1.6.0', document: doc, source: { repo: 'local/examples', path: 'examples/catalog/s3-bucket.yaml', sha: 'x', ownerTeam: 'platform' }, storedAt: 't', updatedAt: 't' });
    const files = await run(new MemorySource({ 'catalog/s3.yaml': example('s3-bucket') }), store);
    expect(outcomes(files)).toEqual([['catalog/s3.yaml', 'updated', 's3-bucket']]);
    expect(store.current.get('s3-bucket')!.source.repo).toBe('acme/catalog');
  });

  it('names an owner that is not an Apollo team in a warning, and stores the document all the same', async () => {
    const store = new MemoryStore();
    const source = new MemorySource({ 'catalog/db.yaml': example('postgresql-database'), CODEOWNERS: '/catalog/ @acme/dba\n' });
    const [file] = await run(source, store, {}, ['platform']);
    expect(file).toMatchObject({ outcome: 'created', ownerTeam: 'dba', ownerSource: 'codeowners' });
    expect(store.validations.get('postgresql-database')!.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['owner-differs-from-codeowners', 'owner-team-unknown']));
  });

  describe('a scoped refresh', () => {
    it('reads only the named documents; a named file that is gone retires its offering, one that never was says so', async () => {
      const source = new MemorySource({ 'catalog/a.yaml': example('s3-bucket'), 'catalog/b.yaml': example('access-request') });
      const store = new MemoryStore();
      await run(source, store);
      source.files.delete('catalog/a.yaml');
      source.reads = [];
      const files = await run(source, store, { paths: ['catalog/a.yaml', 'catalog/never.yaml', 'README.md'] });
      // Besides the CODEOWNERS candidates (GitHub's order: .github/, root, docs/), only the named documents.
      expect(source.reads).toEqual(['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS', 'catalog/a.yaml', 'catalog/never.yaml']);
      expect(outcomes(files)).toEqual([['catalog/a.yaml', 'retired', 's3-bucket'], ['catalog/never.yaml', 'unchanged', null]]);
      expect(files[1]!.message).toBe('catalog/never.yaml is not on main; no offering was stored from it');
      expect(store.current.get('access-request')!.removedFromSource).toBeUndefined();
    });

    it('since a commit: only the changed documents; a CODEOWNERS change or a comparison too large for GitHub looks at everything', async () => {
      const source = new MemorySource({ 'catalog/a.yaml': example('s3-bucket'), 'catalog/b.yaml': example('access-request') });
      const store = new MemoryStore();
      source.changed = [{ path: 'catalog/b.yaml', status: 'modified' }, { path: 'README.md', status: 'modified' }];
      expect(outcomes(await run(source, store, { since: 'abc' }))).toEqual([['catalog/b.yaml', 'created', 'access-request']]);
      source.changed = [{ path: 'CODEOWNERS', status: 'added' }];
      expect(outcomes(await run(source, store, { since: 'abc' }))).toEqual([['catalog/a.yaml', 'created', 's3-bucket'], ['catalog/b.yaml', 'unchanged', 'access-request']]);
      source.changed = new ComparisonTooLargeError('too many');
      expect((await run(source, store, { since: 'abc' })).map((f) => f.outcome)).toEqual(['unchanged', 'unchanged']);
    });
  });

  it("one file's GitHub failure fails that file only; GitHub's rate limit stops the run", async () => {
    const source = new MemorySource({ 'catalog/a.yaml': example('s3-bucket'), 'catalog/b.yaml': example('access-request') });
    source.failOn.set('catalog/a.yaml', Object.assign(new Error('Server Error'), { status: 502 }));
    const store = new MemoryStore();
    const files = await run(source, store);
    expect(outcomes(files)).toEqual([['catalog/a.yaml', 'failed', null], ['catalog/b.yaml', 'created', 'access-request']]);
    expect(files[0]!.message).toBe('GitHub answered 502');
    source.failOn.set('catalog/a.yaml', new GitHubRateLimitedError(new Date(Date.now() + 3600_000)));
    await expect(run(source, store)).rejects.toBeInstanceOf(GitHubRateLimitedError);
  });
});
