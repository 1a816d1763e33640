/** A log line's level, read from its text (plain `ERROR …` or JSON `"level":"error"`). */
export type LogLevel = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';

const LEVEL = /\b(FATAL|ERROR|WARN|WARNING|INFO|DEBUG|TRACE)\b|"level"\s*:\s*"(fatal|error|warn|warning|info|debug|trace)"/i;

export function levelOf(message: string): LogLevel | undefined {
  const match = LEVEL.exec(message);
  if (!match) return undefined;
  const word = (match[1] ?? match[2]!).toUpperCase();
  if (word === 'FATAL') return 'ERROR';
  if (word === 'WARNING') return 'WARN';
  if (word === 'TRACE') return 'DEBUG';
  return word as LogLevel;
}
