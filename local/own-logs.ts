/**
 * Apollo's own handler logs on a laptop, as CloudWatch would have them: the handlers log through the Powertools
 * logger (one JSON line per call, printed to this process's stdout and stderr); this tee keeps each of those
 * lines in the observability context's own-log store, so `GET /api/v1/logs/services/apollo` and Logs Insights
 * queries over the service `apollo` read what really happened, and shows on the terminal only the lines at or
 * above the terminal's level (`LOG_LEVEL` as the user set it, WARN by default: local-env.ts). Every other
 * output passes through untouched.
 */
import type { OwnLogStore } from '#functions/observability/adapters/own-logs';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
const rank = (level: string): number => {
  const index = LEVELS.indexOf(level.toUpperCase());
  return index < 0 ? LEVELS.indexOf('INFO') : index;
};

type Write = typeof process.stdout.write;

/** Tees both streams into the store; answers the function that puts them back. */
export function teeOwnLogs(store: OwnLogStore, terminalLevel = process.env.APOLLO_TERMINAL_LOG_LEVEL ?? 'WARN'): () => void {
  const threshold = rank(terminalLevel);
  const restore: Array<() => void> = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : undefined;
      if (text !== undefined && text.startsWith('{') && store.capture(text)) {
        const level = /"level":"([A-Z]+)"/.exec(text)?.[1] ?? 'INFO';
        if (rank(level) < threshold) {
          // Not shown, but written as far as the caller knows: call its callback as a write would.
          const callback = rest.find((r): r is () => void => typeof r === 'function');
          if (callback) queueMicrotask(callback);
          return true;
        }
      }
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Write;
    stream.write = write;
    restore.push(() => { if (stream.write === write) stream.write = original; });
  }
  return () => { for (const undo of restore) undo(); };
}
