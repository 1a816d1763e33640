/**
 * A deployment's safeguards on its page: while it is queued for its deployment window, until when in the window's
 * time zone ("Queued until 09:00 Mon (Europe/Berlin window)"); and what the safeguards said when it was asked for and
 * inside the workflow (`deployment.safeguards.checks`), with what its asker chose (a freeze exception or an admin's
 * override with the reason, acknowledged dependencies, queueing). A refusal keeps its own callout on the page.
 */
import { Callout, Classes, Icon, Section, SectionCard, type IconName, type Intent } from '@blueprintjs/core';
import type { Deployment } from '../../../../schemas/types.gen.ts';
import { formatTime, withLocalTimes } from '../../lib/format.ts';
import { SAFEGUARD_LABEL, type SafeguardCheck } from './deployment-rules.ts';
import { useWindows } from './safeguard-queries.ts';
import { queuedText, recordedChoices, zoneInReason } from './safeguard-rules.ts';
import './safeguards.css';

const LOOK: Record<SafeguardCheck['outcome'], { icon: IconName; intent: Intent }> = {
  pass: { icon: 'tick-circle', intent: 'success' },
  warn: { icon: 'warning-sign', intent: 'warning' },
  block: { icon: 'ban-circle', intent: 'danger' },
};

function Queued({ deployment }: { deployment: Deployment }) {
  const windows = useWindows(deployment.status === 'queued');
  const until = deployment.safeguards?.queuedUntil ?? deployment.safeguards?.checks?.find((c) => c.safeguard === 'window')?.opensAt;
  const windowCheck = deployment.safeguards?.checks?.find((c) => c.safeguard === 'window');
  const zone = windows.data?.items.find((w) => w.environment === deployment.environment)?.timezone ?? (windowCheck ? zoneInReason(windowCheck.reason) : undefined);
  return (
    <Callout intent="warning" icon="time" className="apollo-request-callout" data-testid="deployment-queued" data-until={until ?? ''}
      title={queuedText(until, zone)}>
      {deployment.environment} is outside its deployment window{until ? <> (it opens <span title={formatTime(until)}>{formatTime(until)}</span> your time)</> : ''}: it runs then, unless a
      lock or a freeze stops it meanwhile. Cancel it to drop it.
    </Callout>
  );
}

export function DeploymentSafeguards({ deployment }: { deployment: Deployment }) {
  const s = deployment.safeguards;
  const queued = deployment.status === 'queued';
  if (!s && !queued) return null;
  const checks = s?.checks ?? [];
  const chosen = s ? recordedChoices(s) : [];
  return (
    <div data-testid="deployment-safeguards-area">
      {queued && <Queued deployment={deployment} />}
      {(checks.length > 0 || chosen.length > 0) && (
        <Section title="Safeguards" icon="shield" collapsible collapseProps={{ defaultIsOpen: queued || chosen.length > 0 || checks.some((c) => c.outcome !== 'pass') }}
          className="apollo-section apollo-deployment-safeguards" data-testid="deployment-safeguards">
          <SectionCard>
            {checks.length > 0 && (
              <ul className="apollo-preflight-list">
                {checks.map((check) => (
                  <li key={check.safeguard} className="apollo-preflight-check" data-testid="deployment-safeguard" data-safeguard={check.safeguard} data-outcome={check.outcome}>
                    <Icon icon={LOOK[check.outcome].icon} intent={LOOK[check.outcome].intent} size={14} aria-label={check.outcome} />
                    <span className="apollo-preflight-name">{SAFEGUARD_LABEL[check.safeguard]}</span>
                    <span>{withLocalTimes(check.reason)}</span>
                    {check.overridden && <span className={`${Classes.TEXT_MUTED} apollo-small apollo-preflight-overridden`}><Icon icon="key" size={12} /> {withLocalTimes(check.overridden)}</span>}
                  </li>
                ))}
              </ul>
            )}
            {chosen.map((line) => <p key={line} className="apollo-small apollo-break" data-testid="deployment-safeguard-choice"><Icon icon="key" size={12} /> {line}</p>)}
          </SectionCard>
        </Section>
      )}
    </div>
  );
}
