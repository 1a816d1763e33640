import { describe, expect, it } from 'vitest';
import { execute, type LogRecord } from './execute.ts';
import { QuerySyntaxError } from './lexer.ts';
import { parseQuery } from './parser.ts';

const records: LogRecord[] = [
  { '@timestamp': '2026-12-05 05:45:00.000', '@message': 'INFO GET /accounts/1 200 12ms', level: 'INFO', ms: '12' },
  { '@timestamp': '2026-12-05 05:45:02.000', '@message': 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms.', level: 'ERROR', ms: '30000' },
  { '@timestamp': '2026-12-05 05:45:04.000', '@message': 'WARN slow request GET /orders/7 took 1800ms', level: 'WARN', ms: '1800' },
  { '@timestamp': '2026-12-05 05:45:06.000', '@message': 'ERROR java.net.SocketTimeoutException: Read timed out', level: 'ERROR', ms: '5000' },
  { '@timestamp': '2026-12-05 05:45:08.000', '@message': 'INFO GET /accounts/2 200 9ms', level: 'INFO', ms: '9' },
  { '@timestamp': '2026-12-05 05:45:10.000', '@message': 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms.', level: 'ERROR', ms: '30000' },
];

const run = (query: string, limit = 10_000) => execute(parseQuery(query), records, limit);
const messages = (query: string) => run(query).rows.map((row) => row.find((f) => f.field === '@message')?.value);

describe('the Logs Insights subset', () => {
  it('filters with like (a string: contains; a regex), shows @timestamp and @message by default', () => {
    expect(run('filter @message like "HikariPool"').rows).toEqual([
      [{ field: '@timestamp', value: '2026-12-05 05:45:02.000' }, { field: '@message', value: 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms.' }],
      [{ field: '@timestamp', value: '2026-12-05 05:45:10.000' }, { field: '@message', value: 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms.' }],
    ]);
    expect(messages('filter @message like /timed? out/')).toHaveLength(3);
    expect(messages('filter @message like /read TIMED out/i')).toEqual(['ERROR java.net.SocketTimeoutException: Read timed out']);
    expect(messages('filter @message =~ /^WARN/')).toEqual(['WARN slow request GET /orders/7 took 1800ms']);
    expect(messages('filter @message not like /ERROR|WARN/')).toEqual(['INFO GET /accounts/1 200 12ms', 'INFO GET /accounts/2 200 9ms']);
  });

  it('compares numbers as numbers and strings as strings, with and, or, not and parentheses', () => {
    expect(messages('filter ms > 1000 and ms < 10000')).toEqual(['WARN slow request GET /orders/7 took 1800ms', 'ERROR java.net.SocketTimeoutException: Read timed out']);
    expect(messages("filter level = 'WARN' or (level = 'INFO' and ms >= 12)")).toEqual(['INFO GET /accounts/1 200 12ms', 'WARN slow request GET /orders/7 took 1800ms']);
    expect(messages('filter not level != "WARN"')).toEqual(['WARN slow request GET /orders/7 took 1800ms']);
    expect(messages('filter ms <= 9')).toEqual(['INFO GET /accounts/2 200 9ms']);
    expect(messages('filter missing = 1')).toEqual([]);
  });

  it('counts by a field, sorts and limits', () => {
    expect(run('stats count(*) by level | sort level asc').rows).toEqual([
      [{ field: 'level', value: 'ERROR' }, { field: 'count(*)', value: '3' }],
      [{ field: 'level', value: 'INFO' }, { field: 'count(*)', value: '2' }],
      [{ field: 'level', value: 'WARN' }, { field: 'count(*)', value: '1' }],
    ]);
    expect(run('filter level = "ERROR" | stats count(*) as errors by @message | sort errors desc | limit 1').rows).toEqual([
      [{ field: '@message', value: 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms.' }, { field: 'errors', value: '2' }],
    ]);
    expect(run('stats count(*)').rows).toEqual([[{ field: 'count(*)', value: '6' }]]);
  });

  it('shows the fields asked for, sorted numerically, cut by limit and by the StartQuery limit', () => {
    expect(run('fields @timestamp, ms | sort ms desc | limit 3').rows).toEqual([
      [{ field: '@timestamp', value: '2026-12-05 05:45:02.000' }, { field: 'ms', value: '30000' }],
      [{ field: '@timestamp', value: '2026-12-05 05:45:10.000' }, { field: 'ms', value: '30000' }],
      [{ field: '@timestamp', value: '2026-12-05 05:45:06.000' }, { field: 'ms', value: '5000' }],
    ]);
    expect(run('fields ms | sort @timestamp desc', 2).rows).toEqual([[{ field: 'ms', value: '30000' }], [{ field: 'ms', value: '9' }]]);
    expect(run('FIELDS `ms` | FILTER level = "INFO" | LIMIT 1').rows).toEqual([[{ field: 'ms', value: '12' }]]);
  });

  it('counts what it scanned and what matched', () => {
    expect(run('filter level = "ERROR" | limit 10')).toMatchObject({ recordsScanned: 6, recordsMatched: 3 });
    expect(run('fields @message')).toMatchObject({ recordsScanned: 6, recordsMatched: 6 });
  });

  it('refuses what it cannot read, saying where', () => {
    const at = (query: string) => {
      try { parseQuery(query); } catch (error) { return error instanceof QuerySyntaxError ? [error.at, error.message] : error; }
      return 'parsed';
    };
    expect(at('fields @message | filtr level = 1')).toEqual([18, 'line 1, column 19: expected a command (fields, filter, stats, sort, limit), found "filtr"']);
    expect(at('filter @message like 42')).toEqual([21, 'line 1, column 22: like takes a \'string\' or a /regular expression/, found "42"']);
    expect(at('filter level = "ERROR')).toEqual([15, 'line 1, column 16: the string opened here is not closed with "']);
    expect(at('filter @message like /(unclosed/')).toEqual([21, expect.stringContaining('line 1, column 22: not a regular expression')]);
    expect(at('limit 0')).toEqual([6, 'line 1, column 7: limit takes a whole number from 1 to 10000, found "0"']);
    expect(at('stats count(*) by')).toEqual([17, 'line 1, column 18: expected a field name, found the end of the query']);
    expect(at('fields @message\n| filter (level = "ERROR"')).toEqual([41, 'line 2, column 26: expected ), found the end of the query']);
    expect(at('filter a = 1 b')).toEqual([13, 'line 1, column 14: expected | or the end of the query, found "b"']);
    expect(at('stats avg(ms)')).toEqual([6, 'line 1, column 7: expected an aggregate function (count), found "avg"']);
    expect(at('filter @message # 1')).toEqual([16, 'line 1, column 17: unexpected character "#"']);
  });
});
