import { describe, expect, it } from 'vitest';
import { budgetIntent, budgetShare, dayOf, formatUsd, mayTerminate, rateIntent, rateText, readHistory, targetText, toolNames, usageText } from './ai-rules.ts';

describe('AI session facts', () => {
  it('names what a session is about', () => {
    expect(targetText({ service: 'core-service', environment: 'prod' })).toBe('core-service · prod');
    expect(targetText({ service: 'core-service' })).toBe('core-service');
    expect(targetText({ incidentId: '01JABCDEFGHJKMNPQRSTVWXYZ0' })).toBe('incident STVWXYZ0');
    expect(targetText({})).toBe('general');
  });

  it('says a resolution rate against the design doc\'s target of more than 60 %', () => {
    expect([rateText(2 / 3), rateText(0.5), rateText(null)]).toEqual(['67 %', '50 %', '—']);
    expect([rateIntent(0.61), rateIntent(0.6), rateIntent(0), rateIntent(null)]).toEqual(['success', 'warning', 'warning', 'none']);
    expect(dayOf('2026-12-05T21:19:24.685Z')).toBe('2026-12-05');
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

  it('says the usage in one line, its cost included', () => {
    expect(usageText({ inputTokens: 1234, outputTokens: 567, turns: 1, toolCalls: 3, costUsd: 0.0213 })).toBe('1,234 in / 567 out tokens · $0.02 · 1 turn · 3 tool calls');
    expect(usageText({ inputTokens: 0, outputTokens: 0, turns: 0, toolCalls: 0, costUsd: 0 })).toBe('0 in / 0 out tokens · $0.00 · 0 turns · 0 tool calls');
  });

  it('says dollars to the cent, and a cost under a cent as such', () => {
    expect([formatUsd(0), formatUsd(0.004), formatUsd(0.01), formatUsd(12.346), formatUsd(1234.5), formatUsd(Number.NaN)]).toEqual(['$0.00', '<$0.01', '$0.01', '$12.35', '$1,234.50', '$0.00']);
  });

  it('measures a budget used: capped at all of it, none when no budget is set', () => {
    expect([budgetShare(50, 200), budgetShare(300, 200), budgetShare(5, 0)]).toEqual([0.25, 1, 0]);
    expect([budgetIntent(0.2), budgetIntent(0.8), budgetIntent(1)]).toEqual(['success', 'warning', 'danger']);
  });

  it('takes tool names as the API does: lowercase, well-formed, each once', () => {
    expect(toolNames([' Logs_Search ', 'logs_search', 'metrics service', 'x', 'catalog_service'])).toEqual(['logs_search', 'catalog_service']);
  });

  it('reads a stored history, or none', () => {
    expect(readHistory('["a","b",3]')).toEqual(['a', 'b']);
    expect(readHistory('{oops')).toEqual([]);
    expect(readHistory(null)).toEqual([]);
  });
});
