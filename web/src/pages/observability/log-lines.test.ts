import { describe, expect, it } from 'vitest';
import { appendLines, isRunning, resultColumns, tailFrom, traceIdOf, type LogLine } from './log-lines.ts';

const line = (timestamp: string, message: string, eventId?: string): LogLine => ({ timestamp, message, logGroup: '/apollo/core-service/prod', ...(eventId ? { eventId } : {}) });

describe('log lines', () => {
  it('find the trace a line names, in the ways services write it', () => {
    expect(traceIdOf('ERROR HikariPool-1 - Connection is not available traceId=4bf92f3577b34da6a3ce929d0e0e4736')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf('{"level":"error","trace_id":"abc123def456","msg":"x"}')).toBe('abc123def456');
    expect(traceIdOf('X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1')).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(traceIdOf('ERROR [http-nio-8080-exec-3] [1-6931f2a0-00000012ab34cd56ef7890ab] HikariPool-1 - Connection is not available')).toBe('1-6931f2a0-00000012ab34cd56ef7890ab');
    expect(traceIdOf('INFO started in 3.2 s')).toBeUndefined();
    expect(traceIdOf('traceId=short')).toBeUndefined();
  });

  it('live tail adds only the lines not shown yet, oldest first, and keeps the newest when there are too many', () => {
    const shown = [line('2026-12-05T06:00:00.000Z', 'a', 'e1'), line('2026-12-05T06:00:01.000Z', 'b', 'e2')];
    const next = appendLines(shown, [line('2026-12-05T06:00:01.000Z', 'b', 'e2'), line('2026-12-05T06:00:03.000Z', 'd', 'e4'), line('2026-12-05T06:00:02.000Z', 'c', 'e3')]);
    expect(next.map((l) => l.message)).toEqual(['a', 'b', 'c', 'd']);
    expect(appendLines(shown, [line('2026-12-05T06:00:01.000Z', 'b', 'e2')])).toBe(shown);
    expect(appendLines(next, [], 2).map((l) => l.message)).toEqual(['c', 'd']);
    // Without event ids, a line is known by its place and words.
    expect(appendLines([line('2026-12-05T06:00:00.000Z', 'a')], [line('2026-12-05T06:00:00.000Z', 'a'), line('2026-12-05T06:00:00.000Z', 'a2')]).length).toBe(2);
  });

  it('live tail reads from the end of the search\'s window, then from the newest line it added', () => {
    const windowEnd = '2026-12-05T06:00:00.000Z';
    expect(tailFrom([line('2026-12-05T05:10:00.000Z', 'an old page')], windowEnd)).toBe(windowEnd);
    expect(tailFrom([line('2026-12-05T06:00:02.000Z', 'x'), line('2026-12-05T06:00:01.000Z', 'y')], windowEnd)).toBe('2026-12-05T06:00:02.000Z');
    expect(tailFrom([], windowEnd)).toBe(windowEnd);
  });

  it('an Insights query runs while Scheduled or Running; its columns are the fields its rows have', () => {
    expect(['Scheduled', 'Running', 'Complete', 'Failed', 'Cancelled'].map(isRunning)).toEqual([true, true, false, false, false]);
    expect(resultColumns([[{ field: '@timestamp', value: '1' }, { field: '@ptr', value: 'p' }], [{ field: '@message', value: 'm' }, { field: '@timestamp', value: '2' }]])).toEqual(['@timestamp', '@message']);
  });
});
