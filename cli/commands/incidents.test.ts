/**
 * `apollo incidents …` against the local runtime in-process: incidents declared by an operator, listed and shown
 * with their timeline, acknowledged and resolved (a critical one's deploy lock lifted); a change that is no change
 * exits 5; the API's own shapes with -o json; exit codes per error class.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, IncidentList, IncidentTimeline } from '#schemas/index.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';

let c: CliHarness;
let critical: Incident;
let minor: Incident;

async function declare(body: Record<string, unknown>): Promise<Incident> {
  const res = await c.h.client('operator').call<Incident>('POST', '/api/v1/incidents', { body });
  expect(res.status).toBe(201);
  return res.body;
}

beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
  critical = await declare({ title: 'core-service prod 500s', severity: 'critical', affectedServices: ['core-service'], affectedEnvironments: ['prod'] });
  minor = await declare({ title: 'billing-service staging slow', severity: 'low', affectedServices: ['billing-service'], affectedEnvironments: ['staging'] });
});
afterAll(() => c.close());

describe('apollo incidents', () => {
  it('lists incidents newest first as a table, and as the API\'s own page with -o json', async () => {
    const table = await c.run(['incidents', 'list', '--status', 'open'], { role: 'viewer' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+SEVERITY\s+STATUS\s+SERVICES\s+ASSIGNEE\s+OPENED\s+TITLE$/);
    expect(rows.findIndex((r) => r.startsWith(minor.id))).toBeLessThan(rows.findIndex((r) => r.startsWith(critical.id)));
    expect(rows.find((r) => r.startsWith(critical.id))).toMatch(/\scritical\s+triggered\s+core-service\s+.*core-service prod 500s$/);

    const json = await c.run(['incidents', 'list', '--service', 'core-service', '--severity', 'critical', '-o', 'json'], { role: 'viewer' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const page = json.json<IncidentList>();
    expectRouteShape('GET', '/api/v1/incidents', page);
    expect(page.items.map((i) => i.id)).toContain(critical.id);
    expect(page.items.every((i) => i.severity === 'critical' && i.affectedServices.includes('core-service'))).toBe(true);

    const one = await c.run(['incidents', 'list', '--limit', '1']);
    expect(one.stderr).toContain('more: apollo incidents list --limit 1 --cursor ');
    const every = (await c.run(['incidents', 'list', '--limit', '1', '--all', '-o', 'json'])).json<IncidentList>();
    expect(every.items.map((i) => i.id)).toEqual(expect.arrayContaining([critical.id, minor.id]));
    expect(every.nextCursor).toBeNull();
  });

  it('shows one incident with its timeline; -o json is the incident, `timeline -o json` the timeline', async () => {
    const table = await c.run(['incidents', 'get', critical.id], { role: 'viewer' });
    expect(table.code, table.stderr).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^severity\s+critical$/m);
    expect(table.stdout).toMatch(/^locks\s+core-service prod$/m);
    expect(table.stdout).toMatch(/^TIME\s+TYPE\s+ACTOR\s+WHAT$/m);

    const json = await c.run(['incidents', 'get', critical.id, '-o', 'json']);
    expectRouteShape('GET', `/api/v1/incidents/${critical.id}`, json.json());
    expect(json.json<Incident>()).toMatchObject({ id: critical.id, status: 'triggered', locks: [{ service: 'core-service', environment: 'prod' }] });
    const timeline = await c.run(['incidents', 'timeline', critical.id, '-o', 'json']);
    expect(timeline.code, timeline.stderr).toBe(EXIT.ok);
    expectRouteShape('GET', `/api/v1/incidents/${critical.id}/timeline`, timeline.json());
    expect(timeline.json<IncidentTimeline>().incidentId).toBe(critical.id);

    const missing = await c.run(['incidents', 'get', '01JV3ZQ8K2M4N6P8R0T2V4X6Z8']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('HTTP 404');
  });

  it('acknowledges as an operator; a developer may not; again is a conflict (5)', async () => {
    const developer = await c.run(['incidents', 'ack', critical.id], { role: 'developer' });
    // incidents:manage is the operator's: the developer role's IAM policy lacks the route (exit.ts: auth).
    expect(developer.code).toBe(EXIT.policy);
    expect(developer.stderr).toContain('HTTP 403');

    const acked = await c.run(['incidents', 'ack', critical.id, '--note', 'looking at the pool'], { role: 'operator' });
    expect(acked.code, acked.stderr).toBe(EXIT.ok);
    expect(acked.stderr).toContain(`acknowledged ${critical.id}: core-service prod 500s`);
    expect(acked.stdout).toMatch(/^status\s+acknowledged$/m);
    expect(acked.stdout).toMatch(/^assignee\s+operator@apollo\.local$/m);

    const again = await c.run(['incidents', 'ack', critical.id], { role: 'operator' });
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toMatch(/is acknowledged already \(acknowledged \S+ by operator@apollo\.local\)/);

    const json = await c.run(['incidents', 'acknowledge', minor.id, '-o', 'json'], { role: 'operator' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    expectRouteShape('POST', `/api/v1/incidents/${minor.id}/acknowledge`, json.json());
    expect(json.json<Incident>()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'operator@apollo.local' });
  });

  it('resolves with a note, lifting the deploy lock; resolving or acknowledging it again is a conflict (5)', async () => {
    const resolved = await c.run(['incidents', 'resolve', critical.id, '--note', 'rolled back to 2.14.1'], { role: 'operator' });
    expect(resolved.code, resolved.stderr).toBe(EXIT.ok);
    expect(resolved.stderr).toContain(`resolved ${critical.id}`);
    expect(resolved.stderr).toContain('deploys unlocked: core-service prod');
    expect(resolved.stdout).toMatch(/^status\s+resolved$/m);
    expect(resolved.stdout).toMatch(/^locks\s+-$/m);

    const timeline = await c.run(['incidents', 'timeline', critical.id]);
    expect(timeline.stdout).toMatch(/status change\s+operator@apollo\.local\s+resolved by operator@apollo\.local: rolled back to 2\.14\.1/);

    const again = await c.run(['incidents', 'resolve', critical.id], { role: 'operator' });
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toContain(`incident ${critical.id} is already resolved`);
    expect((await c.run(['incidents', 'ack', critical.id], { role: 'operator' })).code).toBe(EXIT.conflict);

    const json = await c.run(['incidents', 'resolve', minor.id, '-o', 'json'], { role: 'operator' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    expectRouteShape('POST', `/api/v1/incidents/${minor.id}/resolve`, json.json());
    expect(json.json<Incident>()).toMatchObject({ status: 'resolved', resolvedBy: 'operator@apollo.local' });
    expect((await c.run(['incidents', 'resolve', 'no-such-incident'], { role: 'operator' })).code).toBe(EXIT.notFound);
  });

  it('says what is wrong with the command line (2) and prints help with examples', async () => {
    expect((await c.run(['incidents', 'list', '--status', 'burning'])).code).toBe(EXIT.usage);
    const from = await c.run(['incidents', 'list', '--from', 'yesterday-ish']);
    expect(from.code).toBe(EXIT.usage);
    expect(from.stderr).toContain('--from yesterday-ish: say a date or time');
    expect((await c.run(['incidents', 'list', '--limit', '0'])).code).toBe(EXIT.usage);
    expect((await c.run(['incidents', 'resolve', minor.id, '--note', ''], { role: 'operator' })).code).toBe(EXIT.usage);
    expect((await c.run(['incidents', 'ack'])).code).toBe(EXIT.usage);
    for (const command of ['list', 'get', 'timeline', 'ack', 'resolve']) {
      const help = await c.run(['incidents', command, '--help']);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain('Examples:\n  $ apollo incidents');
    }
  });
});
