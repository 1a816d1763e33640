/**
 * The deploy form's ways past a safeguard, under the check they pass: a freeze → "Ask for an exception" with a reason
 * (an admin approves it before it runs); outside a window → refuse, queue until it opens, or (admins) override with a
 * reason; dependencies in production → acknowledge them. The form asks the preflight again with the choices and sends
 * them with the request. And a refusal at request time (409), each block's reason in a line.
 */
import { Callout, Checkbox, FormGroup, Radio, RadioGroup, TextArea } from '@blueprintjs/core';
import { withLocalTimes } from '../../lib/format.ts';
import type { SafeguardCheck } from './deployment-rules.ts';
import type { SafeguardChoices, WindowChoice } from './safeguard-rules.ts';
import './safeguards.css';

/** "Mon 5 Jan, 09:00" on the browser's clock. */
const local = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

function ReasonField({ value, error, onChange, help }: { value: string; error: string | undefined; onChange(reason: string): void; help: string }) {
  return (
    <FormGroup label="Reason" labelFor="safeguard-override-reason" labelInfo="(required)" intent={error ? 'danger' : 'none'} helperText={error ?? help}>
      <TextArea id="safeguard-override-reason" fill rows={2} maxLength={2000} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid="override-reason" />
    </FormGroup>
  );
}

export function SafeguardControl({ check, choices, onChange, admin, reasonError, freezeAsks }: {
  check: SafeguardCheck;
  choices: SafeguardChoices;
  onChange(change: Partial<SafeguardChoices>): void;
  /** The asker may override a window (deployments:govern). */
  admin: boolean;
  /** What is wrong with the override's reason, once they asked for one. */
  reasonError: string | undefined;
  /** A freeze exception is asked for: its reason field is the override's (the API takes one reason for both). */
  freezeAsks: boolean;
}) {
  if (!check.override) return null;
  if (check.safeguard === 'freeze') {
    return (
      <div className="apollo-preflight-control" data-testid="safeguard-control" data-safeguard="freeze">
        <Checkbox checked={choices.exception} label="Ask for an exception" onChange={(e) => onChange({ exception: e.currentTarget.checked })} data-testid="freeze-exception" />
        {choices.exception && (
          <ReasonField value={choices.reason} error={reasonError} onChange={(reason) => onChange({ reason })}
            help="Why it cannot wait. The deployment then waits for an admin's approval (Approvals inbox) before it runs." />
        )}
      </div>
    );
  }
  if (check.safeguard === 'window') {
    const opens = check.opensAt ? local.format(new Date(check.opensAt)) : undefined;
    return (
      <div className="apollo-preflight-control" data-testid="safeguard-control" data-safeguard="window">
        <RadioGroup inline selectedValue={choices.outsideWindow} onChange={(e) => onChange({ outsideWindow: e.currentTarget.value as WindowChoice })} name="outside-window">
          <Radio value="refuse" label="Refuse" data-testid="window-refuse" />
          {opens && <Radio value="queue" label={`Queue until ${opens}`} data-testid="window-queue" />}
          {admin && <Radio value="override" label="Override with a reason" data-testid="window-override" />}
        </RadioGroup>
        {admin && choices.outsideWindow === 'override' && !freezeAsks && (
          <ReasonField value={choices.reason} error={reasonError} onChange={(reason) => onChange({ reason })} help="An admin's override runs it now; it is audited with your reason." />
        )}
        {admin && choices.outsideWindow === 'override' && freezeAsks && <span className="apollo-small">With the exception's reason above.</span>}
      </div>
    );
  }
  if (check.safeguard === 'dependencies') {
    return (
      <div className="apollo-preflight-control" data-testid="safeguard-control" data-safeguard="dependencies">
        <Checkbox checked={choices.acknowledge} label="Acknowledge: deploy anyway" onChange={(e) => onChange({ acknowledge: e.currentTarget.checked })} data-testid="acknowledge-dependencies" />
      </div>
    );
  }
  return null;
}

/** A 409 refusal: each safeguard that blocked, with its reason. */
export function RefusalCallout({ reasons }: { reasons: readonly string[] }) {
  return (
    <Callout intent="danger" icon="shield" title="Refused by the safeguards" className="apollo-deploy-refused" data-testid="deploy-refused">
      <ul>
        {reasons.map((r) => <li key={r} data-testid="deploy-refused-reason">{withLocalTimes(r)}</li>)}
      </ul>
    </Callout>
  );
}
