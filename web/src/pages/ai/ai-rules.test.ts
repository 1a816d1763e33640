import { describe, expect, it } from 'vitest';
import { mayTerminate, readHistory, targetText, usageText } from './ai-rules.ts';

describe('AI session facts', () => {
  it('names what a session is about', () => {
    expect(targetText({ service: 'core-service', environment: 'prod' })).toBe('core-service · prod');
    expect(targetText({ service: 'core-service' })).toBe('core-service');
    expect(targetText({ incidentId: '01JABCDEFGHJKMNPQRSTVWXYZ0' })).toBe('incident STVWXYZ0');
    expect(targetText({})).toBe('general');
  });

  it('lets the owner or an ai:admin terminate an active session', () => {
    const dev = { principal: 'dana@example.com', permissions: ['ai:read', 'ai:sessions:create'] };
    const admin = { principal: 'root@example.com', permissions: ['ai:read', 'ai:sessions:create', 'ai:admin'] };
    const viewer = { principal: 'dana@example.com', permissions: ['ai:read'] };
    const session = { owner: 'dana@example.com', status: 'active' as const };
    expect([mayTerminate(session, dev), mayTerminate(session, admin), mayTerminate(session, viewer), mayTerminate(session, undefined)]).toEqual([true, true, false, false]);
    expect(mayTerminate({ owner: 'x@example.com', status: 'active' }, dev)).toBe(false);
    expect(mayTerminate({ ...session, status: 'terminated' }, admin)).toBe(false);
  });

  it('says the usage in one line', () => {
    expect(usageText({ inputTokens: 1234, outputTokens: 567, turns: 1, toolCalls: 3 })).toBe('1,234 in / 567 out tokens · 1 turn · 3 tool calls');
  });

  it('reads a stored history, or none', () => {
    expect(readHistory('["a","b",3]')).toEqual(['a', 'b']);
    expect(readHistory('{oops')).toEqual([]);
    expect(readHistory(null)).toEqual([]);
  });
});
