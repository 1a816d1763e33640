/** Small facts about AI sessions the pages show: what one is about, who may end it, the header's usage line. */
import type { AiSession } from '../../../../schemas/types.gen.ts';
import { formatCount } from './terminal-render.ts';

/** `core-service · prod`, `core-service`, `incident 01HX…`, or `general` (about nothing in particular). */
export function targetText(target: AiSession['target']): string {
  if (target.service) return target.environment ? `${target.service} · ${target.environment}` : target.service;
  if (target.incidentId) return `incident ${target.incidentId.slice(-8)}`;
  return 'general';
}

/** The owner (by principal, as the API records it), or an ai:admin, may terminate an active session (the API decides; the button shows where it will agree). */
export const mayTerminate = (session: Pick<AiSession, 'owner' | 'status'>, me: { principal: string; permissions: readonly string[] } | undefined): boolean =>
  session.status === 'active' && me !== undefined && (me.permissions.includes('ai:admin') || (session.owner === me.principal && me.permissions.includes('ai:sessions:create')));

/** Dollars as the console shows them: `$0.00`, `<$0.01`, `$1.23`, `$1,234.50`. */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount) || amount <= 0) return '$0.00';
  if (amount < 0.01) return '<$0.01';
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** `1,234 in / 567 out tokens · $0.02 · 3 turns · 7 tool calls` (the cost left out when the API did not say it). */
export function usageText(usage: AiSession['usage']): string {
  const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
  const cost = typeof usage.costUsd === 'number' ? ` · ${formatUsd(usage.costUsd)}` : '';
  return `${formatCount(usage.inputTokens)} in / ${formatCount(usage.outputTokens)} out tokens${cost} · ${plural(usage.turns, 'turn')} · ${plural(usage.toolCalls, 'tool call')}`;
}

/** How much of a budget is used, 0..1 (a budget of 0 or less: none set, nothing used up). */
export const budgetShare = (used: number, budget: number): number => (budget > 0 ? Math.min(1, Math.max(0, used / budget)) : 0);

/** A budget bar's colour: green under 75 %, yellow under 100 %, red when spent. */
export const budgetIntent = (share: number): 'success' | 'warning' | 'danger' => (share >= 1 ? 'danger' : share >= 0.75 ? 'warning' : 'success');

/** The sessionStorage key of a session's prompt history. */
export const historyKey = (sessionId: string): string => `apollo.ai.history.${sessionId}`;

/** A stored history, whatever was left there (not an array of strings: none). */
export function readHistory(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

const TOOL_NAME = /^[a-z][a-z0-9_]{1,63}$/;

/** The tool names the owner typed for the allowlist: trimmed, lowercase, well-formed (as the API takes them), each once. */
export const toolNames = (values: readonly string[]): string[] => [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => TOOL_NAME.test(v)))];

/** The design doc's success metric: more than 60 % of AI sessions resolved. */
export const RESOLUTION_TARGET = 0.6;

/** `67 %`, or `—` when no session said how it ended. */
export const rateText = (rate: number | null): string => (rate === null ? '—' : `${Math.round(rate * 100)} %`);

/** Above the target reads well, below it warns; nothing said is neutral. */
export const rateIntent = (rate: number | null): 'success' | 'warning' | 'none' => (rate === null ? 'none' : rate > RESOLUTION_TARGET ? 'success' : 'warning');

/** The UTC day of an ISO time (`2026-12-05`). */
export const dayOf = (iso: string): string => iso.slice(0, 10);
