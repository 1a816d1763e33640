import { describe, expect, it } from 'vitest';
import { lastFourOf } from './last-four.ts';

describe('lastFourOf', () => {
  it('shows the last 4 characters of a value of 8 or more, nothing of a shorter one', () => {
    expect(lastFourOf('correct-horse-battery-9f3a')).toBe('9f3a');
    expect(lastFourOf('12345678')).toBe('5678');
    expect(lastFourOf('1234567')).toBe('');
    expect(lastFourOf('')).toBe('');
    expect(lastFourOf('key-with-emoji-🔑🔑🔑🔑')).toBe('🔑🔑🔑🔑');
  });

  it('shows a JSON field by its key (an environment reference\'s key), nothing when there is no such string field', () => {
    const value = JSON.stringify({ username: 'core_service_app', password: 'xKq81-long-password-Zp2w' });
    expect(lastFourOf(value, 'password')).toBe('Zp2w');
    expect(lastFourOf(value, 'missing')).toBe('');
    expect(lastFourOf(JSON.stringify({ password: 42 }), 'password')).toBe('');
    expect(lastFourOf('not-json-at-all-1234', 'password')).toBe('');
    expect(lastFourOf(JSON.stringify({ password: 'short' }), 'password')).toBe('');
  });
});
