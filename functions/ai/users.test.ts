/** What is left of the AI budgets for a turn: the tighter of the session's and the day's, tokens and dollars. */
import { describe, expect, it } from 'vitest';
import { readAiConfig } from './config.ts';
import { allowanceOf, type DayUsage } from './users.ts';

const day = (tokens: number, costUsd = 0): DayUsage => ({ date: '2026-12-05', inputTokens: tokens, outputTokens: 0, costUsd, turns: 1 });
const session = (tokens: number, costUsd = 0) => ({ usage: { inputTokens: tokens, outputTokens: 0, turns: 1, toolCalls: 0, costUsd } });

describe('allowanceOf', () => {
  it('is the session\'s when it has less left, though the day is further from its end in proportion', () => {
    // A 2,000-token session budget binds before a day with 1.9 M left.
    const config = readAiConfig({ APOLLO_AI_SESSION_TOKENS: '2000', APOLLO_AI_DAILY_TOKENS: '2000000' });
    expect(allowanceOf(session(0), day(100_000), config)).toMatchObject({ tokens: 2_000, limitedBy: 'session' });
  });

  it('is the day\'s when it has less left', () => {
    const config = readAiConfig({ APOLLO_AI_SESSION_TOKENS: '500000', APOLLO_AI_DAILY_TOKENS: '40000' });
    expect(allowanceOf(session(10_000), day(35_700), config)).toMatchObject({ tokens: 4_300, limitedBy: 'day' });
  });

  it('counts dollars too: the day\'s cost budget binds when it is nearly spent', () => {
    const config = readAiConfig({ APOLLO_AI_DAILY_COST_CENTS: '100' });
    const left = allowanceOf(session(1_000, 0.01), day(1_000, 0.99), config);
    expect(left.usd).toBeCloseTo(0.01, 6);
    expect(left.limitedBy).toBe('day');
  });
});
