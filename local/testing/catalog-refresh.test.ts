/**
 * The catalog refresh end to end: the local runtime, its fake GitHub's catalog repository
 * (apollo-demo/platform-catalog, examples/catalog/*.yaml under catalog/, real HTTP on loopback) and
 * signed calls. A refresh answers 202 with a job read over GET and heard live on
 * `catalog-refresh:<id>`; valid documents become offerings owned as CODEOWNERS says; an unchanged
 * file is not read again; an invalid one keeps the last good version and reports its errors with
 * paths and lines; a removed file retires its offering; the push webhook refreshes only the files a
 * push changed (following the comparison's pagination when GitHub left the file lists out), once
 * per delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItem, CatalogItemSource, CatalogRefreshJob, RealtimeFrame } from '#schemas/index.ts';
import { signBody } from '../../functions/webhooks/github-signature.ts';
import { DEMO_CATALOG_REPO, DEMO_ORG } from '../fakes/demo-github.ts';
import type { FakeGitHub } from '../fakes/github-server.ts';
import { deliverGitHub, finishedRun, runToEnd, startHarness, subscribe, until, type Harness } from './harness.ts';

const REPO = `${DEMO_ORG}/${DEMO_CATALOG_REPO}`;
const DOCUMENTS = ['access-request', 'dns-record', 'feature-environment', 'new-microservice-repository', 'postgresql-database', 's3-bucket'];

let h: Harness;
let github: FakeGitHub;

const JOBS = '/api/v1/catalog-refresh/jobs';
const finished = (id: string): Promise<CatalogRefreshJob> => finishedRun<CatalogRefreshJob>(h.client('admin'), JOBS, id);
const refresh = (body: Record<string, unknown> = {}): Promise<CatalogRefreshJob> => runToEnd<CatalogRefreshJob>(h.client('admin'), '/api/v1/catalog/refresh', JOBS, body);

const item = async (id: string) => h.client('admin').call<CatalogItem>('GET', `/api/v1/catalog/items/${id}`);
const fileText = (path: string): string => {
  const text = github.fileAt(DEMO_CATALOG_REPO, path);
  if (text === undefined) throw new Error(`no ${path} in the fake catalog repository`);
  return text;
};
/** The fake's requests since `from`, paths decoded (Octokit encodes a file path's slashes). */
const requestsSince = (from: number) => github.requests.slice(from).map((r) => decodeURIComponent(r));
const catalogReads = (from: number) => requestsSince(from).filter((r) => r.includes(`/repos/${REPO}/contents/catalog/`));

beforeAll(async () => {
  h = await startHarness();
  github = h.runtime.github!.fake;
  for (const id of ['platform', 'data']) await h.client('admin').call('POST', '/api/v1/teams', { body: { id, name: id } });
}, 30_000);
afterAll(async () => { await h.close(); });

describe('a full refresh of the catalog repository', () => {
  let job: CatalogRefreshJob;
  let from: number;
  beforeAll(async () => {
    from = github.requests.length;
    job = await refresh();
  }, 30_000);

  it('stores every example document as an offering, owned as CODEOWNERS says', async () => {
    expect(job).toMatchObject({
      status: 'succeeded', trigger: 'manual', repo: REPO, directory: 'catalog', branch: 'main', commit: github.headOf(DEMO_CATALOG_REPO),
      requestedBy: 'admin@apollo.local',
      progress: { total: DOCUMENTS.length, checked: DOCUMENTS.length, created: DOCUMENTS.length, updated: 0, unchanged: 0, invalid: 0, retired: 0, failed: 0 },
      codeowners: { path: '.github/CODEOWNERS', problems: [] },
    });
    expect(job.files.map((f) => [f.path, f.outcome, f.itemId, f.ownerTeam, f.ownerSource])).toEqual(
      DOCUMENTS.map((id) => [`catalog/${id}.yaml`, 'created', id, 'platform', 'codeowners']),
    );
    const { status, body } = await item('postgresql-database');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'postgresql-database', version: '2.3.0', source: { repo: REPO, path: 'catalog/postgresql-database.yaml', ownerTeam: 'platform', sha: job.files[DOCUMENTS.indexOf('postgresql-database')]!.sha } });
  });

  it('lists the repository once (a tree), reads CODEOWNERS and each document once', () => {
    const calls = requestsSince(from).map((r) => r.replace(/\?.*$/, ''));
    expect(calls.filter((c) => c.includes('/git/trees/'))).toHaveLength(1);
    expect(calls.filter((c) => c.endsWith('/contents/.github/CODEOWNERS'))).toHaveLength(1);
    expect(catalogReads(from)).toHaveLength(DOCUMENTS.length);
  });

  it('a second refresh reads no document again and changes nothing', async () => {
    const before = await item('s3-bucket');
    const mark = github.requests.length;
    const again = await refresh();
    expect(again.progress).toMatchObject({ total: DOCUMENTS.length, unchanged: DOCUMENTS.length, created: 0, updated: 0 });
    expect(again.files).toEqual([]);
    expect(catalogReads(mark)).toEqual([]);
    expect((await item('s3-bucket')).body).toEqual(before.body);
  }, 30_000);
});

describe('what a refresh does with changed files', () => {
  it('an invalid document keeps the last good version served and reports its errors with paths and lines', async () => {
    // Prepare: s3-bucket 1.7.0 with a field the schema doesn't know, and a broken version.
    const good = fileText('catalog/s3-bucket.yaml');
    github.commit(DEMO_CATALOG_REPO, 'catalog/s3-bucket.yaml', good.replace('  version: 1.6.0', '  version: 1.7.0\n  colour: blue').replace('  category: storage', '  category: refresh'));

    // Act
    const job = await refresh();

    // Assess
    expect(job.progress).toMatchObject({ invalid: 1, unchanged: DOCUMENTS.length - 1 });
    const file = job.files.find((f) => f.path === 'catalog/s3-bucket.yaml')!;
    expect(file).toMatchObject({ outcome: 'invalid', itemId: 's3-bucket', servingVersion: '1.6.0' });
    expect(file.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: '/metadata/colour', severity: 'error', line: 15 }),
      expect.objectContaining({ path: '/metadata/category', severity: 'error', line: 11 }),
    ]));
    const { body } = await item('s3-bucket');
    expect(body.version).toBe('1.6.0');
    expect(body.validation).toMatchObject({ valid: false, currentVersion: '1.6.0', servingOlderVersion: true, source: { path: 'catalog/s3-bucket.yaml', sha: file.sha } });

    // The fix is stored as the new version.
    github.commit(DEMO_CATALOG_REPO, 'catalog/s3-bucket.yaml', good.replace('  version: 1.6.0', '  version: 1.7.0'));
    const fixed = await refresh();
    expect(fixed.files.map((f) => [f.path, f.outcome, f.version])).toEqual([['catalog/s3-bucket.yaml', 'updated', '1.7.0']]);
    expect((await item('s3-bucket')).body).toMatchObject({ version: '1.7.0', validation: { valid: true, servingOlderVersion: false } });
    // The studio opens the file as written in the repository (never the invalid one in between).
    const source = await h.client('admin').call<CatalogItemSource>('GET', '/api/v1/catalog/items/s3-bucket/source');
    expect(source.body).toMatchObject({ version: '1.7.0', text: fileText('catalog/s3-bucket.yaml') });
  }, 30_000);

  it('CODEOWNERS decides the owning team: the last matching rule, an @org/team of the repository', async () => {
    github.commit(DEMO_CATALOG_REPO, '.github/CODEOWNERS', [
      '*                                 @apollo-demo/platform',
      '/catalog/postgresql-*.yaml        @apollo-demo/data @alice',
      '/catalog/new-microservice-repository.yaml @alice',
      '/catalog/s3-*.yaml                @apollo-demo/storage',
      '!catalog/x.yaml @apollo-demo/data',
      '',
    ].join('\n'));

    const job = await refresh();

    expect(job.codeowners).toEqual({ path: '.github/CODEOWNERS', problems: [{ line: 5, message: 'negation (!catalog/x.yaml) does not work in CODEOWNERS; the line is skipped' }] });
    // new-microservice-repository's only owner is a person: its metadata.owner (platform) still owns it, unchanged.
    expect(job.files.map((f) => [f.path, f.outcome, f.ownerTeam, f.ownerSource])).toEqual([
      ['catalog/postgresql-database.yaml', 'updated', 'data', 'codeowners'],
      ['catalog/s3-bucket.yaml', 'updated', 'storage', 'codeowners'],
    ]);
    expect(job.progress).toMatchObject({ updated: 2, unchanged: DOCUMENTS.length - 2 });
    const { body } = await item('postgresql-database');
    expect(body.source.ownerTeam).toBe('data');
    const codes = (b: CatalogItem) => b.validation?.warnings.map((w) => w.code);
    expect(codes(body)).toContain('owner-differs-from-codeowners');
    expect(codes(body)).not.toContain('owner-team-unknown');
    // A team Apollo doesn't know owns it all the same, with a warning.
    const s3 = (await item('s3-bucket')).body;
    expect(s3.source.ownerTeam).toBe('storage');
    expect(s3.validation?.warnings).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: '/metadata/owner', code: 'owner-differs-from-codeowners', severity: 'warning' }),
      expect.objectContaining({ code: 'owner-team-unknown', message: expect.stringContaining('team storage, which is not an Apollo team') }),
    ]));
  }, 30_000);

  it('a removed file retires its offering from source; it stays readable and cannot be requested', async () => {
    github.commit(DEMO_CATALOG_REPO, 'catalog/access-request.yaml', null);

    const job = await refresh();

    expect(job.progress).toMatchObject({ retired: 1 });
    expect(job.files).toEqual([expect.objectContaining({ path: 'catalog/access-request.yaml', outcome: 'retired', itemId: 'access-request', message: expect.stringContaining('is no longer on main') })]);
    const { status, body } = await item('access-request');
    expect(status).toBe(200);
    expect(body.summary).toMatchObject({ canRequest: false });
    expect(JSON.stringify(body.summary.lifecycle)).toContain('retired');
  }, 30_000);

  it('a job stays one small item: files beyond its size are counted, not listed', async () => {
    const broken = `schemaVersion: "2.0"\nmetadata:\n${Array.from({ length: 60 }, (_, i) => `  field${i}: x\n`).join('')}`;
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`catalog/bulk/${String(i).padStart(2, '0')}.yaml`, broken]));
    github.commitFiles(DEMO_CATALOG_REPO, many);
    try {
      const job = await refresh();
      expect(job).toMatchObject({ status: 'succeeded', progress: { invalid: 80 } });
      expect(job.files.length + job.filesOmitted!).toBe(80);
      expect(job.filesOmitted).toBeGreaterThan(0);
      // DynamoDB's item limit is 400 KB.
      expect(Buffer.byteLength(JSON.stringify(job))).toBeLessThan(300 * 1024);
      expect(job.files[0]!.errors).toHaveLength(50);
    } finally {
      github.commitFiles(DEMO_CATALOG_REPO, Object.fromEntries(Object.keys(many).map((path) => [path, null])));
    }
  }, 30_000);

  it('a second file claiming an existing offering id is refused; a renamed file takes its id along', async () => {
    github.commit(DEMO_CATALOG_REPO, 'catalog/zz-copy.yaml', fileText('catalog/feature-environment.yaml'));
    const copy = await refresh();
    expect(copy.files).toEqual([expect.objectContaining({
      path: 'catalog/zz-copy.yaml', outcome: 'invalid', itemId: 'feature-environment',
      errors: [expect.objectContaining({ path: '/metadata/id', code: 'duplicate-id', message: 'the offering id feature-environment is already defined by catalog/feature-environment.yaml' })],
    })]);
    expect((await item('feature-environment')).body.source.path).toBe('catalog/feature-environment.yaml');

    github.commitFiles(DEMO_CATALOG_REPO, { 'catalog/feature-environment.yaml': null, 'catalog/zz-copy.yaml': null, 'catalog/environments/feature.yaml': fileText('catalog/feature-environment.yaml') });
    const renamed = await refresh();
    expect(renamed.progress).toMatchObject({ retired: 0, failed: 0 });
    const { body } = await item('feature-environment');
    expect(body.source.path).toBe('catalog/environments/feature.yaml');
    expect(body.summary).toMatchObject({ canRequest: true });
  }, 30_000);
});

describe('who may refresh, and following a refresh live', () => {
  it('needs catalog:manage: a developer gets 403 and so does a viewer reading the jobs', async () => {
    expect((await h.client('developer').send('POST', '/api/v1/catalog/refresh', { body: {} })).status).toBe(403);
    expect((await h.client('viewer').send('GET', '/api/v1/catalog-refresh/jobs')).status).toBe(403);
  });

  it('refuses a path outside the repository and unknown fields, with their paths', async () => {
    const res = await h.client('admin').send('POST', '/api/v1/catalog/refresh', { body: { paths: ['../etc/passwd'], force: true } });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path).sort()).toEqual(['/body/force', '/body/paths/0']);
  });

  it('the same Idempotency-Key answers the same job; a second refresh of the same scope joins the running one', async () => {
    github.limit({ kind: 'secondary', resetInSeconds: 1, times: 1 });
    const key = `refresh-${Date.now()}`;
    const first = await h.client('admin').call<{ job: CatalogRefreshJob }>('POST', '/api/v1/catalog/refresh', { body: {}, idempotencyKey: key });
    const replay = await h.client('admin').call<{ job: CatalogRefreshJob }>('POST', '/api/v1/catalog/refresh', { body: {}, idempotencyKey: key });
    const joined = await h.client('admin').call<{ job: CatalogRefreshJob }>('POST', '/api/v1/catalog/refresh', { body: {} });
    expect(replay.body.job.id).toBe(first.body.job.id);
    expect(joined.body.job.id).toBe(first.body.job.id);
    expect((await finished(first.body.job.id)).status).toBe('succeeded');
    const { body: list } = await h.client('admin').call<{ items: CatalogRefreshJob[] }>('GET', '/api/v1/catalog-refresh/jobs', { query: { limit: 1 } });
    expect(list.items.map((j) => j.id)).toEqual([first.body.job.id]);
  }, 30_000);

  it('is heard live on catalog-refresh:<id>, which a viewer may not subscribe to', async () => {
    github.limit({ kind: 'secondary', resetInSeconds: 2, times: 1 });
    const res = await h.client('admin').call<{ job: CatalogRefreshJob }>('POST', '/api/v1/catalog/refresh', { body: { paths: ['catalog/s3-bucket.yaml'] } });
    const id = res.body.job.id;
    const admin = await subscribe(h, 'admin', `catalog-refresh:${id}`);
    const viewer = await subscribe(h, 'viewer', `catalog-refresh:${id}`);

    const job = await finished(id);

    expect(job).toMatchObject({ status: 'succeeded', paths: ['catalog/s3-bucket.yaml'], progress: { total: 1, unchanged: 1 } });
    await until(() => admin.frames.some((f) => f.type === 'event' && (f.data as { status?: string }).status === 'succeeded'));
    const last = admin.frames.filter((f) => f.type === 'event').pop() as Extract<RealtimeFrame, { type: 'event' }>;
    expect(last).toMatchObject({ topic: `catalog-refresh:${id}`, event: 'catalog-refresh.progress' });
    expect(last.data).toEqual(job);
    await until(() => viewer.frames.length > 0);
    expect(viewer.frames[0]).toMatchObject({ type: 'error' });
    admin.ws.close();
    viewer.ws.close();
  }, 30_000);

  it("GitHub's rate limit, far from its reset, stops the run as rate-limited with the reset time", async () => {
    github.limit({ kind: 'primary', resetInSeconds: 3600 });
    try {
      const job = await refresh();
      expect(job.status).toBe('rate-limited');
      expect(Math.abs(Date.parse(job.rateLimitResetAt!) - (Date.now() + 3600_000))).toBeLessThan(60_000);
    } finally {
      github.limit(undefined);
    }
  }, 30_000);
});

describe('the GitHub push webhook on the catalog repository', () => {
  const deliver = (event: string, payload: unknown, options: { delivery?: string; signature?: string | null } = {}) => deliverGitHub(h, event, payload, options);
  const push = (before: string, changes: { added?: string[]; modified?: string[]; removed?: string[] } | null, ref = 'refs/heads/main') => ({
    ref,
    before,
    after: github.headOf(DEMO_CATALOG_REPO),
    repository: { name: DEMO_CATALOG_REPO, full_name: REPO, default_branch: 'main', owner: { login: DEMO_ORG } },
    commits: changes ? [{ id: github.headOf(DEMO_CATALOG_REPO), added: changes.added ?? [], modified: changes.modified ?? [], removed: changes.removed ?? [] }] : [],
    head_commit: { id: github.headOf(DEMO_CATALOG_REPO) },
  });

  it('a signed push touching one document refreshes only that file; its redelivery is a duplicate without work', async () => {
    const before = github.headOf(DEMO_CATALOG_REPO)!;
    github.commit(DEMO_CATALOG_REPO, 'catalog/postgresql-database.yaml', fileText('catalog/postgresql-database.yaml').replace('  version: 2.3.0', '  version: 2.4.0'));
    const delivery = crypto.randomUUID();
    const payload = push(before, { modified: ['catalog/postgresql-database.yaml', 'README.md'] });
    const mark = github.requests.length;

    const res = await deliver('push', payload, { delivery });

    const body = (await res.json()) as { action: string; jobId: string };
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ delivery, event: 'push', action: 'refresh-started', duplicate: false });
    const job = await finished(body.jobId);
    expect(job).toMatchObject({ status: 'succeeded', trigger: 'webhook', paths: ['catalog/postgresql-database.yaml'], requestedBy: `github:${delivery}`, progress: { total: 1, updated: 1 } });
    expect(catalogReads(mark).map((r) => r.replace(/\?.*$/, ''))).toEqual([`GET /repos/${REPO}/contents/catalog/postgresql-database.yaml`]);
    expect((await item('postgresql-database')).body.version).toBe('2.4.0');

    const again = await deliver('push', payload, { delivery });
    expect(await again.json()).toEqual({ delivery, event: 'push', action: 'duplicate', duplicate: true, reason: 'this delivery was received before' });
    expect(await (await deliver('push', payload)).json()).toMatchObject({ action: 'duplicate', duplicate: true });
  }, 30_000);

  it('a push removing a document retires its offering', async () => {
    const before = github.headOf(DEMO_CATALOG_REPO)!;
    github.commit(DEMO_CATALOG_REPO, 'catalog/new-microservice-repository.yaml', null);
    const body = (await (await deliver('push', push(before, { removed: ['catalog/new-microservice-repository.yaml'] }))).json()) as { jobId: string };
    const job = await finished(body.jobId);
    expect(job.files).toEqual([expect.objectContaining({ path: 'catalog/new-microservice-repository.yaml', outcome: 'retired', itemId: 'new-microservice-repository' })]);
  }, 30_000);

  it('a push whose commit list GitHub left out is refreshed from the comparison, every page of it', async () => {
    const before = github.headOf(DEMO_CATALOG_REPO)!;
    github.commit(DEMO_CATALOG_REPO, 'catalog/access-request.yaml', fileText('catalog/environments/feature.yaml').replace('id: feature-environment', 'id: preview-environment'));
    for (let i = 0; i < 105; i++) github.commit(DEMO_CATALOG_REPO, 'README.md', `# Platform catalog ${i}\n`);
    const mark = github.requests.length;

    const body = (await (await deliver('push', push(before, null))).json()) as { action: string; jobId: string };

    expect(body.action).toBe('refresh-started');
    const job = await finished(body.jobId);
    expect(job).toMatchObject({ status: 'succeeded', since: before, progress: { total: 1, created: 1 } });
    expect(job.files.map((f) => [f.path, f.itemId])).toEqual([['catalog/access-request.yaml', 'preview-environment']]);
    const compares = github.requests.slice(mark).filter((r) => r.includes('/compare/'));
    expect(compares).toHaveLength(2);
    expect(compares[1]).toContain('page=2');
  }, 30_000);

  it('refuses a missing or wrong signature with 401', async () => {
    const payload = push(github.headOf(DEMO_CATALOG_REPO)!, { modified: ['catalog/s3-bucket.yaml'] });
    for (const signature of [null, 'sha256=' + '0'.repeat(64), signBody('not-the-secret', JSON.stringify(payload))]) {
      const res = await deliver('push', payload, { signature });
      expect(res.status).toBe(401);
    }
  });

  it('ignores pushes that cannot change the catalog', async () => {
    const head = github.headOf(DEMO_CATALOG_REPO)!;
    expect(await (await deliver('push', push(head, { modified: ['README.md', 'other/x.yaml'] }))).json())
      .toMatchObject({ action: 'ignored', reason: 'the push changes neither catalog/*.yaml nor CODEOWNERS' });
    expect(await (await deliver('push', push(head, { modified: ['catalog/s3-bucket.yaml'] }, 'refs/heads/feature'))).json())
      .toMatchObject({ action: 'ignored', reason: 'not a push to the default branch main' });
  });

  it('a push changing CODEOWNERS looks at every file (reading none whose blob and owner are unchanged)', async () => {
    const before = github.headOf(DEMO_CATALOG_REPO)!;
    github.commit(DEMO_CATALOG_REPO, '.github/CODEOWNERS', '* @apollo-demo/platform\n');
    const body = (await (await deliver('push', push(before, { modified: ['.github/CODEOWNERS'] }))).json()) as { jobId: string };
    const job = await finished(body.jobId);
    expect(job.paths).toBeUndefined();
    expect(job.files.map((f) => [f.path, f.outcome, f.ownerTeam])).toEqual([['catalog/postgresql-database.yaml', 'updated', 'platform'], ['catalog/s3-bucket.yaml', 'updated', 'platform']]);
  }, 30_000);
});
