/**
 * `apollo services …` against the local runtime in-process: signed HTTP, tables for people, the API's
 * own shapes with -o json, exit codes per error class.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';

let c: CliHarness;
beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
});
afterAll(() => c.close());

describe('apollo services', () => {
  it('lists the catalog as a table, and as the API\'s own page with -o json', async () => {
    const table = await c.run(['services', 'list']);
    expect(table.code, table.stderr).toBe(EXIT.ok);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+TEAM\s+TIER\s+HEALTH\s+ENVIRONMENTS\s+DEPLOYED$/);
    expect(rows.some((r) => r.startsWith('core-service '))).toBe(true);

    const json = await c.run(['services', 'list', '--team', 'platform', '-o', 'json']);
    expect(json.code).toBe(EXIT.ok);
    const page = json.json<{ items: Array<{ name: string; team: string }> }>();
    expectRouteShape('GET', '/api/v1/services', page);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((s) => s.team === 'platform')).toBe(true);
  });

  it('pages with --limit and follows every page with --all', async () => {
    const first = await c.run(['services', 'list', '--limit', '2', '-o', 'json']);
    const page = first.json<{ items: unknown[]; nextCursor: string | null }>();
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const table = await c.run(['services', 'list', '--limit', '2']);
    expect(table.stderr).toContain(`more: apollo services list --limit 2 --cursor `);
    const all = await c.run(['services', 'list', '--limit', '2', '--all', '-o', 'json']);
    const every = all.json<{ items: unknown[]; nextCursor: string | null }>();
    expect(every.items.length).toBeGreaterThan(2);
    expect(every.nextCursor).toBeNull();
  });

  it('registers, edits (If-Match from the version read) and shows a service; refusals exit with their class', async () => {
    const created = await c.run(['services', 'register', 'cli-billing', '--team', 'payments', '--tier', 'critical', '--tag', 'pci', '-o', 'json']);
    expect(created.code, created.stderr).toBe(EXIT.ok);
    expectRouteShape('POST', '/api/v1/services', created.json());
    expect(created.json()).toMatchObject({ name: 'cli-billing', team: 'payments', tier: 'critical', tags: ['pci'], version: 1 });

    const edited = await c.run(['services', 'edit', 'cli-billing', '--tier', 'standard', '--description', 'Invoices']);
    expect(edited.code, edited.stderr).toBe(EXIT.ok);
    expect(edited.stderr).toContain('updated cli-billing (version 2)');

    const stale = await c.run(['services', 'edit', 'cli-billing', '--tier', 'critical', '--if-version', '1']);
    expect(stale.code).toBe(EXIT.conflict);
    expect(stale.stderr).toContain('HTTP 412');

    const shown = await c.run(['services', 'get', 'cli-billing']);
    expect(shown.stdout).toMatch(/^tier\s+standard$/m);
    expect(shown.stdout).toMatch(/^description\s+Invoices$/m);

    const missing = await c.run(['services', 'get', 'no-such-service']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('error:');

    const bad = await c.run(['services', 'register', 'Bad_Name', '--team', 'payments']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('/body/name');

    // A viewer may not register: Apollo's policy (exit 6), not a signing problem.
    const viewer = await c.run(['services', 'register', 'cli-viewer', '--team', 'payments'], { role: 'viewer' });
    expect(viewer.code).toBe(EXIT.policy);
    expect(viewer.stderr).toContain('not authorized');
  });

  it('shows dependencies and health', async () => {
    const deps = await c.run(['services', 'deps', 'core-service', '-o', 'json']);
    expect(deps.code, deps.stderr).toBe(EXIT.ok);
    expectRouteShape('GET', '/api/v1/services/core-service/dependencies', deps.json());
    const health = await c.run(['services', 'health', 'core-service']);
    expect(health.code, health.stderr).toBe(EXIT.ok);
    expect(health.stdout).toMatch(/^ENVIRONMENT\s+STATUS/);
    expect(health.stderr).toContain('overall:');
  });

  it('says what is wrong with the command line (exit 2) and prints help with examples (exit 0)', async () => {
    const unknown = await c.run(['services', 'lst']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('Did you mean one of list, ls?');
    const help = await c.run(['services', 'list', '--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('Examples:');
    const badLimit = await c.run(['services', 'list', '--limit', 'many']);
    expect(badLimit.code).toBe(EXIT.usage);
  });
});
