/** repo_file: a whole file says so; a longer one is cut and says it is no base for a change; a missing one is a finding. */
import { describe, expect, it, vi } from 'vitest';
import { REPO_FILE_CHARS, repoFile } from './repo-file.ts';

const files = new Map<string, string>();
vi.mock('#functions/services/public', () => ({
  readRepositoryFile: async (service: string, path: string) => {
    const text = files.get(`${service}:${path}`);
    return text === undefined ? undefined : { repository: `apollo-demo/${service}`, branch: 'main', path, text, sha: 'abc123' };
  },
}));

const context = { caller: { principal: 'dana@apollo.local', role: 'developer' as const, teams: ['platform'], sessionId: 's' }, signal: AbortSignal.timeout(5_000) };

describe('repo_file', () => {
  it('answers a file whole, complete, with its sha', async () => {
    files.set('core-service:src/app.yml', 'pool: 10\n');
    expect(await repoFile.run({ service: 'core-service', path: 'src/app.yml' }, context)).toEqual({
      service: 'core-service', repository: 'apollo-demo/core-service', branch: 'main', path: 'src/app.yml', sha: 'abc123', found: true, characters: 9, complete: true, text: 'pool: 10\n',
    });
  });

  it('cuts a longer file and says it is not complete', async () => {
    files.set('core-service:big.txt', 'x'.repeat(REPO_FILE_CHARS + 5));
    const read = await repoFile.run({ service: 'core-service', path: 'big.txt' }, context) as { complete: boolean; text: string; characters: number };
    expect(read).toMatchObject({ complete: false, characters: REPO_FILE_CHARS + 5 });
    expect(read.text).toHaveLength(REPO_FILE_CHARS);
    // The JSON around the text fits the tool's output limit: the turn never cuts it mid-string.
    expect(JSON.stringify(read).length).toBeLessThan(repoFile.outputLimit!);
  });

  it('says when there is no such file, and refuses a path outside the repository', async () => {
    expect(await repoFile.run({ service: 'core-service', path: 'nope.txt' }, context)).toMatchObject({ found: false, problem: expect.stringContaining('has no nope.txt') });
    expect(() => repoFile.run({ service: 'core-service', path: '../etc/passwd' }, context)).toThrow(/input\/path must match/);
  });
});
