import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '#shared/errors';
import { FileAuditArchive, localAuditArchive } from './file-audit-archive.ts';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'apollo-archive-'));
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('FileAuditArchive', () => {
  it('lives under $APOLLO_HOME/audit-archive and writes a key as a read-only file', async () => {
    // Prepare
    const archive = localAuditArchive(home);

    // Act
    const before = await archive.exists('audit/2026/11/23.ndjson');
    await archive.put('audit/2026/11/23.ndjson', '{"id":"1"}\n');

    // Assess
    expect(archive.dir).toBe(join(home, 'audit-archive'));
    expect(before).toBe(false);
    expect(await archive.exists('audit/2026/11/23.ndjson')).toBe(true);
    const path = join(home, 'audit-archive', 'audit', '2026', '11', '23.ndjson');
    expect(await readFile(path, 'utf8')).toBe('{"id":"1"}\n');
    expect((await stat(path)).mode & 0o222).toBe(0);
    expect(await readdir(join(home, 'audit-archive', 'audit', '2026', '11'))).toEqual(['23.ndjson']);
  });

  it('refuses to overwrite, as the Object Lock bucket does, and keeps the first copy', async () => {
    // Prepare
    const archive = new FileAuditArchive(join(home, 'a'));
    await archive.put('audit/2026/11/23.ndjson', 'first\n');

    // Act
    const second = archive.put('audit/2026/11/23.ndjson', 'second\n');

    // Assess
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    expect(await readFile(archive.pathOf('audit/2026/11/23.ndjson'), 'utf8')).toBe('first\n');
    expect(await readdir(join(home, 'a', 'audit', '2026', '11'))).toEqual(['23.ndjson']);
  });

  it('refuses keys that leave the archive directory', async () => {
    // Prepare
    const archive = new FileAuditArchive(join(home, 'a'));

    // Act
    const put = archive.put('../escaped.ndjson', 'x');

    // Assess
    await expect(put).rejects.toThrow(/outside/);
    await expect(stat(join(home, 'escaped.ndjson'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
