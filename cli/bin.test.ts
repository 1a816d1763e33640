/**
 * The `apollo` bin as people run it: `npx apollo` from the checkout (package.json's bin), a real
 * process with its own exit code, signing with the configuration's keys against the local runtime.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXIT } from './exit.ts';
import { startCliHarness, type CliHarness } from './testing.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
let c: CliHarness;
beforeAll(async () => { c = await startCliHarness(); });
afterAll(() => c.close());

async function apollo(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'apollo', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it('`npx apollo` runs the bin from the checkout: help, version, and a signed call with its exit code', async () => {
  const help = await apollo(['--help']);
  expect(help.code).toBe(EXIT.ok);
  expect(help.stdout).toContain('Usage: apollo [options] [command]');
  expect(help.stdout).toContain('Exit codes:');
  const version = await apollo(['--version']);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

  const env = { APOLLO_CONFIG: join(c.home, 'config-viewer.json') };
  const me = await apollo(['me', '-o', 'json'], env);
  expect(me.code, me.stderr).toBe(EXIT.ok);
  expect(JSON.parse(me.stdout)).toMatchObject({ principal: 'viewer@apollo.local', role: 'viewer' });
  const refused = await apollo(['services', 'register', 'bin-test', '--team', 'payments'], env);
  expect(refused.code).toBe(EXIT.policy);
  const usage = await apollo(['services', 'get'], env);
  expect(usage.code).toBe(EXIT.usage);
  expect(usage.stderr).toContain("missing required argument 'service'");
}, 60_000);
