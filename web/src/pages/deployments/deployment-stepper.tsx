/** A deployment's steps in a row: done, under way (or waiting for people), failed, stopped or still to come, with durations. */
import { Icon, Spinner, Tooltip, type IconName, type Intent } from '@blueprintjs/core';
import { formatTime } from '../../lib/format.ts';
import { formatDuration } from '../requests/request-status.ts';
import type { Step, StepState } from './deployment-stages.ts';

const LOOK: Record<StepState, { icon: IconName | null; intent: Intent; word: string }> = {
  done: { icon: 'tick-circle', intent: 'success', word: 'done' },
  current: { icon: null, intent: 'primary', word: 'under way' },
  waiting: { icon: 'time', intent: 'warning', word: 'waiting' },
  failed: { icon: 'error', intent: 'danger', word: 'failed' },
  stopped: { icon: 'disable', intent: 'warning', word: 'stopped' },
  skipped: { icon: 'circle', intent: 'none', word: 'not run' },
  pending: { icon: 'circle', intent: 'none', word: 'to come' },
};

export function DeploymentStepper({ steps }: { steps: readonly Step[] }) {
  return (
    <ol className="apollo-stepper" data-testid="deployment-stepper" aria-label="Progress by stage">
      {steps.map((step) => {
        const look = LOOK[step.state];
        const tip = [
          `${step.label}: ${look.word}`,
          step.startedAt ? `from ${formatTime(step.startedAt)}` : '',
          step.endedAt ? `to ${formatTime(step.endedAt)}` : '',
        ].filter(Boolean).join(' ');
        return (
          <li key={step.stage} className={`apollo-step apollo-step-${step.state}`} data-testid="deployment-step" data-stage={step.stage} data-state={step.state}
            aria-current={step.state === 'current' || step.state === 'waiting' ? 'step' : undefined}>
            <Tooltip content={tip} compact>
              <span className="apollo-step-inner">
                <span className="apollo-step-icon">{look.icon ? <Icon icon={look.icon} intent={look.intent} size={18} /> : <Spinner size={18} intent="primary" />}</span>
                <span className="apollo-step-label">{step.label}</span>
                <span className="apollo-step-time apollo-small" data-testid="deployment-step-duration">
                  {step.durationMs !== undefined ? formatDuration(step.durationMs) : step.state === 'skipped' ? 'not run' : '\u00a0'}
                </span>
              </span>
            </Tooltip>
          </li>
        );
      })}
    </ol>
  );
}
