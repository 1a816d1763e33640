import { describe, expect, it } from 'vitest';
import { groupLines, messageOf, normalizeMessage } from './error-groups.ts';

describe('a log line\'s message', () => {
  it('drops the Logback prefix (level, thread, logger), a leading time and trailing trace ids', () => {
    expect(messageOf('ERROR [http-nio-8080-exec-3] com.zaxxer.hikari.pool.HikariPool : HikariPool-1 - Connection is not available, request timed out after 30000ms. traceId=1-67a1b2c3-0123456789abcdef01234567'))
      .toBe('HikariPool-1 - Connection is not available, request timed out after 30000ms.');
    expect(messageOf('2026-12-05T10:45:12.345Z WARN  [main] c.c.core.Config : falling back')).toBe('falling back');
    expect(messageOf('{"level":"error","message":"payment declined","requestId":"ab12"}')).toBe('payment declined');
    expect(messageOf('plain text without a level')).toBe('plain text without a level');
  });
});

describe('normalizing a message', () => {
  it('replaces numbers, durations, ids and hex, and keeps the words', () => {
    expect(normalizeMessage('ERROR [exec-1] x.Y : HikariPool-1 - Connection is not available, request timed out after 30000ms.'))
      .toBe('HikariPool-<n> - Connection is not available, request timed out after <duration>.');
    expect(normalizeMessage('call to postgres failed: java.net.SocketTimeoutException: Read timed out (after 5000 ms)'))
      .toBe('call to postgres failed: java.net.SocketTimeoutException: Read timed out (after <duration>)');
    expect(normalizeMessage('order 01JEX4MPQE0000000000000000 for user 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed at 0xdeadbeef, digest a1b2c3d4e5f6'))
      .toBe('order <id> for user <id> failed at <hex>, digest <hex>');
    expect(normalizeMessage('org.postgresql.util.PSQLException: FATAL: too many connections for role "cobalt"'))
      .toBe('org.postgresql.util.PSQLException: FATAL: too many connections for role "cobalt"');
    expect(normalizeMessage('Pool stats (total=10, active=10, idle=0, waiting=17)')).toBe('Pool stats (total=<n>, active=<n>, idle=<n>, waiting=<n>)');
  });
});

describe('grouping lines', () => {
  it('counts each message once whatever varies, most frequent first, with first and last seen and the first example', () => {
    // Prepare
    const hikari = (t: string, thread: number, wait: number) => ({ timestamp: t, level: 'ERROR', message: `ERROR [http-nio-8080-exec-${thread}] com.zaxxer.hikari.pool.HikariPool : HikariPool-1 - Connection is not available, request timed out after ${wait}ms.` });
    const lines = [
      hikari('2026-12-05T10:45:02.000Z', 1, 30000),
      { timestamp: '2026-12-05T10:45:04.000Z', level: 'ERROR', message: 'ERROR [http-nio-8080-exec-2] c.c.core.web.AccountController : request failed: java.net.SocketTimeoutException: Read timed out' },
      hikari('2026-12-05T10:46:10.000Z', 7, 30001),
      { timestamp: '2026-12-05T10:47:00.000Z', level: 'ERROR', message: 'ERROR [http-nio-8080-exec-9] o.h.engine.jdbc.spi.SqlExceptionHelper : org.postgresql.util.PSQLException: FATAL: too many connections for role "cobalt"' },
      hikari('2026-12-05T10:44:59.000Z', 12, 30000),
      { timestamp: '2026-12-05T10:48:00.000Z', level: 'WARN', message: 'WARN  [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool : HikariPool-1 - Connection is not available, request timed out after 30000ms.' },
    ];

    // Act
    const groups = groupLines(lines);

    // Assess
    expect(groups.map((g) => [g.count, g.level, g.message])).toEqual([
      [3, 'ERROR', 'HikariPool-1 - Connection is not available, request timed out after 30000ms.'],
      [1, 'WARN', 'HikariPool-1 - Connection is not available, request timed out after 30000ms.'],
      [1, 'ERROR', 'org.postgresql.util.PSQLException: FATAL: too many connections for role "cobalt"'],
      [1, 'ERROR', 'request failed: java.net.SocketTimeoutException: Read timed out'],
    ]);
    expect(groups[0]).toMatchObject({ firstSeen: '2026-12-05T10:44:59.000Z', lastSeen: '2026-12-05T10:46:10.000Z', example: lines[0]!.message });
  });

  it('answers no groups for no lines', () => {
    expect(groupLines([])).toEqual([]);
  });
});
