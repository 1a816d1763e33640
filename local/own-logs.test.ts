import { afterEach, describe, expect, it } from 'vitest';
import { OwnLogStore } from '#functions/observability/adapters/own-logs';
import { teeOwnLogs } from './own-logs.ts';

let untee: (() => void) | undefined;
afterEach(() => { untee?.(); untee = undefined; });

describe('teeOwnLogs', () => {
  it('keeps every handler line, shows the terminal only its level and up, and passes other output through', () => {
    // Prepare: what reaches the terminal, under the tee.
    const shown: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string) => { shown.push(String(chunk)); return true; }) as typeof process.stdout.write;
    try {
      const store = new OwnLogStore({ prefix: '/aws/lambda/apollo-local-', functions: ['identity'] });
      untee = teeOwnLogs(store, 'WARN');
      const info = `${JSON.stringify({ level: 'INFO', message: 'request handled', timestamp: new Date().toISOString(), service: 'apollo-identity' })}\n`;
      const warn = `${JSON.stringify({ level: 'WARN', message: 'notification not sent', timestamp: new Date().toISOString(), service: 'apollo-identity' })}\n`;
      // Act
      process.stdout.write(info);
      process.stdout.write(warn);
      process.stdout.write('[runtime] ready\n');
      untee();
      untee = undefined;
      process.stdout.write(info);
      // Assess
      expect(store.size).toBe(2);
      expect(shown).toEqual([warn, '[runtime] ready\n', info]);
    } finally {
      process.stdout.write = original;
    }
  });
});
