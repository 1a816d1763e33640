/**
 * The safeguards before Deploy: each one's outcome (pass, warn or block) with its reason, as POST
 * /api/v1/deployments/preflight answers for what the form would ask, what the asker's choice passed ("exception asked:
 * …"), and under a check that can be passed the form's control for it (`controls`). The API checks them again when it
 * is asked.
 */
import { Callout, Classes, Icon, Spinner, type IconName, type Intent } from '@blueprintjs/core';
import type { ReactNode } from 'react';
import type { DeploymentPreflightResult } from '../../../../schemas/types.gen.ts';
import { withLocalTimes } from '../../lib/format.ts';
import { SAFEGUARD_LABEL, type SafeguardCheck } from './deployment-rules.ts';

const LOOK: Record<SafeguardCheck['outcome'], { icon: IconName; intent: Intent; word: string }> = {
  pass: { icon: 'tick-circle', intent: 'success', word: 'passes' },
  warn: { icon: 'warning-sign', intent: 'warning', word: 'warns' },
  block: { icon: 'ban-circle', intent: 'danger', word: 'blocks' },
};

export function PreflightChecks({ result, checking, error, controls }: {
  /** The answer for what the form asks now; undefined while the first one is on its way. */
  result: DeploymentPreflightResult | undefined;
  checking: boolean;
  error: unknown;
  /** The way past a check that offers one (a freeze exception, queueing, acknowledging), under its reason. */
  controls?: (check: SafeguardCheck) => ReactNode;
}) {
  if (!result) {
    return (
      <Callout compact icon="shield" className="apollo-preflight" data-testid="deploy-preflight" data-state={error ? 'error' : 'checking'}>
        {error
          ? <>Could not ask the safeguards ({error instanceof Error ? error.message : String(error)}); they are checked again when you press it.</>
          : <span className="apollo-preflight-head"><Spinner size={12} /> Checking the safeguards…</span>}
      </Callout>
    );
  }
  const blocks = result.checks.filter((c) => c.outcome === 'block').length;
  const warns = result.checks.filter((c) => c.outcome === 'warn').length;
  const intent: Intent = blocks ? 'danger' : warns ? 'warning' : 'success';
  const passedByChoice = result.checks.filter((c) => c.overridden).length;
  const title = blocks
    ? `Safeguards: ${blocks === 1 ? 'one blocks' : `${blocks} block`} it`
    : passedByChoice ? `Safeguards: ${passedByChoice === 1 ? 'one passes' : `${passedByChoice} pass`} by your choice`
      : warns ? `Safeguards: ${warns === 1 ? 'one warns' : `${warns} warn`}` : 'Safeguards: all pass';
  return (
    <Callout compact icon="shield" intent={intent} className="apollo-preflight" data-testid="deploy-preflight" data-state={checking ? 'checking' : 'done'} data-allowed={result.allowed}
      title={title}>
      {checking && <Spinner size={12} className="apollo-preflight-spinner" />}
      <ul className="apollo-preflight-list">
        {result.checks.map((check) => (
          <li key={check.safeguard} className="apollo-preflight-check" data-testid="preflight-check" data-safeguard={check.safeguard} data-outcome={check.outcome}>
            <Icon icon={LOOK[check.outcome].icon} intent={LOOK[check.outcome].intent} size={14} aria-label={LOOK[check.outcome].word} />
            <span className="apollo-preflight-name">{SAFEGUARD_LABEL[check.safeguard]}</span>
            <span data-testid="preflight-reason">{withLocalTimes(check.reason)}</span>
            {check.overridden && (
              <span className={`${Classes.TEXT_MUTED} apollo-small apollo-preflight-overridden`} data-testid="preflight-overridden">
                <Icon icon="key" size={12} /> {withLocalTimes(check.overridden)}
              </span>
            )}
            {controls?.(check)}
          </li>
        ))}
      </ul>
    </Callout>
  );
}
