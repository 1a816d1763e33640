/**
 * How the session ended: a tag in the header (who said it and when in its tooltip), and for its owner the three
 * buttons that say it, each asking for an optional note before it is saved (saying it again replaces it).
 */
import { Button, ButtonGroup, Classes, Dialog, DialogBody, DialogFooter, FormGroup, Tag, TextArea, Tooltip } from '@blueprintjs/core';
import { useState } from 'react';
import type { AiSession } from '../../../../schemas/types.gen.ts';
import { formatTime } from '../../lib/format.ts';
import { OUTCOME_LOOK, OUTCOMES, outcomeBody, outcomeSaid, type OutcomeValue } from './ai-outcome.ts';
import { useSetOutcome } from './ai-queries.ts';

/** The outcome as a tag, or, while none was said, a muted line (nothing for the owner, whose buttons ask for it). */
export function OutcomeTag({ outcome, owner }: { outcome: AiSession['outcome']; owner: boolean }) {
  if (!outcome) {
    return <span data-testid="ai-outcome" data-outcome="">{owner ? null : <span className={Classes.TEXT_MUTED}>No outcome said yet</span>}</span>;
  }
  const look = OUTCOME_LOOK[outcome.value];
  return (
    <span data-testid="ai-outcome" data-outcome={outcome.value}>
      <Tooltip content={<div className="apollo-ai-tooltip">{outcomeSaid(outcome, formatTime)}</div>}>
        <Tag intent={look.intent} icon={look.icon} minimal>{look.label}</Tag>
      </Tooltip>
    </span>
  );
}

/** The owner's "How did it end?" buttons and the note dialog they open. */
export function OutcomeControl({ session }: { session: Pick<AiSession, 'id' | 'outcome'> }) {
  const save = useSetOutcome(session.id);
  const [chosen, setChosen] = useState<OutcomeValue | null>(null);
  const [note, setNote] = useState('');
  const current = session.outcome?.value;

  const choose = (value: OutcomeValue) => {
    setNote(session.outcome?.note ?? '');
    setChosen(value);
  };
  const submit = () => {
    if (!chosen) return;
    save.mutate(outcomeBody(chosen, note), { onSuccess: () => setChosen(null) });
  };
  const look = chosen ? OUTCOME_LOOK[chosen] : null;

  return (
    <>
      <span className="apollo-ai-outcome-control">
        <span className={Classes.TEXT_MUTED}>{current ? 'Ended as' : 'How did it end?'}</span>
        <ButtonGroup size="small">
          {OUTCOMES.map((value) => (
            <Button key={value} variant="outlined" icon={OUTCOME_LOOK[value].icon} text={OUTCOME_LOOK[value].label}
              intent={current === value ? OUTCOME_LOOK[value].intent : 'none'} active={current === value} aria-pressed={current === value}
              title={`${OUTCOME_LOOK[value].label}: ${OUTCOME_LOOK[value].meaning}`}
              onClick={() => choose(value)} data-testid={`ai-outcome-${value}`} />
          ))}
        </ButtonGroup>
      </span>
      <Dialog isOpen={chosen !== null} onClose={() => setChosen(null)} title={look ? `${look.label}: ${look.meaning}` : ''} icon={look?.icon} className="apollo-ai-outcome-dialog">
        <DialogBody>
          <FormGroup label="Note" labelInfo="(optional)" labelFor="ai-outcome-note" helperText="What was done, or why: the session's record keeps it beside the outcome.">
            <TextArea id="ai-outcome-note" fill autoResize maxLength={2000} value={note} autoFocus
              onChange={(e) => setNote(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) submit(); }}
              data-testid="ai-outcome-note" />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<>
          <Button text="Cancel" onClick={() => setChosen(null)} />
          <Button intent={look?.intent ?? 'primary'} text={look ? `Save as ${look.label.toLowerCase()}` : 'Save'} loading={save.isPending} onClick={submit} data-testid="ai-outcome-save" />
        </>} />
      </Dialog>
    </>
  );
}
