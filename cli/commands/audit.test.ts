/**
 * `apollo audit …` against the local runtime in-process: an admin reads who did what (a team created, a request
 * submitted), one entry, and the request audit trail as a table and as an export; others may not read it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditList, Request } from '#schemas/index.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';
import { timeOption } from './audit.ts';

let c: CliHarness;
let requestId: string;

beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
  await c.h.client('admin').call('POST', '/api/v1/teams', { body: { id: 'cli-audited', name: 'CLI audited' } });
  await c.h.client('admin').call('POST', '/api/v1/teams', { body: { id: 'cli-audited-2', name: 'CLI audited two' } });
  requestId = (await c.h.client('developer').call<Request>('POST', '/api/v1/requests', { body: { offeringId: 'dns-record', fields: { environment: 'dev', name: 'cli-audit', value: 'lb.example.com' } } })).body.id;
});
afterAll(() => c.close());

const admin = { role: 'admin' as const };

describe('apollo audit', () => {
  it('searches by actor and action prefix, newest first, as a table and as the API\'s page', async () => {
    const table = await c.run(['audit', '--actor', 'admin@apollo.local', '--action', 'teams.', '--from', '1h'], admin);
    expect(table.code, table.stderr).toBe(EXIT.ok);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^AT\s+ACTOR\s+ACTION\s+RESOURCE\s+OUTCOME\s+ID$/);
    expect(rows.slice(0, 2)).toEqual([
      expect.stringMatching(/^\S+Z\s+admin@apollo\.local\s+teams\.create\s+team\/cli-audited-2\s+succeeded 201\s+[0-9A-Z]{26}$/),
      expect.stringMatching(/^\S+Z\s+admin@apollo\.local\s+teams\.create\s+team\/cli-audited\s+succeeded 201\s+[0-9A-Z]{26}$/),
    ]);

    const json = await c.run(['audit', 'search', '--resource-type', 'team', '--resource-id', 'cli-audited', '-o', 'json'], admin);
    const page = json.json<AuditList>();
    expectRouteShape('GET', '/api/v1/audit', page);
    expect(page.items).toEqual([expect.objectContaining({ action: 'teams.create', resourceId: 'cli-audited', actor: 'admin@apollo.local' })]);

    // The next page's command line keeps the filters: its cursor belongs to that query.
    const first = await c.run(['audit', '--actor', 'admin@apollo.local', '--action', 'teams.', '--limit', '1'], admin);
    const more = /more: (apollo audit .*) {3}\(or --all\)/.exec(first.stderr)?.[1];
    expect(more).toMatch(/^apollo audit --actor admin@apollo\.local --action teams\. --limit 1 --cursor \S+$/);
    const next = await c.run(more!.split(' ').slice(1), admin);
    expect(next.stdout).toContain('team/cli-audited ');

    const earlier = await c.run(['audit', '--actor', 'admin@apollo.local', '--to', '1h'], admin);
    expect(earlier.stdout).toBe('No audit entries match.\n');
  });

  it('shows one entry; a missing one exits 4', async () => {
    const [entry] = (await c.run(['audit', '--resource-type', 'team', '--resource-id', 'cli-audited', '-o', 'json'], admin)).json<AuditList>().items;
    const shown = await c.run(['audit', 'get', entry!.id], admin);
    expect(shown.code, shown.stderr).toBe(EXIT.ok);
    expect(shown.stdout).toMatch(/^action\s+teams\.create$/m);
    expect(shown.stdout).toMatch(/^resource\s+team\/cli-audited$/m);
    expect(shown.stdout).toMatch(/^details\s+\{"body":\{"id":"cli-audited","name":"CLI audited".*\}\}$/m);
    const json = await c.run(['audit', 'get', entry!.id, '-o', 'json'], admin);
    expectRouteShape('GET', `/api/v1/audit/${entry!.id}`, json.json());
    expect(json.json<AuditEntry>()).toEqual(entry);

    const missing = await c.run(['audit', 'get', '01JF3Z8Q9W7ZK2D4M1V6N8P0RA'], admin);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('audit entry 01JF3Z8Q9W7ZK2D4M1V6N8P0RA not found');
  });

  it('reads the request audit trail, and exports it as CSV to stdout or JSON to a file', async () => {
    const trail = await c.run(['audit', 'requests', '--request', requestId, '--outcome', 'succeeded'], admin);
    expect(trail.code, trail.stderr).toBe(EXIT.ok);
    expect(trail.stdout).toMatch(new RegExp(`^\\S+Z\\s+developer@apollo\\.local\\s+requests\\.submit\\s+request/${requestId}\\s+succeeded 201\\s`, 'm'));
    const json = await c.run(['audit', 'requests', '--actor', 'developer@apollo.local', '-o', 'json'], admin);
    expectRouteShape('GET', '/api/v1/audit/requests', json.json());
    // The trail is requests, approvals and quotas only: the teams created are not in it.
    expect((await c.run(['audit', 'requests', '--actor', 'admin@apollo.local'], admin)).stdout).toBe('No request audit entries match.\n');

    const csv = await c.run(['audit', 'requests', '--request', requestId, '--export', 'csv'], admin);
    expect(csv.code, csv.stderr).toBe(EXIT.ok);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('at,id,actor,actorType,actorRole,action,resourceType,resourceId,outcome,statusCode,errorCode,aiSessionId,requestId,details');
    expect(lines.some((l) => l.includes(`,requests.submit,request,${requestId},succeeded,201,`))).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'apollo-audit-'));
    const out = join(dir, 'trail.json');
    const file = await c.run(['audit', 'requests', '--request', requestId, '--export', 'json', '--out', out], admin);
    expect(file.code, file.stderr).toBe(EXIT.ok);
    expect(file.stdout).toBe('');
    const exported = JSON.parse(readFileSync(out, 'utf8')) as { items: AuditEntry[]; truncated: boolean };
    expect(exported.truncated).toBe(false);
    expect(exported.items.map((e) => e.action)).toContain('requests.submit');
    expect(file.stderr).toBe(`wrote ${exported.items.length} entries to ${out}\n`);
  });

  it('refuses bad flags (exit 2), and callers without audit:read (the gateway\'s IAM refusal: exit 3)', async () => {
    const orphan = await c.run(['audit', '--resource-id', 'cli-audited'], admin);
    expect(orphan.code).toBe(EXIT.usage);
    expect(orphan.stderr).toContain('--resource-id needs --resource-type');
    const when = await c.run(['audit', '--from', 'yesterday'], admin);
    expect(when.code).toBe(EXIT.usage);
    expect(when.stderr).toContain('--from yesterday: say an ISO time');
    const backwards = await c.run(['audit', '--from', '1h', '--to', '2h'], admin);
    expect(backwards.code).toBe(EXIT.usage);
    expect(backwards.stderr).toContain('from must be before to');
    expect((await c.run(['audit', 'requests', '--outcome', 'maybe'], admin)).code).toBe(EXIT.usage);
    expect((await c.run(['audit', 'requests', '--out', 'x.csv'], admin)).stderr).toContain('--out goes with --export');
    expect((await c.run(['audit', 'requests', '--export', 'csv', '--all'], admin)).code).toBe(EXIT.usage);

    for (const role of ['developer', 'operator'] as const) {
      const refused = await c.run(['audit'], { role });
      expect(refused.code).toBe(EXIT.policy);
      expect(refused.stderr).toContain('not authorized to perform: execute-api:Invoke');
    }
  });

  it('reads times as ISO, dates and ages', () => {
    const at = timeOption('--from', () => Date.parse('2025-03-10T12:00:00Z'));
    expect(at('2025-03-01')).toBe('2025-03-01T00:00:00.000Z');
    expect(at('2025-03-01T09:30:00+01:00')).toBe('2025-03-01T08:30:00.000Z');
    expect(at('90m')).toBe('2025-03-10T10:30:00.000Z');
    expect(at('2w')).toBe('2025-02-24T12:00:00.000Z');
    expect(() => at('last week')).toThrow('say an ISO time');
  });

  it('has help with examples on every command', async () => {
    for (const command of ['search', 'get', 'requests']) {
      const help = await c.run(['audit', command, '--help']);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain('Examples:\n  $ apollo audit');
    }
    expect((await c.run(['audit', '--help'])).stdout).toContain('Commands:\n  search|list [options]');
  });
});
