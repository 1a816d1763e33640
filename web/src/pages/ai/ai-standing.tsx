/**
 * The viewer's standing in the console, on /ai and on each session: a banner while they are in the sandbox (read-only:
 * every change refused), and today's usage against the daily budgets with when they reset.
 */
import { Callout, Classes, ProgressBar, Tooltip } from '@blueprintjs/core';
import { Link } from '../../lib/router.tsx';
import type { AiUser } from '../../../../schemas/types.gen.ts';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { useAiUser } from './ai-queries.ts';
import { budgetIntent, budgetShare, formatUsd } from './ai-rules.ts';
import { formatCount } from './terminal-render.ts';

export const SANDBOX_TEXT = 'Read-only (sandbox): the console will not change anything until an AI admin lifts it.';

/** One budget as `12,345 / 1,000,000 tokens` with a thin bar. */
export function BudgetMeter({ label, used, budget, text }: { label: string; used: number; budget: number; text: string }) {
  const share = budgetShare(used, budget);
  return (
    <span className="apollo-ai-budget" data-testid={`ai-budget-${label}`} data-share={share.toFixed(3)}>
      <span>{text}</span>
      {budget > 0 && <ProgressBar className="apollo-ai-budget-bar" value={share} intent={budgetIntent(share)} animate={false} stripes={false} />}
    </span>
  );
}

export function TodayUsage({ user }: { user: AiUser }) {
  const tokens = user.today.inputTokens + user.today.outputTokens;
  return (
    <span className="apollo-ai-today" data-testid="ai-today-usage" data-tokens={tokens} data-cost={user.today.costUsd}>
      <span className={Classes.TEXT_MUTED}>Today</span>
      <BudgetMeter label="tokens" used={tokens} budget={user.budgets.dailyTokens} text={`${formatCount(tokens)} / ${formatCount(user.budgets.dailyTokens)} tokens`} />
      <BudgetMeter label="cost" used={user.today.costUsd} budget={user.budgets.dailyCostUsd} text={`${formatUsd(user.today.costUsd)} / ${formatUsd(user.budgets.dailyCostUsd)}`} />
      <span className={Classes.TEXT_MUTED}>{formatCount(user.today.turns)} turn{user.today.turns === 1 ? '' : 's'}</span>
      <Tooltip content={formatTime(user.resetsAt)}><span className={Classes.TEXT_MUTED}>resets {formatAgo(user.resetsAt)}</span></Tooltip>
    </span>
  );
}

/** The sandbox banner (when in it) and today's usage, for `principal` (the viewer). Quiet when the standing cannot be read. */
export function AiStanding({ principal }: { principal: string | undefined }) {
  const user = useAiUser(principal);
  const aiAdmin = (useMe().data?.permissions ?? []).includes('ai:admin');
  if (!user.data) return null;
  const u = user.data;
  return (
    <div className="apollo-ai-standing" data-testid="ai-standing" data-sandbox={u.sandbox.enabled}>
      {u.sandbox.enabled && (
        <Callout intent="warning" icon="lock" compact className="apollo-ai-sandbox" data-testid="ai-sandbox-banner">
          {SANDBOX_TEXT}
          {u.sandbox.changedBy && <span className={Classes.TEXT_MUTED}> Put there by {u.sandbox.changedBy}{u.sandbox.reason ? `: ${u.sandbox.reason}` : ''}.</span>}
          {aiAdmin && <> You are one: <Link to="/ai?tab=people" data-testid="ai-sandbox-people">lift it on the People tab</Link>.</>}
        </Callout>
      )}
      <TodayUsage user={u} />
    </div>
  );
}
