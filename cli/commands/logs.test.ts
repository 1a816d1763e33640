/**
 * `apollo logs …` against the local runtime in-process: core-service's SIMULATED demo lines read by level and
 * text as `time level message`, the API's page with -o json; `--follow` printing a line Apollo's own handlers
 * write after it started (each line once), ended by `--for` or by Ctrl-C with exit 0; refusals by class, the
 * per-caller rate limit included (6).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServiceLogs } from '#schemas/index.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';
import { durationMs, sinceTime } from './logs.ts';

// As `npm start` runs the handlers: INFO lines are written, and kept as the service apollo's (its own logs).
vi.hoisted(() => { process.env.LOG_LEVEL = 'INFO'; });

let c: CliHarness;
beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
});
afterAll(() => c.close());

/** The last hour's 45th minute: core-service prod's simulated incident, when HikariCP errors are plenty. */
const incidentStart = (): string => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000 + 45 * 60_000).toISOString();
const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (ERROR|WARN |INFO |DEBUG|- {4}) (.*)$/;

describe('apollo logs', () => {
  it('reads `--since` as a duration or an ISO time', () => {
    expect([durationMs('90s'), durationMs('15m'), durationMs('2d'), durationMs('soon')]).toEqual([90_000, 900_000, 172_800_000, undefined]);
    expect(sinceTime('1h', Date.parse('2026-05-01T12:00:00Z'))).toBe('2026-05-01T11:00:00.000Z');
    expect(sinceTime('2026-05-01T10:30:00+02:00')).toBe('2026-05-01T08:30:00.000Z');
    expect(() => sinceTime('yesterday')).toThrow('--since yesterday: say how long ago');
  });

  it('prints `time level message` lines by level and text, where they come from on stderr, more by cursor', async () => {
    const argv = ['logs', 'core-service', '--env', 'prod', '--since', incidentStart(), '--level', 'error', '-q', 'HikariPool-1', '--limit', '10'];
    const run = await c.run(argv, { role: 'viewer' });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    for (const line of lines) {
      const [, time, level, message] = LINE.exec(line) ?? [];
      expect(Date.parse(time!)).toBeGreaterThanOrEqual(Date.parse(incidentStart()));
      expect(level).toBe('ERROR');
      expect(message).toContain('HikariPool-1 - Connection is not available');
    }
    expect(run.stderr).toContain('core-service in prod (simulated: the local runtime\'s demo logs; /apollo/prod/core-service)');
    const more = /^more: (apollo logs core-service .* --cursor \S+)/m.exec(run.stderr);
    expect(more?.[1]).toContain('--level error -q "HikariPool-1" --limit 10');

    // The page after it, from its own "more:" line: later lines.
    const next = await c.run(more![1]!.split(' ').slice(1).map((w) => w.replace(/^"(.*)"$/, '$1')), { role: 'viewer' });
    expect(next.code, next.stderr).toBe(EXIT.ok);
    expect(LINE.exec(next.stdout.split('\n')[0]!)![1]! >= LINE.exec(lines[9]!)![1]!).toBe(true);
  });

  it('prints the API\'s page with -o json, masked secrets included', async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const json = await c.run(['logs', 'core-service', '--env', 'staging', '--since', new Date(hour + 7 * 60_000).toISOString(), '-q', 'aws_access_key_id', '--limit', '1', '-o', 'json'], { role: 'viewer' });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const page = json.json<ServiceLogs>();
    expectRouteShape('GET', '/api/v1/logs/services/core-service', page);
    expect(page).toMatchObject({ service: 'core-service', environment: 'staging', source: 'simulated' });
    expect(page.items[0]!.message).toContain('aws_access_key_id=AKIA[masked] aws_secret_access_key=[masked]');
  });

  it('follows: a line written after it started is printed, once; --for ends it with exit 0', async () => {
    const started = new Date().toISOString();
    // A request only this test makes, while the follow runs: its handler's "request handled" line is the one to see.
    const request = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await c.h.client('operator').send('GET', '/api/v1/teams', { query: { limit: 3 } })).status).toBe(200);
      return new Date().toISOString();
    })();
    const run = await c.run(['logs', 'apollo', '--since', started, '-q', 'GET /api/v1/teams', '--follow', '--for', '4s'], { role: 'viewer' });
    const requested = await request;
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/^apollo in local \(local: what this local runtime's own handlers wrote; .*\): following from \S+; Ctrl-C to stop$/m);
    const lines = run.stdout.trimEnd().split('\n').filter(Boolean);
    const teams = lines.filter((l) => l.includes('"route":"GET /api/v1/teams"'));
    expect(teams, run.stdout).toHaveLength(1);
    const [, time, level] = LINE.exec(teams[0]!)!;
    expect(level).toBe('INFO ');
    expect(time! >= started && time! <= requested).toBe(true);
    // Read every 2 s from the last line's time: no line twice.
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('follows with -o json as one object per line, and stops on Ctrl-C with exit 0', async () => {
    const running = c.run(['logs', 'core-service', '--env', 'dev', '--since', '6s', '--follow', '-o', 'json'], { role: 'developer' });
    // Ctrl-C once it has followed for a while (its SIGINT handler in place, two reads after the first).
    const deadline = Date.now() + 10_000;
    while (process.listenerCount('SIGINT') === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const following = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    process.emit('SIGINT');
    const run = await running;
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(process.listenerCount('SIGINT')).toBe(0);
    const items = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ServiceLogs['items'][number]);
    // One line every 2 s in the demo: the 6 s before, and those that came while it followed.
    expect(items.length).toBeGreaterThanOrEqual(4);
    expect(items.some((i) => i.timestamp > following)).toBe(true);
    expect(items.every((i) => i.logGroup === '/apollo/dev/core-service')).toBe(true);
    expect(new Set(items.map((i) => i.eventId)).size).toBe(items.length);
    expect(items.map((i) => i.timestamp)).toEqual(items.map((i) => i.timestamp).sort());
  });

  it('refuses with the error\'s class: not found (4), bad input (2), over the rate limit (6)', async () => {
    const unknown = await c.run(['logs', 'no-such-service'], { role: 'operator' });
    expect(unknown.code).toBe(EXIT.notFound);
    const env = await c.run(['logs', 'core-service', '--env', 'qa'], { role: 'operator' });
    expect(env.code).toBe(EXIT.notFound);
    expect(env.stderr).toContain('service core-service has no environment qa');
    const tooLong = await c.run(['logs', 'core-service', '--since', '8d'], { role: 'operator' });
    expect(tooLong.code).toBe(EXIT.usage);
    expect(tooLong.stderr).toContain('/query/from: at most 7 days');
    for (const argv of [['--since', 'yesterday'], ['--level', 'loud'], ['--limit', '5000'], ['--for', '5s'], ['--follow', '--for', 'ever']]) {
      const bad = await c.run(['logs', 'core-service', ...argv], { role: 'operator' });
      expect(bad.code, argv.join(' ')).toBe(EXIT.usage);
    }
    // 30 reads a minute for each caller: dana (a developer) reads until refused.
    const minute = Date.now() % 60_000;
    if (minute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - minute + 100));
    let refused: Awaited<ReturnType<CliHarness['run']>> | undefined;
    for (let i = 0; i < 32 && !refused; i++) {
      const run = await c.run(['logs', 'redis', '--limit', '1'], { user: 'dana@apollo.local' });
      if (run.code !== EXIT.ok) refused = run;
    }
    expect(refused?.code).toBe(EXIT.policy);
    expect(refused?.stderr).toContain('HTTP 429');
  }, 30_000);

  it('prints help with examples', async () => {
    const help = await c.run(['logs', '--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('Examples:\n  $ apollo logs core-service');
  });
});
