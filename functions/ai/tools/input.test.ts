import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import { checkInput, fitting, objectSchema, SERVICE, SINCE_MINUTES, TO } from './input.ts';

const schema = objectSchema({ service: SERVICE, sinceMinutes: SINCE_MINUTES, to: TO, level: { type: 'string', enum: ['ERROR', 'WARN'] }, newest: { type: 'boolean' } }, ['service']);

describe('a tool\'s input', () => {
  it('passes as given when the schema allows it', () => {
    const input = { service: 'core-service', sinceMinutes: 15, to: '2026-12-05T10:59:00.000Z', level: 'ERROR', newest: false };
    expect(checkInput(schema, input)).toBe(input);
  });

  it('is refused with every problem at its path', () => {
    let error: unknown;
    try {
      checkInput(schema, { service: '../etc/passwd', sinceMinutes: 2, to: 'yesterday', level: 'FATAL', newest: 'yes', extra: 1 });
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.path)).toEqual(['/input/service', '/input/sinceMinutes', '/input/to', '/input/to', '/input/level', '/input/newest', '/input/extra']);
    expect(() => checkInput(schema, {})).toThrow('/input/service is required');
    expect(() => checkInput(schema, [])).toThrow('/input must be an object');
    expect(() => checkInput(schema, { service: 'core-service', sinceMinutes: 15.5 })).toThrow('/input/sinceMinutes must be an integer');
  });
});

describe('fitting items in a budget', () => {
  it('drops from the end, or the oldest first, until the JSON fits', () => {
    const items = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)];
    expect(fitting(items, 1_000)).toEqual({ items, leftOut: 0 });
    expect(fitting(items, 30)).toEqual({ items: items.slice(0, 2), leftOut: 1 });
    expect(fitting(items, 30, true)).toEqual({ items: items.slice(1), leftOut: 1 });
    expect(fitting(items, 1)).toEqual({ items: [], leftOut: 3 });
  });
});
