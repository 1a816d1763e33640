import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileIntegrationSecrets, InMemoryIntegrationSecrets, localIntegrationSecrets, memoryIntegrationSecrets } from './local-secrets.ts';

const homes: string[] = [];
const home = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'apollo-secrets-'));
  homes.push(dir);
  return dir;
};
afterEach(() => { for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true }); });

describe('local integration secrets', () => {
  it('reads <home>/integration-secrets.json, and sees an edit at once', async () => {
    const dir = home();
    const secrets = new FileIntegrationSecrets(dir);
    expect(await secrets.get('dns_api_token')).toBeUndefined();
    writeFileSync(join(dir, 'integration-secrets.json'), JSON.stringify({ dns_api_token: 'abc' }));
    expect(await secrets.get('dns_api_token')).toBe('abc');
    expect(await secrets.get('toString')).toBeUndefined();
  });

  it('writes values beside the existing ones, readable by its owner only', async () => {
    const dir = home();
    const secrets = new FileIntegrationSecrets(dir);
    secrets.write({ a: '1' });
    secrets.write({ b: '2' });
    const file = join(dir, 'integration-secrets.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: '1', b: '2' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('says which file is broken', async () => {
    const dir = home();
    writeFileSync(join(dir, 'integration-secrets.json'), '[1]');
    await expect(new FileIntegrationSecrets(dir).get('x')).rejects.toThrow(`${join(dir, 'integration-secrets.json')} must hold a JSON object of names to values`);
  });

  it('keeps values in memory without a home', async () => {
    expect(localIntegrationSecrets(undefined)).toBe(memoryIntegrationSecrets);
    const secrets = new InMemoryIntegrationSecrets({ k: 'v' });
    expect(await secrets.get('k')).toBe('v');
  });
});
